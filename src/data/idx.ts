/**
 * The idx format of MNIST and Fashion-MNIST: a big-endian header (magic 0x00000803 for images with
 * count, rows, cols; 0x00000801 for labels with count) followed by unsigned bytes.
 */
import { DataError } from './errors';
import { describeStart, gunzipFile, isGzip } from './gzip';

export interface IdxExpectation {
  kind: 'images' | 'labels';
  /** Records the file must hold (omit to accept any count). */
  count?: number;
  rows?: number;
  cols?: number;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols pixels, row-major. */
  data: Uint8Array;
}

const MAGIC = { images: 0x00000803, labels: 0x00000801 };
const FIX = 'delete the file and obtain the data set again (npm run data), or put the official file in its place';

/** Parses an idx file (raw, or gzip when it starts with the gzip magic). */
export function parseIdx(input: Uint8Array, file: string, expect: IdxExpectation & { kind: 'images' }): IdxImages;
export function parseIdx(input: Uint8Array, file: string, expect: IdxExpectation & { kind: 'labels' }): Uint8Array;
export function parseIdx(input: Uint8Array, file: string, expect: IdxExpectation): IdxImages | Uint8Array {
  const data = isGzip(input) || file.endsWith('.gz') ? gunzipFile(input, file, FIX) : input;
  const headerLength = expect.kind === 'images' ? 16 : 8;
  if (data.length < headerLength) {
    throw new DataError({ file, expected: `an idx ${expect.kind} file of at least ${headerLength} bytes`, found: `${data.length} bytes (${describeStart(data)})`, fix: FIX });
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC[expect.kind]) {
    const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');
    throw new DataError({ file, expected: `idx ${expect.kind} magic number ${hex(MAGIC[expect.kind])}`, found: `${hex(magic)} (${describeStart(data)})`, fix: FIX });
  }
  const count = view.getUint32(4);
  if (expect.count !== undefined && count !== expect.count) {
    throw new DataError({ file, expected: `${expect.count} records in the header`, found: `${count}`, fix: FIX });
  }
  let recordSize = 1;
  let rows = 0;
  let cols = 0;
  if (expect.kind === 'images') {
    rows = view.getUint32(8);
    cols = view.getUint32(12);
    if ((expect.rows !== undefined && rows !== expect.rows) || (expect.cols !== undefined && cols !== expect.cols)) {
      throw new DataError({ file, expected: `images of ${expect.rows} x ${expect.cols} pixels`, found: `${rows} x ${cols}`, fix: FIX });
    }
    recordSize = rows * cols;
  }
  const wanted = headerLength + count * recordSize;
  if (data.length !== wanted) {
    throw new DataError({
      file,
      expected: `${wanted} bytes (${count} records)`,
      found: `${data.length} bytes (${data.length < wanted ? 'truncated' : 'trailing data'})`,
      fix: FIX,
    });
  }
  const body = data.subarray(headerLength);
  if (expect.kind === 'labels') {
    for (let i = 0; i < body.length; i++) {
      if (body[i] > 9) throw new DataError({ file, expected: 'labels 0..9', found: `label ${body[i]} at record ${i}`, fix: FIX });
    }
    return body;
  }
  return { count, rows, cols, data: body };
}
