/**
 * One-pass gradients for ReLU and LeakyReLU on wasm. tfjs composes them from 3-4 kernels
 * (Greater/Step, Cast, Multiply, Select), each a full pass over the activation with an intermediate
 * tensor; stock wasm runs those as scalar loops. These kernels do one pass over the wasm heap.
 * The gradients are re-registered to use them on wasm only; other backends keep tfjs's formulas.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { f32, type KernelArgs, type WasmKernelFunc } from './wasm-util';

export const RELU_GRAD = 'TsdlReluGrad';
export const LEAKY_RELU_GRAD = 'TsdlLeakyReluGrad';

/** dx = x > 0 ? dy : alpha·dy (alpha 0 for ReLU). */
function maskedGrad(fixedAlpha?: number): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, x } = inputs;
    const alpha = fixedAlpha ?? (attrs.alpha as number);
    const out = backend.makeOutput(x.shape, 'float32');
    const o = f32(backend, out);
    const xs = f32(backend, x);
    const g = f32(backend, dy);
    const n = o.length;
    // Branch-free (+bool is 0/1): signs of activations are random, and a branch mispredicts ~half
    // the time (6× slower measured).
    const d = 1 - alpha;
    for (let i = 0; i < n; i++) o[i] = g[i] * (alpha + d * +(xs[i] > 0));
    return out;
  };
}

export const reluGrad = (): WasmKernelFunc => maskedGrad(0);
export const leakyReluGrad = (): WasmKernelFunc => maskedGrad();

/** LeakyRelu forward, y = x > 0 ? x : alpha·x, branch-free (stock wasm's loop is ~5× slower). */
export function leakyRelu(): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x } = inputs;
    const alpha = attrs.alpha as number;
    const out = backend.makeOutput(x.shape, 'float32');
    const o = f32(backend, out);
    const xs = f32(backend, x);
    const d = 1 - alpha;
    for (let i = 0, n = o.length; i < n; i++) { const v = xs[i]; o[i] = v * (alpha + d * +(v > 0)); }
    return out;
  };
}

/** Re-registers the Relu/LeakyRelu gradients so that on wasm they run the one-pass kernels. */
export function registerActivationGradients(tf: Tf): void {
  for (const [kernelName, gradKernel] of [['Relu', RELU_GRAD], ['LeakyRelu', LEAKY_RELU_GRAD]] as const) {
    const stock = tf.getGradient(kernelName);
    if (!stock || (stock as { tsdl?: boolean }).tsdl) continue;
    const config: TF.GradConfig & { tsdl: boolean } = {
      kernelName,
      inputsToSave: ['x'],
      tsdl: true,
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || (dy as TF.Tensor).dtype !== 'float32') {
          return stock.gradFunc(dy, saved, attrs);
        }
        return {
          x: () => tf.engine().runKernel(gradKernel, { dy: dy as TF.Tensor, x }, (attrs ?? {}) as TF.NamedAttrMap) as TF.Tensor,
        };
      },
    };
    tf.registerGradient(config);
  }
}
