/**
 * Registers the wasm backend and the kernels tsdl needs to *train* on it.
 *
 * Stock tfjs-backend-wasm 4.22:
 * - lacks Conv2DBackpropFilter (conv layers cannot train) and UnsortedSegmentSum (gather gradients);
 * - computes MaxPoolGrad wrongly for 'same' padding on odd sizes;
 * - multiplies with `transposeA`/`transposeB` 5-30× slower than transposing first (BatchMatMul);
 * - copies every tensor autodiff saves (Identity);
 * - pays ~0.25 ms for every small non-scalar broadcast (Add, Sub, Multiply, RealDiv, Max/Minimum);
 * - runs LeakyRelu and the ReLU/LeakyReLU gradients as slow multi-kernel or branchy loops;
 * - trains batch norm and dropout through ~25 and 5 small kernels per layer (layer-kernels.ts).
 * This module adds or replaces exactly those kernels (tests/backend checks each against the cpu
 * backend), and `startWasm` runs XNNPACK multi-threaded under Node (wasm-threads.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../tf-type';
import { LEAKY_RELU_GRAD, RELU_GRAD, leakyRelu, leakyReluGrad, registerActivationGradients, reluGrad } from './kernels/activation-grads';
import { batchMatMul } from './kernels/batch-matmul';
import { CONV2D_FILTER_BIAS_GRAD, conv2dBackpropFilter, conv2dFilterBiasGrad } from './kernels/conv2d-backprop-filter';
import { identity } from './kernels/identity';
import { LAYER_KERNELS } from './kernels/layer-kernels';
import { maxPoolGrad } from './kernels/max-pool-grad';
import { BINARY_OPS, smallBroadcast } from './kernels/small-broadcast';
import { unsortedSegmentSum } from './kernels/unsorted-segment-sum';
import { initThreadedWasm, wantedThreads, type ThreadsResult } from './wasm-threads';

/** Kernels tsdl registers on 'wasm': added where stock has none, replaced where stock is wrong or slow. */
export const WASM_TRAINING_KERNELS = {
  added: ['Conv2DBackpropFilter', 'UnsortedSegmentSum', RELU_GRAD, LEAKY_RELU_GRAD, CONV2D_FILTER_BIAS_GRAD, ...Object.keys(LAYER_KERNELS)],
  replaced: ['MaxPoolGrad', 'BatchMatMul', 'Identity', 'LeakyRelu', ...Object.keys(BINARY_OPS)],
  /** Gradients that call the added kernels on wasm (other backends keep tfjs's own). */
  gradients: ['Relu', 'LeakyRelu'],
} as const;

let registered = false;

function put(tf: Tf, kernelName: string, kernelFunc: unknown, setupFunc?: TF.KernelSetupFunc): void {
  if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as TF.KernelFunc, setupFunc });
}

/** Loads tfjs-backend-wasm (registering the 'wasm' factory) and tsdl's training kernels; idempotent. */
export async function registerWasmBackend(tf: Tf): Promise<void> {
  if (registered) return;
  // Importing the package registers the 'wasm' backend factory and its kernels with tfjs-core.
  require('@tensorflow/tfjs-backend-wasm');
  const mm = tf.getKernel('BatchMatMul', 'wasm');
  if (!mm) throw new Error('tsdl: @tensorflow/tfjs-backend-wasm registered no BatchMatMul kernel; is its version 4.22.0?');
  put(tf, 'BatchMatMul', batchMatMul(tf, mm.kernelFunc), mm.setupFunc);
  put(tf, 'Conv2DBackpropFilter', conv2dBackpropFilter(tf));
  put(tf, CONV2D_FILTER_BIAS_GRAD, conv2dFilterBiasGrad(tf));
  put(tf, 'MaxPoolGrad', maxPoolGrad(tf));
  put(tf, 'UnsortedSegmentSum', unsortedSegmentSum(tf));
  const id = tf.getKernel('Identity', 'wasm');
  if (id) put(tf, 'Identity', identity(id.kernelFunc), id.setupFunc);
  put(tf, 'LeakyRelu', leakyRelu());
  for (const name of Object.keys(BINARY_OPS)) {
    const stock = tf.getKernel(name, 'wasm');
    if (stock) put(tf, name, smallBroadcast(tf, name, stock.kernelFunc), stock.setupFunc);
  }
  put(tf, RELU_GRAD, reluGrad());
  put(tf, LEAKY_RELU_GRAD, leakyReluGrad());
  for (const [name, kernel] of Object.entries(LAYER_KERNELS)) put(tf, name, kernel());
  registerActivationGradients(tf);
  registered = true;
}

let started: Promise<ThreadsResult> | undefined;

/**
 * Registers everything, then initialises and activates 'wasm': multi-threaded XNNPACK when it can
 * (see wasm-threads.ts; TSDL_WASM_THREADS=1 turns it off), else the single-threaded SIMD build.
 * Resolves to the thread count, with the reason when threads are off.
 */
export function startWasm(tf: Tf): Promise<ThreadsResult> {
  started ??= (async () => {
    await registerWasmBackend(tf);
    let result: ThreadsResult;
    try {
      result = await initThreadedWasm(tf, wantedThreads());
    } catch (err) {
      result = { threads: 1, why: `threaded wasm failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (result.why) {
      // Single-threaded SIMD build (initThreadedWasm left the flags for it).
      if (!(await tf.setBackend('wasm'))) throw new Error('tsdl: the wasm backend did not initialise (see the warning above).');
      result.threads = (require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number }).getThreadsCount();
    }
    return result;
  })();
  return started;
}
