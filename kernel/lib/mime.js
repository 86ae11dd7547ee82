'use strict';
// MIME bundles for Jupyter: an object's [Symbol.for('Jupyter.display')]() bundle (Deno's
// convention), else Node's util.inspect text. Binary values become base64, as the spec requires.
const util = require('util');

const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

function isJsonMime(mime) {
  return mime === 'application/json' || /\+json$/.test(mime);
}

function normalizeBundle(bundle) {
  const out = {};
  for (const [mime, value] of Object.entries(bundle || {})) {
    if (value === undefined) continue;
    if (value instanceof Uint8Array) out[mime] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    else if (isJsonMime(mime) || typeof value === 'string') out[mime] = value;
    else out[mime] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

function toMimeBundle(value) {
  const method = value !== null && (typeof value === 'object' || typeof value === 'function') ? value[JUPYTER_DISPLAY] : undefined;
  if (typeof method === 'function') {
    const bundle = normalizeBundle(method.call(value));
    if (Object.keys(bundle).length > 0) return bundle;
  }
  return { 'text/plain': util.inspect(value, { depth: 4, maxArrayLength: 50, breakLength: 100 }) };
}

module.exports = { toMimeBundle, normalizeBundle, JUPYTER_DISPLAY };
