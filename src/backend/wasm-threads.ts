/**
 * Multi-threaded XNNPACK for the wasm backend under Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build, but under Node it never uses it: the
 * WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired off, the pthread worker script and main script
 * are handed to `new Worker` as `blob:` URLs (which Node's Worker rejects), the main script is a
 * rollup-bundled function whose free variables (`require$$0`, `commonjsGlobal`) don't exist in a
 * worker, tfjs caps the pool at half of `os.cpus()`, and the idle workers keep the process alive.
 * `initThreadedWasm` works around each of these for the pinned 4.22.0 only: it writes both scripts
 * to a temporary folder, points the worker at real paths, and unrefs the workers afterwards. On any
 * mismatch it does nothing and the caller initialises the single-threaded SIMD build as usual.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tf } from '../tf-type';
import { ownerTag, removeStaleTemps } from '../util/fs-atomic';

const PINNED = '4.22.0';
const BLOB_BRANCH = 'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
const MAIN_MARKER = 'var WasmBackendModuleThreadedSimd';
// The free variables of the rollup bundle's factory, re-created in the worker's global scope.
const BUNDLE_PRELUDE =
  "var commonjsGlobal=globalThis,require$$0=require('fs'),require$$1=require('path'),require$$2=require('worker_threads')," +
  "require$$3=require('perf_hooks'),require$$4=require('os');\n";

export interface ThreadsResult {
  threads: number;
  /** Why threads are off, when they are. */
  why?: string;
  /** The heap is a SharedArrayBuffer other threads can work on (the threaded build). */
  sharedHeap?: boolean;
}

/** Threads wanted: TSDL_WASM_THREADS, else all cores (at most 4). */
export function wantedThreads(): number {
  const env = process.env.TSDL_WASM_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`TSDL_WASM_THREADS=${env} is not a positive integer; use e.g. 1 (off) or 2.`);
    return n;
  }
  return Math.max(1, Math.min(4, os.cpus().length));
}

interface PThreadLike { unusedWorkers: { unref(): void; terminate(): void }[]; runningWorkers: { unref(): void }[] }

/**
 * Initialises the 'wasm' backend (sets it active) with `threads` XNNPACK threads. Returns the
 * thread count in use, or {threads: 1, why} when it left the backend uninitialised for a normal
 * single-threaded start. `sharedHeap`: start the threaded build even for one XNNPACK thread, for
 * its shared heap (tsdl's helper thread works on it); emscripten's pool of pthread workers, unused
 * then, is ended (each holds a V8 isolate, ~20 MB).
 */
export async function initThreadedWasm(tf: Tf, threads: number, opts: { sharedHeap?: boolean } = {}): Promise<ThreadsResult> {
  if (threads <= 1 && !opts.sharedHeap) return { threads: 1, why: process.env.TSDL_WASM_THREADS ? `TSDL_WASM_THREADS=${process.env.TSDL_WASM_THREADS}` : 'one CPU core' };
  threads = Math.max(1, threads);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version: string = require('@tensorflow/tfjs-backend-wasm/package.json').version;
  if (version !== PINNED) return { threads: 1, why: `threads need tfjs-backend-wasm ${PINNED}, found ${version}` };
  if (typeof SharedArrayBuffer === 'undefined') return { threads: 1, why: 'no SharedArrayBuffer' };
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setThreadsCount(n: number): void };

  // The folder names its owner process: a killed kernel cannot remove its own at exit, so each
  // start removes those of processes that are gone.
  const isOurs = (name: string) => name.startsWith('tsdl-wasm-');
  removeStaleTemps(os.tmpdir(), isOurs, isOurs);
  const dir = path.join(os.tmpdir(), `tsdl-wasm-${ownerTag()}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const mainPath = path.join(dir, 'main.js');
  const workerPath = path.join(dir, 'worker.js');
  let mainWritten = false;
  let workerWritten = false;

  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const osMod = require('os') as { cpus: () => os.CpuInfo[] };
  const realCpus = osMod.cpus;
  class RecordingBlob extends OrigBlob {
    readonly tsdlText: string;
    // Typed loosely on purpose: tslab compiles notebook imports without the DOM lib (no BlobPart).
    constructor(parts: any[], opts?: any) {
      super(parts, opts);
      this.tsdlText = parts.every((p) => typeof p === 'string') ? (parts as string[]).join('') : '';
      if (this.tsdlText.startsWith(MAIN_MARKER) && !mainWritten) {
        fs.writeFileSync(mainPath, BUNDLE_PRELUDE + this.tsdlText);
        mainWritten = true;
      }
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob) => {
    if (obj instanceof RecordingBlob && obj.tsdlText.includes(BLOB_BRANCH) && mainWritten) {
      // Emscripten asks for the worker script once per pool worker (8), and the workers already
      // started read it meanwhile: written once, never rewritten under a reader (rewriting it let a
      // worker read an empty file, exit, and the backend's start wait forever).
      if (!workerWritten) fs.writeFileSync(workerPath, obj.tsdlText.replace(BLOB_BRANCH, `importScripts(${JSON.stringify(mainPath)})`));
      workerWritten = true;
      return workerPath;
    }
    return origCreate(obj);
  };
  // tfjs sizes the pool from half the logical cores; present enough cores for `threads`.
  osMod.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus()[i % realCpus().length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } finally {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    osMod.cpus = realCpus;
  }
  if (!ok || !mainWritten || !workerWritten) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    return { threads: 1, why: `threaded wasm did not start (main script ${mainWritten}, worker ${workerWritten}, init ${ok})` };
  }
  // Idle pthread workers would keep Node running after the program ends.
  const pt = (tf.backend() as unknown as { wasm?: { PThread?: PThreadLike } }).wasm?.PThread;
  if (pt) for (const w of [...pt.unusedWorkers, ...pt.runningWorkers]) w.unref();
  const used = (require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number }).getThreadsCount();
  if (used === 1 && pt) {
    // One XNNPACK thread starts no pthread: the pool's workers would only hold memory.
    for (const w of pt.unusedWorkers) w.terminate();
    pt.unusedWorkers.length = 0;
  }
  return { threads: used, sharedHeap: true };
}
