/**
 * Rich display for notebooks. Inside the tsdl kernel (kernel/launch.js), `display(obj)` sends ONE
 * display_data message carrying the object's whole MIME bundle (e.g. Plotly JSON + HTML + text),
 * `handle.update(obj)` replaces it in place (update_display_data) and `clearOutput()` clears the
 * cell's output. Outside a kernel (scripts, tests) the text/plain form is printed.
 *
 * Objects that know how to show themselves implement `[Symbol.for('Jupyter.display')](): MimeBundle`
 * (Deno's kernel convention), or an async one returning `Promise<MimeBundle>` (awaited, as Deno
 * does); the kernel honours it for a cell's last expression too.
 */
import { inspect } from 'util';
import { uniqueId } from './util/ids';

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

/** What the tsdl kernel installs at globalThis[Symbol.for('tsdl.kernel')] (see kernel/lib/server.js). */
interface KernelBridge {
  protocol: number;
  /** `data` may be a promise (an async Jupyter.display method): shown once it resolves. */
  display(data: MimeBundle | Promise<MimeBundle>, metadata: Record<string, unknown>, displayId?: string): void;
  updateDisplay(data: MimeBundle | Promise<MimeBundle>, metadata: Record<string, unknown>, displayId: string): void;
  clearOutput(wait: boolean): void;
  readonly interrupted?: boolean;
}

function kernelBridge(): KernelBridge | undefined {
  const b = (globalThis as Record<symbol, unknown>)[Symbol.for('tsdl.kernel')] as KernelBridge | undefined;
  return b && typeof b.display === 'function' ? b : undefined;
}

/** True when running inside the tsdl Jupyter kernel (rich output available). */
export function inKernel(): boolean {
  return kernelBridge() !== undefined;
}

/**
 * True when the user interrupted the running cell (Kernel > Interrupt). Long async loops may check
 * it to stop early; the kernel also stops timers of an interrupted cell.
 */
export function interruptRequested(): boolean {
  return kernelBridge()?.interrupted === true;
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

function plainBundle(obj: unknown): MimeBundle {
  return { 'text/plain': typeof obj === 'string' ? obj : inspect(obj, { depth: 4, breakLength: 100 }) };
}

function fromMethod(obj: unknown, bundle: unknown): MimeBundle {
  return bundle && typeof bundle === 'object' && Object.keys(bundle).length > 0 ? { ...(bundle as MimeBundle) } : plainBundle(obj);
}

/** Its Jupyter.display method's bundle, a promise of it (async method), or text/plain. */
function bundleOf(obj: unknown): MimeBundle | Promise<MimeBundle> {
  const method = obj !== null && (typeof obj === 'object' || typeof obj === 'function')
    ? (obj as Record<symbol, unknown>)[JUPYTER_DISPLAY] : undefined;
  if (typeof method !== 'function') return plainBundle(obj);
  const bundle: unknown = method.call(obj);
  if (isPromiseLike(bundle)) return Promise.resolve(bundle).then((b) => fromMethod(obj, b));
  return fromMethod(obj, bundle);
}

/**
 * The MIME bundle of any value: its Jupyter.display method's bundle, else text/plain (an async
 * method's bundle is not awaited here; `display()` and the kernel await it).
 */
export function toMimeBundle(obj: unknown): MimeBundle {
  const bundle = bundleOf(obj);
  if (!isPromiseLike(bundle)) return bundle;
  bundle.then(undefined, () => undefined);
  return plainBundle(obj);
}

function printPlain(bundle: MimeBundle | Promise<MimeBundle>): void {
  if (isPromiseLike(bundle)) {
    bundle.then(printPlain, (e: unknown) => console.error(e));
    return;
  }
  const text = bundle['text/plain'];
  console.log(typeof text === 'string' ? text : inspect(text));
}

/** Shows `obj` as one output; returns a handle whose `update()` replaces that output. */
export function display(obj: unknown, options: DisplayOptions = {}): DisplayHandle {
  const displayId = options.displayId ?? uniqueId('tsdl');
  const metadata = options.metadata ?? {};
  const send = (value: unknown, update: boolean) => {
    const bridge = kernelBridge();
    const bundle = bundleOf(value);
    if (!bridge) printPlain(bundle);
    else if (update) bridge.updateDisplay(bundle, metadata, displayId);
    else bridge.display(bundle, metadata, displayId);
  };
  send(obj, false);
  return { displayId, update: (next: unknown) => send(next, true) };
}

/** Clears the cell's output (with `wait`, only when the next output arrives: no flicker). */
export function clearOutput(wait = false): void {
  kernelBridge()?.clearOutput(wait);
}
