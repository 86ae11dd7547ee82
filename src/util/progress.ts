/**
 * The one progress bar of the library (training epochs, downloads): an HTML bar updated in place
 * (display id) inside the notebook kernel, a carriage-return bar on a terminal, and, where output is
 * a log (CI, a file), a plain line each time another `lineStep` of the work is done.
 */
import { display, inKernel, type DisplayHandle } from '../display';
import { escapeHtml } from './html';
import { uniqueId } from './ids';

/** Where progress goes: 'auto' picks notebook inside the tsdl kernel, else terminal. */
export type ProgressMode = 'auto' | 'notebook' | 'terminal' | 'none';

/** Resolves 'auto' to a concrete mode (TSDL_PROGRESS may force one). */
export function resolveMode(mode: ProgressMode | boolean | undefined): Exclude<ProgressMode, 'auto'> {
  if (mode === false) return 'none';
  const env = process.env.TSDL_PROGRESS as ProgressMode | undefined;
  const m = mode === true || mode === undefined ? env ?? 'auto' : mode;
  if (m === 'auto') return inKernel() ? 'notebook' : 'terminal';
  return m;
}

/** Seconds as `42s` or `3m07s`. */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** What a bar shows: how far (0..1, when known), what is being done, and the latest numbers. */
export interface ProgressView {
  fraction?: number;
  /** e.g. "epoch 2/5 step 30/390" or "MNIST train-images-idx3-ubyte.gz". */
  text: string;
  /** e.g. "loss 0.2131 acc 0.9312" or "12.3 MB of 47.0 MB". */
  info?: string;
}

/** A training run's position (what `fit`'s bar shows). */
export interface ProgressState {
  epoch: number;
  epochs: number;
  step: number;
  /** Steps per epoch, when known. */
  steps?: number;
  /** Latest metrics to show (already read from the device). */
  info?: string;
}

function toView(s: ProgressView | ProgressState): ProgressView {
  if (!('epoch' in s)) return s;
  const { epoch, epochs, step, steps, info } = s;
  return {
    fraction: steps ? Math.min(1, ((epoch - 1) + Math.min(step, steps) / steps) / epochs) : undefined,
    text: `epoch ${epoch}/${epochs} step ${step}${steps ? `/${steps}` : ''}`,
    info,
  };
}

export interface ProgressBarOptions {
  /** Redraw at most this often (default 250 ms). */
  intervalMs?: number;
  /** Where log lines go (default console.log). */
  write?: (line: string) => void;
  /** Without a notebook or terminal, write `text: NN% (info)` each time this much more is done (0: never, the default). */
  lineStep?: number;
}

class Rendered {
  constructor(readonly v: ProgressView, readonly elapsed: number) {}
  private eta(): string {
    const f = this.v.fraction;
    return f && f > 0 && f < 1 ? duration(this.elapsed * (1 - f) / f) : '';
  }
  toString(): string {
    const { fraction: f, text, info } = this.v;
    const width = 24;
    const bar = f === undefined ? '' : `[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${(100 * f).toFixed(0).padStart(3)}% `;
    const eta = this.eta();
    return `${bar}${text} ${duration(this.elapsed)}${eta ? ` eta ${eta}` : ''}${info ? ` | ${info}` : ''}`;
  }
  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    const { fraction: f, text, info } = this.v;
    const eta = this.eta();
    const html = `<div class="tsdl-progress" style="font-family:monospace">`
      + `<progress value="${f === undefined ? '' : (f * 1000).toFixed(0)}" max="1000" style="width:40%;vertical-align:middle"></progress> `
      + `${escapeHtml(text)} · ${duration(this.elapsed)}${eta ? ` · eta ${eta}` : ''}${info ? ` · ${escapeHtml(info)}` : ''}</div>`;
    return { 'text/html': html, 'text/plain': this.toString() };
  }
}

/** A progress bar; `update()` is cheap to call often (it redraws at most every `intervalMs`). */
export class ProgressBar {
  readonly mode: Exclude<ProgressMode, 'auto'>;
  private handle: DisplayHandle | null = null;
  private last = 0;
  private readonly start = Date.now();
  private lastLen = 0;
  private nextLine = 0;
  private finished = false;
  private readonly intervalMs: number;
  private readonly write: (line: string) => void;
  private readonly lineStep: number;

  constructor(mode: ProgressMode | boolean | undefined, options: ProgressBarOptions = {}) {
    this.mode = resolveMode(mode);
    this.intervalMs = options.intervalMs ?? 250;
    this.write = options.write ?? ((line) => console.log(line));
    this.lineStep = options.lineStep ?? 0;
  }

  /** Seconds since the bar was created. */
  elapsed(): number {
    return (Date.now() - this.start) / 1000;
  }

  private get tty(): boolean {
    return this.mode === 'terminal' && Boolean(process.stderr.isTTY);
  }

  /** Shows the state (throttled unless `force`); returns whether it redrew. */
  update(state: ProgressView | ProgressState, force = false): boolean {
    if (this.mode === 'none') return false;
    const view = toView(state);
    if (this.mode === 'terminal' && !this.tty) return this.line(view, force);
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return false;
    this.last = now;
    const rendered = new Rendered(view, this.elapsed());
    if (this.mode === 'notebook') {
      if (this.handle) this.handle.update(rendered);
      else this.handle = display(rendered, { displayId: uniqueId('tsdl-progress') });
    } else {
      const line = rendered.toString();
      process.stderr.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
    }
    return true;
  }

  /** Log output: a line whenever another `lineStep` is done (always at the end, when forced). */
  private line(view: ProgressView, force: boolean): boolean {
    if (!this.lineStep || view.fraction === undefined) return false;
    const done = view.fraction >= 1;
    if (this.finished || (!done && !force && view.fraction < this.nextLine)) return false;
    this.finished = done; // the 100 % line is written once
    this.nextLine = (Math.floor(view.fraction / this.lineStep) + 1) * this.lineStep;
    this.write(`${view.text}: ${Math.floor(100 * view.fraction)}%${view.info ? ` (${view.info})` : ''}`);
    return true;
  }

  /** Prints a log line (below the bar on a terminal). */
  log(line: string): void {
    if (this.mode === 'none') return;
    if (this.tty && this.lastLen) {
      process.stderr.write(`\r${' '.repeat(this.lastLen)}\r`);
      this.lastLen = 0;
    }
    this.write(line);
  }

  /** Final state; ends the terminal line. */
  done(state: ProgressView | ProgressState): void {
    this.update(state, true);
    if (this.tty) {
      process.stderr.write('\n');
      this.lastLen = 0;
    }
  }
}
