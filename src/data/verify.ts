/**
 * Verification and installation of final files: a file enters the data directory only by rename
 * after its size and md5 match the catalog, so a name in the data directory is never half-written.
 */
import { promises as fsp, createReadStream, createWriteStream } from 'fs';
import { basename, dirname } from 'path';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import type { FileSpec } from './catalog';
import { fsyncDir } from '../util/fs-atomic';
import { DataError, writeFailure } from './errors';
import { describeStart, isGzip } from './gzip';
import { md5File } from './hash';

/** Files verified in this process, keyed by path, with the stat they had, so reloads skip re-hashing. */
const verified = new Map<string, string>();

function stamp(st: { size: number; mtimeMs: number; ino: number }): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

export interface Mismatch {
  expected: string;
  found: string;
}

/** Checks `path` against `spec` (size, then md5); returns undefined when it matches. */
export async function checkFile(path: string, spec: FileSpec): Promise<Mismatch | undefined> {
  const st = await fsp.stat(path);
  if (verified.get(path) === stamp(st)) return undefined;
  if (st.size !== spec.size) return { expected: `${spec.size} bytes`, found: `${st.size} bytes` };
  const md5 = await md5File(path);
  if (md5 !== spec.md5) return { expected: `md5 ${spec.md5}`, found: `md5 ${md5}` };
  verified.set(path, stamp(st));
  return undefined;
}

export function describeMismatch(m: Mismatch): string {
  return `${m.found} where ${m.expected} was expected`;
}

/**
 * Verifies the candidate file `tmp` against `spec` and renames it to `dest`; on mismatch deletes it
 * and throws a DataError naming where it came from.
 */
export async function install(tmp: string, dest: string, spec: FileSpec, origin: string): Promise<void> {
  const problem = await checkFile(tmp, spec);
  if (problem) {
    await fsp.rm(tmp, { force: true });
    throw new DataError({
      file: `${spec.name} from ${origin}`,
      expected: problem.expected,
      found: problem.found,
      fix: `the source copy is damaged or not the official file; remove it or try another source (TSDL_DATA_SOURCES)`,
    });
  }
  // On disk before it gets the final name, and the name on disk before anyone is told.
  const fh = await fsp.open(tmp, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, dest);
  fsyncDir(dirname(dest));
  const st = await fsp.stat(dest);
  verified.set(dest, stamp(st));
}

/** Forgets what was verified in this process (tests, or after files were changed on disk). */
export function forgetVerified(): void {
  verified.clear();
}

/**
 * Gunzips `src` into `dest` (about `size` bytes), with errors that name `src` and say what it
 * really holds; failing to write `dest` (a full disk) is reported as that, not as damaged data.
 */
export async function gunzipToFile(src: string, dest: string, fix: string, size = 0): Promise<void> {
  const fh = await fsp.open(src, 'r');
  const head = Buffer.alloc(512);
  const { bytesRead } = await fh.read(head, 0, 512, 0);
  await fh.close();
  const start = head.subarray(0, bytesRead);
  if (!isGzip(start)) {
    throw new DataError({ file: src, expected: 'gzip data (starting with bytes 1f8b)', found: describeStart(start), fix });
  }
  let writeError: unknown;
  const out = createWriteStream(dest).on('error', (err) => (writeError ??= err));
  try {
    await pipeline(createReadStream(src), createGunzip(), out);
  } catch (err) {
    await fsp.rm(dest, { force: true });
    if (writeError !== undefined) throw writeFailure(dirname(dest), writeError, size, `unpack ${basename(src)}`);
    throw new DataError({ file: src, expected: 'a complete gzip stream', found: `a damaged or truncated one (${err instanceof Error ? err.message : String(err)})`, fix });
  }
}
