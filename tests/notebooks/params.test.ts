// Unit tests for src/params.ts: merging order, data-only overrides, type checks, metrics file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parameters, readOverrides, saveMetrics, metricsPath, notebookName } from '../../src/params';

const defaults = { epochs: 50, lr: 0.15, seeds: [1, 2, 3], name: 'relu', smokeOnly: false };

test('defaults come back unchanged without TSDL_SMOKE or TSDL_PARAMS', () => {
  const p = parameters(defaults, { epochs: 1 }, {});
  assert.deepEqual(p, defaults);
  assert.notEqual(p, defaults, 'returns a copy, not the defaults object');
});

test('TSDL_SMOKE=1 applies the smoke settings; TSDL_SMOKE=0 does not', () => {
  assert.equal(parameters(defaults, { epochs: 1, seeds: [1] }, { TSDL_SMOKE: '1' }).epochs, 1);
  assert.deepEqual(parameters(defaults, { epochs: 1, seeds: [1] }, { TSDL_SMOKE: '1' }).seeds, [1]);
  assert.equal(parameters(defaults, { epochs: 1 }, { TSDL_SMOKE: '0' }).epochs, 50);
});

test('TSDL_PARAMS overrides win over smoke settings and keep JSON types', () => {
  const p = parameters(defaults, { epochs: 1 }, { TSDL_SMOKE: '1', TSDL_PARAMS: '{"epochs": 3, "seeds": [7], "name": "elu"}' });
  assert.equal(p.epochs, 3);
  assert.deepEqual(p.seeds, [7]);
  assert.equal(p.name, 'elu');
  assert.equal(p.lr, 0.15);
});

test('override values are data: a string that looks like code stays a string', () => {
  const p = parameters(defaults, {}, { TSDL_PARAMS: JSON.stringify({ name: 'process.exit(1)' }) });
  assert.equal(p.name, 'process.exit(1)');
});

test('unknown keys, wrong types and non-object JSON are errors that name the problem', () => {
  assert.throws(() => parameters(defaults, {}, { TSDL_PARAMS: '{"epoch": 3}' }), /Unknown parameter "epoch".*epochs, lr/);
  assert.throws(() => parameters(defaults, {}, { TSDL_PARAMS: '{"epochs": "3"}' }), /"epochs".*must be a number.*found string/);
  assert.throws(() => parameters(defaults, {}, { TSDL_PARAMS: '[1,2]' }), /JSON object.*found a JSON array/);
  assert.throws(() => parameters(defaults, {}, { TSDL_PARAMS: '{epochs: 3}' }), /must be a JSON object/);
  assert.throws(() => parameters(defaults, { epochz: 1 } as never, { TSDL_SMOKE: '1' }), /Unknown parameter "epochz" in the smoke settings/);
  assert.deepEqual(readOverrides({ TSDL_PARAMS: '  ' }), Object.create(null));
  const lenient = parameters(defaults, {}, { TSDL_PARAMS: '{"epoch": 3, "lr": 0.5}', TSDL_PARAMS_UNKNOWN: 'ignore' });
  assert.equal(lenient.lr, 0.5);
  assert.equal((lenient as Record<string, unknown>).epoch, undefined);
});

test('metrics path and notebook name follow TSDL_METRICS_FILE / TSDL_NOTEBOOK', () => {
  assert.equal(notebookName({ TSDL_METRICS_FILE: '/tmp/x/03-mnist.metrics.json' }), '03-mnist');
  assert.equal(notebookName({ TSDL_NOTEBOOK: 'a', TSDL_METRICS_FILE: '/tmp/b.metrics.json' }), 'a');
  assert.equal(metricsPath('n', {}), path.resolve(process.cwd(), 'reports', 'n.metrics.json'));
  assert.equal(metricsPath('n', { TSDL_METRICS_FILE: 'rel/m.json' }), path.resolve('rel/m.json'));
});

test('saveMetrics writes JSON with backend, params and timestamps', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-params-'));
  try {
    const file = path.join(dir, 'sub', 'demo.metrics.json');
    const env = { TSDL_METRICS_FILE: file, TSDL_PARAMS: '{"epochs": 2}' };
    parameters(defaults, {}, env);
    const out = await saveMetrics({ testAccuracy: 0.9, losses: [1, 0.5] }, { env });
    assert.equal(out.file, file);
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(data.notebook, 'demo');
    assert.equal(data.testAccuracy, 0.9);
    assert.deepEqual(data.losses, [1, 0.5]);
    assert.equal(typeof data.backend.name, 'string');
    assert.ok(data.backend.name.length > 0);
    assert.equal(data.params.epochs, 2);
    assert.deepEqual(data.overridden, ['epochs']);
    assert.ok(!Number.isNaN(Date.parse(data.startedAt)));
    assert.ok(Date.parse(data.finishedAt) >= Date.parse(data.startedAt));
    assert.ok(data.wallSeconds >= 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
