// tsdl in a user's own project, as a user gets it: `npm pack` of this repository, a plain
// `npm install <tarball>` (and from a git URL) into a fresh project beside packages from the
// registry (lodash, ESM-only chalk@5 and d3-array@3), `npx tsdl kernel install`, and notebooks in
// that project (one at its top, one in a subfolder) executed with nbconvert through the installed
// kernel: their imports of those packages, a local .ts file, a node: built-in and tsdl resolve from
// the notebook's folder, and a small model trains with dl.fit.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = process.env.TSDL_PYTHON ?? '/usr/bin/python3';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-package-'));
const project = path.join(work, 'my-project');
const jupyterDir = path.join(work, 'jupyter');
let tarball = '';

function sh(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 10 * 60_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extraEnv },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  assert.equal(r.status, 0, `\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out.slice(-4000)}`);
  return r;
}

function code(source: string) {
  return { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source };
}
function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map(code),
    metadata: { kernelspec: { name: 'tsdl', display_name: 'TypeScript (tsdl)', language: 'typescript' } },
    nbformat: 4, nbformat_minor: 5,
  }, null, 1);
}

/** The text of a cell's outputs: stream text, text/plain results, error name and value. */
function outputText(cell: any): string {
  return (cell.outputs as any[]).map((o) => {
    if (o.output_type === 'stream') return o.text;
    if (o.output_type === 'error') return `${o.ename}: ${o.evalue}`;
    const plain = o.data?.['text/plain'];
    return Array.isArray(plain) ? plain.join('') : plain ?? '';
  }).join('\n');
}

/** The cells every notebook of the user's project runs (imports resolve from the notebook's folder). */
function cells(localImport: string): string[] {
  return [
    'import _ from "lodash";\nimport chalk from "chalk";\nimport { max } from "d3-array";\nimport * as os from "node:os";\n' +
      `import { double, LABEL } from "${localImport}";\n` +
      'console.log(`lodash ${_.chunk([1, 2, 3, 4], 2).length} chunks; chalk ${typeof chalk.red}; d3 max ${max([3, 9, 4])}; cpus ${os.cpus().length > 0}; local ${double(21)} ${LABEL}`);',
    'const chalkPkg = JSON.parse(require("fs").readFileSync(require.resolve("chalk").replace(/source[\\\\/]index\\.js$/, "package.json"), "utf8"));\n' +
      'const d3 = await import("d3-array");\nconsole.log(`chalk version ${chalkPkg.version}; dynamic d3 sum ${d3.sum([1, 2, 3])}`);',
    'import * as dl from "tsdl";\nconst backend = await dl.ready();\nconsole.log(`backend ${backend.name}`);',
    'const test = (await dl.loadMnist("test")).subset(600);\n' +
      'const model = dl.mlp({ hidden: 32, seed: 3 });\n' +
      'const run = await dl.fit(model, test, { epochs: 2, batchSize: 100, optimizer: "sgd", lr: 0.1, progress: false, liveChart: false });\n' +
      'console.log(`fit epochs ${run.epoch.length}; loss ${run.loss[0].toFixed(3)} -> ${run.loss[1].toFixed(3)}`);',
    'console.log(`frame ${dl.dataFrame([{ a: 1, b: 2 }, { a: 3, b: 4 }]).shape.join("x")}`);',
  ];
}

