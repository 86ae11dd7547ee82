/**
 * The Output widget (OutputModel, @jupyter-widgets/output 1.0.0): it shows what code displays while
 * it captures. Capturing follows the widget protocol: the widget's `msg_id` is set to the id of the
 * request being handled (the running cell, or the comm message of a moved slider), and frontends
 * (JupyterLab, Notebook, VS Code, nbclient for reports) route outputs of that request into the
 * widget instead of the cell. nbclient and JupyterLab sync the captured outputs back into `outputs`.
 *
 * ```ts
 * const out = new Output();
 * out.capture(() => display(chart));            // shown inside the widget
 * out.clear(); out.display(md`**new** text`);    // replace what it shows
 * ```
 */
import { clearOutput, display } from '../display';
import { commBridge } from './comm';
import { DOMWidget, type DOMWidgetOptions } from './controls';
import { spec, OUTPUT } from './widget';

function isPromise(v: unknown): v is Promise<unknown> {
  return !!v && typeof (v as Promise<unknown>).then === 'function';
}

export interface CaptureOptions {
  /** Clear what the widget shows first (default false). */
  clear?: boolean;
  /** With `clear`: wait for the first new output before clearing, so nothing flickers (default true). */
  wait?: boolean;
}

export class Output extends DOMWidget {
  private depth = 0;

  constructor(options: DOMWidgetOptions = {}) {
    super(spec('OutputModel', 'OutputView', OUTPUT), { msg_id: '', outputs: [] }, options as Record<string, unknown>);
  }

  /** The id of the request whose outputs the widget captures now ('' when not capturing). */
  get msgId(): string { return this.get('msg_id') as string; }
  /** Outputs as the frontend synced them back (nbformat output dicts). */
  get outputs(): unknown[] { return this.get('outputs') as unknown[]; }

  /**
   * Runs `fn`, showing in this widget what it displays or prints. Synchronous when `fn` is; for an
   * async `fn`, capturing lasts until its promise settles.
   */
  capture<T>(fn: () => T, options: CaptureOptions = {}): T {
    const parent = commBridge()?.currentParent();
    const msgId = parent && typeof parent.msg_id === 'string' ? parent.msg_id : '';
    const outer = this.depth === 0;
    this.depth += 1;
    if (outer && msgId) this.set({ msg_id: msgId });
    let async = false;
    const end = () => {
      this.depth -= 1;
      if (outer && msgId) this.set({ msg_id: '' });
    };
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

  /** Shows `values` in the widget (after what it shows already). */
  display(...values: unknown[]): void {
    this.capture(() => { for (const v of values) display(v); });
  }

  /** Clears what the widget shows (`wait`: when the next output arrives). */
  clear(wait = false): void {
    this.capture(() => clearOutput(wait));
  }
}
