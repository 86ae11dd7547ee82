/**
 * Registers the wasm backend and the kernels tsdl needs to *train* on it.
 *
 * Stock tfjs-backend-wasm 4.22:
 * - lacks Conv2DBackpropFilter (conv layers cannot train) and UnsortedSegmentSum (gather gradients);
 * - computes MaxPoolGrad wrongly for 'same' padding on odd sizes;
 * - multiplies with `transposeA`/`transposeB` 5-30× slower than transposing first (BatchMatMul);
 * - copies every tensor autodiff saves (Identity);
 * - pays ~0.25 ms for every small non-scalar broadcast (Add, Sub, Multiply, RealDiv, Max/Minimum);
 * - runs LeakyRelu, Tanh (a scalar libm loop) and the ReLU/LeakyReLU/Tanh/Sigmoid gradients as slow
 *   multi-kernel or scalar loops; composite activations (swish, mish, GELU, ELU) take 3-6 passes;
 * - trains batch norm and dropout through ~25 and 5 small kernels per layer (layer-kernels.ts).
 * This module adds or replaces exactly those kernels, as single passes of tsdl's SIMD module where
 * they loop over tensors (simd/kernels.c). Where the machine has a BLAS (blas/provider.ts), the
 * matrix products and convolutions run through it on the same heap (kernels/blas-*.ts); else
 * XNNPACK keeps them. tests/backend checks each kernel against the cpu backend, and `startWasm`
 * runs XNNPACK multi-threaded under Node (wasm-threads.ts) — or, beside a multi-threaded BLAS, the
 * threaded build on one thread, for the shared heap that tsdl's helper thread works on (helper/).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../tf-type';
import { loadBlas, type Blas, type BlasInfo } from './blas/provider';
import {
  FUSED_ACTIVATION, FUSED_ACTIVATION_GRAD, LEAKY_RELU_GRAD, RELU_GRAD, SIGMOID_GRAD, TANH_GRAD, fusedActivation, fusedActivationGrad,
  leakyRelu, leakyReluGrad, registerActivationGradients, reluGrad, sigmoidGrad, tanh, tanhGrad,
} from './kernels/activation-grads';
import { batchMatMul, fusedMatMul } from './kernels/batch-matmul';
import { blasConv2D, blasConv2DBackpropFilter, blasConv2DBackpropInput, blasConv2DFilterBiasGrad } from './kernels/blas-conv';
import { blasBatchMatMul, blasFusedMatMul } from './kernels/blas-matmul';
import { CONV2D_FILTER_BIAS_GRAD, conv2dBackpropFilter, conv2dFilterBiasGrad } from './kernels/conv2d-backprop-filter';
import { identity } from './kernels/identity';
import { LAYER_KERNELS } from './kernels/layer-kernels';
import { maxPoolGrad } from './kernels/max-pool-grad';
import { BINARY_OPS, smallBroadcast } from './kernels/small-broadcast';
import { sumLeading } from './kernels/sum-leading';
import { unsortedSegmentSum } from './kernels/unsorted-segment-sum';
import { initThreadedWasm, wantedThreads, type ThreadsResult } from './wasm-threads';
import { helperWanted } from './helper/helper';

/** Kernels tsdl registers on 'wasm': added where stock has none, replaced where stock is wrong or slow. */
export const WASM_TRAINING_KERNELS = {
  added: ['Conv2DBackpropFilter', 'UnsortedSegmentSum', RELU_GRAD, LEAKY_RELU_GRAD, CONV2D_FILTER_BIAS_GRAD,
    TANH_GRAD, SIGMOID_GRAD, FUSED_ACTIVATION, FUSED_ACTIVATION_GRAD, ...Object.keys(LAYER_KERNELS)],
  replaced: ['MaxPoolGrad', 'BatchMatMul', '_FusedMatMul', 'Identity', 'LeakyRelu', 'Tanh', 'Sum', ...Object.keys(BINARY_OPS)],
  /** Gradients that call the added kernels on wasm (other backends keep tfjs's own). */
  gradients: ['Relu', 'LeakyRelu', 'Tanh', 'Sigmoid', FUSED_ACTIVATION],
} as const;

