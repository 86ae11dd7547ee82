/**
 * Notebook parameters and metrics.
 *
 * `parameters(defaults, smoke)` is the one parameters cell of every notebook: the defaults are the
 * full tutorial settings; `TSDL_SMOKE=1` swaps in the notebook's own smoke settings; `TSDL_PARAMS`
 * (a JSON object, set by `npm run notebooks -- -p key=value`) overrides single values. Overrides
 * arrive as parsed JSON data and are type-checked against the defaults, never evaluated as code;
 * they are parsed into objects without a prototype, and the keys `__proto__`, `constructor` and
 * `prototype` are refused at any depth, so no override can reach an object's prototype.
 *
 * `saveMetrics(obj)` writes the notebook's key figures, with the backend and timestamps, atomically
 * to `TSDL_METRICS_FILE` (default `<cwd>/reports/<notebook>.metrics.json`) for the runner and tests.
 */
import * as path from 'path';
import { ready } from './tf';
import { mkdirWritable, writeFileAtomic } from './util/fs-atomic';

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };
export type Params = { [key: string]: ParamValue };

/** When the first parameters cell ran: the notebook's start time as far as the metrics go. */
let startedAt: Date | undefined;
let lastParams: Params | undefined;
let lastSources: ParamSource | undefined;

export interface ParamSource {
  smoke: boolean;
  /** Keys whose value came from `TSDL_PARAMS`. */
  overridden: string[];
  /** Keys of `TSDL_PARAMS` this notebook does not have (kept only with `TSDL_PARAMS_UNKNOWN=ignore`). */
  ignored: string[];
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Keys that would reach or replace an object's prototype: refused in parameters at any depth. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Parses JSON into plain data whose objects have no prototype; a forbidden key anywhere throws,
 * naming its path. (JSON.parse itself makes `__proto__` an own property, but a later spread or
 * assignment into an ordinary object would set the prototype; the reviver stops it at the door.)
 */
function parseData(raw: string, origin: string): unknown {
  const forbidden = (key: string) => FORBIDDEN_KEYS.includes(key);
  return JSON.parse(raw, function (this: unknown, key: string, value: unknown) {
    if (forbidden(key)) {
      throw new ForbiddenKeyError(`${origin} contains the key "${key}", which is not allowed as a parameter name at any depth ` +
        `(${FORBIDDEN_KEYS.join(', ')} could change object prototypes); rename or remove it.`);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const out = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(value)) out[k] = (value as Record<string, unknown>)[k];
      return out;
    }
    return value;
  });
}

class ForbiddenKeyError extends Error {}

