/**
 * Tables: danfo DataFrames (and plain records) shown as HTML tables in notebooks, and results
 * written to CSV and JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DataFrame } from 'danfojs-node';
import { writeFileAtomic } from './io/file-handler';
import { escapeHtml } from './util/html';
import { isFrame, tableParts, toRecords, type TableData } from './util/table-data';

export { tableParts, toRecords } from './util/table-data';
export type { TableData, Records, FrameLike } from './util/table-data';

export type { DataFrame } from 'danfojs-node';

type Danfo = typeof import('danfojs-node');
let danfo: Danfo | undefined;

/**
 * danfojs-node, loaded on first use (it takes a moment) and taught to display as an HTML table.
 * An installed tsdl ships danfo bundled (dist/vendor, see scripts/build.js: danfojs-node itself
 * cannot be installed as a dependency); a checkout uses the danfojs-node devDependency.
 */
export function dfd(): Danfo {
  if (!danfo) {
    const bundled = path.join(__dirname, '..', 'vendor', 'danfojs-node.js');
    danfo = require(fs.existsSync(bundled) ? bundled : 'danfojs-node') as Danfo;
    patchDataFrameDisplay(danfo);
  }
  return danfo;
}

/** Options of {@link table} and {@link tableHTML}. */
export interface TableOptions {
  /** Caption above the table. */
  caption?: string;
  /** Digits after the decimal point for non-integer numbers (default 4). */
  precision?: number;
  /** Show at most this many rows (default 50; the rest are summarised). */
  maxRows?: number;
  /** Show the index column (default false for records, true for DataFrames with a non-default index). */
  index?: boolean;
}

function formatCell(v: unknown, precision: number): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toFixed(precision) : String(v);
  if (v === null || v === undefined) return '';
  return String(v);
}

function defaultIndex(index: Array<string | number>): boolean {
  return index.every((v, i) => v === i);
}

/** The table as HTML. */
export function tableHTML(data: TableData, options: TableOptions = {}): string {
  const { columns, rows, index } = tableParts(data);
  const precision = options.precision ?? 4;
  const maxRows = options.maxRows ?? 50;
  const showIndex = options.index ?? (isFrame(data) && !defaultIndex(index));
  const shown = rows.slice(0, maxRows);
  const head = (showIndex ? '<th></th>' : '') + columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = shown.map((r, i) => {
    const cells = r.map((v) => `<td${typeof v === 'number' ? ' style="text-align:right"' : ''}>${escapeHtml(formatCell(v, precision))}</td>`).join('');
    return `<tr>${showIndex ? `<th>${escapeHtml(String(index[i]))}</th>` : ''}${cells}</tr>`;
  }).join('');
  const more = rows.length > shown.length
    ? `<tr><td colspan="${columns.length + (showIndex ? 1 : 0)}">… ${rows.length - shown.length} more rows (${rows.length} in all)</td></tr>` : '';
  const caption = options.caption ? `<caption style="text-align:left">${escapeHtml(options.caption)}</caption>` : '';
  return `<table class="tsdl-table dataframe">${caption}<thead><tr>${head}</tr></thead><tbody>${body}${more}</tbody></table>`;
}

/** The table as aligned plain text. */
export function tableText(data: TableData, options: TableOptions = {}): string {
  const { columns, rows } = tableParts(data);
  const precision = options.precision ?? 4;
  const maxRows = options.maxRows ?? 50;
  const cells = rows.slice(0, maxRows).map((r) => r.map((v) => formatCell(v, precision)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => v.padStart(widths[i])).join('  ');
  const out = [line(columns), ...cells.map(line)];
  if (rows.length > cells.length) out.push(`… ${rows.length - cells.length} more rows`);
  if (options.caption) out.unshift(options.caption);
  return out.join('\n');
}

/** A displayable table: end a notebook cell with `table(df)` to see it as HTML. */
export class Table {
  constructor(readonly data: TableData, readonly options: TableOptions = {}) {}
  /** HTML form. */
  toHTML(): string { return tableHTML(this.data, this.options); }
  /** Plain-text form. */
  toString(): string { return tableText(this.data, this.options); }
  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return { 'text/html': this.toHTML(), 'text/plain': this.toString() };
  }
}

/** Wraps a DataFrame or records so it displays as an HTML table in notebooks. */
export function table(data: TableData, options: TableOptions = {}): Table {
  return new Table(data, options);
}

/** Makes every danfo DataFrame display as an HTML table (done when danfo is loaded through {@link dfd}). */
export function patchDataFrameDisplay(d: Danfo): void {
  const proto = (d.DataFrame as unknown as { prototype: Record<symbol, unknown> }).prototype;
  const key = Symbol.for('Jupyter.display');
  if (proto[key]) return;
  proto[key] = function (this: DataFrame) {
    return { 'text/html': tableHTML(this), 'text/plain': tableText(this) };
  };
}

/** A DataFrame from records (column order from the first record). */
export function dataFrame(rows: Array<Record<string, unknown>>, columns?: string[]): DataFrame {
  const cols = columns ?? tableParts(rows).columns;
  const { DataFrame: DF } = dfd();
  if (rows.length === 0) return new DF([], { columns: cols });
  return new DF(rows.map((r) => cols.map((c) => r[c] as never)), { columns: cols });
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Table data as CSV text (header + rows, RFC 4180 quoting). */
export function toCsv(data: TableData): string {
  const { columns, rows } = tableParts(data);
  return [columns.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

/** Writes a table to a CSV file (atomically; parent directories created). Returns the path. */
export function writeCsv(data: TableData, file: string): string {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, toCsv(data));
  return file;
}

/** Writes a table (as records) or any JSON value to a file (atomically, pretty-printed). Returns the path. */
export function writeJson(data: TableData | unknown, file: string): string {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const value = isFrame(data) ? toRecords(data) : data;
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
  return file;
}
