'use strict';
// MIME bundles for Jupyter: an object's [Symbol.for('Jupyter.display')]() bundle (Deno's
// convention; an async method is awaited, as Deno does), else Node's util.inspect text. Binary
// values become base64, as the spec requires. The one builder of bundles: the library's display()
// (src/display.ts) loads this file too.
const util = require('util');

const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

/** @param {string} mime */
function isJsonMime(mime) {
  return mime === 'application/json' || /\+json$/.test(mime);
}

/**
 * @param {Record<string, unknown> | null | undefined} bundle
 * @returns {Record<string, unknown>}
 */
function normalizeBundle(bundle) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [mime, value] of Object.entries(bundle || {})) {
    if (value === undefined) continue;
    if (value instanceof Uint8Array) out[mime] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    else if (isJsonMime(mime) || typeof value === 'string') out[mime] = value;
    else out[mime] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

/** @param {unknown} value */
function inspectText(value) {
  return { 'text/plain': util.inspect(value, { depth: 4, maxArrayLength: 50, breakLength: 100 }) };
}

/** @param {unknown} value */
function displayMethod(value) {
  const method = value !== null && (typeof value === 'object' || typeof value === 'function') ? /** @type {any} */ (value)[JUPYTER_DISPLAY] : undefined;
  return typeof method === 'function' ? method : undefined;
}

/** @param {unknown} x @returns {x is PromiseLike<unknown>} */
function isThenable(x) {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof /** @type {any} */ (x).then === 'function';
}

/**
 * The bundle of `value` (synchronous: an async Jupyter.display method is not awaited here).
 * @param {unknown} value
 * @returns {Record<string, unknown>}
 */
function toMimeBundle(value) {
  const method = displayMethod(value);
  if (method) {
    const result = method.call(value);
    if (isThenable(result)) result.then(undefined, () => {}); // the async form is toMimeBundleAsync's
    else {
      const bundle = normalizeBundle(result);
      if (Object.keys(bundle).length > 0) return bundle;
    }
  }
  return inspectText(value);
}

/**
 * The bundle of `value`, or a promise of it when its Jupyter.display method is async (the method
 * is called once).
 * @param {unknown} value
 * @returns {Record<string, unknown> | Promise<Record<string, unknown>>}
 */
function bundleOf(value) {
  const method = displayMethod(value);
  if (!method) return inspectText(value);
  const result = method.call(value);
  const finish = (/** @type {any} */ bundle) => {
    const b = normalizeBundle(bundle);
    return Object.keys(b).length > 0 ? b : inspectText(value);
  };
  return isThenable(result) ? Promise.resolve(result).then(finish) : finish(result);
}

/**
 * The bundle of `value`, awaiting an async Jupyter.display method.
 * @param {unknown} value
 * @returns {Promise<Record<string, unknown>>}
 */
async function toMimeBundleAsync(value) {
  const method = displayMethod(value);
  if (method) {
    const bundle = normalizeBundle(/** @type {any} */ (await method.call(value)));
    if (Object.keys(bundle).length > 0) return bundle;
  }
  return inspectText(value);
}

module.exports = { toMimeBundle, toMimeBundleAsync, bundleOf, normalizeBundle, isThenable, JUPYTER_DISPLAY };
