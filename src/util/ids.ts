/**
 * Ids for display outputs and HTML elements: unique within a page that holds the outputs of several
 * kernel sessions (process id, time and a random part) and within one session (a counter).
 */
let counter = 0;

/** A fresh id, e.g. `uniqueId('tsdl-plot')` → "tsdl-plot-1f3a-lq2x9c-k3j9x1-7". */
export function uniqueId(prefix: string): string {
  counter += 1;
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${random}-${counter}`;
}
