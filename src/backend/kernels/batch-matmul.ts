/**
 * BatchMatMul wrapper for wasm: stock wasm's paths for `transposeA` (every weight gradient Xᵀ·dY)
 * and `transposeB` (every input gradient dY·Wᵀ) are 5-30× slower than transposing the operand first
 * and multiplying plainly. Transpose explicitly, then multiply.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { free, runKernel, type KernelArgs, type WasmKernelFunc } from './wasm-util';

function swapLast2(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function batchMatMul(tf: Tf, original: TF.KernelFunc): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs as unknown as TF.BatchMatMulAttrs;
    if (!transposeA && !transposeB) {
      return original({ inputs, backend: backend as unknown as TF.KernelBackend, attrs: attrs as TF.NamedAttrMap }) as TF.TensorInfo;
    }
    const at = transposeA ? runKernel(tf, 'Transpose', backend, { x: a }, { perm: swapLast2(a.shape.length) }) : a;
    const bt = transposeB ? runKernel(tf, 'Transpose', backend, { x: b }, { perm: swapLast2(b.shape.length) }) : b;
    const out = original({
      inputs: { a: at, b: bt },
      backend: backend as unknown as TF.KernelBackend,
      attrs: { transposeA: false, transposeB: false } as unknown as TF.NamedAttrMap,
    }) as TF.TensorInfo;
    free(backend, transposeA ? at : undefined, transposeB ? bt : undefined);
    return out;
  };
}
