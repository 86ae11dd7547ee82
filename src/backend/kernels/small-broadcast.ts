/**
 * Element-wise binary ops with broadcasting, for small outputs, on wasm. Stock wasm spends a fixed
 * ~0.25 ms on every broadcast that is not a scalar (e.g. logits [B,10] − max [B,1] in softmax
 * cross-entropy) against ~0.01 ms for same-shape ones; a training step has several. A loop over the
 * heap takes microseconds for these; large or same-shape inputs still go to the stock kernel.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { f32, type KernelArgs, type WasmKernelFunc } from './wasm-util';

/** Above this many output elements the stock kernel's fixed cost no longer matters. */
const MAX_OUTPUT = 1 << 16;

export const BINARY_OPS: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Multiply: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
  Maximum: Math.max,
  Minimum: Math.min,
};

/** Strides of `shape` aligned to an output of rank `rank`, 0 along broadcast axes. */
function broadcastStrides(shape: number[], out: number[]): number[] {
  const rank = out.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1, j = rank - 1; i >= 0; i--, j--) {
    strides[j] = shape[i] === 1 && out[j] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

export function smallBroadcast(tf: Tf, name: string, original: TF.KernelFunc): WasmKernelFunc {
  const op = BINARY_OPS[name];
  return (args: KernelArgs) => {
    const { a, b } = args.inputs;
    const sizeA = tf.util.sizeFromShape(a.shape);
    const sizeB = tf.util.sizeFromShape(b.shape);
    const same = tf.util.arraysEqual(a.shape, b.shape);
    if (same || sizeA === 1 || sizeB === 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return original(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    }
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = tf.util.sizeFromShape(outShape);
    if (size > MAX_OUTPUT) return original(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    const out = args.backend.makeOutput(outShape, 'float32');
    const o = f32(args.backend, out);
    const xa = f32(args.backend, a);
    const xb = f32(args.backend, b);
    const rank = outShape.length;
    const sa = broadcastStrides(a.shape, outShape);
    const sb = broadcastStrides(b.shape, outShape);
    const inner = outShape[rank - 1];
    const ia = sa[rank - 1];
    const ib = sb[rank - 1];
    const idx = new Array<number>(rank).fill(0); // counter over the leading axes
    let pa = 0;
    let pb = 0;
    for (let base = 0; base < size; base += inner) {
      for (let k = 0, qa = pa, qb = pb; k < inner; k++, qa += ia, qb += ib) o[base + k] = op(xa[qa], xb[qb]);
      // Advance the leading-axes counter (odometer), keeping pa/pb in step.
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]++;
        pa += sa[d];
        pb += sb[d];
        if (idx[d] < outShape[d]) break;
        pa -= sa[d] * outShape[d];
        pb -= sb[d] * outShape[d];
        idx[d] = 0;
      }
    }
    return out;
  };
}
