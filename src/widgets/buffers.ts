/**
 * Binary values in widget state (widget protocol 2): every ArrayBuffer / typed array anywhere in
 * the state travels as a separate message buffer, its place given by a path (`['x']`,
 * `['y', 'z', 0]`); in the JSON it is removed from objects and replaced by null in arrays.
 */
import type { BufferLike } from './comm';

export type BufferPath = Array<string | number>;

function isBinary(v: unknown): v is BufferLike {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** Splits `state` into JSON (binary parts taken out), their paths and the buffers. */
export function removeBuffers(state: Record<string, unknown>): { state: Record<string, unknown>; bufferPaths: BufferPath[]; buffers: BufferLike[] } {
  const bufferPaths: BufferPath[] = [];
  const buffers: BufferLike[] = [];
  const walk = (v: unknown, path: BufferPath): unknown => {
    if (Array.isArray(v)) {
      return v.map((x, i) => {
        if (isBinary(x)) { bufferPaths.push([...path, i]); buffers.push(x); return null; }
        return walk(x, [...path, i]);
      });
    }
    if (v && typeof v === 'object' && !isBinary(v) && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (isBinary(x)) { bufferPaths.push([...path, k]); buffers.push(x); continue; }
        out[k] = walk(x, [...path, k]);
      }
      return out;
    }
    return v;
  };
  return { state: walk(state, []) as Record<string, unknown>, bufferPaths, buffers };
}

/** Puts received buffers back into `state` at their paths (in place). */
export function putBuffers(state: Record<string, unknown>, bufferPaths: unknown, buffers: Uint8Array[]): void {
  if (!Array.isArray(bufferPaths)) return;
  bufferPaths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0 || i >= buffers.length) return;
    let obj: any = state;
    for (const key of path.slice(0, -1)) {
      if (obj[key] === undefined || obj[key] === null) obj[key] = typeof key === 'number' ? [] : {};
      obj = obj[key];
    }
    obj[path[path.length - 1]] = buffers[i];
  });
}
