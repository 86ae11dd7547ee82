/**
 * Sum over the leading axes on wasm (every bias gradient: Σ dy over the batch, or over batch and
 * pixels) as one SIMD pass. Stock wasm transposes the reduced axes to the end first, a full copy of
 * dy; other reductions still go to it.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { offsetOf, simd } from './heap';
import type { KernelArgs, WasmKernelFunc } from './wasm-util';

export function sumLeading(tf: Tf, original: TF.KernelFunc): WasmKernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as unknown as TF.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const k = axes.length;
    const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return original(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
    const rest = x.shape.slice(k);
    const cols = tf.util.sizeFromShape(rest);
    const out = args.backend.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    if (cols > 0) simd(args.backend).col_sum(offsetOf(args.backend, x), offsetOf(args.backend, out), rows, cols);
    return out;
  };
}
