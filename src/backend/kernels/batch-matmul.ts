/**
 * BatchMatMul / _FusedMatMul wrapper for wasm: stock wasm's paths for `transposeA` (every weight
 * gradient Xᵀ·dY) and `transposeB` (every input gradient dY·Wᵀ) are 5-30× slower than transposing
 * the operand first and multiplying plainly, and stock _FusedMatMul with both flags set computes
 * wrong values. Transpose explicitly, then multiply (bias and activation inputs pass through).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { ACT } from '../simd/index';
import { fusedMatMulArgs } from './blas-matmul';
import { offsetOf, simd } from './heap';
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
      inputs: { ...inputs, a: at, b: bt },
      backend: backend as unknown as TF.KernelBackend,
      attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as TF.NamedAttrMap,
    }) as TF.TensorInfo;
    free(backend, transposeA ? at : undefined, transposeB ? bt : undefined);
    return out;
  };
}

/**
 * _FusedMatMul for wasm without a BLAS: tsdl's BatchMatMul, then bias and activation in one SIMD
 * pass. Stock wasm's fused kernel computes wrong values for batched operands with a bias and for
 * transposeA with transposeB; PReLU (per-channel weights) still goes to it, transposed first.
 */
export function fusedMatMul(tf: Tf, original: TF.KernelFunc): WasmKernelFunc {
  const transposedFirst = batchMatMul(tf, original);
  return (args: KernelArgs) => {
    const { a, b, bias, prelu, transposeA, transposeB, act } = fusedMatMulArgs(args);
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const biasOk = !bias || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === n);
    if (!act || prelu || !biasOk || a.dtype !== 'float32' || b.dtype !== 'float32') return transposedFirst(args);
    const prod = runKernel(tf, 'BatchMatMul', args.backend, { a, b }, { transposeA, transposeB });
    if (bias || act.kind !== ACT.linear) {
      const rows = tf.util.sizeFromShape(prod.shape) / n;
      simd(args.backend).bias_act(offsetOf(args.backend, prod), bias ? offsetOf(args.backend, bias) : 0, rows, n, act.kind, act.alpha);
    }
    return prod;
  };
}
