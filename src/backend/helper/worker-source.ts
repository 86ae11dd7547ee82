/**
 * The helper thread's program (plain JavaScript, run with `new Worker(source, { eval: true })` so
 * it needs no file or TypeScript loader): it instantiates tsdl's SIMD module on the backend's
 * shared heap, loads the same BLAS through koffi, then waits for jobs. A job is a list of calls
 * encoded as numbers; the main thread and this one take jobs off a shared counter until none is
 * left, so a helper that the OS delays simply takes fewer. Protocol (Int32Array `ctl`):
 *   [0] round (the main thread bumps it to start one), [1] round done (set here), [2] next job,
 *   [3] job count, [4] error (1: the message is in `msg`), [5] 1: exit, [6] jobs run here (a count).
 * Jobs: `starts[j]` indexes `code` (Float64Array): [calls, (op, argc, ...args) × calls].
 * op ≥ 0: SIMD export `names[op]`; op = −1: sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc).
 */
export const HELPER_SOURCE = String.raw`
const { workerData } = require('worker_threads');
const { memory, module: simdModule, names, koffiPath, blasPath, ctlBuf, startsBuf, codeBuf, msgBuf } = workerData;
const ctl = new Int32Array(ctlBuf);
const starts = new Int32Array(startsBuf);
const code = new Float64Array(codeBuf);
const msg = new Uint8Array(msgBuf);
const simd = new WebAssembly.Instance(simdModule, { env: { memory } }).exports;
const fns = names.map((n) => simd[n]);
let gemm = null;
let heapBytes = 0;
let f32 = null;
function heap() {
  if (memory.buffer.byteLength !== heapBytes) { heapBytes = memory.buffer.byteLength; f32 = memory.buffer; }
  return f32;
}
function view(off, n) { return new Float32Array(heap(), off, n); }
function sgemm(a) {
  if (!gemm) {
    const koffi = require(koffiPath);
    gemm = koffi.load(blasPath).func('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)');
  }
  const [ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc] = a;
  const ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  gemm(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, view(A, (ar - 1) * lda + ac), lda, view(B, (br - 1) * ldb + bc), ldb, beta, view(C, (m - 1) * ldc + n), ldc);
}
function runJob(j) {
  let p = starts[j];
  const calls = code[p++];
  for (let c = 0; c < calls; c++) {
    const op = code[p++];
    const argc = code[p++];
    const args = Array.from(code.subarray(p, p + argc));
    p += argc;
    if (op < 0) sgemm(args); else fns[op](...args);
  }
}
let round = 0;
for (;;) {
  Atomics.wait(ctl, 0, round);
  round = Atomics.load(ctl, 0);
  if (Atomics.load(ctl, 5) === 1) break;
  try {
    const count = Atomics.load(ctl, 3);
    for (;;) {
      const j = Atomics.add(ctl, 2, 1);
      if (j >= count) break;
      runJob(j);
      Atomics.add(ctl, 6, 1);
    }
  } catch (err) {
    const text = new TextEncoder().encode(String(err && err.stack || err)).subarray(0, msg.length);
    msg.fill(0);
    msg.set(text);
    Atomics.store(ctl, 4, 1);
  }
  Atomics.store(ctl, 1, round);
  Atomics.notify(ctl, 1);
}
`;
