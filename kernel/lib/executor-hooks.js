'use strict';
// Hooks around tslab's executor (dist/executor's createExecutor, which cell-runner.js calls), for
// what the kernel needs from it without touching how cells are compiled:
// - `{a: 1}` as a whole cell is an object, not a block (Node's REPL: wrapped in parentheses when
//   that parses);
// - the last expression's value as Node's REPL shows it: `null` is shown (tslab drops it), and a
//   function or class named only after tslab's hidden variable (`[Function: tsLastExpr]`) is
//   anonymous again;
// - completions match what is typed before the cursor (no `timeLog` for `console.lo`), and an
//   unknown name is not "found" by inspection (TypeScript answers `any` for it);
// - `onSync(depth)` brackets the synchronous part of each run (type checking, then the cell's
//   synchronous code, which `vm`'s breakOnSigint interrupts) and `onConversion(output)` gets each
//   cell's emitted JavaScript (late errors map their stack to cell lines with it).
const path = require('path');

/**
 * @typedef {{onSync?: (delta: 1 | -1) => void, onConversion?: (conversion: any) => void}} Hooks
 */

/**
 * Installs the hooks for executors created from now on (call before the cell runner is made).
 * @param {string} tslabDir
 * @param {any} ts tslab's TypeScript
 * @param {Hooks} hooks
 */
function installExecutorHooks(tslabDir, ts, hooks) {
  const mod = require(path.join(tslabDir, 'dist', 'executor'));
  const original = mod.__tsdlOriginalCreateExecutor || mod.createExecutor;
  mod.__tsdlOriginalCreateExecutor = original;
  mod.createExecutor = function createExecutor(/** @type {string} */ rootDir, /** @type {any} */ convs, /** @type {Console} */ out) {
    /** @type {any} */
    let last = null; // the current cell's conversion
    const wrapped = new WeakMap();
    /** @param {any} conv */
    const wrap = (conv) => {
      if (!wrapped.has(conv)) wrapped.set(conv, hookConverter(ts, conv, (c) => { last = c; if (hooks.onConversion) hooks.onConversion(c); }));
      return wrapped.get(conv);
    };
    const hookedConvs = {
      get node() { return wrap(convs.node); },
      get browser() { return wrap(convs.browser); },
      close() { convs.close(); },
    };
    const console = {
      log(/** @type {unknown} */ value) { out.log(unnamed(value, last && last.lastExpressionVar)); },
      error(/** @type {any[]} */ ...args) { out.error(...args); },
    };
    const executor = original(rootDir, hookedConvs, console);
    const execute = executor.execute;
    executor.execute = function (/** @type {string} */ src) {
      last = null;
      let promise;
      if (hooks.onSync) hooks.onSync(1);
      try {
        promise = execute.call(this, src);
      } finally {
        if (hooks.onSync) hooks.onSync(-1);
      }
      return promise.then((/** @type {boolean} */ ok) => {
        const name = last && last.lastExpressionVar;
        if (ok && name && Object.prototype.hasOwnProperty.call(executor.locals, name)) {
          // tslab shows the last expression unless it is null or undefined, and keeps those.
          const value = executor.locals[name];
          delete executor.locals[name];
          if (value === null) console.log(null);
        }
        return ok;
      });
    };
    return executor;
  };
}

/**
 * @param {any} ts
 * @param {any} conv cell-runner's converter
 * @param {(conversion: any) => void} onConversion
 */
function hookConverter(ts, conv, onConversion) {
  return {
    convert(/** @type {string} */ prevDecl, /** @type {string} */ src) {
      const literal = asObjectLiteral(ts, src);
      const out = conv.convert(prevDecl, literal ? literal.code : src);
      if (literal && out.diagnostics) out.diagnostics = out.diagnostics.map((/** @type {any} */ d) => literal.unshift(d));
      if (out.diagnostics) out.diagnostics = withoutSuffixErrors(ts, src, out.diagnostics);
      onConversion(out);
      return out;
    },
    inspect(/** @type {string} */ prevDecl, /** @type {string} */ src, /** @type {number} */ pos) {
      const info = conv.inspect(prevDecl, src, pos);
      // TypeScript describes a name it cannot resolve as `any` of kind '' (unknown).
      return info && info.kind === '' ? undefined : info;
    },
    complete(/** @type {string} */ prevDecl, /** @type {string} */ src, /** @type {number} */ pos) {
      const info = conv.complete(prevDecl, src, pos);
      if (info && Array.isArray(info.candidates) && typeof info.start === 'number') {
        info.candidates = byPrefix(info.candidates, src.slice(info.start, Math.max(info.start, pos)));
      }
      return info;
    },
    addModule(/** @type {any[]} */ ...args) { return conv.addModule(...args); },
    close() { conv.close(); },
  };
}

