/** Command-line options of `tsdl run` (and `npm run notebooks`). */
import { parseCommandLine } from '../args';

export const RUN_USAGE = `Usage: tsdl run [NOTEBOOK.ipynb | DIR ...] [options]

Executes notebooks with the tsdl kernel through nbconvert and writes, per notebook, OUT/<name>.ipynb
(executed), OUT/<name>.html (self-contained: charts render offline) and OUT/<name>.metrics.json
(written by the notebook's saveMetrics call). A DIR stands for the notebooks in it (default: .).
  --smoke              tiny data and one epoch (TSDL_SMOKE=1), same code path
  --only NAME          run only notebooks whose name contains NAME (repeatable, or comma-separated)
  -p KEY=VALUE         override a parameter; VALUE is a JSON literal (3, 0.1, true, [1,2], "s"),
                       anything else is taken as a string (repeatable)
  --out DIR            where reports go (default: ./reports)
  --timeout SECONDS    per-cell timeout (default: 600 with --smoke, else 7200)
  --no-install         use the tsdl kernelspec Jupyter already finds instead of a private one
  -h, --help           this text`;

/** JSON values with no prototype anywhere: parameters never travel through Object.prototype. */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

export interface RunOptions {
  paths: string[];
  smoke: boolean;
  only: string[];
  params: Record<string, ParamValue>;
  out: string | null;
  timeout: number | null;
  install: boolean;
}

/** Keys that would reach an object's prototype instead of the object. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function checkKey(key: string, where: string): void {
  if (FORBIDDEN.has(key)) {
    throw new Error(`-p ${where}: "${key}" cannot be a parameter name (it would reach JavaScript's object prototype, not the notebook). Rename the parameter.`);
  }
}

/** A parsed JSON value rebuilt from null-prototype objects, refusing prototype keys at any depth. */
function detach(value: unknown, where: string): ParamValue {
  if (Array.isArray(value)) return value.map((v) => detach(v, where));
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as Record<string, ParamValue>;
    for (const [k, v] of Object.entries(value)) {
      checkKey(k, where);
      out[k] = detach(v, where);
    }
    return out;
  }
  return value as ParamValue;
}

/** Parses a -p value: a JSON literal when it parses, else the raw string. */
export function parseValue(raw: string, where = raw): ParamValue {
  let parsed: unknown;
  try {
    // A reviver sees every key, including the "__proto__" that JSON.parse sets as an own property.
    parsed = JSON.parse(raw, (k, v) => {
      checkKey(k, where);
      return v;
    });
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('-p ')) throw err;
    return raw;
  }
  return detach(parsed, where);
}

/** The options of `tsdl run`, or null after printing the usage for -h/--help. */
export function parseRunArgs(argv: string[]): RunOptions | null {
  const parsed = parseCommandLine(argv, 'run', RUN_USAGE, {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true, default: [] },
    param: { type: 'string', short: 'p', multiple: true, default: [] },
    out: { type: 'string' },
    timeout: { type: 'string' },
    'no-install': { type: 'boolean', default: false },
  });
  if (!parsed) return null;
  const { values, positionals } = parsed;
  const params = Object.create(null) as Record<string, ParamValue>;
  for (const kv of values.param ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`-p expects KEY=VALUE, e.g. -p epochs=3; found ${JSON.stringify(kv)}.`);
    const key = kv.slice(0, eq);
    checkKey(key, kv);
    params[key] = parseValue(kv.slice(eq + 1), kv);
  }
  let timeout: number | null = null;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!(timeout > 0)) throw new Error(`--timeout expects a positive number of seconds; found ${JSON.stringify(values.timeout)}.`);
  }
  return {
    paths: positionals,
    smoke: values.smoke ?? false,
    only: (values.only ?? []).flatMap((o) => o.split(',')).filter(Boolean),
    params,
    out: values.out ?? null,
    timeout,
    install: !values['no-install'],
  };
}
