/**
 * The CIFAR-10 binary format: records of 1 label byte and 3,072 pixel bytes (32x32 R plane, then G,
 * then B). Parsed straight into NHWC (interleaved channels), the layout tfjs convolutions use.
 */
import { DataError } from './errors';
import { describeStart } from './gzip';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD = 1 + 3 * CIFAR_PIXELS;

const FIX = 'delete the file and obtain the data set again (npm run data), or put the official file in its place';

/**
 * Checks a CIFAR-10 binary batch and writes its records into `images` (NHWC, 3 channels) and
 * `labels`, starting at record `offset`. Returns the number of records.
 */
export function parseCifarBatch(
  data: Uint8Array,
  file: string,
  expectCount: number,
  images: Uint8Array,
  labels: Uint8Array,
  offset = 0,
): number {
  if (data.length !== expectCount * CIFAR_RECORD) {
    const whole = data.length % CIFAR_RECORD === 0;
    throw new DataError({
      file,
      expected: `${expectCount * CIFAR_RECORD} bytes (${expectCount} records of ${CIFAR_RECORD} bytes)`,
      found: `${data.length} bytes (${whole ? `${data.length / CIFAR_RECORD} records` : `not a whole number of records; starts with ${describeStart(data)}`})`,
      fix: FIX,
    });
  }
  if (images.length < (offset + expectCount) * 3 * CIFAR_PIXELS || labels.length < offset + expectCount) {
    throw new RangeError(`parseCifarBatch: target arrays too small for ${expectCount} records at ${offset}`);
  }
  for (let r = 0; r < expectCount; r++) {
    const s = r * CIFAR_RECORD;
    const label = data[s];
    if (label > 9) throw new DataError({ file, expected: 'labels 0..9 (is this a CIFAR-10 file?)', found: `label ${label} at record ${r}`, fix: FIX });
    labels[offset + r] = label;
    const o = (offset + r) * 3 * CIFAR_PIXELS;
    for (let p = 0; p < CIFAR_PIXELS; p++) {
      images[o + 3 * p] = data[s + 1 + p];
      images[o + 3 * p + 1] = data[s + 1 + CIFAR_PIXELS + p];
      images[o + 3 * p + 2] = data[s + 1 + 2 * CIFAR_PIXELS + p];
    }
  }
  return expectCount;
}
