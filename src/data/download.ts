/**
 * Downloading one file over http(s): streamed to a temporary file next to the destination while its
 * md5 is computed, and renamed into place only when the transfer is complete and the checksum (and
 * size) match. An interrupted or failed transfer leaves no file under the destination name.
 */
import { createHash } from 'crypto';
import { createWriteStream, promises as fsp } from 'fs';
import * as http from 'http';
import * as https from 'https';
import { dirname, basename, join } from 'path';
import { freeBytesForCheck, holdPath, isNoSpace, ownerTag } from '../util/fs-atomic';
import { DataError, diskFullError, notWritableError } from './errors';
import { describeStart } from './gzip';
import { ProgressBar } from '../util/progress';

export interface DownloadOptions {
  /** md5 the downloaded bytes must have (hex). */
  md5?: string;
  /** Size in bytes they must have. */
  size?: number;
  /** Called as bytes arrive (total is from Content-Length, when sent). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Give up when the connection is idle this long (ms). Default 30 s. */
  timeoutMs?: number;
  /** Redirects to follow. Default 5. */
  maxRedirects?: number;
  /** Extra CA certificates (for tests against a local https server). */
  ca?: string | Buffer;
  /** Bytes the caller will write beside the download afterwards (e.g. the unpacked file): checked with it. */
  reserve?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  md5: string;
}

/**
 * Download progress through the library's progress bar: in place in a notebook or on a terminal,
 * else (logs) a line every 10 % through `write`.
 */
export function progressPrinter(label: string, write: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
  const bar = new ProgressBar('auto', { write, lineStep: 0.1, intervalMs: 1000 });
  const size = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
  return (received: number, total: number | undefined) => {
    const done = total !== undefined && received >= total;
    const view = { text: label, fraction: total ? Math.min(1, received / total) : undefined, info: total ? `${size(received)} of ${size(total)}` : size(received) };
    if (done) bar.done(view);
    else bar.update(view);
  };
}

function get(url: string, options: DownloadOptions): Promise<http.IncomingMessage> {
  const lib = url.startsWith('https:') ? https : url.startsWith('http:') ? http : undefined;
  if (!lib) return Promise.reject(new Error(`unsupported URL ${url} (only http and https)`));
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { ca: options.ca, headers: { 'user-agent': 'tsdl-data' } }, resolve);
    req.setTimeout(options.timeoutMs ?? 30000, () => req.destroy(new Error(`no data for ${(options.timeoutMs ?? 30000) / 1000} s`)));
    req.on('error', reject);
  });
}

async function describeFile(path: string): Promise<string> {
  const fh = await fsp.open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    return describeStart(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** Downloads `url` to `dest` (see the module comment). Throws DataError naming the URL on failure. */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const fix = 'check the network (Node does not use HTTPS_PROXY), or obtain the file another way';
  let current = url;
  let res: http.IncomingMessage | undefined;
  for (let hop = 0; ; hop++) {
    try {
      res = await get(current, options);
    } catch (err) {
      throw new DataError({ file: url, expected: 'a reachable server', found: `${(err as NodeJS.ErrnoException).code ?? ''} ${err instanceof Error ? err.message : String(err)}`.trim(), fix });
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= (options.maxRedirects ?? 5)) throw new DataError({ file: url, expected: 'at most 5 redirects', found: 'more', fix });
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new DataError({ file: url, expected: 'HTTP status 200', found: `HTTP ${status} ${res.statusMessage ?? ''}`.trim(), fix });
    }
    break;
  }
  const response = res;
  const total = response.headers['content-length'] ? Number(response.headers['content-length']) : undefined;
  const folder = dirname(dest);
  const step = `download ${url}`;
  try {
    await fsp.mkdir(folder, { recursive: true });
  } catch (err) {
    response.destroy();
    throw isNoSpace(err) ? diskFullError(folder, total ?? 4096, step) : notWritableError(folder, err, step);
  }
  const expected = total ?? options.size;
  if (expected !== undefined) {
    // Fail before the transfer, not after hundreds of megabytes, when the disk cannot hold it.
    const free = freeBytesForCheck(folder);
    if (free !== undefined && free < expected + (options.reserve ?? 0)) {
      response.destroy();
      throw diskFullError(folder, expected + (options.reserve ?? 0), `${step}${options.reserve ? ' and unpack it' : ''}`);
    }
  }
  const tmp = join(folder, `.${basename(dest)}.part-${ownerTag()}`);
  const release = holdPath(tmp);
  const hash = createHash('md5');
  let received = 0;
  let writeError: unknown;
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(tmp);
      const fail = (err: Error) => {
        response.destroy();
        out.destroy();
        reject(err);
      };
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        options.onProgress?.(received, total);
      });
      response.on('error', fail);
      response.on('aborted', () => fail(new Error('connection closed early')));
      out.on('error', (err) => {
        writeError = err;
        fail(err);
      });
      out.on('finish', resolve);
      response.pipe(out);
    });
    const md5 = hash.digest('hex');
    if (total !== undefined && received !== total) {
      throw new DataError({ file: url, expected: `${total} bytes (Content-Length)`, found: `${received} bytes: the transfer was cut short`, fix: 'run it again' });
    }
    if (options.size !== undefined && received !== options.size) {
      throw new DataError({ file: url, expected: `${options.size} bytes`, found: `${received} bytes`, fix });
    }
    if (options.md5 && md5 !== options.md5) {
      throw new DataError({ file: url, expected: `md5 ${options.md5}`, found: `md5 ${md5} (${received} bytes: ${await describeFile(tmp)})`, fix });
    }
    await fsp.rename(tmp, dest);
    return { path: dest, bytes: received, md5 };
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    if (err instanceof DataError) throw err;
    if (writeError !== undefined || isNoSpace(err)) {
      // The disk, not the network: say so, with what the transfer needed.
      throw isNoSpace(writeError ?? err) ? diskFullError(folder, (expected ?? received) + (options.reserve ?? 0), step) : notWritableError(folder, writeError, step);
    }
    throw new DataError({ file: url, expected: 'a complete transfer', found: `${err instanceof Error ? err.message : String(err)} after ${received} bytes`, fix: 'run it again; ' + fix });
  } finally {
    release();
  }
}
