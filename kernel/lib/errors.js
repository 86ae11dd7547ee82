'use strict';
// Turns TypeScript diagnostics and runtime exceptions into Jupyter error contents
// ({ename, evalue, traceback}) whose traceback points at the cell line.
const util = require('util');

function caret(line, column, length) {
  return ' '.repeat(column) + '^'.repeat(Math.max(1, Math.min(length || 1, Math.max(1, line.length - column))));
}

/** Diagnostics from tslab's converter (0-based line/character, relative to the cell). */
function typeScriptError(diagnostics, src) {
  const lines = src.split('\n');
  const traceback = [];
  for (const d of diagnostics) {
    const where = d.fileName ? `${d.fileName} line ${d.start.line + 1}` : `cell line ${d.start.line + 1}`;
    traceback.push(`TypeScriptError: ${d.messageText}${d.code ? ` (TS${d.code})` : ''}`);
    traceback.push(`    at ${where}, column ${d.start.character + 1}`);
    if (!d.fileName && lines[d.start.line] !== undefined) {
      const text = lines[d.start.line];
      const len = d.end && d.end.line === d.start.line ? d.end.character - d.start.character : 1;
      traceback.push(`  ${d.start.line + 1} | ${text}`);
      traceback.push(`  ${' '.repeat(String(d.start.line + 1).length)} | ${caret(text, d.start.character, len)}`);
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

function isInterrupt(err) {
  return err instanceof Error && (err.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' || INTERRUPT_MESSAGES.has(err.message));
}

/**
 * @param {unknown} err the thrown value
 * @param {string} src cell source
 * @param {string | undefined} jsOutput the JavaScript tslab ran for this cell
 * @param {string} cellFile the filename the cell ran as (in stack traces)
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
  for (const frame of String(err.stack || '').split('\n').slice(1)) {
    if (!/^\s*at /.test(frame)) continue;
    if (/\(node:|at node:|[\\/]tslab[\\/]dist[\\/]|[\\/]kernel[\\/]lib[\\/]/.test(frame)) continue;
    const m = frame.match(new RegExp(`${cellFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`));
    if (m) {
      const cellLine = mapJsLineToCell(jsLines[Number(m[1]) - 1] || '', cellLines);
      if (cellLine >= 0) {
        traceback.push(frame.replace(m[0], `cell line ${cellLine + 1}`));
        if (!pointed) {
          traceback.push(`  ${cellLine + 1} | ${cellLines[cellLine]}`);
          pointed = true;
        }
        continue;
      }
      continue; // tslab's wrapper around the cell
    }
    traceback.push(frame);
  }
  return { ename, evalue, traceback };
}

module.exports = { typeScriptError, runtimeError, mapJsLineToCell, isInterrupt };
