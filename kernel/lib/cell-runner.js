'use strict';
// Runs cells with tslab's own converter (TypeScript 5.0 type checking) and executor, and returns a
// structured outcome instead of tslab's console printing: {status:'ok', hasValue, value} or
// {status:'error', ename, evalue, traceback}. tslab reports through the `console` object it is
// given, so a capturing console turns its prints into data.
const path = require('path');
const { rewriteSpecifiers, toRewritten, toOriginal } = require('./source-paths');
const { typeScriptError, runtimeError } = require('./errors');
const { expandShorthandProperties } = require('./shorthand');

const CELL_FILE = 'evalmachine.<anonymous>';

/**
 * @param {{tslabDir: string, root: string, cwd?: string}} opts tslabDir: the tslab package folder;
 *   root: the compile root (the project folder); cwd: the notebook's folder (default process.cwd()).
 */
function createCellRunner({ tslabDir, root, cwd = process.cwd() }) {
  const dist = (name) => require(path.join(tslabDir, 'dist', name));
  const { createConverter } = dist('converter');
  const { createExecutor } = dist('executor');
  const { JupyterHandlerImpl } = dist('jupyter');
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
  // The project root is the compile root wherever the notebook runs (see source-paths.js).
  const compileRoot = root;

  let lastConversion = null;
  function makeConverter(isBrowser) {
    const sys = ts.sys;
    const original = sys.getCurrentDirectory;
    sys.getCurrentDirectory = () => compileRoot; // read once by createConverter
    let conv;
    try {
      conv = createConverter({ isJS: false, isBrowser });
    } finally {
      sys.getCurrentDirectory = original;
    }
    const rewrite = (src) => rewriteSpecifiers(src, cwd, compileRoot);
    return {
      convert(prevDecl, src) {
        const out = conv.convert(prevDecl, expandShorthandProperties(ts, rewrite(src).code));
        lastConversion = out;
        return out;
      },
      inspect(prevDecl, src, pos) {
        const { code, edits } = rewrite(src);
        return conv.inspect(prevDecl, code, toRewritten(pos, edits));
      },
      complete(prevDecl, src, pos) {
        const { code, edits } = rewrite(src);
        const info = conv.complete(prevDecl, code, toRewritten(pos, edits));
        if (info && typeof info.start === 'number') {
          info.start = toOriginal(info.start, edits);
          info.end = toOriginal(info.end, edits);
        }
        return info;
      },
      addModule(...args) { return conv.addModule(...args); },
      close() { conv.close(); },
    };
  }
  let node = null;
  let browser = null;
  const convs = {
    get node() { return node || (node = makeConverter(false)); },
    get browser() { return browser || (browser = makeConverter(true)); },
    close() { if (node) node.close(); if (browser) browser.close(); },
  };

  // What tslab's executor printed during the current cell.
  let captured = null;
  const capture = {
    log: (...args) => { if (captured) { captured.hasValue = true; captured.value = args[0]; } },
    error: (...args) => {
      if (!captured) return;
      if (typeof args[0] === 'string' && args[0].startsWith('%s%d:%d - %s')) captured.diagnosticLines.push(args);
      else captured.errors.push(args[0]);
    },
  };
  const executor = createExecutor(compileRoot, convs, capture);
  const handler = new JupyterHandlerImpl(executor, false);

  /** Runs one cell; never throws. */
  async function run(src) {
    captured = { hasValue: false, value: undefined, errors: [], diagnosticLines: [] };
    lastConversion = null;
    const mine = captured;
    let ok;
    try {
      ok = await executor.execute(src);
    } catch (e) {
      // tslab's converter throws on unexpected states (e.g. emit paths); report them as errors.
      ok = false;
      mine.errors.push(e);
    } finally {
      captured = null;
    }
    const conversion = lastConversion;
    if (ok) {
      const warnings = mine.diagnosticLines.map((a) => `${a[1]}${a[2]}:${a[3]} - ${a[4]}`);
      return { status: 'ok', hasValue: mine.hasValue, value: mine.value, warnings };
    }
    if (conversion && conversion.diagnostics && conversion.diagnostics.length > 0) {
      return { status: 'error', ...typeScriptError(conversion.diagnostics, src) };
    }
    if (mine.errors.length > 0) {
      return { status: 'error', ...runtimeError(mine.errors[0], src, conversion && conversion.output, CELL_FILE) };
    }
    return { status: 'error', ename: 'Error', evalue: 'cell failed', traceback: ['Error: cell failed'] };
  }

  return {
    run,
    interrupt: () => executor.interrupt(),
    warm: () => void convs.node,
    kernelInfo: () => handler.handleKernel(),
    complete: (content) => handler.handleComplete(content),
    inspect: (content) => handler.handleInspect(content),
    isComplete: (content) => handler.handleIsComplete(content),
    typescriptVersion: ts.version,
    ts,
    close: () => executor.close(),
  };
}

module.exports = { createCellRunner, CELL_FILE };
