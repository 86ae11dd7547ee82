/**
 * Verification and installation of final files: a file enters the data directory only by rename
 * after its size and md5 match the catalog, so a name in the data directory is never half-written.
 */
import { promises as fsp, createReadStream, createWriteStream } from 'fs';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import type { FileSpec } from './catalog';
import { DataError } from './errors';
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
  await fsp.rename(tmp, dest);
  const st = await fsp.stat(dest);
  verified.set(dest, stamp(st));
}

/** Forgets what was verified in this process (tests, or after files were changed on disk). */
export function forgetVerified(): void {
  verified.clear();
}

/** Gunzips `src` into `dest`, with errors that name `src` and say what it really holds. */
export async function gunzipToFile(src: string, dest: string, fix: string): Promise<void> {
  const fh = await fsp.open(src, 'r');
  const head = Buffer.alloc(512);
  const { bytesRead } = await fh.read(head, 0, 512, 0);
  await fh.close();
  const start = head.subarray(0, bytesRead);
  if (!isGzip(start)) {
    throw new DataError({ file: src, expected: 'gzip data (starting with bytes 1f8b)', found: describeStart(start), fix });
  }
  try {
    await pipeline(createReadStream(src), createGunzip(), createWriteStream(dest));
  } catch (err) {
    await fsp.rm(dest, { force: true });
    throw new DataError({ file: src, expected: 'a complete gzip stream', found: `a damaged or truncated one (${err instanceof Error ? err.message : String(err)})`, fix });
  }
}
