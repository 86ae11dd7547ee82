/**
 * A minimal streaming reader for .tar.gz archives (npm package tarballs, the CIFAR-10 archive):
 * it writes the selected regular-file entries to disk without holding the archive in memory.
 * Handles ustar prefixes, GNU long names and pax `path` records; nothing more is needed here.
 */
import { createReadStream, promises as fsp } from 'fs';
import { createGunzip } from 'zlib';

const BLOCK = 512;

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function octal(buf: Buffer, start: number, length: number): number {
  const text = cString(buf, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** The header checksum: the sum of its bytes with the checksum field counted as spaces. */
function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum === octal(header, 148, 8);
}

/**
 * Streams `archive` (gzip-compressed tar) and writes each regular file for which `destination(name)`
 * returns a path there. Returns the names written. Destinations are written as they stream; the
 * caller verifies them (checksums) before trusting them.
 */
export async function extractTarGz(archive: string, destination: (name: string) => string | undefined): Promise<string[]> {
  const written: string[] = [];
  let pending = Buffer.alloc(0);
  let state: 'header' | 'body' = 'header';
  let remaining = 0; // bytes of the current entry's data still to come
  let padding = 0; // bytes of block padding after it
  let out: fsp.FileHandle | undefined;
  let longName: string | undefined;
  let collect: Buffer[] | undefined; // data of a GNU long-name or pax header entry
  let collectType = '';
  let entryName = '';
  let ended = false;

  const stream = createReadStream(archive).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let pos = 0;
      while (!ended) {
        if (state === 'header') {
          if (padding > 0) {
            const skip = Math.min(padding, pending.length - pos);
            pos += skip;
            padding -= skip;
            if (padding > 0) break;
          }
          if (pending.length - pos < BLOCK) break;
          const header = pending.subarray(pos, pos + BLOCK);
          pos += BLOCK;
          if (header.every((b) => b === 0)) {
            ended = true;
            break;
          }
          if (!checksumOk(header)) {
            throw new Error(`${archive}: not a tar archive, or a damaged one (bad header checksum at entry after ${entryName || 'the start'})`);
          }
          const type = String.fromCharCode(header[156] || 0x30);
          const prefix = cString(header, 345, 155);
          const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
          longName = undefined;
          remaining = octal(header, 124, 12);
          padding = (BLOCK - (remaining % BLOCK)) % BLOCK;
          entryName = name;
          collect = undefined;
          if (type === 'L' || type === 'x') {
            collect = [];
            collectType = type;
          } else if (type === '0' || type === '\0' || type === '7') {
            const dest = destination(name);
            if (dest) {
              out = await fsp.open(dest, 'w');
              written.push(name);
            }
          }
          state = 'body';
        }
        if (state === 'body') {
          const take = Math.min(remaining, pending.length - pos);
          const piece = pending.subarray(pos, pos + take);
          if (out && take > 0) await out.write(piece);
          if (collect && take > 0) collect.push(Buffer.from(piece));
          pos += take;
          remaining -= take;
          if (remaining > 0) break;
          if (out) {
            await out.close();
            out = undefined;
          }
          if (collect) {
            const text = Buffer.concat(collect).toString('utf8');
            if (collectType === 'L') longName = text.replace(/\0+$/, '');
            else {
              const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
              if (m) longName = m[1];
            }
            collect = undefined;
          }
          state = 'header';
        }
      }
      pending = pending.subarray(pos);
      if (ended) break;
    }
  } finally {
    if (out) await out.close();
    stream.destroy();
  }
  if (state === 'body' && remaining > 0) {
    throw new Error(`${archive}: the archive ends inside entry ${entryName} (${remaining} bytes missing); it is truncated`);
  }
  return written;
}
