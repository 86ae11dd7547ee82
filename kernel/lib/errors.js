'use strict';
// Turns TypeScript diagnostics and runtime exceptions into Jupyter error contents
// ({ename, evalue, traceback}) whose traceback points at the cell line and shows only frames of
// the user's code and libraries (never Node internals, tslab or the kernel itself).
const util = require('util');

/**
 * @typedef {{ename: string, evalue: string, traceback: string[]}} ErrorContent
 * @typedef {{line: number, character: number}} Position
 * @typedef {{start: Position, end?: Position, messageText: string, code?: number, fileName?: string}} Diagnostic
 */

/** What an interrupted cell, prompt() or dl.input() throws. */
class KeyboardInterrupt extends Error {
  constructor(message = 'cell execution was interrupted') {
    super(message);
    this.name = 'KeyboardInterrupt';
  }
}

/** @param {string} line @param {number} column @param {number} length */
function caret(line, column, length) {
  return ' '.repeat(column) + '^'.repeat(Math.max(1, Math.min(length || 1, Math.max(1, line.length - column))));
}

/**
 * Diagnostics from tslab's converter (0-based line/character, relative to the cell). One at the
 * very end of the input (tslab appends an export list after the cell) points at the cell's end.
 * @param {Diagnostic[]} diagnostics
 * @param {string} src
 * @returns {ErrorContent}
 */
function typeScriptError(diagnostics, src) {
  const lines = src.split('\n');
  const traceback = [];
  for (const d of diagnostics) {
    let { line, character } = d.start;
    if (!d.fileName && line >= lines.length) {
      line = lines.length - 1;
      character = lines[line].length;
    }
    const where = d.fileName ? `${d.fileName} line ${line + 1}` : `cell line ${line + 1}`;
    traceback.push(`TypeScriptError: ${d.messageText}${d.code ? ` (TS${d.code})` : ''}`);
    traceback.push(`    at ${where}, column ${character + 1}`);
    if (!d.fileName && lines[line] !== undefined) {
      const text = lines[line];
      const len = d.end && d.end.line === line ? d.end.character - character : 1;
      traceback.push(`  ${line + 1} | ${text}`);
      traceback.push(`  ${' '.repeat(String(line + 1).length)} | ${caret(text, Math.min(character, text.length), len)}`);
    }
  }
  const first = diagnostics[0];
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more TypeScript error${diagnostics.length > 2 ? 's' : ''})` : '';
  return {
    ename: 'TypeScriptError',
    evalue: `${first ? first.messageText : 'compilation failed'}${more}`,
    traceback,
  };
}

const TOKEN = /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
const IGNORED = new Set(['exports', 'tsLastExpr', 'void', '0', 'let', 'const', 'var']);

/**
 * The emitted JavaScript has no source map; find the cell line whose tokens best match the
 * failing JavaScript line (emit keeps statements and expressions, drops only types).
 * @param {string} jsLine
 * @param {string[]} cellLines
 */
function mapJsLineToCell(jsLine, cellLines) {
  const wanted = (jsLine.match(TOKEN) || []).filter((t) => !IGNORED.has(t));
  if (wanted.length === 0) return -1;
  let best = -1;
  let bestScore = 0;
  let bestTie = 0;
  cellLines.forEach((line, i) => {
    const have = new Set(line.match(TOKEN) || []);
    if (have.size === 0) return;
    let hit = 0;
    for (const t of wanted) if (have.has(t)) hit++;
    const score = hit / wanted.length; // how much of the JS line the cell line explains
    const tie = hit / have.size; // prefer cell lines with little else on them
    if (score > bestScore || (score === bestScore && tie > bestTie)) { bestScore = score; bestTie = tie; best = i; }
  });
  return bestScore >= 0.5 ? best : -1;
}

const INTERRUPT_MESSAGES = new Set(['Script execution interrupted.', 'Interrupted asynchronously']);

/** @param {unknown} err */
function isInterrupt(err) {
  return err instanceof Error && (err.name === 'KeyboardInterrupt' || /** @type {any} */ (err).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED'
    || INTERRUPT_MESSAGES.has(err.message));
}

// Frames of Node itself, of tslab, of this kernel, and the anonymous frames V8 adds for native
// helpers (`at new Promise (<anonymous>)`): none of them is the user's code.
const INTERNAL_FRAME = /\(node:|at node:|\(<anonymous>\)|[\\/]tslab[\\/]dist[\\/]|[\\/]kernel[\\/]lib[\\/]|\bsigintHandlersWrap\b|\bprocessTicksAndRejections\b/;

/** @param {string} cellFile */
const escapeRegExp = (cellFile) => cellFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * @param {unknown} err the thrown value
 * @param {string} src cell source
 * @param {string | undefined} jsOutput the JavaScript tslab ran for this cell
 * @param {string} cellFile the filename the cell ran as (in stack traces)
 * @returns {ErrorContent}
 */
function runtimeError(err, src, jsOutput, cellFile) {
  if (isInterrupt(err)) {
    return { ename: 'KeyboardInterrupt', evalue: 'cell execution was interrupted', traceback: ['KeyboardInterrupt: cell execution was interrupted'] };
  }
  if (!(err instanceof Error)) {
    const text = util.inspect(err);
    return { ename: 'Uncaught', evalue: text, traceback: [`Uncaught ${text}`] };
  }
  const ename = err.name || (err.constructor && err.constructor.name) || 'Error';
  const evalue = err.message || '';
  const cellLines = src.split('\n');
  const jsLines = (jsOutput || '').split('\n');
  const traceback = [`${ename}: ${evalue}`];
  let pointed = false;
  const cellFrame = new RegExp(`${escapeRegExp(cellFile)}:(\\d+):(\\d+)`);
  for (const frame of String(err.stack || '').split('\n').slice(1)) {
    if (!/^\s*at /.test(frame)) continue;
    const m = frame.match(cellFrame);
    if (m) {
      const cellLine = mapJsLineToCell(jsLines[Number(m[1]) - 1] || '', cellLines);
      if (cellLine >= 0) {
        traceback.push(frame.replace(m[0], `cell line ${cellLine + 1}`));
        if (!pointed) {
          traceback.push(`  ${cellLine + 1} | ${cellLines[cellLine]}`);
          pointed = true;
        }
      }
      continue; // else: tslab's wrapper around the cell
    }
    if (INTERNAL_FRAME.test(frame)) continue;
    traceback.push(frame);
  }
  return { ename, evalue, traceback };
}

/**
 * An error that reached the process (a callback's exception, an unhandled rejection) after or
 * outside the code of `cell`, reported to that cell's output; the kernel keeps running.
 * @param {unknown} err
 * @param {'exception' | 'rejection' | 'listener'} kind
 * @param {{code: string, js?: string} | null} cell the cell it is attributed to
 * @param {string} cellFile
 * @returns {ErrorContent}
 */
function lateError(err, kind, cell, cellFile) {
  const content = runtimeError(err, cell ? cell.code : '', cell ? cell.js : undefined, cellFile);
  const what = {
    exception: 'Uncaught exception in a callback',
    rejection: 'Unhandled promise rejection',
    listener: 'Exception in a process error listener',
  }[kind];
  content.traceback.push(`(${what}; the kernel keeps running)`);
  return content;
}

module.exports = { typeScriptError, runtimeError, lateError, mapJsLineToCell, isInterrupt, KeyboardInterrupt };
