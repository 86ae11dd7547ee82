/**
 * UnsortedSegmentSum for wasm (missing in stock; the gradient of gather/embedding lookups needs it).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import type { KernelArgs, WasmKernelFunc } from './wasm-util';

export function unsortedSegmentSum(tf: Tf): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, segmentIds } = inputs;
    const { numSegments } = attrs as unknown as TF.UnsortedSegmentSumAttrs;
    const idRank = segmentIds.shape.length;
    const inner = tf.util.sizeFromShape(x.shape.slice(idRank));
    const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
    const o = backend.typedArrayFromHeap(out);
    const xs = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(segmentIds);
    o.fill(0);
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i];
      if (s < 0 || s >= numSegments) continue; // TF drops out-of-range ids
      const src = i * inner;
      const dst = s * inner;
      for (let k = 0; k < inner; k++) o[dst + k] += xs[src + k];
    }
    return out;
  };
}
