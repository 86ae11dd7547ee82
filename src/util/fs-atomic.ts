/**
 * Files that survive crashes and full disks, for every writer in the library (checkpoints, metrics,
 * tables, data caches):
 * - `writeFileAtomic`: a temporary sibling is written, fsynced, renamed over the target, and the
 *   directory fsynced, so a reader sees the old file or the new one, never a torn one;
 * - temporary names carry their owner (host, pid), so that the next writer removes leftovers of
 *   killed writers (`removeStaleTemps`) but never those of a live process;
 * - a full disk is a `DiskFullError` that says where, how much the step needs and how much is free;
 *   other file-system failures get messages that say why in words (`fsReason`).
 * No dependencies beyond Node (this module must not load TensorFlow).
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import { hostname } from 'os';
import * as path from 'path';

/** Bytes as a short human figure (1.2 MB). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}

/** Error codes that mean "no room left" (a full disk, or a quota). */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || (err instanceof DiskFullError);
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
};

/** Why a file-system call failed, in words plus the code: "read-only file system (EROFS)". */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  if (code) return `${e?.message ?? code}`;
  return err instanceof Error ? err.message : String(err);
}

/** The nearest existing ancestor of `p` (itself if it exists): where statfs can look. */
function existingAncestor(p: string): string {
  let cur = path.resolve(p);
  for (;;) {
    if (fs.existsSync(cur)) return cur;
    const up = path.dirname(cur);
    if (up === cur) return cur;
    cur = up;
  }
}

/**
 * Bytes free to an unprivileged writer on the disk that holds `dir` (or would hold it), or
 * undefined where Node cannot tell. `TSDL_TEST_FREE_BYTES` overrides it: a test hook that simulates
 * a small disk where a real one cannot be mounted.
 */
