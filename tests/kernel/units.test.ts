// Unit tests of the kernel's parts (no kernel running): history queries, module resolution
// helpers, error formatting and line mapping, MIME bundles, is_complete, signatures and replays,
// the process error ownership, the executor hooks' helpers, the message-spec checker, the pinned
// tslab version, and the kernelspec written by scripts/kernel-install.js.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as util from 'node:util';
import { KERNEL_DIR, PYTHON, ROOT, jupyterMissing } from './helpers';

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

test('timers scheduled by an interrupted cell never fire; others do; errors name their cell', async () => {
  const cell = { interrupted: false };
  let current: typeof cell | null = cell;
  const throwers: Array<typeof cell> = [];
  const gate = installTimerGate(() => current, (c: typeof cell) => throwers.push(c));
  const fired: string[] = [];
  try {
    // The gated setTimeout keeps util.promisify's custom form (without it, promisify would call
    // setTimeout(5, 'v', callback) and throw: a callback must be a function).
    assert.equal(await util.promisify(setTimeout)(5, 'v'), 'v');
    let order = '';
    setImmediate(() => { order += 'a'; });
    setImmediate(() => { order += 'b'; });
    await new Promise((r) => gate.setTimeout(r, 10));
    assert.equal(order, 'ab', 'immediates (run from a microtask) keep their order');
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
  assert.deepEqual(throwers, []);
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

const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] }));

test('is_complete from the parser: complete, incomplete (with indent), invalid', () => {
  const { isComplete } = require('../../kernel/lib/is-complete.js');
  const status = (code: string) => isComplete(ts, code).status;
  assert.equal(status('1 + 1'), 'complete');
  assert.equal(status('let s = `a'), 'incomplete');
  assert.equal(status('let s = `a ${'), 'incomplete');
  assert.equal(status('f(1,'), 'incomplete');
  assert.equal(status('let = 1;'), 'invalid');
  assert.equal(status(')('), 'invalid');
  assert.equal(status('"open'), 'invalid');
  assert.equal(status('x = /ab'), 'invalid');
  assert.equal(status('Math.max?'), 'complete');
  assert.equal(status('a ?? b'), 'complete');
  assert.equal(status('function f() {\n\n'), 'invalid', 'a blank line submits the cell as it is');
  assert.deepEqual(isComplete(ts, 'if (x) {'), { status: 'incomplete', indent: '  ' });
  assert.deepEqual(isComplete(ts, 'if (x) {\n  f(1,'), { status: 'incomplete', indent: '  ' });
});

test('wire: signatures compare in constant time, a replayed signature is refused', () => {
  const wire = require('../../kernel/lib/wire.js');
  const frames = wire.encode({ msgType: 'execute_request', session: 's', content: { code: '1' } }, 'key', 'hmac-sha256');
  const history = new wire.DigestHistory();
  assert.equal(wire.decode(frames, 'key', 'hmac-sha256', history).content.code, '1');
  assert.throws(() => wire.decode(frames, 'key', 'hmac-sha256', history), /replayed message was refused/);
  assert.throws(() => wire.decode(frames, 'other key', 'hmac-sha256'), /bad HMAC signature/);
  const forged = frames.slice();
  forged[forged.findIndex((f: Buffer) => f.toString() === '<IDS|MSG>') + 1] = Buffer.from('abc');
  assert.throws(() => wire.decode(forged, 'key', 'hmac-sha256'), /bad HMAC signature/, 'a short signature is refused, not compared');
  assert.equal(wire.sameDigest('ab', 'ab'), true);
  assert.equal(wire.sameDigest('ab', 'ac'), false);
  const small = new wire.DigestHistory(10);
  for (let i = 0; i < 11; i++) assert.equal(small.add(`d${i}`), true);
  assert.equal(small.seen.size, 10, 'the oldest tenth is dropped when full');
  assert.equal(small.add('d0'), true, 'd0 was dropped');
  assert.equal(small.add('d10'), false, 'd10 is still known');
});

test('the kernel owns uncaughtException/unhandledRejection: rethrowing listeners cannot end the process', () => {
  // In a child process: the test runner has its own process error listeners.
  const script = `
    const { ownProcessErrors } = require(${JSON.stringify(path.join(ROOT, 'kernel', 'lib', 'process-errors.js'))});
    const reports = [];
    ownProcessErrors({ report: (kind, e) => reports.push(kind + ':' + (e && e.message)) });
    process.on('uncaughtException', (ex) => { throw ex; });           // Emscripten's
    process.on('unhandledRejection', (reason) => { throw reason; });
    const other = () => { throw new Error('listener bug'); };
    process.once('uncaughtException', other);
    process.removeAllListeners('unhandledRejection');                 // keeps the kernel's
    setTimeout(() => { throw new Error('late'); }, 1);
    setTimeout(() => { Promise.reject(new Error('rejected')); }, 5);
    setTimeout(() => { throw new Error('again'); }, 10);
    setTimeout(() => {
      process.on('uncaughtException', other);
      process.removeListener('uncaughtException', other);             // by the original function
      console.log(JSON.stringify({ reports, listeners: process.listenerCount('uncaughtException') }));
    }, 30);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `the process must survive: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.reports, ['exception:late', 'listener:listener bug', 'rejection:rejected', 'exception:again']);
  assert.equal(out.listeners, 2, "the kernel's and Emscripten's (wrapped); the once-listener ran once, the other was removed");
});

