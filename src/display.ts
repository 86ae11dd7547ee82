/**
 * Rich display for notebooks. PLACEHOLDER API (the kernel work fills in the bridge):
 * `display(obj)` sends one display_data with a full MIME bundle when running inside the tsdl kernel,
 * and prints the text/plain form otherwise.
 */
export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** Give the output a display id so later `update()` calls replace it in place. */
  displayId?: string;
  metadata?: Record<string, unknown>;
}

export interface DisplayHandle {
  readonly displayId: string;
  update(obj: unknown): void;
}

/** Objects that know how to show themselves implement this (Deno's kernel convention). */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

export function toMimeBundle(obj: unknown): MimeBundle {
  const method = obj !== null && (typeof obj === 'object' || typeof obj === 'function')
    ? (obj as Record<symbol, unknown>)[Symbol.for('Jupyter.display')] : undefined;
  if (typeof method === 'function') return method.call(obj) as MimeBundle;
  return { 'text/plain': typeof obj === 'string' ? obj : JSON.stringify(obj, null, 2) };
}

let counter = 0;

export function display(obj: unknown, options: DisplayOptions = {}): DisplayHandle {
  const displayId = options.displayId ?? `tsdl-${process.pid}-${++counter}`;
  const show = (o: unknown) => console.log(String(toMimeBundle(o)['text/plain'] ?? ''));
  show(obj);
  return { displayId, update: show };
}

export function clearOutput(_wait = false): void {}
