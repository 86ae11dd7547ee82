// Unit tests of the kernel's pure parts (no Jupyter needed): history queries, module resolution
// helpers, error formatting and line mapping, MIME bundles, the pinned tslab version, and the
// kernelspec written by scripts/kernel-install.js.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers';

/* eslint-disable @typescript-eslint/no-var-requires */
const { History, globToRegExp } = require('../../kernel/lib/history.js');
const { findProjectRoot, packageName, explainMissingModule } = require('../../kernel/lib/modules.js');
const { typeScriptError, runtimeError, mapJsLineToCell } = require('../../kernel/lib/errors.js');
const { toMimeBundle } = require('../../kernel/lib/mime.js');
const { installTimerGate } = require('../../kernel/lib/timers.js');

test('history answers tail, range and search (glob, unique, n)', () => {
  const h = new History(1);
  ['1 + 2', 'x = 3', '1 + 2', '1 + 5'].forEach((code, i) => h.add(i + 1, code));
  h.setOutput(1, '3');
  assert.deepEqual(h.query({ hist_access_type: 'tail', n: 2, output: false }), [[1, 3, '1 + 2'], [1, 4, '1 + 5']]);
  assert.deepEqual(h.query({ hist_access_type: 'tail', n: 1, output: true }), [[1, 4, ['1 + 5', '']]]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: 1, start: 1, stop: 2, output: true }), [[1, 1, ['1 + 2', '3']]]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: -1, start: 1, stop: 2 }), []);
  assert.equal(h.query({ hist_access_type: 'search', pattern: '1 + *' }).length, 3);
  assert.deepEqual(h.query({ hist_access_type: 'search', pattern: '1 + *', unique: true }).map((r: unknown[]) => r[2]), ['1 + 2', '1 + 5']);
  assert.equal(h.query({ hist_access_type: 'search', pattern: '1 + *', n: 1 })[0][1], 4);
  assert.ok(globToRegExp('a?c[0-9]*').test('abc7zz'));
  assert.ok(!globToRegExp('a*').test('ba'));
});

test('module helpers: the project around a folder, package names, where a missing module was looked for', () => {
  assert.equal(findProjectRoot(path.join(ROOT, 'notebooks')), ROOT);
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-noproject-'));
  try {
    assert.equal(findProjectRoot(bare), bare, 'no package.json above: the folder itself');
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
  assert.equal(packageName('lodash/fp'), 'lodash');
  assert.equal(packageName('@scope/pkg/sub/path'), '@scope/pkg');
  const d = { code: 2307, messageText: "Cannot find module 'left-pad' or its corresponding type declarations.", start: { line: 0, character: 0 } };
  assert.match(explainMissingModule(d, '/p/nb', '/p').messageText, /looked up from \/p\/nb: .*npm install left-pad.* in \/p/);
  const rel = { ...d, messageText: "Cannot find module './x' or its corresponding type declarations." };
  assert.match(explainMissingModule(rel, '/p/nb', '/p').messageText, /resolved against the notebook's folder \/p\/nb/);
  const other = { ...d, code: 2322 };
  assert.equal(explainMissingModule(other, '/p/nb', '/p'), other, 'other diagnostics pass unchanged');
  assert.equal(explainMissingModule({ ...d, fileName: 'other.ts' }, '/p/nb', '/p').messageText, d.messageText, 'only the cell\'s own diagnostics');
});

test('shorthand properties are written out so tslab can reach earlier cells\' variables', () => {
  const { expandShorthandProperties } = require('../../kernel/lib/shorthand.js');
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] }));
  assert.equal(expandShorthandProperties(ts, 'const o = { range, k, z: 2 };'), 'const o = { range: range, k: k, z: 2 };');
  assert.equal(expandShorthandProperties(ts, '({ a } = o);\nconst { b = 3 } = o;'), '({ a: a } = o);\nconst { b = 3 } = o;');
  assert.equal(expandShorthandProperties(ts, '({ c = 1 } = o);'), '({ c = 1 } = o);', 'a destructuring default stays shorthand');
  assert.equal(expandShorthandProperties(ts, 'f(x, y);'), 'f(x, y);');
});

test('TypeScript diagnostics become TypeScriptError pointing at the cell line', () => {
  const src = 'let a = 1;\nconst s: number = "x";';
  const e = typeScriptError([{ start: { line: 1, character: 6 }, end: { line: 1, character: 7 }, messageText: "Type 'string' is not assignable to type 'number'.", code: 2322 }], src);
  assert.equal(e.ename, 'TypeScriptError');
  assert.equal(e.evalue, "Type 'string' is not assignable to type 'number'.");
  assert.ok(e.traceback.includes('  2 | const s: number = "x";'), e.traceback.join('\n'));
  assert.ok(e.traceback.some((l: string) => l.includes('      ^')));
});

