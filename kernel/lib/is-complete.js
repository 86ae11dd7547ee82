'use strict';
// is_complete, as the messaging spec defines it, from TypeScript's parser alone (no compiler: it
// answers in milliseconds, also while the kernel is busy). The cell is parsed as tslab compiles it,
// a strict-mode module (so `let = 1;` is invalid):
// - no syntax error                                     -> complete
// - every error sits at the end of the input, i.e. more text could still make it valid
//   (an open bracket, `/*`, an unterminated template literal) -> incomplete, with an indent
// - any other error (`)(`, `const = 1;`, an unterminated 'string')  -> invalid
// - `expr?` / `expr??` asks for help (the kernel answers with a pager payload) -> complete
// - input that ends in a blank line is submitted as it is (complete, or invalid), as tslab does.

const PAGER = /^[\s\S]*[\w$)\]]\?\??\s*$/;
const UNTERMINATED_STRING = 1002; // a newline cannot continue a '...' or "..." literal

/**
 * @param {any} ts tslab's TypeScript
 * @param {string} code
 * @returns {{status: 'complete' | 'invalid'} | {status: 'incomplete', indent: string}}
 */
function isComplete(ts, code) {
  if (PAGER.test(code) && syntaxErrors(ts, code.replace(/\?\??\s*$/, '')).length === 0) return { status: 'complete' };
  const errors = syntaxErrors(ts, code);
  if (errors.length === 0) return { status: 'complete' };
  const end = code.replace(/\s+$/, '').length;
  const atEnd = errors.every((d) => d.start >= end && d.code !== UNTERMINATED_STRING);
  if (!atEnd || /(^|\n)[ \t]*\n\s*$/.test(code)) return { status: 'invalid' };
  return { status: 'incomplete', indent: indentAfter(code) };
}

/**
 * Parse and strict-mode binding errors of `code` as a module.
 * @param {any} ts
 * @param {string} code
 * @returns {{start: number, code: number}[]}
 */
function syntaxErrors(ts, code) {
  const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  file.externalModuleIndicator = true; // tslab compiles every cell as a module (strict mode)
  ts.bindSourceFile(file, { alwaysStrict: true, target: ts.ScriptTarget.Latest });
  return [...(file.parseDiagnostics || []), ...(file.bindDiagnostics || [])];
}

/**
 * The next line's indent: the last line's, one step deeper after an opening bracket.
 * @param {string} code
 */
function indentAfter(code) {
  const last = code.slice(code.lastIndexOf('\n') + 1);
  const current = last.slice(0, last.length - last.replace(/^[ \t]*/, '').length);
  return /[{([]\s*$/.test(last) ? current + '  ' : current;
}

module.exports = { isComplete };
