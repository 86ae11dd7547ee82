#!/usr/bin/env node
// Builds what the package ships (`npm run build`; also npm's `prepare`, so `npm ci`, `npm pack` and
// installs from a git URL run it):
//   dist/src, dist/bench   compiled JavaScript + .d.ts (tsc -p tsconfig.build.json, incremental)
//   dist/vendor/danfojs-node.js + danfojs-node/ types: danfojs-node bundled (see below)
//   dist/bench/torch_bench.py  the PyTorch side of `tsdl bench`
//   dist/vendor/widgets-embed.js  the widget renderer inlined into HTML reports (see below)
//
// Why danfo is bundled: danfojs-node 1.2.0 depends on @tensorflow/tfjs-node@^3 (a second tfjs-core,
// and a libtensorflow download that fails offline) and on xlsx from cdn.sheetjs.com (outside the npm
// registry). npm's `overrides` fix both only in this repository, never for a project that installs
// tsdl. So tsdl ships danfo's own code as one file whose `@tensorflow/tfjs-node` is tsdl's tfjs
// (one tfjs-core) and whose `xlsx` is loaded on first use from the user's project (Excel I/O then
// says how to get it), and declares danfojs-node only as a devDependency.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const vendor = path.join(dist, 'vendor');

async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  if (process.env.TSDL_BUILD_VERBOSE) console.error(`build: ${name} ${Date.now() - t0} ms`);
}

function compile() {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${r.status})`);
}

function danfoVersion() {
  try {
    return require(require.resolve('danfojs-node/package.json', { paths: [root] })).version;
  } catch {
    return null;
  }
}

/** The xlsx stand-in inside the bundle: the user's own `xlsx`, loaded when a function needs it. */
const XLSX_LAZY = `
let real;
function load() {
  if (real) return real;
  try {
    real = require('xlsx');
  } catch (err) {
    throw new Error("danfo's Excel functions (readExcel, toExcel) need the 'xlsx' package, which tsdl " +
      "does not install: danfojs-node's own copy comes from cdn.sheetjs.com, outside the npm registry. " +
      "Install it in your project (npm install xlsx), then call the function again.");
  }
  return real;
}
module.exports = new Proxy({}, { get: (_t, key) => load()[key], has: (_t, key) => key in load() });
`;

/**
 * Whether the vendor bundle `out` is current: its stamp file holds `stamp` (what it was built
 * from). Without `stamp` (the devDependency it bundles is absent) an existing bundle is an unpacked
 * package's and counts as current; with no bundle either, the error says what to install.
 */
function bundleCurrent(out, stampFile, stamp, devDependency) {
  if (!stamp) {
    if (fs.existsSync(out)) return true;
    throw new Error(`${devDependency} is not installed (it is a devDependency): run \`npm install\` in ${root}`);
  }
  return fs.existsSync(out) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
}

async function bundleDanfo() {
  const version = danfoVersion();
  const stamp = path.join(vendor, 'danfojs-node.version');
  const out = path.join(vendor, 'danfojs-node.js');
  if (bundleCurrent(out, stamp, version, 'danfojs-node')) return;
  const esbuild = require(require.resolve('esbuild', { paths: [root] }));
  const danfoDir = path.dirname(require.resolve('danfojs-node/package.json', { paths: [root] }));
  fs.mkdirSync(vendor, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(danfoDir, 'dist', 'danfojs-node', 'src', 'index.js')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    minify: true,
    legalComments: 'eof',
    logLevel: 'error',
    plugins: [{
      name: 'tsdl-danfo',
      setup(build) {
        // One tfjs for everything: the library's own loader (tfjs-node where it loads, else tfjs).
        build.onResolve({ filter: /^@tensorflow\/tfjs(-node)?$/ }, () => ({ path: 'tfjs', namespace: 'tsdl' }));
        build.onResolve({ filter: /^xlsx$/ }, () => ({ path: 'xlsx', namespace: 'tsdl' }));
        build.onLoad({ filter: /.*/, namespace: 'tsdl' }, (args) => ({
          contents: args.path === 'tfjs' ? "module.exports = require('../src/tf.js').tf;" : XLSX_LAZY,
          loader: 'js',
          resolveDir: vendor,
        }));
      },
    }],
    // danfo's browser-only plotting requires plotly.js-dist-min inside a guard; leave it to Node.
    external: ['../src/tf.js', 'xlsx', 'plotly.js-dist-min'],
  });
  copyDanfoTypes(path.join(danfoDir, 'dist'), path.join(vendor, 'danfojs-node'));
  // The package ships no LICENSE file; its package.json says MIT. esbuild keeps the bundled
  // libraries' own license comments at the end of the file (legalComments: 'eof').
  const pkg = require(path.join(danfoDir, 'package.json'));
  fs.writeFileSync(path.join(vendor, 'danfojs-node.LICENSE'),
    `danfojs-node ${pkg.version} (${pkg.homepage || 'https://danfo.jsdata.org'}), bundled with its dependencies.\nLicense: ${pkg.license}, (c) ${pkg.author || 'the danfo.js authors'}.\n`);
  fs.writeFileSync(stamp, version);
}

