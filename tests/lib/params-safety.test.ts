/**
 * Parameters that cannot reach a prototype, and metrics that are written atomically into the
 * user's working folder (src/params.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parameters, readOverrides, metricsPath } from '../../src/params';

const defaults = { epochs: 5, opts: { lr: 0.1 } as Record<string, unknown>, list: [1] as unknown[], free: null as unknown };

test('__proto__, constructor and prototype keys are refused at any depth, even when unknown keys are ignored', () => {
  const cases = [
    '{"__proto__": {"polluted": 1}}',
    '{"constructor": {"prototype": {"polluted": 1}}}',
    '{"prototype": 1}',
    '{"opts": {"__proto__": {"polluted": 1}}}',
    '{"opts": {"constructor": 1}}',
    '{"list": [{"prototype": {"polluted": 1}}]}',
    '{"free": {"a": {"b": {"__proto__": {"polluted": 1}}}}}',
  ];
  for (const raw of cases) {
    for (const lenient of [{}, { TSDL_PARAMS_UNKNOWN: 'ignore' }]) {
      assert.throws(() => parameters(defaults, {}, { TSDL_PARAMS: raw, ...lenient }),
        /TSDL_PARAMS contains the key "(__proto__|constructor|prototype)", which is not allowed as a parameter name at any depth \(__proto__, constructor, prototype could change object prototypes\); rename or remove it\. Fix the -p options or unset TSDL_PARAMS\./, raw);
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
  assert.throws(() => parameters(defaults, { constructor: 1 } as never, { TSDL_SMOKE: '1' }), /Parameter "constructor" in the smoke settings is not allowed/);
});

test('overrides travel in objects without a prototype; the notebook gets ordinary objects', () => {
  const o = readOverrides({ TSDL_PARAMS: '{"opts": {"lr": 0.5, "deep": {"x": 1}}, "list": [{"a": 1}]}' });
  assert.equal(Object.getPrototypeOf(o), null);
  assert.equal(Object.getPrototypeOf(o.opts), null);
  assert.equal(Object.getPrototypeOf((o.opts as Record<string, unknown>).deep), null);
  assert.equal(Object.getPrototypeOf((o.list as unknown[])[0]), null);
  const p = parameters(defaults, {}, { TSDL_PARAMS: '{"opts": {"lr": 0.5, "deep": {"x": 1}}, "free": {"k": [1, {"z": 2}]}}' });
  assert.deepEqual(p, { epochs: 5, opts: { lr: 0.5, deep: { x: 1 } }, list: [1], free: { k: [1, { z: 2 }] } });
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.equal(Object.getPrototypeOf(p.opts), Object.prototype);
});

test('metrics go to <cwd>/reports by default', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-cwd-')));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    assert.equal(metricsPath('nb', {}), path.join(dir, 'reports', 'nb.metrics.json'));
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('saveMetrics is atomic: a crash mid-write keeps the previous file; the next write removes the leftover', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-metrics-'));
  const file = path.join(dir, 'nb.metrics.json');
  const child = path.join(__dirname, 'metrics-child.ts');
  const run = (n: number, crash?: string) => spawnSync(process.execPath, ['--import', 'tsx', child, file, String(n)], { env: { ...process.env, TSDL_BACKEND: 'cpu', ...(crash ? { TSDL_TEST_CRASH_AT: crash } : {}) }, encoding: 'utf8' });
  try {
    assert.equal(run(1).status, 0);
    const crashed = run(2, 'atomic:mid-write');
    assert.equal(crashed.signal, 'SIGKILL', `the writer crashed half-way (${crashed.status} ${crashed.stderr})`);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).run, 1, 'the previous metrics are intact');
    assert.equal(fs.readdirSync(dir).filter((n) => n.includes('.tmp-')).length, 1, 'the killed writer left its temporary');
    assert.equal(run(3).status, 0);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).run, 3);
    assert.deepEqual(fs.readdirSync(dir), ['nb.metrics.json'], 'the next writer removed the leftover');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
