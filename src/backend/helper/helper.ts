/**
 * A second thread for the fused train step's heavy loops (the convolution blocks): a worker that
 * runs SIMD kernels and BLAS products on the wasm backend's shared heap, started on first use,
 * idle (blocked, no CPU) between jobs, never keeping Node alive. `parallel(n, job)` runs jobs
 * 0..n−1 on this thread and the helper, each taken by whichever thread is free first; the helper
 * runs its jobs from a recording of the same calls, so stage code is written once (calls.ts).
 *
 * Used only where it cannot oversubscribe the cores: at least two cores, a BLAS allowed two
 * threads (TSDL_BLAS_THREADS, default every core), products inside jobs on one BLAS thread each,
 * and no XNNPACK pool (the threaded build runs on one thread beside the BLAS). TSDL_HELPER_THREAD=off
 * turns it off (and keeps the single-threaded build); `serial` keeps the shared heap but runs every
 * job here (to measure what the helper adds). Without a shared heap there is none.
 */
import * as os from 'node:os';
import type { Blas, Trans } from '../blas/provider';
import { isShared, simdModuleFor, type SimdKernels, type WasmMemory } from '../simd/index';
import type { Calls } from './calls';
import { HELPER_SOURCE } from './worker-source';

/** Whether the helper may run (env and cores; the heap and BLAS are checked by `helperFor`). */
export function helperWanted(): boolean {
  const v = process.env.TSDL_HELPER_THREAD;
  if (v === 'off' || v === '0' || v === 'false') return false;
  return os.cpus().length >= 2;
}

/** Runs jobs on this thread and, where there is one, the helper. */
export interface Parallel {
  /** Whether a helper thread takes part. */
  readonly threads: 1 | 2;
  /** Runs job(j, calls, slot) for j = 0..count−1; slot 0 here, 1 on the helper (each slot has its own scratch). */
  run(count: number, job: (j: number, calls: Calls, slot: 0 | 1) => void): void;
}

const SIMD_NAMES: (keyof SimdKernels)[] = [
  'act_forward', 'act_backward', 'tanh_grad_from_y', 'sigmoid_grad_from_y', 'bias_act', 'col_sum', 'im2col', 'col2im',
  'max_pool_grad', 'axpy', 'act_forward_grad', 'vmul', 'act_pool_fwd', 'act_pool_bwd', 'adam_update', 'momentum_update',
  'bias_act_grad', 'mul_col_sum',
];
const CODE_CAPACITY = 1 << 16;
const MAX_JOBS = 4096;
const WAIT_MS = 60_000;

interface WorkerLike { unref(): void; terminate(): Promise<number>; on(event: string, f: (x: unknown) => void): void }

