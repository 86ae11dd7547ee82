/**
 * Selected members of a .tar.gz archive (npm package tarballs, the CIFAR-10 archive), streamed to
 * disk with npm's `tar` parser: the archive is never held in memory, and only the members asked
 * for are written. Destinations are candidates: callers verify them (checksums) before use.
 */
import { createReadStream, createWriteStream } from 'fs';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** The tar parser's complaint, as a sentence that names the archive and what is wrong with it. */
function describe(archive: string, err: Error): Error {
  const msg = err.message;
  if (/truncated|unexpected end/i.test(msg)) return new Error(`${archive}: the archive is truncated (${msg})`);
  return new Error(`${archive}: not a tar archive, or a damaged one (${msg})`);
}

/**
 * Streams `archive` (gzip-compressed or plain tar) and writes each regular file for which
 * `destination(name)` returns a path there. Resolves with the names written, once every file is
 * on disk; rejects with the write error itself (e.g. ENOSPC) when a destination cannot be written.
 */
export function extractTarGz(archive: string, destination: (name: string) => string | undefined): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const written: string[] = [];
    const writes: Promise<void>[] = [];
    let failed = false;
    const input = createReadStream(archive);
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      input.destroy();
      reject(err);
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const dest = FILE_TYPES.has(entry.type) ? destination(entry.path) : undefined;
        if (!dest || failed) {
          entry.resume();
          return;
        }
        written.push(entry.path);
        const out = createWriteStream(dest);
        writes.push(
          new Promise<void>((done) => {
            out.on('error', (err) => {
              entry.resume(); // keep the parser moving so that it can be torn down
              fail(err);
              done();
            });
            out.on('close', () => done());
          }),
        );
        entry.pipe(out);
      },
    });
    parser.on('error', (err: Error) => fail(describe(archive, err)));
    parser.on('end', () => {
      Promise.all(writes).then(() => {
        if (!failed) resolve(written);
      });
    });
    input.on('error', (err) => fail(err));
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