/**
 * tslab type-checks the cell followed by `export { <its names> }` on a new line. When the cell
 * is unfinished (`const o = {`), that suffix yields errors past the cell's end, some of them
 * nonsense ("'o' used before its declaration"): those give way to the cell's own syntax errors.
 * @param {any} ts
 * @param {string} src
 * @param {any[]} diagnostics tslab's (0-based line/character, relative to the cell)
 */
function withoutSuffixErrors(ts, src, diagnostics) {
  const lines = src.split('\n').length;
  const beyond = (/** @type {any} */ d) => !d.fileName && d.start && d.start.line >= lines;
  if (!diagnostics.some(beyond)) return diagnostics;
  const file = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const own = (file.parseDiagnostics || []).map((/** @type {any} */ d) => {
    const at = (/** @type {number} */ pos) => { const p = file.getLineAndCharacterOfPosition(pos); return { line: p.line, character: p.character, offset: pos }; };
    return { start: at(d.start), end: at(d.start + d.length), messageText: ts.flattenDiagnosticMessageText(d.messageText, '\n'), category: d.category, code: d.code };
  });
  return own.length > 0 ? [...diagnostics.filter((d) => !beyond(d)), ...own] : diagnostics;
}

/**
 * Candidates that start with what was typed: exact-case first, then other case (tslab also
 * offers names that merely contain it).
 * @param {string[]} candidates
 * @param {string} typed
 */
function byPrefix(candidates, typed) {
  if (!typed) return candidates;
  const lower = typed.toLowerCase();
  const exact = candidates.filter((c) => c.startsWith(typed));
  const other = candidates.filter((c) => !c.startsWith(typed) && c.toLowerCase().startsWith(lower));
  return [...exact, ...other];
}

/**
 * A cell that is `{ ... }` and parses as an object literal in parentheses is one (Node's REPL);
 * a block stays a block. Lines do not move; `unshift` moves diagnostics back by the `(`.
 * @param {any} ts
 * @param {string} src
 */
function asObjectLiteral(ts, src) {
  const start = src.search(/\S/);
  const end = src.replace(/\s+$/, '').length;
  if (start < 0 || src[start] !== '{' || src[end - 1] !== '}') return null;
  const code = `${src.slice(0, start)}(${src.slice(start, end)})${src.slice(end)}`;
  const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  if ((file.parseDiagnostics || []).length > 0) return null;
  const stmt = file.statements.length === 1 ? file.statements[0] : null;
  if (!stmt || !ts.isExpressionStatement(stmt) || !ts.isParenthesizedExpression(stmt.expression)
    || !ts.isObjectLiteralExpression(stmt.expression.expression)) return null;
  const line = (src.slice(0, start).match(/\n/g) || []).length;
  const column = start - (src.lastIndexOf('\n', start - 1) + 1);
  /** @param {{line: number, character: number, offset?: number}} p */
  const back = (p) => (p && (p.line > line || (p.line === line && p.character > column))
    ? { ...p, character: p.line === line ? p.character - 1 : p.character, offset: typeof p.offset === 'number' ? p.offset - 1 : p.offset }
    : p);
  return { code, unshift: (/** @type {any} */ d) => (d.fileName ? d : { ...d, start: back(d.start), end: back(d.end) }) };
}

/**
 * tslab stores the last expression in a hidden `const tsLastExpr = <expr>`, so an anonymous
 * function or class takes that name; give it back its own (none).
 * @param {unknown} value
 * @param {string | undefined} hidden
 */
function unnamed(value, hidden) {
  if (typeof value === 'function' && hidden && value.name === hidden) {
    try { Object.defineProperty(value, 'name', { value: '', configurable: true }); } catch (e) { /* a frozen function keeps it */ }
  }
  return value;
}

module.exports = { installExecutorHooks, asObjectLiteral, byPrefix, unnamed, withoutSuffixErrors };
