// The notebook runner: option parsing, HTML post-processing, error extraction (unit), and, with the
// real tsdl kernel, that -p values reach a notebook as data and that a failing cell fails the run
// with that cell's error.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { root, runRunner } from './helpers';

import { parseRunArgs, parseValue } from '../../src/cli/run/args';

function parseArgs(argv: string[]) {
  const o = parseRunArgs(argv);
  assert.ok(o, 'options, not --help');
  return o;
}
import { inlinePlotly, needsPlotly, MARKER } from '../../src/cli/run/html';
import { cellError, runFailure, formatTable } from '../../src/cli/run/report';

test('-p values are JSON literals, falling back to strings', () => {
  assert.equal(parseValue('3'), 3);
  assert.equal(parseValue('0.15'), 0.15);
  assert.equal(parseValue('true'), true);
  assert.deepEqual(parseValue('[1,2]'), [1, 2]);
  assert.equal(parseValue('"3"'), '3');
  assert.equal(parseValue('relu'), 'relu');
  assert.equal(parseValue('process.exit(1)'), 'process.exit(1)');
  const o = parseArgs(['nb', '--smoke', '--only', '01,03', '-p', 'epochs=3', '-plr=0.1', '--param', 'names=["a"]', '--out', 'x', '--timeout', '60']);
  assert.equal(o.smoke, true);
  assert.deepEqual(o.paths, ['nb']);
  assert.deepEqual(o.only, ['01', '03']);
  assert.deepEqual({ ...o.params }, { epochs: 3, lr: 0.1, names: ['a'] });
  assert.equal(Object.getPrototypeOf(o.params), null, 'parameters never travel through Object.prototype');
  assert.equal(o.out, 'x');
  assert.equal(o.timeout, 60);
  assert.deepEqual({ ...parseArgs(['-p', 'expr=a=b']).params }, { expr: 'a=b' });
  assert.throws(() => parseArgs(['-p', 'epochs']), /KEY=VALUE/);
  assert.throws(() => parseArgs(['--frobnicate']), /unknown option --frobnicate/);
  assert.throws(() => parseArgs(['--timeout', '0']), /positive/);
  assert.throws(() => parseArgs(['--out']), /--out needs a value/);
});

test('-p refuses keys that would reach the object prototype, at any depth', () => {
  for (const bad of ['__proto__={"x":1}', 'constructor=1', 'prototype=2', 'cfg={"a":{"__proto__":{"x":1}}}', 'list=[{"constructor":1}]']) {
    assert.throws(() => parseArgs(['-p', bad]), /cannot be a parameter name/, bad);
  }
  const nested = parseArgs(['-p', 'cfg={"a":{"b":1}}']).params.cfg as Record<string, any>;
  assert.equal(Object.getPrototypeOf(nested), null);
  assert.equal(Object.getPrototypeOf(nested.a), null);
});

test('plotly.js is inlined only into reports that draw charts without carrying it', () => {
  const draws = '<html><head><title>t</title></head><body><script>window.Plotly.newPlot(el, [], {})</script></body></html>';
  const out = inlinePlotly(draws, 'var Plotly = {}; // </script> inside');
  assert.ok(out.includes(MARKER));
  assert.ok(out.indexOf(MARKER) < out.indexOf('<title>'), 'bundle must come first in <head>');
  assert.ok(!out.includes('// </script> inside'), 'a </script> in the bundle must be escaped');
  assert.equal(inlinePlotly(out, 'x'), out, 'inlining twice is a no-op');
  assert.equal(needsPlotly('<p>no charts</p>'), false);
  assert.equal(needsPlotly('<script>/* plotly.js v2.35.3 */</script><script>Plotly.newPlot(a)</script>'), false);
});

