/**
 * MaxPoolGrad for wasm, as a loop over the wasm heap. Replaces the stock kernel, which routes
 * gradients to the wrong cells for 'same' padding on odd sizes with more than one channel or image,
 * and was ~28 % of a CNN step. Each output's gradient goes to the first input in its window that
 * equals the forward maximum (the cpu backend's rule: first maximal cell in row-major order).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { f32, type KernelArgs, type WasmKernelFunc } from './wasm-util';

export function maxPoolGrad(tf: Tf): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, input, output } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as TF.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize: nb, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { dilationHeight: dh, dilationWidth: dw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const out = backend.makeOutput(input.shape, 'float32');
    const dx = f32(backend, out);
    const xs = f32(backend, input);
    const ys = f32(backend, output);
    const g = f32(backend, dy);
    // Windows that never overlap (stride ≥ window, no dilation) write each input cell at most once:
    // plain stores, and zero-filling only needed where windows leave cells uncovered.
    const disjoint = sh >= fh && sw >= fw && dh === 1 && dw === 1;
    const covered = disjoint && oh * sh === h && ow * sw === w && top === 0 && left === 0 && sh === fh && sw === fw;
    const rowStride = w * c;
    if (covered && fh === 2 && fw === 2) {
      pool2x2(nb, oh, ow, c, rowStride, h * rowStride, xs, ys, g, dx);
      return out;
    }
    if (!covered) dx.fill(0);
    for (let b = 0; b < nb; b++) {
      const xb = b * h * rowStride;
      for (let i = 0; i < oh; i++) {
        const h0 = i * sh - top;
        // Window rows inside the image: p in [p0, p1); columns likewise.
        const p0 = h0 >= 0 ? 0 : Math.ceil(-h0 / dh);
        const p1 = Math.min(fh, Math.ceil((h - h0) / dh));
        for (let j = 0; j < ow; j++) {
          const w0 = j * sw - left;
          const q0 = w0 >= 0 ? 0 : Math.ceil(-w0 / dw);
          const q1 = Math.min(fw, Math.ceil((w - w0) / dw));
          const go = ((b * oh + i) * ow + j) * c;
          for (let k = 0; k < c; k++) {
            // The forward output is the window's maximum: the first cell (row-major) equal to it gets
            // the gradient. Branch-free (+bool is 0/1): which cell wins is unpredictable.
            const m = ys[go + k];
            const gv = g[go + k];
            let taken = 0;
            for (let p = p0; p < p1; p++) {
              const rowBase = xb + (h0 + p * dh) * rowStride + k;
              for (let q = q0; q < q1; q++) {
                const idx = rowBase + (w0 + q * dw) * c;
                const e = +(xs[idx] === m);
                const hit = e & (taken ^ 1);
                taken |= e;
                if (disjoint) dx[idx] = gv * hit;
                else dx[idx] += gv * hit;
              }
            }
          }
        }
      }
    }
    return out;
  };
}

/** The common 2×2/stride-2 case with windows tiling the image exactly, unrolled (2× the loop's speed). */
function pool2x2(
  nb: number, oh: number, ow: number, c: number, rowStride: number, imageSize: number,
  xs: Float32Array, ys: Float32Array, g: Float32Array, dx: Float32Array,
): void {
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const go = ((b * oh + i) * ow + j) * c;
        const base = b * imageSize + 2 * i * rowStride + 2 * j * c;
        for (let k = 0; k < c; k++) {
          const m = ys[go + k];
          const gv = g[go + k];
          const i0 = base + k;
          const i1 = i0 + c;
          const i2 = i0 + rowStride;
          const i3 = i2 + c;
          const e0 = +(xs[i0] === m);
          const e1 = +(xs[i1] === m) & (e0 ^ 1);
          const t1 = e0 | e1;
          const e2 = +(xs[i2] === m) & (t1 ^ 1);
          const e3 = +(xs[i3] === m) & ((t1 | e2) ^ 1);
          dx[i0] = gv * e0;
          dx[i1] = gv * e1;
          dx[i2] = gv * e2;
          dx[i3] = gv * e3;
        }
      }
    }
  }
}
