/**
 * Training progress: an HTML progress bar updated in place (display id) inside the notebook kernel,
 * a carriage-return bar on a terminal, plain lines elsewhere (logs, CI).
 */
import { display, inKernel, type DisplayHandle } from '../display';
import { escapeHtml } from '../util/html';
import { uniqueId } from '../util/ids';

/** Where progress goes: 'auto' picks notebook inside the tsdl kernel, else terminal. */
export type ProgressMode = 'auto' | 'notebook' | 'terminal' | 'none';

/** Whether code runs inside the tsdl Jupyter kernel (rich, updatable output available). */
export function inNotebook(): boolean {
  return inKernel();
}

/** Resolves 'auto' to a concrete mode (TSDL_PROGRESS may force one). */
export function resolveMode(mode: ProgressMode | boolean | undefined): Exclude<ProgressMode, 'auto'> {
  if (mode === false) return 'none';
  const env = process.env.TSDL_PROGRESS as ProgressMode | undefined;
  const m = mode === true || mode === undefined ? env ?? 'auto' : mode;
  if (m === 'auto') return inNotebook() ? 'notebook' : 'terminal';
  return m;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** The state a progress bar shows. */
export interface ProgressState {
  epoch: number;
  epochs: number;
  step: number;
  /** Steps per epoch, when known. */
  steps?: number;
  /** Latest metrics to show (already read from the device). */
  info?: string;
  elapsed: number;
}

class ProgressView {
  constructor(readonly s: ProgressState) {}
  fraction(): number | undefined {
    const { epoch, epochs, step, steps } = this.s;
    return steps ? Math.min(1, ((epoch - 1) + Math.min(step, steps) / steps) / epochs) : undefined;
  }
  toString(): string {
    const { epoch, epochs, step, steps, info, elapsed } = this.s;
    const f = this.fraction();
    const width = 24;
    const bar = f === undefined ? '' : `[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${(100 * f).toFixed(0).padStart(3)}% `;
    const eta = f && f > 0 && f < 1 ? ` eta ${duration(elapsed * (1 - f) / f)}` : '';
    return `${bar}epoch ${epoch}/${epochs} step ${step}${steps ? `/${steps}` : ''} ${duration(elapsed)}${eta}${info ? ` | ${info}` : ''}`;
  }
  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    const f = this.fraction();
    const { epoch, epochs, step, steps, info, elapsed } = this.s;
    const html = `<div class="tsdl-progress" style="font-family:monospace">`
      + `<progress value="${f === undefined ? step : (f * 1000).toFixed(0)}" max="${f === undefined ? '' : 1000}" style="width:40%;vertical-align:middle"></progress> `
      + `epoch ${epoch}/${epochs} · step ${step}${steps ? `/${steps}` : ''} · ${duration(elapsed)}`
      + `${f && f > 0 && f < 1 ? ` · eta ${duration(elapsed * (1 - f) / f)}` : ''}${info ? ` · ${escapeHtml(info)}` : ''}</div>`;
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

  constructor(mode: ProgressMode | boolean | undefined, readonly intervalMs = 250) {
    this.mode = resolveMode(mode);
  }

  /** Seconds since the bar was created. */
  elapsed(): number {
    return (Date.now() - this.start) / 1000;
  }

  /** Shows the state (throttled unless `force`); returns whether it redrew. */
  update(state: Omit<ProgressState, 'elapsed'>, force = false): boolean {
    if (this.mode === 'none') return false;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return false;
    this.last = now;
    const view = new ProgressView({ ...state, elapsed: this.elapsed() });
    if (this.mode === 'notebook') {
      if (this.handle) this.handle.update(view);
      else this.handle = display(view, { displayId: uniqueId('tsdl-progress') });
    } else if (process.stderr.isTTY) {
      const line = view.toString();
      process.stderr.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
    }
    return true;
  }

  /** Prints a log line (below the bar on a terminal). */
  log(line: string): void {
    if (this.mode === 'none') return;
    if (this.mode === 'terminal' && process.stderr.isTTY && this.lastLen) {
      process.stderr.write(`\r${' '.repeat(this.lastLen)}\r`);
      this.lastLen = 0;
    }
    console.log(line);
  }

  /** Final state; ends the terminal line. */
  done(state: Omit<ProgressState, 'elapsed'>): void {
    this.update(state, true);
    if (this.mode === 'terminal' && process.stderr.isTTY) {
      process.stderr.write('\n');
      this.lastLen = 0;
    }
  }
}