test('the failing cell and its error are cut out of nbconvert output', () => {
  const stderr = 'Traceback (most recent call last):\n  File "x"\nnbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:\n'
    + '------------------\nthrow new Error("boom")\n------------------\n\n\x1b[31mError\x1b[0m: boom\n';
  const e = cellError(stderr);
  assert.ok(e && e.startsWith('An error occurred while executing the following cell:'));
  assert.ok(e!.includes('throw new Error("boom")') && e!.includes('Error: boom'), 'ANSI colours are stripped');
  assert.equal(cellError('some other failure'), null);
  const dead = runFailure('[NbConvertApp] Executing notebook\nFATAL ERROR: heap out of memory\nTraceback (most recent call last):\n  File "x", line 1\n    f()\nnbclient.exceptions.DeadKernelError: Kernel died\n', 1);
  assert.equal(dead, 'nbconvert exited with 1:\nFATAL ERROR: heap out of memory\nnbclient.exceptions.DeadKernelError: Kernel died');
  assert.match(formatTable([{ a: 'x', b: 1 }]), /^a\s+b\n-+\s+-+\nx\s+1$/);
});

// ---- with the real kernel: notebooks written into a git-ignored folder inside the project
const dir = path.join(root, '.cache', `runner-test-${process.pid}`);
const nbDir = path.join(dir, 'nb');
const outDir = path.join(dir, 'out');

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'tsdl', display_name: 'TypeScript (tsdl)', language: 'typescript' } },
    nbformat: 4, nbformat_minor: 4,
  });
}

before(() => {
  fs.mkdirSync(nbDir, { recursive: true });
  fs.writeFileSync(path.join(nbDir, 'params-echo.ipynb'), notebook([
    'import { parameters, saveMetrics } from "tsdl";',
    'const p = parameters({ epochs: 1, name: "x", list: [1] }, { epochs: 2 });',
    'await saveMetrics({ summary: { epochs: p.epochs }, charts: 0 });',
  ]));
  fs.writeFileSync(path.join(nbDir, 'fails.ipynb'), notebook([
    'const a = 1;',
    'throw new Error("boom from the second cell");',
    'console.log("never reached");',
  ]));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('-p overrides reach the notebook as data, over the smoke settings', async () => {
  const r = await runRunner([nbDir, '--out', outDir, '--only', 'params-echo', '--smoke',
    '-p', 'epochs=3', '-p', 'name=process.exit(3)', '-p', 'list=[1,2]'], { timeoutMs: 3 * 60 * 1000 });
  assert.equal(r.status, 0, r.output);
  const m = JSON.parse(fs.readFileSync(path.join(outDir, 'params-echo.metrics.json'), 'utf8'));
  assert.deepEqual(m.params, { epochs: 3, name: 'process.exit(3)', list: [1, 2] });
  assert.equal(m.smoke, true);
  assert.deepEqual(m.overridden.sort(), ['epochs', 'list', 'name']);
  assert.ok(fs.existsSync(path.join(outDir, 'params-echo.html')));
  assert.match(r.output, /params-echo\s+ok/);
});

test('an unknown -p key fails the notebook with a message naming it', async () => {
  const r = await runRunner([nbDir, '--out', outDir, '--only', 'params-echo', '-p', 'epoch=3'], { timeoutMs: 3 * 60 * 1000 });
  assert.notEqual(r.status, 0);
  assert.match(r.output, /Unknown parameter "epoch"/);
});

test('a failing cell fails the run and prints that cell and its error', async () => {
  const r = await runRunner([nbDir, '--out', outDir, '--only', 'fails'], { timeoutMs: 3 * 60 * 1000 });
  assert.notEqual(r.status, 0, r.output);
  assert.match(r.output, /An error occurred while executing the following cell/);
  assert.match(r.output, /throw new Error\("boom from the second cell"\)/);
  assert.match(r.output, /Error: boom from the second cell|boom from the second cell/);
  assert.match(r.output, /fails\s+FAILED/);
  assert.ok(!fs.existsSync(path.join(outDir, 'fails.metrics.json')));
});
