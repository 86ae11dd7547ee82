/**
 * Dropout masks generated in place on the wasm heap.
 *
 * tfjs's `dropout` draws its uniforms one by one in JavaScript (seedrandom's alea), uploads them,
 * and runs four kernels to turn them into a mask; and with a fixed seed it draws the *same* mask on
 * every call, so a seeded tfjs Dropout layer drops the same units on every step. This kernel writes
 * the mask (0 or 1/(1 − rate)) straight into the output from a counter-based hash of (seed, index):
 * one pass, no upload, and a new mask for every seed. `dropoutMask` is the same function for any
 * backend, so wasm and cpu draw identical masks from one seed.
 */
import { f32, type KernelArgs, type WasmKernelFunc } from './wasm-util';

export const DROPOUT_MASK = 'TsdlDropoutMask';

/** A 32-bit hash of (seed, i) (a murmur3-style finaliser): uniform enough for masks, and stateless. */
function hash(seed: number, i: number): number {
  let h = (Math.imul(i, 0x9e3779b1) ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Fills `out` with a dropout mask: each entry 0 with probability `rate`, else 1/(1 − rate) (so the
 * expected value of x·mask is x). Entry i depends only on (seed, i).
 */
export function fillDropoutMask(out: Float32Array, rate: number, seed: number): Float32Array {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1); got ${rate}.`);
  const threshold = Math.floor(rate * 2 ** 32);
  const keep = 1 / (1 - rate);
  const s = seed >>> 0;
  // Branch-free: kept entries are random, a branch would mispredict on every other one.
  for (let i = 0, n = out.length; i < n; i++) out[i] = keep * +(hash(s, i) >= threshold);
  return out;
}

/** The mask kernel: no inputs; attrs `shape`, `rate`, `seed`. */
export function dropoutMask(): WasmKernelFunc {
  return ({ backend, attrs }: KernelArgs) => {
    const out = backend.makeOutput(attrs.shape as number[], 'float32');
    fillDropoutMask(f32(backend, out), attrs.rate as number, attrs.seed as number);
    return out;
  };
}