/** Kernels that run through the BLAS when one loads (each falls back to the previous kernel for small or unsupported cases). */
export const BLAS_KERNELS = ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', CONV2D_FILTER_BIAS_GRAD, 'Conv2DBackpropInput'] as const;

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
  const fmm = tf.getKernel('_FusedMatMul', 'wasm');
  if (fmm) put(tf, '_FusedMatMul', fusedMatMul(tf, fmm.kernelFunc), fmm.setupFunc);
  put(tf, 'Conv2DBackpropFilter', conv2dBackpropFilter(tf));
  put(tf, CONV2D_FILTER_BIAS_GRAD, conv2dFilterBiasGrad(tf));
  put(tf, 'MaxPoolGrad', maxPoolGrad(tf));
  put(tf, 'UnsortedSegmentSum', unsortedSegmentSum(tf));
  const id = tf.getKernel('Identity', 'wasm');
  if (id) put(tf, 'Identity', identity(id.kernelFunc), id.setupFunc);
  put(tf, 'LeakyRelu', leakyRelu());
  const sum = tf.getKernel('Sum', 'wasm');
  if (sum) put(tf, 'Sum', sumLeading(tf, sum.kernelFunc), sum.setupFunc);
  for (const name of Object.keys(BINARY_OPS)) {
    const stock = tf.getKernel(name, 'wasm');
    if (stock) put(tf, name, smallBroadcast(tf, name, stock.kernelFunc), stock.setupFunc);
  }
  put(tf, RELU_GRAD, reluGrad());
  put(tf, LEAKY_RELU_GRAD, leakyReluGrad());
  const stockTanh = tf.getKernel('Tanh', 'wasm');
  put(tf, 'Tanh', tanh(), stockTanh?.setupFunc);
  put(tf, TANH_GRAD, tanhGrad());
  put(tf, SIGMOID_GRAD, sigmoidGrad());
  put(tf, FUSED_ACTIVATION, fusedActivation());
  put(tf, FUSED_ACTIVATION_GRAD, fusedActivationGrad());
  for (const [name, kernel] of Object.entries(LAYER_KERNELS)) put(tf, name, kernel());
  registerActivationGradients(tf);
  const b = loadBlas();
  blasState = b.blas ? { info: b.blas.info } : { why: b.reason };
  if (b.blas) registerBlasKernels(tf, b.blas);
  registered = true;
}

let blasState: { info?: BlasInfo; why?: string } = {};

/** Wraps each BLAS kernel around the kernel registered before it (its fallback), keeping setup functions. */
function registerBlasKernels(tf: Tf, blas: Blas): void {
  const wrap = (name: string, make: (previous: TF.KernelFunc) => unknown) => {
    const prev = tf.getKernel(name, 'wasm');
    if (!prev) throw new Error(`tsdl: kernel ${name} is not registered on wasm; the BLAS kernel needs it as its fallback (tfjs-backend-wasm 4.22.0?).`);
    put(tf, name, make(prev.kernelFunc), prev.setupFunc);
  };
  wrap('BatchMatMul', (p) => blasBatchMatMul(tf, blas, p));
  wrap('_FusedMatMul', (p) => blasFusedMatMul(tf, blas, p));
  wrap('Conv2D', (p) => blasConv2D(tf, blas, p, false));
  wrap('FusedConv2D', (p) => blasConv2D(tf, blas, p, true));
  wrap('Conv2DBackpropFilter', (p) => blasConv2DBackpropFilter(tf, blas, p));
  wrap(CONV2D_FILTER_BIAS_GRAD, (p) => blasConv2DFilterBiasGrad(tf, blas, p as unknown as Parameters<typeof blasConv2DFilterBiasGrad>[2]));
  wrap('Conv2DBackpropInput', (p) => blasConv2DBackpropInput(tf, blas, p));
}

/** What startWasm reports: XNNPACK's threads and the BLAS (or why there is none). */
export interface WasmStart extends ThreadsResult {
  blas?: BlasInfo;
  /** Why no BLAS runs the products, when none does. */
  blasWhy?: string;
}

let started: Promise<WasmStart> | undefined;

/**
 * Registers everything, then initialises and activates 'wasm': multi-threaded XNNPACK when it can
 * (see wasm-threads.ts; TSDL_WASM_THREADS=1 turns it off), else the single-threaded SIMD build.
 * Resolves to the thread count, with the reason when threads are off.
 */
export function startWasm(tf: Tf): Promise<WasmStart> {
  started ??= (async () => {
    await registerWasmBackend(tf);
    let result: WasmStart;
    // With a multi-threaded BLAS doing the products, XNNPACK (pooling, a few element-wise ops) runs
    // on one thread: both pools never hold more threads than cores, and measured faster than 2+2.
    // Its threaded build still starts when it can, for the shared heap tsdl's helper thread uses
    // (backend/helper/: the fused step's convolution blocks on the second core).
    const blasThreads = blasState.info?.threads ?? 1;
    const userThreads = process.env.TSDL_WASM_THREADS !== undefined && process.env.TSDL_WASM_THREADS !== '';
    const blasWhy = `the BLAS runs matrix products on ${blasThreads} threads; XNNPACK stays on one so the two pools never oversubscribe the cores (TSDL_WASM_THREADS=N overrides)`;
    let ready = false;
    try {
      if (blasThreads > 1 && !userThreads) {
        const shared = helperWanted() ? await initThreadedWasm(tf, 1, { sharedHeap: true }) : { threads: 1, why: 'TSDL_HELPER_THREAD=off' };
        ready = !shared.why;
        result = { threads: 1, why: blasWhy, ...(shared.sharedHeap ? { sharedHeap: true } : {}) };
      } else {
        result = await initThreadedWasm(tf, wantedThreads());
        ready = !result.why;
      }
    } catch (err) {
      result = { threads: 1, why: `threaded wasm failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!ready) {
      // Single-threaded SIMD build (initThreadedWasm left the flags for it).
      if (!(await tf.setBackend('wasm'))) throw new Error('tsdl: the wasm backend did not initialise (see the warning above).');
      result.threads = (require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number }).getThreadsCount();
      delete result.sharedHeap;
    }
    if (blasState.info) result.blas = { ...blasState.info };
    else result.blasWhy = blasState.why;
    return result;
  })();
  return started;
}