export function freeBytes(dir: string): number | undefined {
  const hook = process.env.TSDL_TEST_FREE_BYTES;
  if (hook !== undefined && hook !== '' && Number.isFinite(Number(hook))) return Number(hook);
  const statfs = (fs as unknown as { statfsSync?: (p: string) => { bavail: number; bsize: number } }).statfsSync;
  if (!statfs) return undefined;
  try {
    const st = statfs(existingAncestor(dir));
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Free bytes for a check before writing: {@link freeBytes}, or undefined (no check) when the test
 * hook `TSDL_TEST_SKIP_SPACE_CHECK=1` asks to meet a full disk as ENOSPC in the middle of a write.
 */
export function freeBytesForCheck(dir: string): number | undefined {
  return process.env.TSDL_TEST_SKIP_SPACE_CHECK === '1' ? undefined : freeBytes(dir);
}

export interface DiskFullDetails {
  /** The folder that was being written. */
  dir: string;
  /** Bytes the step needs there. */
  needed: number;
  /** What the step is, for the message: "saving the model", "unpacking train-images-idx3-ubyte". */
  step: string;
  /** Bytes free when it was checked (measured when omitted). */
  free?: number;
  /** A sentence added to the message (e.g. what was kept). */
  note?: string;
  cause?: unknown;
}

/** The disk is full: names the folder, what the step needs and what is free. */
export class DiskFullError extends Error {
  readonly code = 'ENOSPC';
  readonly dir: string;
  readonly needed: number;
  readonly free: number | undefined;
  readonly step: string;

  constructor(d: DiskFullDetails) {
    const free = d.free ?? freeBytes(d.dir);
    super(
      `The disk is full: ${d.step} needs ${formatBytes(d.needed)} in ${d.dir}, ` +
        `and ${free === undefined ? 'too little' : `only ${formatBytes(free)}`} is free there.` +
        (d.note ? ` ${d.note}` : '') +
        ` Fix: free at least ${formatBytes(Math.max(1, d.needed - (free ?? 0)))} on that disk, or write to a folder on another one.`,
    );
    this.name = 'DiskFullError';
    this.dir = d.dir;
    this.needed = d.needed;
    this.free = free;
    this.step = d.step;
    if (d.cause !== undefined) (this as { cause?: unknown }).cause = d.cause;
  }
}

/** Throws a DiskFullError when the disk holding `dir` has clearly less than `needed` bytes free. */
export function ensureSpace(dir: string, needed: number, step: string, note?: string): void {
  const free = freeBytesForCheck(dir);
  if (free !== undefined && free < needed) throw new DiskFullError({ dir, needed, step, free, note });
}

// ---------------------------------------------------------------------------------------------
// Owned temporary names and their cleanup

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);

/** `h<host>-<pid>-<random>`: who made a temporary name, so that others know when it is stale. */
export function ownerTag(): string {
  return `h${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export interface Owner {
  /** Host tag; undefined for names written by older versions (assumed this host). */
  host?: string;
  pid: number;
}

/** The owner in a name made with {@link ownerTag} (or the older `<pid>-<random>` form after `prefix`). */
export function ownerOf(name: string): Owner | undefined {
  const tagged = /h([0-9a-f]{6})-(\d+)-[0-9a-f]+/.exec(name);
  if (tagged) return { host: tagged[1], pid: Number(tagged[2]) };
  const legacy = /\.(?:tmp|part)-(\d+)-[0-9a-z]+$/.exec(name);
  if (legacy) return { pid: Number(legacy[1]) };
  return undefined;
}

/** Temporary names (`<file>.tmp-…`, `.tmp-…` scratch folders, `.<file>.part-…` downloads). */
export function isTempName(name: string): boolean {
  return /\.(?:tmp|part)-(?:h[0-9a-f]{6}-)?\d+-[0-9a-z]+$/.test(name);
}

/** Temporary paths this process is using now: never removed, even by this process's own cleanup. */
const active = new Set<string>();

/** Marks `p` as in use by this process until the returned function is called. */
export function holdPath(p: string): () => void {
  const abs = path.resolve(p);
  active.add(abs);
  return () => active.delete(abs);
}

/** A temp whose owner is alive is kept this long; past it, the pid is assumed reused (a reboot). */
export const STALE_AFTER_MS = 24 * 3600 * 1000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a temporary file or folder is a leftover: its owner is this process but it is not in use,
 * or its owner process is gone (same host), or it is older than {@link STALE_AFTER_MS}. A name
 * from another host is judged by age only (its pid means nothing here).
 */
export function isStale(p: string, owner: Owner, mtimeMs: number, now = Date.now()): boolean {
  if (active.has(path.resolve(p))) return false;
  if (now - mtimeMs > STALE_AFTER_MS) return true;
  if (owner.host !== undefined && owner.host !== HOST) return false;
  if (owner.pid === process.pid) return true;
  return !alive(owner.pid);
}

/**
 * Removes leftover temporaries in `dir` (see {@link isStale}); `also` selects more names to judge
 * by their owner tag the same way, `only` restricts the names looked at. Best effort: a folder that cannot be listed or changed (a
 * read-only cache) is left as it is. Returns the names removed.
 */
export function removeStaleTemps(dir: string, also?: (name: string) => boolean, only?: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (only && !only(name)) continue;
    if (!isTempName(name) && !(also && also(name))) continue;
    const owner = ownerOf(name);
    if (!owner) continue;
    const p = path.join(dir, name);
    try {
      const st = fs.lstatSync(p);
      if (!isStale(p, owner, st.mtimeMs)) continue;
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone already, or not ours to remove (read-only): leave it
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Test hook: crash at a named point

const hits = new Map<string, number>();

/**
 * Test hook: when `TSDL_TEST_CRASH_AT` is `name` (or `name@N`, the N-th time this point is
 * reached), the process kills itself with SIGKILL here, as a power cut or `kill -9` would.
 * Several points may be given, comma-separated. Costs one environment lookup otherwise.
 */
export function crashPoint(name: string): void {
  const spec = process.env.TSDL_TEST_CRASH_AT;
  if (!spec) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  for (const want of spec.split(',')) {
    const [point, count] = want.trim().split('@');
    if (point === name && n === Number(count ?? 1)) {
      process.kill(process.pid, 'SIGKILL');
      for (;;) { /* SIGKILL is delivered before this loop gets far */ }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Atomic writes

/** fsyncs a directory so that a rename in it survives a power cut (a no-op where not supported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A failed write, with the path and the reason in words; `code` is the underlying errno code. */
export class WriteError extends Error {
  readonly code: string | undefined;
  readonly path: string;
  constructor(file: string, cause: unknown, why = fsReason(cause)) {
    super(`Cannot write ${file}: ${why}. Fix: write to a folder you can write to, or change its permissions.`);
    this.name = 'WriteError';
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
    this.path = file;
    (this as { cause?: unknown }).cause = cause;
  }
}

export interface AtomicWriteOptions {
  /** File mode for a new file (default 0o666 less the umask, like fs.writeFileSync). */
  mode?: number;
  /** What the write is, for the disk-full message (default "writing <file>"). */
  step?: string;
  /** A sentence for the disk-full message (e.g. "The previous version is kept."). */
  note?: string;
}

/**
 * Writes `data` to `file` atomically: a temporary sibling `<file>.tmp-<owner>` is written and
 * fsynced, renamed over `file`, and the directory fsynced. On failure the temporary is removed and
 * `file` is untouched; a full disk throws {@link DiskFullError}, other failures {@link WriteError}.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(path.resolve(file));
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = `${file}.tmp-${ownerTag()}`;
  const release = holdPath(tmp);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', options.mode ?? 0o666);
    // Half the data, then the rest (the test hook can crash between the two).
    const half = bytes.byteLength >> 1;
    for (const [from, to] of [[0, half], [half, bytes.byteLength]]) {
      for (let off = from; off < to; ) off += fs.writeSync(fd, bytes, off, Math.min(to - off, 1 << 20));
      if (from === 0) crashPoint('atomic:mid-write');
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    crashPoint('atomic:before-rename');
    fs.renameSync(tmp, file);
    crashPoint('atomic:after-rename');
    fsyncDir(dir);
  } catch (err) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* already closed */ }
    }
    try { fs.unlinkSync(tmp); } catch { /* never created, or renamed */ }
    if (err instanceof DiskFullError || err instanceof WriteError) throw err;
    if (isNoSpace(err)) throw new DiskFullError({ dir, needed: bytes.byteLength, step: options.step ?? `writing ${path.basename(file)}`, note: options.note, cause: err });
    throw new WriteError(file, err);
  } finally {
    release();
  }
  // Temporaries of earlier, killed writers of this same file.
  const base = `${path.basename(file)}.tmp-`;
  removeStaleTemps(dir, undefined, (name) => name.startsWith(base));
}

/**
 * Why `dir` cannot be created or written, in words: for ENOTDIR / EEXIST it names the file that
 * stands where a folder is needed.
 */
export function whyNotWritable(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    let cur = path.resolve(dir);
    for (;;) {
      try {
        if (!fs.statSync(cur).isDirectory()) return `not a directory: ${cur} is a file (${code})`;
        break;
      } catch {
        const up = path.dirname(cur);
        if (up === cur) break;
        cur = up;
      }
    }
    return `not a directory (${code})`;
  }
  return fsReason(err);
}

/** Creates `dir` (and parents); failures become a {@link WriteError} that says why in words. */
export function mkdirWritable(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new WriteError(dir, err, whyNotWritable(dir, err));
  }
}
