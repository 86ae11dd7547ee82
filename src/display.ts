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
import * as path from 'path';
import { inspect } from 'util';
import { uniqueId } from './util/ids';
import { kernelBridge } from './kernel-bridge';
import { packageRoot } from './util/package-root';

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

function displayBridge(): KernelBridge | undefined {
  return kernelBridge<KernelBridge>('display');
}

/** True when running inside the tsdl Jupyter kernel (rich output available). */
export function inKernel(): boolean {
  return displayBridge() !== undefined;
}

/**
 * True when the user interrupted the running cell (Kernel > Interrupt). Long async loops may check
 * it to stop early; the kernel also stops timers of an interrupted cell.
 */
export function interruptRequested(): boolean {
  return displayBridge()?.interrupted === true;
}

/** kernel/lib/mime.js: the one builder of MIME bundles, shared with the kernel. */
interface MimeBuilder {
  toMimeBundle(value: unknown): MimeBundle;
  bundleOf(value: unknown): MimeBundle | Promise<MimeBundle>;
  isThenable(x: unknown): x is PromiseLike<unknown>;
}
const mime = require(path.join(packageRoot(), 'kernel', 'lib', 'mime.js')) as MimeBuilder;

/** display('text') shows the text itself (like print), not its quoted REPL form. */
function bundleOf(obj: unknown): MimeBundle | Promise<MimeBundle> {
  return typeof obj === 'string' ? { 'text/plain': obj } : mime.bundleOf(obj);
}

/**
 * The MIME bundle of any value: its Jupyter.display method's bundle, else text/plain (an async
 * method's bundle is not awaited here; `display()` and the kernel await it).
 */
export function toMimeBundle(obj: unknown): MimeBundle {
  return typeof obj === 'string' ? { 'text/plain': obj } : mime.toMimeBundle(obj);
}

function printPlain(bundle: MimeBundle | Promise<MimeBundle>): void {
  if (mime.isThenable(bundle)) {
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
    const bridge = displayBridge();
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
  displayBridge()?.clearOutput(wait);
}