/** A deep copy of parsed data as ordinary objects and arrays (its keys were checked when parsed). */
function toPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: toPlain((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** Parses `TSDL_PARAMS` (into null-prototype objects); an empty or unset variable means no overrides. */
export function readOverrides(env: NodeJS.ProcessEnv = process.env): Params {
  const raw = env.TSDL_PARAMS;
  if (raw === undefined || raw.trim() === '') return Object.create(null) as Params;
  let parsed: unknown;
  try {
    parsed = parseData(raw, 'TSDL_PARAMS');
  } catch (err) {
    if (err instanceof ForbiddenKeyError) throw new Error(`${err.message} Fix the -p options or unset TSDL_PARAMS.`);
    throw new Error(`TSDL_PARAMS must be a JSON object such as {"epochs": 3}; found ${JSON.stringify(raw)} ` +
      `(${(err as Error).message}). Fix the -p options or unset TSDL_PARAMS.`);
  }
  if (kindOf(parsed) !== 'object') {
    throw new Error(`TSDL_PARAMS must be a JSON object such as {"epochs": 3}; found a JSON ${kindOf(parsed)}. ` +
      'Fix the -p options or unset TSDL_PARAMS.');
  }
  return parsed as Params;
}

function isSmoke(env: NodeJS.ProcessEnv): boolean {
  const v = (env.TSDL_SMOKE ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false' && v !== 'no';
}

/** Checks that `value` may replace `base` (same JSON kind; null defaults accept anything). */
function checkKind(key: string, base: unknown, value: unknown, origin: string): void {
  if (base === null || base === undefined) return;
  const want = kindOf(base);
  const got = kindOf(value);
  if (want !== got) {
    throw new Error(`Parameter "${key}" from ${origin} must be a ${want} like the default ` +
      `${JSON.stringify(base)}; found ${got} ${JSON.stringify(value)}. ` +
      (want === 'string' ? `Quote it as JSON: -p '${key}="${String(value)}"'.` : `Pass e.g. -p ${key}=${JSON.stringify(base)}.`));
  }
}

function merge<T extends object>(base: T, extra: Partial<T> | Params, origin: string, ignored?: string[]): { merged: T; keys: string[] } {
  // Built without a prototype, so that no key can reach one; only the defaults' keys enter it.
  const merged = Object.assign(Object.create(null), base) as Record<string, unknown>;
  const keys: string[] = [];
  for (const key of Object.keys(extra)) {
    const value = (extra as Record<string, unknown>)[key];
    if (FORBIDDEN_KEYS.includes(key)) {
      throw new Error(`Parameter "${key}" in ${origin} is not allowed (${FORBIDDEN_KEYS.join(', ')} could change object prototypes); rename or remove it.`);
    }
    if (!Object.prototype.hasOwnProperty.call(base, key)) {
      if (ignored) {
        ignored.push(key);
        continue;
      }
      throw new Error(`Unknown parameter "${key}" in ${origin}; this notebook's parameters are: ` +
        `${Object.keys(base).join(', ')}.`);
    }
    checkKind(key, (base as Record<string, unknown>)[key], value, origin);
    merged[key] = value;
    keys.push(key);
  }
  return { merged: merged as T, keys };
}

/**
 * The notebook's parameters: `defaults` (the full settings), then `smoke` when `TSDL_SMOKE=1`, then
 * the JSON overrides of `TSDL_PARAMS`. Unknown keys and values of the wrong JSON type are errors,
 * except that `TSDL_PARAMS_UNKNOWN=ignore` (set by the runner when it runs several notebooks with
 * one set of `-p` options) skips keys a notebook does not have.
 */
export function parameters<T extends object>(defaults: T, smoke: Partial<T> = {}, env: NodeJS.ProcessEnv = process.env): T {
  startedAt ??= new Date();
  const useSmoke = isSmoke(env);
  let current = defaults;
  if (useSmoke) current = merge(current, smoke, 'the smoke settings').merged;
  const ignored: string[] = [];
  const { merged, keys } = merge(current, readOverrides(env), 'TSDL_PARAMS', env.TSDL_PARAMS_UNKNOWN === 'ignore' ? ignored : undefined);
  // The notebook gets an ordinary object (it prints and compares as usual), built key by key from
  // checked keys; overridden values are copied out of their null-prototype form.
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(merged)) {
    const value = (merged as Record<string, unknown>)[key];
    Object.defineProperty(result, key, { value: keys.includes(key) ? toPlain(value) : value, enumerable: true, writable: true, configurable: true });
  }
  lastParams = JSON.parse(JSON.stringify(result)) as Params;
  lastSources = { smoke: useSmoke, overridden: keys, ignored };
  return result as T;
}

/** The notebook's name: `TSDL_NOTEBOOK`, else the metrics file's stem, else `fallback`. */
export function notebookName(env: NodeJS.ProcessEnv = process.env, fallback = 'notebook'): string {
  if (env.TSDL_NOTEBOOK) return env.TSDL_NOTEBOOK;
  if (env.TSDL_METRICS_FILE) return path.basename(env.TSDL_METRICS_FILE).replace(/\.metrics\.json$|\.json$/, '');
  return fallback;
}

/**
 * Where `saveMetrics` writes: `TSDL_METRICS_FILE`, else `<cwd>/reports/<name>.metrics.json` (the
 * user's working folder: an installed package's folder is no place for reports).
 */
export function metricsPath(name?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TSDL_METRICS_FILE) return path.resolve(env.TSDL_METRICS_FILE);
  return path.resolve(process.cwd(), 'reports', `${name ?? notebookName(env)}.metrics.json`);
}

export interface SaveOptions {
  /** Notebook name when neither `TSDL_NOTEBOOK` nor `TSDL_METRICS_FILE` is set. */
  name?: string;
  /** Write here instead of the default path. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Writes `metrics` as JSON with `notebook`, `backend` (from `ready()`), `smoke`, `params`,
 * `startedAt`, `finishedAt` and `wallSeconds` added; returns the path and the object written.
 */
export async function saveMetrics(metrics: Record<string, unknown>, options: SaveOptions = {}): Promise<{ file: string; data: Record<string, unknown> }> {
  const env = options.env ?? process.env;
  const backend = await ready();
  const finishedAt = new Date();
  const start = startedAt ?? finishedAt;
  const name = env.TSDL_NOTEBOOK || options.name || notebookName(env);
  const data: Record<string, unknown> = {
    notebook: name,
    ...metrics,
    backend,
    smoke: lastSources?.smoke ?? isSmoke(env),
    params: lastParams ?? null,
    overridden: lastSources?.overridden ?? [],
    ignoredParams: lastSources?.ignored ?? [],
    startedAt: start.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: (finishedAt.getTime() - start.getTime()) / 1000,
    node: process.version,
  };
  const file = options.file ? path.resolve(options.file) : metricsPath(name, env);
  // Atomic: a runner (or a crash) never sees half a metrics file, and stale temporaries go.
  mkdirWritable(path.dirname(file));
  writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n', { step: `writing the metrics ${path.basename(file)}` });
  return { file, data };
}
