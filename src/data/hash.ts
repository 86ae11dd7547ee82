/** Checksums of files and buffers (the published checksums of these data sets are md5). */
import { createHash } from 'crypto';
import { createReadStream } from 'fs';

export function md5Buffer(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** md5 of a file, streamed so that large files do not sit in memory. */
export function md5File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
