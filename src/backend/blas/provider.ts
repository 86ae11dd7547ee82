/**
 * Finds and loads the machine's BLAS (a CBLAS `cblas_sgemm`) through koffi, an FFI whose npm
 * package ships prebuilt binaries, so no compiler is needed at install. Candidates in order:
 * OpenBLAS, MKL, BLIS, the system's generic CBLAS (`libblas.so.3`), Apple Accelerate on macOS.
 * `TSDL_BLAS=off` disables it; `TSDL_BLAS=/path/to/lib.so` loads exactly that library.
 * `TSDL_BLAS_THREADS=N` sets the most threads a product may use (default: every core, at most 4).
 *
 * koffi is an optional dependency and required lazily: when it or a library is missing, the
 * loader returns the reason and the wasm backend keeps its XNNPACK kernels.
 */
import * as os from 'node:os';

/** What `ready()` reports about the BLAS. */
export interface BlasInfo {
  /** 'OpenBLAS 0.3.21 ...', 'MKL', 'BLIS', 'Accelerate' or 'CBLAS' (unknown implementation). */
  library: string;
  /** The file (or name) the library was loaded from. */
  path: string;
  /** The most threads one product uses. */
  threads: number;
}

export type Trans = 'N' | 'T';

/** A loaded CBLAS: row-major single-precision products on Float32Arrays (views of any memory). */
export interface Blas {
  info: BlasInfo;
  /** C = alpha·op(A)·op(B) + beta·C, row-major; `threads` caps the threads of this call. */
  sgemm(ta: Trans, tb: Trans, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number, threads?: number): void;
  /** Whether `threads` can be set per call (else the library picks). */
  canSetThreads: boolean;
  /** Sets the threads of the calls that follow (before another thread calls the library concurrently: then 1). */
  useThreads(n: number): void;
}

export type BlasResult = { blas: Blas; reason?: undefined } | { blas?: undefined; reason: string };

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

interface Candidate { path: string; library: string }

/**
 * Libraries to try, in order. In a conda environment (environment.yml installs OpenBLAS) its lib
 * folder comes first: conda's libraries are not on the system loader's path.
 */
function candidates(): Candidate[] {
  const system = systemCandidates();
  const conda = process.env.CONDA_PREFIX;
  if (!conda || process.platform === 'win32') return system;
  const inConda = system.filter((c) => !c.path.startsWith('/')).map((c) => ({ ...c, path: `${conda}/lib/${c.path}` }));
  return [...inConda, ...system];
}

function systemCandidates(): Candidate[] {
  if (process.platform === 'darwin') {
    return [
      { path: '/System/Library/Frameworks/Accelerate.framework/Accelerate', library: 'Accelerate' },
      { path: 'libopenblas.dylib', library: 'OpenBLAS' },
      { path: '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', library: 'OpenBLAS' },
      { path: '/usr/local/opt/openblas/lib/libopenblas.dylib', library: 'OpenBLAS' },
    ];
  }
  if (process.platform === 'win32') return [{ path: 'libopenblas.dll', library: 'OpenBLAS' }, { path: 'mkl_rt.2.dll', library: 'MKL' }];
  return [
    { path: 'libopenblas.so.0', library: 'OpenBLAS' },
    { path: 'libopenblas.so', library: 'OpenBLAS' },
    { path: 'libmkl_rt.so.2', library: 'MKL' },
    { path: 'libmkl_rt.so', library: 'MKL' },
    { path: 'libblis.so.4', library: 'BLIS' },
    { path: 'libblas.so.3', library: 'CBLAS' },
  ];
}

/** Threads wanted per product: TSDL_BLAS_THREADS, else every core (at most 4). */
export function wantedBlasThreads(): number {
  const env = process.env.TSDL_BLAS_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`TSDL_BLAS_THREADS=${env} is not a positive integer; use e.g. 1 or 2.`);
    return n;
  }
  return Math.max(1, Math.min(4, os.cpus().length));
}

type Koffi = {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown; unload?(): void };
};

