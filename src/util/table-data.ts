/**
 * The one table-data type the library accepts (tables, charts, files): records, or a data frame —
 * anything with `columns` and row-major `values`, as danfo's DataFrame has — and the conversions.
 */

/** One row per record. */
export type Records = Array<Record<string, unknown>>;

/** A data frame: column names and rows of values (danfo's DataFrame is one). */
export interface FrameLike {
  readonly columns: string[];
  readonly values: readonly unknown[];
  readonly index?: ReadonlyArray<string | number>;
}

/** Rows as records, or a data frame. */
export type TableData = Records | FrameLike;

/** Whether `x` is a data frame (as opposed to records). */
export function isFrame(x: unknown): x is FrameLike {
  return !!x && typeof x === 'object' && !Array.isArray(x)
    && Array.isArray((x as FrameLike).columns) && Array.isArray((x as FrameLike).values);
}

/** Column names (records: in order of first appearance), rows as arrays, and index labels. */
export function tableParts(data: TableData): { columns: string[]; rows: unknown[][]; index: Array<string | number> } {
  if (isFrame(data)) {
    const rows = data.values as unknown[][];
    return { columns: data.columns.map(String), rows, index: data.index ? [...data.index] : rows.map((_, i) => i) };
  }
  const columns: string[] = [];
  for (const r of data) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return { columns, rows: data.map((r) => columns.map((c) => r[c])), index: data.map((_, i) => i) };
}

/** Table data as records (records are returned as they are). */
export function toRecords(data: TableData): Records {
  if (!isFrame(data)) return data;
  const { columns, rows } = tableParts(data);
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
}