/** danfo's .d.ts files, with its tfjs-node types pointed at @tensorflow/tfjs (what the bundle uses). */
function copyDanfoTypes(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const src = path.join(dir, e.name);
      if (e.isDirectory()) walk(src);
      else if (e.name.endsWith('.d.ts')) {
        const dest = path.join(to, path.relative(from, src));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, fs.readFileSync(src, 'utf8').replace(/(["'])@tensorflow\/tfjs-node\1/g, '$1@tensorflow/tfjs$1'));
      }
    }
  };
  walk(from);
  fs.writeFileSync(path.join(to, 'index.d.ts'), 'export * from "./danfojs-node/src/index";\n');
}

/**
 * The compiled .d.ts files name `danfojs-node` (a devDependency): point them at the bundled types, so
 * a project that installs tsdl gets DataFrame types without danfojs-node.
 */
function pointTypesAtVendor() {
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return p === vendor ? [] : walk(p);
    return e.name.endsWith('.d.ts') ? [p] : [];
  });
  for (const file of walk(dist)) {
    const text = fs.readFileSync(file, 'utf8');
    if (!/(["'])danfojs-node\1/.test(text)) continue;
    let rel = path.relative(path.dirname(file), path.join(vendor, 'danfojs-node', 'index')).split(path.sep).join('/');
    if (!rel.startsWith('.')) rel = './' + rel;
    fs.writeFileSync(file, text.replace(/(["'])danfojs-node\1/g, `$1${rel}$1`));
  }
}

// The widget renderer of HTML reports: @jupyter-widgets/html-manager (a devDependency: browser code
// that an installed tsdl only inlines, never runs) bundled with its CSS and the woff2 icon fonts into
// one script, so reports show saved widgets offline (src/cli/run/html.ts inlines it).
const WIDGETS_ENTRY = path.join(root, 'src', 'widgets', 'browser', 'report-embed.js');

function widgetsStamp() {
  try {
    const version = require(require.resolve('@jupyter-widgets/html-manager/package.json', { paths: [root] })).version;
    const entry = require('crypto').createHash('sha256').update(fs.readFileSync(WIDGETS_ENTRY)).digest('hex').slice(0, 16);
    return `html-manager ${version}, entry ${entry}`;
  } catch {
    return null;
  }
}

/** CSS imported by the widget packages becomes a <style> element the bundle adds to the page. */
function cssAsStyleElements(esbuild) {
  return {
    name: 'tsdl-css-inline',
    setup(build) {
      build.onLoad({ filter: /\.css$/ }, async (args) => {
        const r = await esbuild.build({
          entryPoints: [args.path], bundle: true, write: false, minify: true, logLevel: 'error',
          // Browsers pick woff2 first; the older font formats would only add megabytes.
          loader: { '.woff2': 'dataurl', '.woff': 'empty', '.ttf': 'empty', '.eot': 'empty', '.svg': 'empty', '.png': 'dataurl', '.gif': 'dataurl' },
        });
        const css = JSON.stringify(r.outputFiles[0].text);
        return { contents: `var s=document.createElement('style');s.setAttribute('data-tsdl-widgets','');s.textContent=${css};document.head.appendChild(s);`, loader: 'js' };
      });
    },
  };
}

async function bundleWidgets() {
  const stamp = widgetsStamp();
  const out = path.join(vendor, 'widgets-embed.js');
  const stampFile = path.join(vendor, 'widgets-embed.version');
  if (bundleCurrent(out, stampFile, stamp, '@jupyter-widgets/html-manager')) return;
  const esbuild = require(require.resolve('esbuild', { paths: [root] }));
  fs.mkdirSync(vendor, { recursive: true });
  await esbuild.build({
    entryPoints: [WIDGETS_ENTRY],
    outfile: out,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2019',
    loader: { '.svg': 'text' },
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    // html-manager sets webpack's asset path; the fonts are inlined, so it only needs to exist.
    banner: { js: 'var __webpack_public_path__ = "";' },
    legalComments: 'eof',
    logLevel: 'error',
    plugins: [cssAsStyleElements(esbuild)],
  });
  fs.writeFileSync(path.join(vendor, 'widgets-embed.LICENSE'),
    'dist/vendor/widgets-embed.js bundles @jupyter-widgets/html-manager and its dependencies (BSD-3-Clause, Project Jupyter;\n'
    + 'Font Awesome Free fonts: SIL OFL 1.1, CSS: MIT; Lumino, JupyterLab: BSD-3-Clause; jQuery, Backbone: MIT).\n'
    + 'The bundled libraries\' own license comments are kept at the end of the file.\n');
  fs.writeFileSync(stampFile, stamp);
}

function copyAssets() {
  fs.mkdirSync(path.join(dist, 'bench'), { recursive: true });
  fs.copyFileSync(path.join(root, 'bench', 'torch_bench.py'), path.join(dist, 'bench', 'torch_bench.py'));
}

(async () => {
  await step('tsc', compile);
  await step('danfo bundle', bundleDanfo);
  await step('widgets bundle', bundleWidgets);
  await step('types', pointTypesAtVendor);
  await step('assets', copyAssets);
})().catch((err) => {
  console.error(`tsdl build: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
