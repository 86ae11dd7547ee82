/**
 * The two kinds of call a fused stage makes — SIMD kernels and single-precision products — on heap
 * offsets only, so the same stage code can run a block of its work on this thread or hand it to a
 * helper thread on the same (shared) heap.
 */
import type { Blas, Trans } from '../blas/provider';
import { gemmThreads } from '../kernels/blas-matmul';
import type { SimdKernels } from '../simd/index';

export interface Calls {
  simd: SimdKernels;
  /** C = alpha·op(A)·op(B) + beta·C on heap offsets (row-major), `threads` BLAS threads (default: by size). */
  gemm(ta: Trans, tb: Trans, m: number, n: number, k: number, alpha: number, a: number, lda: number,
    b: number, ldb: number, beta: number, c: number, ldc: number, threads?: number): void;
  /** The BLAS threads `gemm` uses for an m×n×k product by default. */
  threadsFor(m: number, n: number, k: number): number;
}

/** Calls that run here and now (views of the heap taken at each call). */
export function directCalls(heap: { simd: SimdKernels; f32(offset: number, n: number): Float32Array }, blas: Blas): Calls {
  const rows = (t: Trans, r: number, c: number) => (t === 'N' ? r : c);
  return {
    simd: heap.simd,
    gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads) {
      // View lengths: the rows of each operand as stored, times its leading dimension (the last row may be shorter).
      const av = heap.f32(a, (rows(ta, m, k) - 1) * lda + (ta === 'N' ? k : m));
      const bv = heap.f32(b, (rows(tb, k, n) - 1) * ldb + (tb === 'N' ? n : k));
      const cv = heap.f32(c, (m - 1) * ldc + n);
      blas.sgemm(ta, tb, m, n, k, alpha, av, lda, bv, ldb, beta, cv, ldc, threads ?? gemmThreads(blas, m, n, k));
    },
    threadsFor: (m, n, k) => gemmThreads(blas, m, n, k),
  };
}
