'use strict';
// Runs cells with tslab's own converter (TypeScript 5.0 type checking) and executor, and returns a
// structured outcome instead of tslab's console printing: {status:'ok', hasValue, value} or
// {status:'error', ename, evalue, traceback}. tslab reports through the `console` object it is
// given, so a capturing console turns its prints into data.
const path = require('path');
const { typeScriptError, runtimeError } = require('./errors');
const { expandShorthandProperties } = require('./shorthand');
const { findProjectRoot, createModuleResolver, createCellRequire, explainMissingModule } = require('./modules');

const CELL_FILE = 'evalmachine.<anonymous>';

/**
 * With the compile root at the file system's root, TypeScript emits the cell as
 * outDir/<its absolute path>; tslab expects outDir/__tslab__.js (and .d.ts). The builder tslab gets
 * writes the cell's outputs under those names; other files keep theirs (convert() maps them back).
 */
function emitPaths(host, cellSource) {
  let onProgram;
  Object.defineProperty(host, 'afterProgramCreate', {
    configurable: true,
    get: () => onProgram,
    set: (fn) => {
      onProgram = fn && ((builder) => fn(new Proxy(builder, {
        get(target, key) {
          const value = target[key];
          if (key !== 'emit') return typeof value === 'function' ? value.bind(target) : value;
          return (file, writeFile, ...rest) => target.emit(file, writeFile && ((name, data, bom, onError, sources) => {
            const cell = sources && sources.length === 1 && path.resolve(sources[0].fileName) === cellSource;
            const renamed = cell ? (name.endsWith('.d.ts') ? 'outDir/__tslab__.d.ts' : name.endsWith('.js') ? 'outDir/__tslab__.js' : name) : name;
            return writeFile(renamed, data, bom, onError, sources);
          }), ...rest);
        },
      })));
    },
  });
}

/**
 * Loads tslab's converter with a TypeScript whose createWatchCompilerHost lets `onHost` adjust the
 * compiler host the converter builds (the module's exports are read-only getters, so the converter
 * gets its own view of the module instead of a patched one).
 */
function loadConverter(tslabDir, ts, onHost) {
  const file = require.resolve(path.join(tslabDir, 'dist', 'converter'));
  const tsFile = require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] });
  const view = new Proxy(ts, {
    get(target, key) {
      if (key !== 'createWatchCompilerHost') return target[key];
      return function createWatchCompilerHost(rootFiles, options, ...rest) {
        const host = target.createWatchCompilerHost(rootFiles, options, ...rest);
        onHost(rootFiles, options, host);
        return host;
      };
    },
  });
  const Module = require('module');
  const originalLoad = Module._load;
  const cached = require.cache[file];
  delete require.cache[file];
  Module._load = function (request, parent, ...rest) {
    if (parent && parent.filename === file && Module._resolveFilename(request, parent) === tsFile) return view;
    return originalLoad.call(this, request, parent, ...rest);
  };
  try {
    return require(file);
  } finally {
    Module._load = originalLoad;
    // Other tslab modules keep the copy they may already share (its host is never built here).
    if (cached) require.cache[file] = cached;
  }
}

/**
 * @param {{tslabDir: string, cwd?: string}} opts tslabDir: the tslab package folder; cwd: the
 *   notebook's folder (default process.cwd()). Imports resolve from cwd; the compile root is the
 *   project around it (see modules.js).
 */
function createCellRunner({ tslabDir, cwd = process.cwd() }) {
  const dist = (name) => require(path.join(tslabDir, 'dist', name));
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
  const project = findProjectRoot(cwd);
  const cellSource = path.join(cwd, '__tslab__.ts');
  let cellRequire = null; // set once the executor exists
  const { createConverter } = loadConverter(tslabDir, ts, (rootFiles, options, host) => {
    // No compile-root restriction: local .ts files anywhere can be imported (see emitPaths).
    options.rootDir = path.parse(cwd).root;
    host.resolveModuleNames = createModuleResolver(ts, { cellFiles: new Set(rootFiles.map((f) => path.resolve(f))), options, host });
    emitPaths(host, cellSource);
  });
  const { createExecutor } = dist('executor');
  const { JupyterHandlerImpl } = dist('jupyter');

  let lastConversion = null;
  function makeConverter(isBrowser) {
    // tslab puts the cell in the folder it reads here once: the notebook's own folder, so the cell
    // resolves imports, finds @types and runs from there, as a .ts file in that folder would.
    const sys = ts.sys;
    const originalCwd = sys.getCurrentDirectory;
    sys.getCurrentDirectory = () => cwd;
    let conv;
    try {
      conv = createConverter({ isJS: false, isBrowser });
    } finally {
      sys.getCurrentDirectory = originalCwd;
    }
    return {
      convert(prevDecl, src) {
        const out = conv.convert(prevDecl, expandShorthandProperties(ts, src));
        if (out.diagnostics) out.diagnostics = out.diagnostics.map((d) => explainMissingModule(d, cwd, project));
        // tslab names a compiled local file <cwd>/<its absolute path>; give the executor the real one.
        for (const o of out.sideOutputs || []) o.path = path.join(path.parse(cwd).root, path.relative(cwd, o.path));
        if (cellRequire) cellRequire.addCompiled(out.sideOutputs);
        lastConversion = out;
        return out;
      },
      inspect(prevDecl, src, pos) { return conv.inspect(prevDecl, src, pos); },
      complete(prevDecl, src, pos) { return conv.complete(prevDecl, src, pos); },
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
  const executor = createExecutor(cwd, convs, capture);
  const handler = new JupyterHandlerImpl(executor, false);
  // tslab passes globalThis.__tslab__.require to every cell (see modules.js).
  const tslabState = globalThis.__tslab__;
  cellRequire = createCellRequire({ cwd, project, tslabRequire: tslabState.require });
  tslabState.require = cellRequire.require;

  /** Runs one cell; never throws. */
  async function run(src) {
    captured = { hasValue: false, value: undefined, errors: [], diagnosticLines: [] };
    lastConversion = null;
    const mine = captured;
    let ok;
    try {
      await cellRequire.preload(importedModules(src));
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

  /** Module specifiers the cell imports (static, dynamic with a literal, require), unparsed code ignored. */
  function importedModules(src) {
    try {
      return ts.preProcessFile(src, true, true).importedFiles.map((f) => f.fileName);
    } catch {
      return [];
    }
  }

  return {
    run,
    project,
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
