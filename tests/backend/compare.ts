/**
 * Helpers for the backend tests: run one computation on the `cpu` backend and on `wasm` (with
 * tsdl's kernels) from the same seeded inputs, and bound their difference.
 */
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../src/tf';
import { startWasm } from '../../src/backend/wasm';

/** Starts wasm the way the library does (kernels, threads) and makes it the active backend. */
export async function useWasm(): Promise<void> {
  await startWasm(tf);
  assert.ok(await tf.setBackend('wasm'), 'wasm backend starts');
}

/** Deterministic uniform values in [lo, hi) (a small LCG; tests need reproducibility, not quality). */
export function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}

export function rand(shape: number[], seed: number, lo = -1, hi = 1): TF.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);
}

type Result = TF.Tensor | TF.Tensor[] | TF.NamedTensorMap;

function flatten(r: Result): TF.Tensor[] {
  if (r instanceof tf.Tensor) return [r];
  if (Array.isArray(r)) return r;
  return Object.keys(r).sort().map((k) => r[k]);
}

/** Runs `f` on cpu then wasm; returns each backend's outputs as arrays (and shapes). */
export async function onBoth(f: () => Result): Promise<{ cpu: Float32Array[]; wasm: Float32Array[]; shapes: number[][] }> {
  const run = async (name: string) => {
    assert.ok(await tf.setBackend(name));
    const outs = tf.tidy(() => flatten(f()).map((t) => t.clone()));
    const data = outs.map((t) => Float32Array.from(t.dataSync()));
    const shapes = outs.map((t) => t.shape);
    tf.dispose(outs);
    return { data, shapes };
  };
  const c = await run('cpu');
  const w = await run('wasm');
  assert.deepEqual(w.shapes, c.shapes, 'output shapes agree');
  return { cpu: c.data, wasm: w.data, shapes: c.shapes };
}

/** Asserts max |wasm − cpu| ≤ tol · max(1, max |cpu|) for every output. */
export async function assertClose(what: string, f: () => Result, tol = 1e-4): Promise<void> {
  const { cpu, wasm } = await onBoth(f);
  cpu.forEach((c, i) => {
    let diff = 0;
    let scale = 1;
    for (let j = 0; j < c.length; j++) {
      diff = Math.max(diff, Math.abs(c[j] - wasm[i][j]));
      scale = Math.max(scale, Math.abs(c[j]));
      if (Number.isNaN(c[j]) !== Number.isNaN(wasm[i][j])) assert.fail(`${what}: output ${i}[${j}] NaN on one backend only`);
    }
    assert.ok(diff <= tol * scale, `${what}: output ${i} differs from cpu by ${diff.toExponential(2)} (scale ${scale.toExponential(2)}, tol ${tol})`);
  });
}
