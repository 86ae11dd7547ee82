'use strict';
// Imports in a cell resolve as they would from a .ts file in the notebook's folder: that folder's
// and its parents' node_modules (the project: the nearest package.json above), local files
// (`./helper`, `../lib/x`), `node:` built-ins, and packages that name themselves (like `tsdl` in its
// own repository). tslab already puts the cell in the kernel's working directory; on top of it:
// - type checking: a resolveModuleNames hook on tslab's compiler host tries Node 16's rules first
//   (package `exports`, self-reference, types of ESM-only packages), then tslab's own (Node 10);
// - run time: the `require` cells get loads ES modules through a real `import()` done before the
//   cell runs (packages with top-level await, Node versions without require(esm)), imports
//   directories of compiled .ts files through their index, and says where a missing package was
//   looked for.
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');

/** The project around `dir`: the nearest folder at or above it with a package.json, else `dir`. */
function findProjectRoot(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

const isPathLike = (id) => id.startsWith('./') || id.startsWith('../') || id === '.' || id === '..' || path.isAbsolute(id);

/** `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`. */
function packageName(id) {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * A resolveModuleNames hook for tslab's compiler host: the cell's imports resolve with Node 16's
 * rules first (package `exports`, self-reference, types of ESM-only packages: what Node runs), then
 * tslab's own (Node 10); other files of the program the other way round.
 * @param {any} ts tslab's TypeScript
 * @param {{cellFiles: Set<string>, options: any, host: any}} o
 */
function createModuleResolver(ts, { cellFiles, options, host }) {
  const node16 = { ...options, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
  const caches = new Map();
  const cacheFor = (opts) => {
    if (!caches.has(opts)) caches.set(opts, ts.createModuleResolutionCache(host.getCurrentDirectory(), (f) => f, opts));
    return caches.get(opts);
  };
  const cellOrder = [[node16, ts.ModuleKind.CommonJS], [node16, ts.ModuleKind.ESNext], [options, undefined]];
  const fileOrder = [[options, undefined], [node16, ts.ModuleKind.CommonJS], [node16, ts.ModuleKind.ESNext]];
  return function resolveModuleNames(moduleNames, containingFile) {
    const order = cellFiles.has(path.resolve(containingFile)) ? cellOrder : fileOrder;
    return moduleNames.map((name) => {
      for (const [opts, mode] of order) {
        const r = ts.resolveModuleName(name, containingFile, opts, host, cacheFor(opts), undefined, mode).resolvedModule;
        if (r) return r;
      }
      return undefined;
    });
  };
}

/**
 * Explains TS2307 ("Cannot find module") for the cell: which folder it was looked up from, and how
 * to get the package. Returns the diagnostic unchanged otherwise.
 */
function explainMissingModule(d, cwd, root) {
  if (d.fileName || d.code !== 2307) return d;
  const m = /Cannot find module '([^']+)'/.exec(String(d.messageText));
  if (!m) return d;
  const id = m[1];
  const where = isPathLike(id)
    ? ` (resolved against the notebook's folder ${cwd})`
    : ` (looked up from ${cwd}: no package '${packageName(id)}' in node_modules there or in a folder above; ` +
      `install it with \`npm install ${packageName(id)}\` in ${root})`;
  return { ...d, messageText: d.messageText + where };
}

/** Module namespace → what CommonJS code that was ESM (a cell) expects: `__esModule` + live getters. */
function interop(ns) {
  const out = Object.create(null);
  for (const key of Object.keys(ns)) Object.defineProperty(out, key, { enumerable: true, get: () => ns[key] });
  Object.defineProperty(out, '__esModule', { value: true });
  return out;
}

/** Whether Node loads `file` as an ES module (.mjs, or .js in a package with "type": "module"). */
function isEsmFile(file) {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (fs.existsSync(pkg)) {
      try { return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module'; } catch { return false; }
    }
    if (path.dirname(d) === d) return false;
  }
}

/**
 * The `require` cells run with, and `preload(specifiers)` to call before a cell runs.
 * @param {{cwd: string, project: string, tslabRequire: (id: string) => any}} o tslabRequire: the
 *   require tslab built (it knows `tslab` itself and the .ts files it compiled, by path)
 */
function createCellRequire({ cwd, project, tslabRequire }) {
  const nodeRequire = Module.createRequire(path.join(cwd, '__tslab__.js'));
  /** Absolute paths of .js files tslab compiled from local .ts files. */
  const compiled = new Set();
  /** Resolved file → {ns} or {error}, for ES modules loaded with import(). */
  const esm = new Map();

  function resolveFile(id) {
    try { return nodeRequire.resolve(id); } catch { return null; }
  }

  function local(id) {
    const abs = path.resolve(cwd, id);
    // A directory import (`./lib`) of compiled .ts files: tslab itself only tries `<id>.js`.
    const hit = [abs, `${abs}.js`, path.join(abs, 'index.js')].find((f) => compiled.has(f));
    if (hit) {
      const rel = path.relative(cwd, hit);
      return tslabRequire(rel.startsWith('.') ? rel : `./${rel}`); // tslab joins it to the cell's folder
    }
    return load(abs, id);
  }

  function load(request, id) {
    const file = resolveFile(request);
    const loaded = file && esm.get(file);
    if (loaded) {
      if (loaded.error) throw loaded.error;
      return loaded.ns;
    }
    try {
      return tslabRequire(request);
    } catch (err) {
      if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${request}'`)) {
        const e = new Error(isPathLike(id)
          ? `Cannot find module '${id}' (resolved against the notebook's folder ${cwd}).`
          : `Cannot find package '${packageName(id)}' from ${cwd}: it is not in node_modules there or in a folder above. ` +
            `Install it with \`npm install ${packageName(id)}\` in ${project}.`);
        e.code = 'MODULE_NOT_FOUND';
        throw e;
      }
      throw err;
    }
  }

  function cellRequire(id) {
    if (arguments.length !== 1 || typeof id !== 'string') return nodeRequire.apply(this, arguments);
    if (id === 'tslab') return tslabRequire(id);
    return isPathLike(id) ? local(id) : load(id, id);
  }
  cellRequire.resolve = nodeRequire.resolve;
  cellRequire.cache = nodeRequire.cache;

  /** Loads the ES modules among `specifiers` with import(), so the cell's require finds them. */
  async function preload(specifiers) {
    for (const id of specifiers) {
      if (id === 'tslab' || id.startsWith('node:') || Module.isBuiltin(id)) continue;
      const file = resolveFile(isPathLike(id) ? path.resolve(cwd, id) : id);
      if (!file || esm.has(file) || !isEsmFile(file)) continue;
      try {
        esm.set(file, { ns: interop(await import(pathToFileURL(file).href)) });
      } catch (error) {
        esm.set(file, { error });
      }
    }
  }

  return {
    require: cellRequire,
    preload,
    /** Records the .js outputs tslab compiled from local .ts files (convert()'s sideOutputs). */
    addCompiled(outputs) { for (const o of outputs || []) compiled.add(path.resolve(o.path)); },
  };
}

module.exports = { findProjectRoot, createModuleResolver, createCellRequire, explainMissingModule, isPathLike, packageName };
