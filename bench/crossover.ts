/**
 * Where the BLAS starts to beat XNNPACK for a matrix product on wasm (sets BLAS_MIN_MACS in
 * src/backend/kernels/blas-matmul.ts). Run twice and compare: `tsx bench/crossover.ts` and
 * `TSDL_BLAS=off tsx bench/crossover.ts`; prints µs per product (fastest of 200) for n×n·n×n
 * and for the dense-layer shape 100×k·k×10.
 */
import { tf, ready } from '../src/tf';

async function main(): Promise<void> {
  const info = await ready();
  const blas = info.blas && 'library' in info.blas ? `BLAS ${info.blas.threads} thread(s)` : 'XNNPACK';
  const time = (a: import('@tensorflow/tfjs').Tensor, b: import('@tensorflow/tfjs').Tensor) => {
    let best = Infinity;
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      tf.matMul(a, b).dispose();
      best = Math.min(best, performance.now() - t0);
    }
    return (best * 1000).toFixed(1);
  };
  const cells: string[] = [];
  for (const n of [4, 8, 16, 24, 32, 64, 128]) {
    const a = tf.randomUniform([n, n]);
    const b = tf.randomUniform([n, n]);
    cells.push(`${n}³ ${time(a, b)}`);
    tf.dispose([a, b]);
  }
  for (const k of [16, 64, 256]) {
    const a = tf.randomUniform([100, k]);
    const b = tf.randomUniform([k, 10]);
    cells.push(`100×${k}·${k}×10 ${time(a, b)}`);
    tf.dispose([a, b]);
  }
  console.log(`${blas}: µs per product: ${cells.join(', ')}`);
}
void main();
