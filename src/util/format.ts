/**
 * Number formatting for prose and tables: percentages, fixed decimals, mean ± standard deviation,
 * and the "sensible default" the md/html templates use for interpolated numbers.
 */

/** What a formatter shows for NaN and ±Infinity (a metric that was not measured or diverged). */
const MISSING = '–';

/** Arithmetic mean (NaN for no values). */
export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Sample standard deviation (n − 1 in the denominator, as torch.std and pandas; 0 for one value). */
export function sd(values: readonly number[]): number {
  if (values.length < 2) return values.length ? 0 : NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

/** A fraction as a percentage: `pct(0.91234)` → "91.23%"; `pct(0.5, 0)` → "50%". */
export function pct(v: number, digits = 2): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : MISSING;
}

/** Fixed decimals: `fixed(0.123456)` → "0.1235"; `fixed(2, 1)` → "2.0". */
export function fixed(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : MISSING;
}

/** Options of {@link meanSd}. */
export interface MeanSdOptions {
  /** Show fractions as percentages: "91.23 ± 0.40%" (default false). */
  percent?: boolean;
}

/**
 * Mean ± sample standard deviation of values (e.g. one metric over seeds), or of a given
 * `{ mean, sd }`: `meanSd([0.91, 0.92, 0.915], 3)` → "0.915 ± 0.005".
 */
export function meanSd(values: readonly number[] | { mean: number; sd: number }, digits = 2, options: MeanSdOptions = {}): string {
  const [m, s] = Array.isArray(values) ? [mean(values), sd(values)] : [(values as { mean: number }).mean, (values as { sd: number }).sd];
  const k = options.percent ? 100 : 1;
  if (!Number.isFinite(m)) return MISSING;
  return `${(k * m).toFixed(digits)} ± ${Number.isFinite(s) ? (k * s).toFixed(digits) : MISSING}${options.percent ? '%' : ''}`;
}

/**
 * A number as prose shows it: integers as they are, others to 4 significant digits without
 * trailing zeros (never fewer digits than the integer part has): 0.912345 → "0.9123",
 * 2.5 → "2.5", 12345.67 → "12346", 0.000123456 → "0.0001235".
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a < 1) return String(Number(v.toPrecision(4)));
  const intDigits = Math.floor(Math.log10(a)) + 1;
  return String(Number(v.toFixed(Math.max(0, 4 - intDigits))));
}
