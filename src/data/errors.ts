/**
 * The one error type of the data layer: it always names the file (or data set), what was expected,
 * what was found, and how to recover, so a failed load in a notebook says what to do next.
 * Two kinds stop a load at once, whatever sources remain: a folder that cannot be written, and a
 * full disk (every source needs the same disk).
 */
import { basename, dirname } from 'path';
import { DiskFullError, formatBytes, freeBytes, fsReason, isNoSpace, isTempName, whyNotWritable } from '../util/fs-atomic';

export type DataErrorKind = 'disk-full' | 'not-writable';

export interface DataErrorDetails {
  /** The file or data set the problem is about. */
  file: string;
  /** What a correct file or source would have given. */
  expected: string;
  /** What was actually there. */
  found: string;
  /** What the user can do about it. */
  fix: string;
  /** Set for problems of the data directory itself rather than of a source. */
  kind?: DataErrorKind;
}

export class DataError extends Error {
  readonly file: string;
  readonly expected: string;
  readonly found: string;
  readonly fix: string;
  readonly kind: DataErrorKind | undefined;

  constructor(details: DataErrorDetails) {
    super(`${details.file}: expected ${details.expected}, found ${details.found}. Fix: ${details.fix}`);
    this.name = 'DataError';
    this.file = details.file;
    this.expected = details.expected;
    this.found = details.found;
    this.fix = details.fix;
    this.kind = details.kind;
  }
}

/** The same fix wherever the data directory is the problem. */
const ELSEWHERE = 'set TSDL_DATA_DIR=<a writable folder with enough space>, or pre-fetch with `tsdl data` / `npm run data` where the folder is writable';

/** The data set's folder rather than the scratch folder inside it, for messages. */
const shown = (dir: string) => (isTempName(basename(dir)) ? dirname(dir) : dir);

/** The disk holding the data set's folder is full: what the step needs there and what is free. */
export class DiskFullDataError extends DataError {
  readonly dir: string;
  readonly needed: number;
  readonly step: string;
  constructor(dir: string, needed: number, step: string) {
    const free = freeBytes(dir);
    super({
      file: dir,
      expected: needed > 0 ? `${formatBytes(needed)} free to ${step}` : `room to ${step}`,
      found: `the disk is full (${free === undefined ? 'no space left' : `${formatBytes(free)} free`})`,
      fix: `free ${needed > 0 ? `at least ${formatBytes(Math.max(1, needed - (free ?? 0)))}` : 'space'} on that disk, or ${ELSEWHERE}; nothing half-written was kept`,
      kind: 'disk-full',
    });
    this.dir = dir;
    this.needed = needed;
    this.step = step;
  }

  /** The same error with the free space measured again (after scratch files were removed). */
  remeasured(): DiskFullDataError {
    return new DiskFullDataError(this.dir, this.needed, this.step);
  }
}

export function diskFullError(folder: string, needed: number, step: string): DiskFullDataError {
  return new DiskFullDataError(shown(folder), needed, step);
}

/** `dir` (the data set's folder) cannot be created or written. */
export function notWritableError(folder: string, err: unknown, why: string): DataError {
  const dir = shown(folder);
  return new DataError({
    file: dir,
    expected: `a folder this process can write, to ${why}`,
    found: whyNotWritable(folder, err),
    fix: ELSEWHERE,
    kind: 'not-writable',
  });
}

/** A file-system error met while writing into `dir` as the data layer's error (disk full or not writable). */
export function writeFailure(dir: string, err: unknown, needed: number, step: string): DataError {
  if (err instanceof DataError) return err;
  if (err instanceof DiskFullError) return diskFullError(dir, err.needed, step);
  if (isNoSpace(err)) return diskFullError(dir, needed, step);
  return notWritableError(dir, err, step);
}

/** What went wrong, on one line, without the fix (for lists of attempts, which end with one fix). */
export function reason(err: unknown): string {
  if (err instanceof DataError) return `${err.file}: expected ${err.expected}, found ${err.found}`;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    const where = (e as { path?: string }).path;
    return `${where ? `${where}: ` : ''}${fsReason(err)}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}