function tryFunc(lib: ReturnType<Koffi['load']>, signature: string): ((...args: unknown[]) => unknown) | undefined {
  try {
    return lib.func(signature);
  } catch {
    return undefined;
  }
}

function open(koffi: Koffi, c: Candidate, threads: number): Blas {
  const lib = koffi.load(c.path);
  const gemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)');
  // Identify the implementation by its own entry points (libblas.so.3 is often OpenBLAS underneath).
  const openblasConfig = tryFunc(lib, 'const char *openblas_get_config()');
  const openblasThreads = tryFunc(lib, 'void openblas_set_num_threads(int)');
  const mklThreads = tryFunc(lib, 'int MKL_Set_Num_Threads_Local(int)') ?? tryFunc(lib, 'void MKL_Set_Num_Threads(int)');
  const blisThreads = tryFunc(lib, 'void bli_thread_set_num_threads(long)');
  let library = c.library;
  if (openblasConfig) library = `OpenBLAS (${String(openblasConfig())})`;
  else if (mklThreads) library = 'MKL';
  else if (blisThreads) library = 'BLIS';
  const setThreads = openblasThreads ?? mklThreads ?? blisThreads;
  let current = -1;
  const set = (n: number) => {
    if (setThreads && n !== current) {
      setThreads(n);
      current = n;
    }
  };
  set(threads);
  return {
    info: { library, path: c.path, threads },
    canSetThreads: setThreads !== undefined,
    useThreads: (n) => set(Math.min(n, threads)),
    sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc, t = threads) {
      set(Math.min(t, threads));
      gemm(ROW_MAJOR, ta === 'T' ? TRANS : NO_TRANS, tb === 'T' ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc);
    },
  };
}

/** Checks a loaded BLAS on a small product with both transposes (a wrong ABI shows here, not in training). */
function selfTest(blas: Blas): string | undefined {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2×3
  const b = Float32Array.from([7, 8, 9, 10, 11, 12]); // 3×2
  const c = new Float32Array(4);
  blas.sgemm('N', 'N', 2, 2, 3, 1, a, 3, b, 2, 0, c, 2, 1);
  const want = [58, 64, 139, 154];
  if (!want.every((v, i) => c[i] === v)) return `cblas_sgemm gave [${c}] for a known product (want [${want}])`;
  blas.sgemm('T', 'T', 2, 2, 3, 1, b, 2, a, 3, 0, c, 2, 1); // (Bᵀ·Aᵀ) = (A·B)ᵀ
  const wantT = [58, 139, 64, 154];
  if (!wantT.every((v, i) => c[i] === v)) return `cblas_sgemm with transposes gave [${c}] (want [${wantT}])`;
  return undefined;
}

let loaded: BlasResult | undefined;

/** Loads the BLAS once (honouring TSDL_BLAS); later calls return the same answer. */
export function loadBlas(): BlasResult {
  loaded ??= find();
  return loaded;
}

function find(): BlasResult {
  const env = process.env.TSDL_BLAS;
  if (env === 'off' || env === '0' || env === 'false') return { reason: `TSDL_BLAS=${env}` };
  let koffi: Koffi;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    koffi = require('koffi') as Koffi;
  } catch (err) {
    return { reason: `the optional npm package koffi (FFI) did not load: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}` };
  }
  // OpenBLAS's idle threads busy-wait ~0.1 s after each product, taking a core from the wasm
  // kernels that run between products; a short timeout lets them sleep (read when it loads).
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  const threads = wantedBlasThreads();
  const list = env ? [{ path: env, library: 'CBLAS' }] : candidates();
  const tried: string[] = [];
  for (const c of list) {
    try {
      const blas = open(koffi, c, threads);
      const bad = selfTest(blas);
      if (!bad) return { blas };
      tried.push(`${c.path}: ${bad}`);
    } catch (err) {
      tried.push(`${c.path}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    }
  }
  const hint = process.platform === 'linux' ? ' (Debian/Ubuntu: apt-get install libopenblas0-pthread)' : '';
  return { reason: `no CBLAS library loaded${hint}; tried ${tried.join('; ')}` };
}
