/** Recognising and unpacking gzip data, with clear errors for what often stands in its place. */
import { gunzipSync } from 'zlib';
import { DataError } from './errors';

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** Whether the bytes look like an HTML or XML page (a proxy or server error saved as the file). */
export function looksLikeHtml(data: Uint8Array): boolean {
  const head = Buffer.from(data.subarray(0, 512)).toString('latin1').trimStart().toLowerCase();
  return head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml') || head.startsWith('<head') || head.startsWith('<body');
}

/** A short printable description of the first bytes of a file, for error messages. */
export function describeStart(data: Uint8Array): string {
  if (data.length === 0) return 'an empty file';
  if (looksLikeHtml(data)) {
    const text = Buffer.from(data.subarray(0, 200)).toString('latin1').replace(/\s+/g, ' ').trim();
    return `an HTML page ("${text.slice(0, 60)}...")`;
  }
  return `bytes ${Buffer.from(data.subarray(0, 4)).toString('hex')}`;
}

/** Gunzips `data`, whose name says it is gzip; errors name the file and what it really holds. */
export function gunzipFile(data: Uint8Array, file: string, fix: string): Buffer {
  if (!isGzip(data)) {
    throw new DataError({ file, expected: 'gzip data (starting with bytes 1f8b)', found: describeStart(data), fix });
  }
  try {
    return gunzipSync(data);
  } catch (err) {
    throw new DataError({
      file,
      expected: 'a complete gzip stream',
      found: `a damaged or truncated one (${err instanceof Error ? err.message : String(err)})`,
      fix,
    });
  }
}
