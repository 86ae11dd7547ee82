/**
 * How `await ready()` shows itself at the end of a notebook cell: one short line naming the backend,
 * its threads and BLAS where known, and why native tfjs-node did not load. The info stays a plain
 * object (its fields, its JSON): the display method is a hidden (non-enumerable) property.
 *
 * Fields are read by name with their types checked, so this module needs nothing from src/tf.ts
 * (which imports it) and shows fields BackendInfo gains later (e.g. `blas`) when they are there.
 */
import { escapeHtml } from './util/html';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** "BLAS" part of the line: a library name, or an object naming one (or saying why none is used). */
function blasText(blas: unknown): string | undefined {
  if (!blas || typeof blas !== 'object') return str(blas);
  const b = blas as Record<string, unknown>;
  if (b.available === false || b.loaded === false) return `not used${str(b.reason) ? ` (${b.reason})` : ''}`;
  return str(b.library) ?? str(b.name) ?? str(b.path) ?? 'yes';
}

/** The parts of the line after the backend's name: [label, value] pairs. */
function facts(info: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (typeof info.threads === 'number') out.push(['threads', `${info.threads}${str(info.threadsNote) ? ` (${info.threadsNote})` : ''}`]);
  const blas = blasText(info.blas);
  if (blas) out.push(['BLAS', blas]);
  if (info.native === false) out.push(['native tfjs-node', `not loaded${str(info.nativeError) ? `: ${info.nativeError}` : ''}`]);
  return out;
}

/** The summary as plain text, e.g. "tsdl backend: wasm · threads 2 · native tfjs-node not loaded: …". */
export function describeBackend(info: { name: string }): string {
  return [`tsdl backend: ${info.name}`, ...facts(info).map(([k, v]) => `${k} ${v}`)].join(' · ');
}

/** The summary as one HTML line. */
export function backendHTML(info: { name: string }): string {
  const parts = [`tsdl backend: <b>${escapeHtml(info.name)}</b>`, ...facts(info).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`)];
  return `<div class="tsdl-backend" style="font-family:monospace">${parts.join(' · ')}</div>`;
}

/** Adds the (hidden) Jupyter display method to a backend info object and returns it. */
export function showsItself<T extends { name: string }>(info: T): T {
  Object.defineProperty(info, Symbol.for('Jupyter.display'), {
    value: () => ({ 'text/html': backendHTML(info), 'text/plain': describeBackend(info) }),
    enumerable: false,
  });
  return info;
}
