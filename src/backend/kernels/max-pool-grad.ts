/**
 * MaxPoolGrad for wasm as one SIMD pass over the heap (tsdl's SIMD module, kernels.c). Replaces the
 * stock kernel, which routes gradients to the wrong cells for 'same' padding on odd sizes with more
 * than one channel or image. Each output's gradient goes to the first input in its window that
 * equals the forward maximum (the cpu backend's rule: first maximal cell in row-major order).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { offsetOf, simd } from './heap';
import type { KernelArgs, WasmKernelFunc } from './wasm-util';

export function maxPoolGrad(tf: Tf): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, input, output } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as TF.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const out = backend.makeOutput(input.shape, 'float32');
    simd(backend).max_pool_grad(
      offsetOf(backend, input), offsetOf(backend, output), offsetOf(backend, dy), offsetOf(backend, out),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
      info.padInfo.top, info.padInfo.left);
    return out;
  };
}