class Helper {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(64));
  private readonly starts = new Int32Array(new SharedArrayBuffer(MAX_JOBS * 4));
  private readonly code = new Float64Array(new SharedArrayBuffer(CODE_CAPACITY * 8));
  private readonly msg = new Uint8Array(new SharedArrayBuffer(4096));
  private readonly worker: WorkerLike;
  private round = 0;
  /** Rounds to run alone: after rounds where the helper got (almost) no CPU, it sits some out. */
  private skip = 0;
  private backoff = 4;
  private slow = 0;
  dead?: string;

  /** Jobs the helper thread has run so far. */
  get jobs(): number {
    return Atomics.load(this.ctl, 6);
  }

  constructor(memory: WasmMemory, blasPath: string) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as { Worker: new (src: string, o: object) => WorkerLike };
    this.worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: {
        memory, module: simdModuleFor(memory), names: SIMD_NAMES, koffiPath: require.resolve('koffi'), blasPath,
        ctlBuf: this.ctl.buffer, startsBuf: this.starts.buffer, codeBuf: this.code.buffer, msgBuf: this.msg.buffer,
      },
    });
    this.worker.unref();
    this.worker.on('error', (err) => { this.dead = `the helper thread failed: ${err instanceof Error ? err.message : String(err)}`; });
    this.worker.on('exit', () => { this.dead ??= 'the helper thread exited'; });
  }

  /** Encodes every job's calls for the helper (its slot, 1); false when they do not fit. */
  private record(count: number, job: (j: number, calls: Calls, slot: 0 | 1) => void): boolean {
    if (count > MAX_JOBS) return false;
    const code = this.code;
    let p = 0;
    let calls = 0;
    let full = false;
    const put = (op: number, args: ArrayLike<number>) => {
      if (p + 2 + args.length >= CODE_CAPACITY) { full = true; return; }
      code[p++] = op;
      code[p++] = args.length;
      for (let i = 0; i < args.length; i++) code[p++] = args[i];
      calls++;
    };
    const recorder: Calls = {
      simd: Object.fromEntries(SIMD_NAMES.map((name, op) => [name, (...args: number[]) => put(op, args)])) as unknown as SimdKernels,
      gemm: (ta: Trans, tb: Trans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
        put(-1, [ta === 'T' ? 1 : 0, tb === 'T' ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc]),
      threadsFor: () => 1,
    };
    for (let j = 0; j < count && !full; j++) {
      this.starts[j] = p;
      const head = p++;
      calls = 0;
      job(j, recorder, 1);
      code[head] = calls;
    }
    return !full;
  }

  run(count: number, job: (j: number, calls: Calls, slot: 0 | 1) => void, direct: Calls, blas: Blas): void {
    blas.useThreads(1); // both threads call the BLAS at once: one thread each
    const here: Calls = {
      simd: direct.simd,
      gemm: (ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc) => direct.gemm(ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc, 1),
      threadsFor: () => 1,
    };
    const ctl = this.ctl;
    if (this.skip > 0 || count < 2 || this.dead || !this.record(count, job)) {
      this.skip = Math.max(0, this.skip - 1);
      for (let j = 0; j < count; j++) job(j, here, 0);
      return;
    }
    const jobsBefore = this.jobs;
    Atomics.store(ctl, 2, 0);
    Atomics.store(ctl, 3, count);
    Atomics.store(ctl, 4, 0);
    this.round++;
    Atomics.store(ctl, 0, this.round);
    Atomics.notify(ctl, 0);
    let failure: unknown;
    try {
      for (;;) {
        const j = Atomics.add(ctl, 2, 1);
        if (j >= count) break;
        job(j, here, 0);
      }
    } catch (err) {
      failure = err;
      Atomics.store(ctl, 2, count); // the helper takes no further job
    }
    // Wait for the helper's last job.
    const started = Date.now();
    while (Atomics.load(ctl, 1) !== this.round) {
      if (this.dead) throw new Error(`tsdl: ${this.dead}`);
      Atomics.wait(ctl, 1, this.round - 1, 1000);
      if (Date.now() - started > WAIT_MS) {
        this.dead = 'the helper thread did not finish a job within a minute';
        throw new Error(`tsdl: ${this.dead}; later steps run on one thread.`);
      }
    }
    if (failure) throw failure;
    // A helper that took under a tenth of the jobs had no core to run on (a busy machine): waiting
    // for it costs more than it adds, so it sits out a growing number of rounds.
    if ((this.jobs - jobsBefore) * 10 < count) {
      if (++this.slow >= 3) {
        this.skip = this.backoff;
        this.backoff = Math.min(this.backoff * 2, 256);
        this.slow = 0;
      }
    } else {
      this.slow = 0;
      this.backoff = 4;
    }
    if (Atomics.load(ctl, 4)) {
      const text = new TextDecoder().decode(this.msg.slice()).replace(/\0+$/, '');
      this.dead = `the helper thread failed: ${text.split('\n')[0]}`;
      throw new Error(`tsdl: ${this.dead}`);
    }
  }
}

const helpers = new WeakMap<WasmMemory, Helper | null>();
let lastHelper: Helper | null = null;

/** What the helper thread has done in this process: jobs run there (0 without one), or why it stopped. */
export function helperStats(): { started: boolean; jobs: number; dead?: string } {
  return lastHelper ? { started: true, jobs: lastHelper.jobs, ...(lastHelper.dead ? { dead: lastHelper.dead } : {}) } : { started: false, jobs: 0 };
}

/** Runs jobs on this thread only. */
export function serial(here: Calls): Parallel {
  return { threads: 1, run: (count, job) => { for (let j = 0; j < count; j++) job(j, here, 0); } };
}

/**
 * This thread (running `here`, its direct calls) and the helper on `memory` (one per memory, started
 * on first use), or this thread alone when the heap is not shared, the BLAS has one thread, or the
 * helper is off or failed.
 */
export function parallelFor(memory: WasmMemory, here: Calls, blas: Blas): Parallel {
  if (blas.info.threads < 2 || !isShared(memory) || !helperWanted() || process.env.TSDL_HELPER_THREAD === 'serial') return serial(here);
  let h = helpers.get(memory);
  if (h === undefined) {
    try {
      h = new Helper(memory, blas.info.path);
      lastHelper = h;
    } catch {
      h = null;
    }
    helpers.set(memory, h);
  }
  if (!h || h.dead) return serial(here);
  const helper = h;
  return { threads: 2, run: (count, job) => helper.run(count, job, here, blas) };
}
