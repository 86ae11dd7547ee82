/**
 * BatchMatMul and _FusedMatMul through the machine's BLAS, on the wasm heap without copies:
 * cblas_sgemm reads the operands where tfjs keeps them (transposes are flags, not copies) and
 * writes the output tensor the backend allocated. The fused bias and activation run as one SIMD
 * pass afterwards. Products too small for the BLAS to win (see `useBlas`), batch broadcasts other
 * than 1-to-many, and activations without a SIMD form go to the kernel registered before.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import type { Blas } from '../blas/provider';
import { ACT } from '../simd/index';
import { offsetOf, simd, view } from './heap';
import type { KernelArgs, WasmKernelFunc } from './wasm-util';

/**
 * Below this many multiply-adds (m·n·k) the previous kernel runs instead. Measured with
 * bench/crossover.ts on this project's 2-core Xeon: at 16³ the BLAS already matches or beats
 * XNNPACK (8 vs 9-11 µs), at 64³ it is 2× faster, at 128³ 2-3×; below 16³ both cost the same ~9 µs
 * of tfjs bookkeeping, so the threshold only keeps tiny products off the FFI.
 */
export const BLAS_MIN_MACS = 1 << 12;

/**
 * Threads for one product: OpenBLAS splits skinny products (one side < 64, e.g. the CNN's
 * 102400×27·27×16 patch product) badly: slower on 2 threads than on 1 there, ~1.8× faster on the
 * MLP's 128×784·784×512.
 */
export function gemmThreads(blas: Blas, m: number, n: number, k: number): number {
  return Math.min(m, n, k) >= 64 && m * n * k >= 1 << 21 ? blas.info.threads : 1;
}

/** A _FusedMatMul call's operands and flags, with its activation in SIMD form (null: none here). */
export function fusedMatMulArgs(args: KernelArgs) {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as TF.BatchMatMulAttrs & { activation?: string; leakyreluAlpha?: number };
  return { a, b, bias, prelu: preluActivationWeights, transposeA, transposeB, act: fusedAct(activation, leakyreluAlpha) };
}

/** Activation name of a fused op → SIMD kind and alpha, or null when it has no SIMD form here. */
export function fusedAct(activation: unknown, leakyAlpha: unknown): { kind: number; alpha: number } | null {
  switch (activation ?? 'linear') {
    case 'linear': return { kind: ACT.linear, alpha: 0 };
    case 'relu': return { kind: ACT.relu, alpha: 0 };
    case 'leakyrelu': return { kind: ACT.leakyRelu, alpha: typeof leakyAlpha === 'number' ? leakyAlpha : 0.2 };
    case 'elu': return { kind: ACT.elu, alpha: 1 };
    case 'sigmoid': return { kind: ACT.sigmoid, alpha: 0 };
    case 'relu6': return { kind: ACT.relu6, alpha: 0 };
    default: return null; // prelu (per-channel weights): the previous kernel
  }
}

interface Plan { batch: number; batchA: number; batchB: number; m: number; n: number; k: number; outShape: number[] }

function plan(tf: Tf, a: TF.TensorInfo, b: TF.TensorInfo, ta: boolean, tb: boolean): Plan | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const k2 = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== k2) return null; // let the stock kernel raise its own error
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  let outer: number[];
  try {
    outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  return { batch: Math.max(batchA, batchB), batchA, batchB, m, n, k, outShape: [...outer, m, n] };
}

/** One batched product into `out` (already allocated), all on the heap. */
function gemmBatched(blas: Blas, backend: KernelArgs['backend'], p: Plan, a: TF.TensorInfo, b: TF.TensorInfo, ta: boolean, tb: boolean, out: TF.TensorInfo): void {
  const { m, n, k } = p;
  const offA = offsetOf(backend, a);
  const offB = offsetOf(backend, b);
  const offC = offsetOf(backend, out);
  const threads = gemmThreads(blas, m, n, k);
  for (let i = 0; i < p.batch; i++) {
    // Fresh views each time: nothing here allocates, but views are cheap and never go stale.
    const av = view(backend, offA + (p.batchA === 1 ? 0 : i * m * k * 4), m * k);
    const bv = view(backend, offB + (p.batchB === 1 ? 0 : i * k * n * 4), k * n);
    const cv = view(backend, offC + i * m * n * 4, m * n);
    blas.sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1, av, ta ? m : k, bv, tb ? k : n, 0, cv, n, threads);
  }
}

export function blasBatchMatMul(tf: Tf, blas: Blas, previous: TF.KernelFunc): WasmKernelFunc {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as TF.BatchMatMulAttrs;
    const p = a.dtype === 'float32' && b.dtype === 'float32' ? plan(tf, a, b, transposeA, transposeB) : null;
    if (!p || p.m * p.n * p.k < BLAS_MIN_MACS) return previous(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    const out = args.backend.makeOutput(p.outShape, 'float32');
    gemmBatched(blas, args.backend, p, a, b, transposeA, transposeB, out);
    return out;
  };
}

export function blasFusedMatMul(tf: Tf, blas: Blas, previous: TF.KernelFunc): WasmKernelFunc {
  return (args: KernelArgs) => {
    const { a, b, bias, prelu, transposeA, transposeB, act } = fusedMatMulArgs(args);
    const p = a.dtype === 'float32' && b.dtype === 'float32' ? plan(tf, a, b, transposeA, transposeB) : null;
    const biasOk = !bias || (bias.dtype === 'float32' && p !== null && tf.util.sizeFromShape(bias.shape) === p.n && bias.shape[bias.shape.length - 1] === p.n);
    if (!p || !act || prelu || !biasOk || p.m * p.n * p.k < BLAS_MIN_MACS) {
      return previous(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    }
    const out = args.backend.makeOutput(p.outShape, 'float32');
    gemmBatched(blas, args.backend, p, a, b, transposeA, transposeB, out);
    if (bias || act.kind !== ACT.linear) {
      simd(args.backend).bias_act(offsetOf(args.backend, out), bias ? offsetOf(args.backend, bias) : 0, p.batch * p.m, p.n, act.kind, act.alpha);
    }
    return out;
  };
}