test('executor hooks: object-literal cells, prefix completion, anonymous last values, suffix errors', () => {
  const { asObjectLiteral, byPrefix, unnamed, withoutSuffixErrors } = require('../../kernel/lib/executor-hooks.js');
  assert.equal(asObjectLiteral(ts, '{a: 1}').code, '({a: 1})');
  assert.equal(asObjectLiteral(ts, '\n  { a: 1, b }\n').code, '\n  ({ a: 1, b })\n');
  assert.equal(asObjectLiteral(ts, '{ let x = 1; }'), null, 'a block stays a block');
  assert.equal(asObjectLiteral(ts, '{a: 1};'), null);
  const d = { start: { line: 0, character: 5, offset: 5 }, end: { line: 0, character: 6, offset: 6 }, messageText: 'x' };
  assert.deepEqual(asObjectLiteral(ts, '{a: b}').unshift(d).start, { line: 0, character: 4, offset: 4 });
  assert.deepEqual(byPrefix(['log', 'timeLog', 'Logger', 'lookup'], 'lo'), ['log', 'lookup', 'Logger']);
  assert.deepEqual(byPrefix(['a', 'b'], ''), ['a', 'b']);
  const hidden = { tsLastExpr: () => 1 }.tsLastExpr;
  assert.equal(unnamed(hidden, 'tsLastExpr').name, '');
  const named = function keep() { return 1; };
  assert.equal(unnamed(named, 'tsLastExpr').name, 'keep');
  const suffix = [{ start: { line: 2, character: 0 }, messageText: "Block-scoped variable 'o' used before its declaration." }];
  assert.deepEqual(withoutSuffixErrors(ts, 'const o = {\n  a: 1,', suffix).map((x: { messageText: string }) => x.messageText), ["'}' expected."]);
});

test('errors: end-of-input diagnostics stay in the cell; no kernel or Node frames; late errors say so', () => {
  const e = typeScriptError([{ start: { line: 2, character: 0 }, end: { line: 2, character: 0 }, messageText: "'}' expected.", code: 1005 }], 'const o = {\n  a: 1,');
  assert.equal(e.traceback[1], '    at cell line 2, column 8');
  const err = new Error('x');
  err.stack = 'Error: x\n    at f (evalmachine.<anonymous>:2:9)\n    at sigintHandlersWrap (node:vm:276:15)\n    at run (/p/node_modules/tsdl/kernel/lib/cell-runner.js:5:1)\n    at new Promise (<anonymous>)\n    at lib (/p/node_modules/lib/index.js:1:1)';
  assert.deepEqual(runtimeError(err, 'let a;\nf()', 'x\nf();', 'evalmachine.<anonymous>').traceback, ['Error: x', '    at f (cell line 2)', '  2 | f()', '    at lib (/p/node_modules/lib/index.js:1:1)']);
  const { lateError } = require('../../kernel/lib/errors.js');
  assert.match(lateError(new Error('late'), 'exception', { code: '', js: '' }, 'x').traceback.at(-1), /Uncaught exception in a callback; the kernel keeps running/);
});

test('the message-spec checker (tests/kernel/msgspec.py) accepts good messages and names what is wrong', { skip: jupyterMissing() ?? false }, () => {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(KERNEL_DIR)})
import msgspec
h = lambda t: {"msg_id": "1", "username": "u", "session": "s", "date": "2020-01-01T00:00:00Z", "msg_type": t, "version": "5.3"}
m = lambda t, c, parent=True: {"header": h(t), "parent_header": h("x") if parent else {}, "metadata": {}, "content": c}
print(json.dumps({
  "good": [msgspec.problems(m("input_request", {"prompt": "?", "password": False}), "stdin"),
           msgspec.problems(m("execute_reply", {"status": "aborted", "execution_count": 3}), "shell"),
           msgspec.problems(m("execute_reply", {"status": "ok", "execution_count": 1, "user_expressions": {"a": {"status": "ok", "data": {"text/plain": "1"}, "metadata": {}}}}), "shell"),
           msgspec.problems(m("stream", {"name": "stdout", "text": "x"}, parent=False), "iopub")],
  "bad": [msgspec.problems(m("input_request", {"prompt": "?"}), "stdin"),
          msgspec.problems(m("execute_reply", {"status": "error", "ename": "E", "evalue": "v", "traceback": []}), "shell"),
          msgspec.problems(m("execute_reply", {"status": "ok", "execution_count": 1, "user_expressions": {"a": {"status": "ok"}}}), "shell"),
          msgspec.problems(m("stream", {"name": "stdcrash", "text": "x"}), "iopub"),
          msgspec.problems(m("display_data", {"data": {"not a mime": 1}, "metadata": {}}), "iopub"),
          msgspec.problems(m("stream", {"name": "stdout", "text": "x"}), "shell"),
          msgspec.problems(m("shiny_new", {}), "iopub")],
}))`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { good, bad } = JSON.parse(r.stdout);
  assert.deepEqual(good, [[], [], [], []]);
  for (const [i, problems] of bad.entries()) assert.ok(problems.length > 0, `bad sample ${i} must be reported`);
  assert.match(bad[0].join(), /password/);
  assert.match(bad[1].join(), /execution_count/);
  assert.match(bad[5].join(), /belongs on iopub/);
  assert.match(bad[6].join(), /unknown message type/);
});
