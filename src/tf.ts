/**
 * The one place that loads TensorFlow.js for the whole library.
 *
 * Native `@tensorflow/tfjs-node` is used when it loads; otherwise pure `@tensorflow/tfjs`, on which
 * `ready()` activates the fastest available pure-Node backend (wasm with the library's training
 * kernels and multi-threaded XNNPACK, else cpu). `TSDL_BACKEND=tensorflow|wasm|cpu` overrides the
 * choice; `TSDL_WASM_THREADS=N` sets wasm's thread count (1 = single-threaded). On wasm the matrix
 * products and convolutions run through the machine's BLAS when one loads (`TSDL_BLAS=off|<path>`).
 */
import { startWasm } from './backend/wasm';
import { showsItself } from './backend-info';
import type { BlasInfo } from './backend/blas/provider';
import type { Tf } from './tf-type';

export type { Tf } from './tf-type';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The tfjs backend that runs ops now. */
  name: string;
  /** Whether the native libtensorflow binding loaded. */
  native: boolean;
  /** Why the native binding did not load (absent when it did). */
  nativeError?: string;
  /** Threads the backend uses, where known. */
  threads?: number;
  /** Why the wasm backend runs fewer threads than cores, where it does. */
  threadsNote?: string;
  /** Why a preferred backend was skipped, in order of preference. */
  skipped: string[];
  /** wasm: the BLAS that runs matrix products and convolutions, or why none does. */
  blas?: BlasInfo | { reason: string };
}

function loadTf(): { tf: Tf; nativeError?: string } {
  if (process.env.TSDL_BACKEND && process.env.TSDL_BACKEND !== 'tensorflow') {
    return { tf: require('@tensorflow/tfjs') as Tf, nativeError: `TSDL_BACKEND=${process.env.TSDL_BACKEND}` };
  }
  try {
    // Catch every error, not only MODULE_NOT_FOUND: a half-installed addon throws a plain Error.
    return { tf: require('@tensorflow/tfjs-node') as Tf };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { tf: require('@tensorflow/tfjs') as Tf, nativeError: msg };
  }
}

const loaded = loadTf();
/** The tfjs namespace every module of the library (and the notebooks) shares. */
export const tf: Tf = loaded.tf;

let selected: Promise<BackendInfo> | undefined;

/** Candidate backends in order of preference, honouring `TSDL_BACKEND`. */
function preference(): BackendName[] {
  const wanted = process.env.TSDL_BACKEND as BackendName | undefined;
  if (wanted) {
    if (!['tensorflow', 'wasm', 'cpu'].includes(wanted)) {
      throw new Error(`TSDL_BACKEND=${wanted} is not a backend tsdl knows; use one of tensorflow, wasm, cpu (or unset it).`);
    }
    return [wanted];
  }
  return ['tensorflow', 'wasm', 'cpu'];
}

async function select(): Promise<BackendInfo> {
  const skipped: string[] = [];
  for (const name of preference()) {
    if (name === 'tensorflow' && loaded.nativeError) {
      skipped.push(`tensorflow: ${loaded.nativeError}`);
      continue;
    }
    try {
      // wasm: tsdl's training kernels, multi-threaded where possible (src/backend/wasm.ts).
      const threads = name === 'wasm' ? await startWasm(tf) : undefined;
      if (await tf.setBackend(name)) {
        await tf.ready();
        const info: BackendInfo = { name: tf.getBackend(), native: !loaded.nativeError, skipped };
        if (loaded.nativeError) info.nativeError = loaded.nativeError;
        if (threads) info.threads = threads.threads;
        if (threads?.why) info.threadsNote = threads.why;
        if (threads) info.blas = threads.blas ?? { reason: threads.blasWhy ?? 'unknown' };
        return info;
      }
      skipped.push(`${name}: setBackend returned false`);
    } catch (err) {
      skipped.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start. Tried:\n  ${skipped.join('\n  ')}`);
}

/** Activates the best backend once and reports it (displayable); later calls return the same answer. */
export function ready(): Promise<BackendInfo> {
  // The answer displays itself (a one-line summary) when a notebook cell ends with it.
  selected ??= select().then(showsItself);
  return selected;
}
