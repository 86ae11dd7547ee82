/**
 * The machine's measured sgemm peak through the same BLAS tsdl loads: a 2048³ product (and the
 * MLP's 128×784·784×512), on all BLAS threads and on one. Prints one `RESULT {json}` line.
 * bench/run.ts runs it once per round, beside the training rows, as the physical limit.
 */
import { loadBlas } from '../src/backend/blas/provider';

function gflops(m: number, n: number, k: number, threads: number, reps: number): number {
  const { blas } = loadBlas();
  if (!blas) return NaN;
  const a = new Float32Array(m * k).fill(0.5);
  const b = new Float32Array(k * n).fill(0.25);
  const c = new Float32Array(m * n);
  blas.sgemm('N', 'N', m, n, k, 1, a, k, b, n, 0, c, n, threads);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    blas.sgemm('N', 'N', m, n, k, 1, a, k, b, n, 0, c, n, threads);
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * m * n * k) / (best / 1000) / 1e9;
}

const r = loadBlas();
const out: Record<string, unknown> = r.blas ? {
  library: r.blas.info.library, threads: r.blas.info.threads,
  peak_gflops: gflops(2048, 2048, 2048, r.blas.info.threads, 5),
  peak_1t_gflops: gflops(2048, 2048, 2048, 1, 3),
  mlp_gemm_gflops: gflops(128, 512, 784, r.blas.info.threads, 50),
} : { error: r.reason };
console.log(`RESULT ${JSON.stringify(out)}`);
