/**
 * Conv2DBackpropFilter for wasm (stock tfjs-backend-wasm has none, so conv layers cannot train).
 *
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} xpad[b, oh·sh+kh, ow·sw+kw, ci] · dy[b,oh,ow,co], i.e. one matrix
 * product Pᵀ·dY with Pᵀ the transposed patch matrix [KH·KW·Cin, B·OH·OW] (built by a loop over
 * the wasm heap, zeros for padding) and dY = dy as [B·OH·OW, Cout]; the row order of Pᵀ is the
 * filter layout, so the product is already [KH,KW,Cin,Cout]. One XNNPACK GEMM does the work. (A
 * single Conv2D with strides as dilations also computes it, but measured ~2× slower: XNNPACK
 * repacks the huge dy "filter" every step.)
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { f32, free, runKernel, type KernelArgs, type WasmKernelFunc } from './wasm-util';

/** Kernel name of the variant that also returns the bias gradient (Σ dy over B, OH, OW). */
export const CONV2D_FILTER_BIAS_GRAD = 'TsdlConv2DFilterBiasGrad';

export function conv2dBackpropFilter(tf: Tf): WasmKernelFunc {
  return (args: KernelArgs) => filterGrad(tf, args, false)[0];
}

/**
 * [dW, db] in one GEMM: a row of ones appended to Pᵀ makes the product's last row Σ dy, saving a
 * separate reduction over dy (as large as the layer's output).
 */
export function conv2dFilterBiasGrad(tf: Tf): (args: KernelArgs) => TF.TensorInfo[] {
  return (args: KernelArgs) => filterGrad(tf, args, true);
}

function filterGrad(tf: Tf, { inputs, backend, attrs }: KernelArgs, withBias: boolean): TF.TensorInfo[] {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as TF.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') {
    throw new Error("tsdl wasm Conv2DBackpropFilter: dataFormat 'NCHW' is not supported; use channelsLast (NHWC) layers.");
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rows = kh * kw * cin;
  const cols = nb * oh * ow;

  const patches = backend.makeOutput([rows + (withBias ? 1 : 0), cols], 'float32');
  const pt = f32(backend, patches);
  const xs = f32(backend, x);
  if (withBias) pt.fill(1, rows * cols, (rows + 1) * cols);
  if (cin <= 4) im2colFewChannels(xs, pt, nb, h, w, cin, kh, kw, sh, sw, top, left, oh, ow, cols);
  else im2colPerChannel(xs, pt, nb, h, w, cin, kh, kw, sh, sw, top, left, oh, ow, cols);
  const dy2 = runKernel(tf, 'Reshape', backend, { x: dy }, { shape: [cols, cout] });
  const prod = runKernel(tf, 'BatchMatMul', backend, { a: patches, b: dy2 }, { transposeA: false, transposeB: false });
  free(backend, patches, dy2);
  if (!withBias) {
    const dw = runKernel(tf, 'Reshape', backend, { x: prod }, { shape: filterShape });
    free(backend, prod);
    return [dw];
  }
  const dw2 = runKernel(tf, 'Slice', backend, { x: prod }, { begin: [0, 0], size: [rows, cout] });
  const db2 = runKernel(tf, 'Slice', backend, { x: prod }, { begin: [rows, 0], size: [1, cout] });
  const dw = runKernel(tf, 'Reshape', backend, { x: dw2 }, { shape: filterShape });
  const db = runKernel(tf, 'Reshape', backend, { x: db2 }, { shape: [cout] });
  free(backend, prod, dw2, db2);
  return [dw, db];
}

/** The output columns [q0, q1) whose input column q·sw − left + j lies inside an image w wide. */
function insideColumns(j: number, sw: number, left: number, w: number, ow: number): [number, number] {
  return [Math.max(0, Math.ceil((left - j) / sw)), Math.min(ow, Math.floor((w - 1 + left - j) / sw) + 1)];
}

/** Pᵀ row by row, one channel at a time (reads x with stride Cin). */
function im2colPerChannel(
  xs: Float32Array, pt: Float32Array, nb: number, h: number, w: number, cin: number, kh: number, kw: number,
  sh: number, sw: number, top: number, left: number, oh: number, ow: number, cols: number,
): void {
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const [q0, q1] = insideColumns(j, sw, left, w, ow);
      for (let c = 0; c < cin; c++) {
        const row = ((i * kw + j) * cin + c) * cols;
        for (let b = 0; b < nb; b++) {
          for (let p = 0; p < oh; p++) {
            // Plain loops, not TypedArray.fill: these runs are short and fill's call cost dominates.
            const dst = row + (b * oh + p) * ow;
            const y = p * sh - top + i;
            if (y < 0 || y >= h || q1 <= q0) {
              for (let q = 0; q < ow; q++) pt[dst + q] = 0;
              continue;
            }
            for (let q = 0; q < q0; q++) pt[dst + q] = 0;
            let src = ((b * h + y) * w + (q0 * sw - left + j)) * cin + c;
            const step = sw * cin;
            for (let q = q0; q < q1; q++, src += step) pt[dst + q] = xs[src];
            for (let q = q1; q < ow; q++) pt[dst + q] = 0;
          }
        }
      }
    }
  }
}

/**
 * Pᵀ for images with few channels (RGB, grayscale): all channels of a pixel in one read, written to
 * Cin rows at once (~1.5× faster than per channel at Cin = 3).
 */
function im2colFewChannels(
  xs: Float32Array, pt: Float32Array, nb: number, h: number, w: number, cin: number, kh: number, kw: number,
  sh: number, sw: number, top: number, left: number, oh: number, ow: number, cols: number,
): void {
  const step = sw * cin;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const [q0, q1] = insideColumns(j, sw, left, w, ow);
      const row0 = (i * kw + j) * cin * cols;
      for (let b = 0; b < nb; b++) {
        for (let p = 0; p < oh; p++) {
          const off = (b * oh + p) * ow;
          const y = p * sh - top + i;
          const inside = y >= 0 && y < h && q1 > q0;
          for (let c = 0; c < cin; c++) {
            const d = row0 + c * cols + off;
            if (!inside) {
              for (let q = 0; q < ow; q++) pt[d + q] = 0;
              continue;
            }
            for (let q = 0; q < q0; q++) pt[d + q] = 0;
            for (let q = q1; q < ow; q++) pt[d + q] = 0;
          }
          if (!inside) continue;
          let src = ((b * h + y) * w + (q0 * sw - left + j)) * cin;
          if (cin === 3) {
            const d0 = row0 + off;
            const d1 = d0 + cols;
            const d2 = d1 + cols;
            for (let q = q0; q < q1; q++, src += step) {
              pt[d0 + q] = xs[src];
              pt[d1 + q] = xs[src + 1];
              pt[d2 + q] = xs[src + 2];
            }
          } else {
            for (let q = q0; q < q1; q++, src += step) {
              for (let c = 0; c < cin; c++) pt[row0 + c * cols + off + q] = xs[src + c];
            }
          }
        }
      }
    }
  }
}