before(() => {
  // The tarball, exactly what `npm publish` would upload (npm pack runs `prepare`: the build).
  const pack = sh(NPM, ['pack', '--json', '--pack-destination', work], ROOT);
  const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0];
  tarball = path.join(work, info.filename);
  console.log(`# tarball ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024 / 1024).toFixed(1)} MiB unpacked, ${info.entryCount} files`);
  fs.mkdirSync(path.join(project, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(project, 'analysis', 'deep'), { recursive: true });
  sh(NPM, ['init', '-y'], project);
  const t0 = Date.now();
  sh(NPM, ['install', tarball, 'lodash@4', 'chalk@5', 'd3-array@3'], project);
  console.log(`# consumer install (tarball + lodash, chalk@5, d3-array@3): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  fs.writeFileSync(path.join(project, 'lib', 'helper.ts'), 'export function double(x: number): number { return 2 * x; }\nexport const LABEL: string = "from lib/helper.ts";\n');
  fs.writeFileSync(path.join(project, 'report.ipynb'), notebook(cells('./lib/helper')));
  fs.writeFileSync(path.join(project, 'analysis', 'deep', 'nested.ipynb'), notebook(cells('../../lib/helper')));
});

after(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

test('the tarball installs with a plain npm install: one tfjs-core, no overrides, the tsdl command', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  assert.equal(pkg.overrides, undefined, 'the consumer needs no overrides');
  const ls = spawnSync(NPM, ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], { cwd: project, encoding: 'utf8' });
  const copies = ls.stdout.split('\n').filter((l) => l.trim().endsWith(path.join('@tensorflow', 'tfjs-core')));
  assert.equal(new Set(copies).size, 1, `exactly one @tensorflow/tfjs-core: ${ls.stdout}`);
  assert.ok(!fs.existsSync(path.join(project, 'node_modules', 'danfojs-node')), 'danfojs-node is bundled, not installed');
  const lock = fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8');
  const resolved = [...lock.matchAll(/"resolved": "([^"]+)"/g)].map((m) => m[1]);
  const outside = resolved.filter((u) => !u.startsWith('https://registry.npmjs.org/') && !u.startsWith('file:'));
  assert.deepEqual(outside, [], 'nothing is fetched from outside the npm registry');
  const help = sh(process.execPath, [path.join(project, 'node_modules', '.bin', 'tsdl'), 'kernel', 'install', '--help'], project);
  assert.match(help.stdout, /--data-dir DIR/);
  // `tsdl run` executes notebooks through the package's nbconvert wrapper (python/run_nbconvert.py).
  const wrapper = sh(PYTHON, [path.join(project, 'node_modules', 'tsdl', 'python', 'run_nbconvert.py'), '--version'], project);
  assert.match(wrapper.stdout, /^\d+\.\d+/, `the installed nbconvert wrapper runs nbconvert: ${wrapper.stdout}${wrapper.stderr}`);
});

test('notebooks anywhere in the project import their packages, local files, built-ins and tsdl, and train', () => {
  const install = sh('npx', ['tsdl', 'kernel', 'install', '--data-dir', jupyterDir], project);
  assert.match(install.stdout, /Installed kernelspec tsdl/);
  const spec = JSON.parse(fs.readFileSync(path.join(jupyterDir, 'kernels', 'tsdl', 'kernel.json'), 'utf8'));
  assert.equal(fs.realpathSync(spec.argv[1]), fs.realpathSync(path.join(project, 'node_modules', 'tsdl', 'kernel', 'launch.js')),
    'the kernelspec runs the installed package');
  const env = { JUPYTER_PATH: jupyterDir, JUPYTER_DATA_DIR: jupyterDir, JUPYTER_RUNTIME_DIR: path.join(work, 'runtime'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  for (const nb of ['report.ipynb', path.join('analysis', 'deep', 'nested.ipynb')]) {
    const file = path.join(project, nb);
    const t0 = Date.now();
    sh(PYTHON, ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--inplace',
      '--ExecutePreprocessor.kernel_name=tsdl', '--ExecutePreprocessor.timeout=300', file], path.dirname(file), env);
    console.log(`# ${nb}: executed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const done = JSON.parse(fs.readFileSync(file, 'utf8'));
    const text = done.cells.map(outputText);
    for (const t of text) assert.doesNotMatch(t, /Error:/, `${nb}: ${t}`);
    assert.match(text[0], /lodash 2 chunks; chalk function; d3 max 9; cpus true; local 42 from lib\/helper\.ts/, `${nb}: ${text[0]}`);
    assert.match(text[1], /chalk version 5\.\d+\.\d+; dynamic d3 sum 6/, `${nb}: the project's own chalk 5, not a transitive copy: ${text[1]}`);
    assert.match(text[2], /backend (wasm|tensorflow|cpu)/);
    const fitLine = /fit epochs 2; loss ([\d.]+) -> ([\d.]+)/.exec(text[3]);
    assert.ok(fitLine, `${nb}: ${text[3]}`);
    assert.ok(Number(fitLine[2]) < Number(fitLine[1]), `${nb}: training lowers the loss: ${fitLine[0]}`);
    assert.match(text[4], /frame 2x2/, 'danfo DataFrames work from the bundled copy');
  }
});

test('a missing package names the package and the folder it was looked up from', () => {
  const file = path.join(project, 'analysis', 'missing.ipynb');
  fs.writeFileSync(file, notebook(['import leftpad from "left-pad-not-installed";']));
  const env = { JUPYTER_PATH: jupyterDir, JUPYTER_DATA_DIR: jupyterDir, JUPYTER_RUNTIME_DIR: path.join(work, 'runtime'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  const r = spawnSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--stdout',
    '--ExecutePreprocessor.kernel_name=tsdl', file], { cwd: path.dirname(file), env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /left-pad-not-installed/);
  assert.ok(r.stderr.includes(`looked up from ${path.join(project, 'analysis')}`), r.stderr.slice(-2000));
});

test('tsdl also installs from a git URL (npm runs its build in the clone)', { skip: fs.existsSync(path.join(ROOT, '.git')) ? false : 'not a git checkout' }, () => {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const other = path.join(work, 'from-git');
  fs.mkdirSync(other);
  sh(NPM, ['init', '-y'], other);
  const t0 = Date.now();
  sh(NPM, ['install', `git+file://${ROOT}#${head}`], other);
  console.log(`# install from git+file (commit ${head.slice(0, 8)}): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const version = sh(process.execPath, [path.join(other, 'node_modules', '.bin', 'tsdl'), '--version'], other);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const load = sh(process.execPath, ['-e', 'const dl = require("tsdl"); console.log(typeof dl.fit, typeof dl.mlp)'], other);
  assert.equal(load.stdout.trim(), 'function function');
  assert.ok(fs.existsSync(path.join(other, 'node_modules', 'tsdl', 'dist', 'vendor', 'danfojs-node.js')));
});
