/**
 * The Output widget (OutputModel, @jupyter-widgets/output 1.0.0): it shows what code displays while
 * it captures. Two ways, by who is listening:
 * - A widget frontend attached (JupyterLab, Notebook 7, VS Code, Voilà-style pages): the widget
 *   protocol's way. The widget's `msg_id` is set to the id of the request being handled (the
 *   running cell, or the comm message of a moved slider) and the frontend routes that request's
 *   outputs into the widget instead of the cell.
 * - Headless (nbclient, nbconvert, scripts through the kernel): the kernel captures (kernel/lib/
 *   output-capture.js) and the widget's `outputs` state holds what was shown, so reports save it
 *   without the client's help. (The routing way makes nbclient send on its shell socket while it
 *   awaits the cell's reply there, which jupyter_client can lose for good.)
 *
 * ```ts
 * const out = new Output();
 * out.capture(() => display(chart));            // shown inside the widget
 * out.clear(); out.display(md`**new** text`);    // replace what it shows
 * ```
 */
import { clearOutput, display } from '../display';
import { kernelBridge } from '../kernel-bridge';
import { commBridge } from './comm';
import { DOMWidget, type DOMWidgetOptions } from './controls';
import { widgetFrontend } from './frontend';
import { spec, OUTPUT } from './widget';

function isPromise(v: unknown): v is Promise<unknown> {
  return !!v && typeof (v as Promise<unknown>).then === 'function';
}

/** An nbformat output, as the `outputs` state holds them. */
type NbOutput =
  | { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string };

/** Where the kernel sends captured output (kernel/lib/output-capture.js). */
interface OutputSink {
  active: boolean;
  output(o: NbOutput & { output_type: 'display_data' }, displayId: string | undefined): void;
  /** Replaces the output shown under `displayId`; false when this widget does not hold it. */
  update(displayId: string, o: NbOutput & { output_type: 'display_data' }): boolean;
  stream(name: 'stdout' | 'stderr', text: string): void;
  clear(wait: boolean): void;
}

/** The kernel's capture, or undefined outside the tsdl kernel (or in an older one). */
function kernelCapture(): ((sink: OutputSink, fn: () => unknown) => unknown) | undefined {
  return kernelBridge<{ captureOutputs: (sink: OutputSink, fn: () => unknown) => unknown }>('captureOutputs')?.captureOutputs;
}

export interface CaptureOptions {
  /** Clear what the widget shows first (default false). */
  clear?: boolean;
  /** With `clear`: wait for the first new output before clearing, so nothing flickers (default true). */
  wait?: boolean;
}

/** Clears first if asked, runs `fn`, then `end()` once `fn` (or the promise it returns) is done. */
function runThenEnd<T>(fn: () => T, options: CaptureOptions, end: () => void): T {
  let async = false;
  try {
    if (options.clear) clearOutput(options.wait ?? true);
    const r = fn();
    if (isPromise(r)) {
      async = true;
      return r.finally(end) as T;
    }
    return r;
  } finally {
    if (!async) end();
  }
}

export class Output extends DOMWidget {
  private depth = 0;
  /** Headless capture: a clear_output(wait) waiting for the next output. */
  private clearPending = false;
  /** Headless capture: where each display with a display_id sits in `outputs`. */
  private displayIds = new Map<string, number>();

  constructor(options: DOMWidgetOptions = {}) {
    super(spec('OutputModel', 'OutputView', OUTPUT), { msg_id: '', outputs: [] }, options as Record<string, unknown>);
  }

  /** The id of the request whose outputs the widget captures now ('' when not capturing). */
  get msgId(): string { return this.get('msg_id') as string; }
  /** What the widget shows (nbformat outputs): captured here when headless, else as the frontend syncs them back. */
  get outputs(): unknown[] { return this.get('outputs') as unknown[]; }

  /**
   * Runs `fn`, showing in this widget what it displays or prints. Synchronous when `fn` is; for an
   * async `fn`, capturing lasts until its promise settles.
   */
  capture<T>(fn: () => T, options: CaptureOptions = {}): T {
    const here = kernelCapture();
    if (here && !widgetFrontend()) return this.captureHere(here, fn, options);
    const parent = commBridge()?.currentParent();
    const msgId = parent && typeof parent.msg_id === 'string' ? parent.msg_id : '';
    const outer = this.depth === 0;
    this.depth += 1;
    if (outer && msgId) this.set({ msg_id: msgId });
    return runThenEnd(fn, options, () => {
      this.depth -= 1;
      if (outer && msgId) this.set({ msg_id: '' });
    });
  }

  /** Headless capture: the kernel hands over the outputs, the `outputs` state shows them. */
  private captureHere<T>(here: (sink: OutputSink, fn: () => unknown) => unknown, fn: () => T, options: CaptureOptions): T {
    const sink: OutputSink = {
      active: true,
      output: (o, displayId) => {
        this.append(o);
        if (displayId !== undefined) this.displayIds.set(displayId, this.outputs.length - 1);
      },
      update: (displayId, o) => {
        const at = this.displayIds.get(displayId);
        if (at === undefined || at >= this.outputs.length) return false;
        this.set({ outputs: this.outputs.map((old, i) => (i === at ? o : old)) });
        return true;
      },
      stream: (name, text) => this.append({ output_type: 'stream', name, text }),
      clear: (wait) => {
        this.clearPending = wait;
        if (!wait) this.replace([]);
      },
    };
    return here(sink, () => runThenEnd(fn, options, () => { sink.active = false; })) as T;
  }

  private replace(outputs: NbOutput[]): void {
    this.displayIds.clear();
    this.set({ outputs });
  }

  /** Adds one output (a print joins the print before it, as frontends show them). */
  private append(o: NbOutput): void {
    // A closed widget shows nothing: the kernel then sends the output to the cell instead.
    if (!this.isOpen) throw new Error(`${this} is closed`);
    if (this.clearPending) this.displayIds.clear();
    const outputs = this.clearPending ? [] : [...(this.outputs as NbOutput[])];
    this.clearPending = false;
    const last = outputs[outputs.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) outputs[outputs.length - 1] = { ...last, text: last.text + o.text };
    else outputs.push(o);
    this.set({ outputs });
  }

  /** Shows `values` in the widget (after what it shows already). */
  display(...values: unknown[]): void {
    this.capture(() => { for (const v of values) display(v); });
  }

  /** Clears what the widget shows (`wait`: when the next output arrives). */
  clear(wait = false): void {
    this.capture(() => clearOutput(wait));
  }
}