test('runtime errors keep their class and message; stack frames map to cell lines', () => {
  const src = 'let o: any = null;\nfunction f() {\n  return o.x.y;\n}\nf()';
  const js = 'let o = null;\nexports.o = o;\nfunction f() {\n    return o.x.y;\n}\nf();';
  assert.equal(mapJsLineToCell('    return o.x.y;', src.split('\n')), 2);
  assert.equal(mapJsLineToCell('f();', src.split('\n')), 4);
  const err = new TypeError("Cannot read properties of null (reading 'x')");
  err.stack = `TypeError: ${err.message}\n    at f (evalmachine.<anonymous>:4:14)\n    at evalmachine.<anonymous>:6:1\n    at Script.runInThisContext (node:vm:135:14)`;
  const e = runtimeError(err, src, js, 'evalmachine.<anonymous>');
  assert.equal(e.ename, 'TypeError');
  assert.equal(e.evalue, "Cannot read properties of null (reading 'x')");
  assert.deepEqual(e.traceback, [`TypeError: ${err.message}`, '    at f (cell line 3)', '  3 |   return o.x.y;', '    at cell line 5']);
  assert.equal(runtimeError('plain string', '', '', 'x').ename, 'Uncaught');
  class ShapeError extends Error { constructor(m: string) { super(m); this.name = 'ShapeError'; } }
  assert.equal(runtimeError(new ShapeError('bad'), '', '', 'x').ename, 'ShapeError');
});

test('MIME bundles: Jupyter.display objects, base64 for bytes, util.inspect otherwise', () => {
  const obj = { [Symbol.for('Jupyter.display')]: () => ({ 'application/json': { a: 1 }, 'image/png': new Uint8Array([1, 2]), 'text/plain': 'x' }) };
  assert.deepEqual(toMimeBundle(obj), { 'application/json': { a: 1 }, 'image/png': 'AQI=', 'text/plain': 'x' });
  assert.deepEqual(toMimeBundle('ab'), { 'text/plain': "'ab'" });
  assert.deepEqual(toMimeBundle([1, 2]), { 'text/plain': '[ 1, 2 ]' });
});

test('timers scheduled by an interrupted cell never fire; others do', async () => {
  const cell = { interrupted: false };
  let current: typeof cell | null = cell;
  const gate = installTimerGate(() => current);
  const fired: string[] = [];
  try {
    setTimeout(() => fired.push('dropped timeout'), 5);
    setImmediate(() => fired.push('dropped immediate'));
    const interval = setInterval(() => fired.push('dropped interval'), 2);
    const waiting = require('timers/promises').setTimeout(5).then(() => fired.push('dropped promise'));
    void waiting;
    current = null;
    setTimeout(() => fired.push('idle timeout'), 5);
    cell.interrupted = true;
    await new Promise((r) => gate.setTimeout(r, 40));
    clearInterval(interval);
  } finally {
    gate.restore();
  }
  assert.deepEqual(fired, ['idle timeout']);
  assert.equal(typeof require('util').promisify(setTimeout), 'function');
});

test('the launcher pins the installed tslab version', () => {
  const launcher = fs.readFileSync(path.join(ROOT, 'kernel', 'launch.js'), 'utf8');
  const pinned = /TSLAB_VERSION = '([^']+)'/.exec(launcher)?.[1];
  const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'tslab', 'package.json'), 'utf8')).version;
  const declared = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies.tslab;
  assert.equal(installed, pinned, 'kernel/lib patches tslab internals: update and re-test them with tslab');
  assert.equal(declared, pinned);
});

test('kernel-install --data-dir writes an absolute, cwd-independent kernelspec', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-spec-'));
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'kernel-install.js'), '--data-dir', dir], { cwd: os.tmpdir(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernels', 'tsdl', 'kernel.json'), 'utf8'));
    assert.equal(spec.display_name, 'TypeScript (tsdl)');
    assert.equal(spec.language, 'typescript');
    assert.equal(spec.interrupt_mode, 'signal');
    assert.deepEqual(spec.argv, [process.execPath, path.join(ROOT, 'kernel', 'launch.js'), '--config-path', '{connection_file}']);
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'kernel-install.js'), '--bogus'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unknown option --bogus/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
