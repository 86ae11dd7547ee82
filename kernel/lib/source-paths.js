'use strict';
// tslab type-checks a cell as a virtual file in its compile root and refuses imports of files outside
// that root ("File ... is not under 'rootDir'"). The tsdl kernel compiles with the project root as
// the root, so notebooks in notebooks/ (or anywhere) can import ../src or /abs/path/src; relative
// and absolute module specifiers written against the notebook's own folder are rewritten to be
// relative to the compile root (absolute when outside it). Offsets are tracked so completion and inspection positions still line up.
const fs = require('fs');
const path = require('path');

/** tslab resolves a local import only as a file, so `../src` must name its index explicitly. */
function withIndex(abs) {
  try {
    if (fs.statSync(abs).isDirectory() && fs.existsSync(path.join(abs, 'index.ts'))) return path.join(abs, 'index');
  } catch (_) { /* not there: leave it for the compiler to report */ }
  return abs;
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])((?:\.{1,2}|\/)[^'"\n]*)\2/gm;

/**
 * @param {string} src cell source
 * @param {string} cwd folder the notebook runs in
 * @param {string} root compile root
 * @returns {{code: string, edits: {at: number, oldLen: number, newLen: number}[]}}
 */
function rewriteSpecifiers(src, cwd, root) {
  const edits = [];
  const code = src.replace(SPECIFIER, (whole, lead, quote, spec, offset) => {
    const abs = withIndex(path.resolve(cwd, spec));
    let rel = path.relative(root, abs).split(path.sep).join('/');
    // Outside the root: an absolute path (runs; a .ts file there cannot be type-checked by tslab).
    if (rel.startsWith('..') || path.isAbsolute(rel)) rel = abs.split(path.sep).join('/');
    else rel = rel === '' ? '.' : './' + rel;
    if (spec.endsWith('/') && !rel.endsWith('/')) rel += '/';
    if (rel === spec) return whole;
    edits.push({ at: offset + lead.length + 1, oldLen: spec.length, newLen: rel.length });
    return lead + quote + rel + quote;
  });
  return { code, edits };
}

/** Maps an offset in the original source to the rewritten one. */
function toRewritten(pos, edits) {
  let shift = 0;
  for (const e of edits) if (e.at + e.oldLen <= pos) shift += e.newLen - e.oldLen;
  return pos + shift;
}

/** Maps an offset in the rewritten source back to the original one. */
function toOriginal(pos, edits) {
  let shift = 0;
  for (const e of edits) {
    if (e.at + shift + e.newLen <= pos) shift += e.newLen - e.oldLen;
  }
  return pos - shift;
}

module.exports = { rewriteSpecifiers, toRewritten, toOriginal };
