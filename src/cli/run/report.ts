/** Turns nbconvert output and metrics files into the runner's messages and summary table. */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The failing cell and its error from nbconvert's stderr (nbclient's CellExecutionError), or null. */
export function cellError(stderr: string): string | null {
  const text = String(stderr || '').replace(ANSI, '');
  const at = text.indexOf('An error occurred while executing the following cell:');
  if (at < 0) return null;
  return text.slice(at).trim().split('\n').slice(0, 80).join('\n');
}

/**
 * Why nbconvert failed when no cell raised (a dead kernel, a timeout, a missing kernelspec): the
 * exception line plus what was printed before the Python traceback (e.g. the kernel's own stderr).
 */
export function runFailure(stderr: string, status: number | null): string {
  const text = String(stderr || '').replace(ANSI, '');
  const at = text.indexOf('Traceback (most recent call last):');
  const before = (at >= 0 ? text.slice(0, at) : text).split('\n')
    .filter((l) => l.trim() && !/^\[NbConvertApp\] (Converting|Executing|Writing)/.test(l));
  const tail = at >= 0 ? text.slice(at).trim().split('\n').filter((l) => /^\S/.test(l) && !l.startsWith('Traceback')).slice(-2) : [];
  return [`nbconvert exited with ${status}:`, ...before.slice(-40), ...tail].join('\n');
}

function fmt(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
    return v.toFixed(Math.abs(v) >= 100 ? 1 : 4);
  }
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** What running one notebook gave. */
export interface NotebookResult {
  name: string;
  seconds: number;
  ok: boolean;
  error: string | null;
  metrics: Record<string, any> | null;
}

/** One row of the summary table; notebooks put their key figures in `metrics.summary`. */
export function summarise(result: NotebookResult): Record<string, string> {
  const m = result.metrics ?? {};
  const figures = m.summary && typeof m.summary === 'object'
    ? Object.entries(m.summary as Record<string, unknown>).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') : '';
  return {
    notebook: result.name,
    status: result.ok ? 'ok' : 'FAILED',
    seconds: result.seconds.toFixed(1),
    backend: m.backend ? `${m.backend.name}${m.backend.threads ? `×${m.backend.threads}` : ''}` : '',
    figures,
  };
}

/** Rows as an aligned text table. */
export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no notebooks)';
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: unknown[]) => cells.map((c, i) => String(c).padEnd(width[i])).join('  ').trimEnd();
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}
