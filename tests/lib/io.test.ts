import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, ready } from '../../src/tf';
import type * as TF from '@tensorflow/tfjs';
import { mlp, cifarCnn } from '../../src/models';
import { ACTIVATIONS } from '../../src/activations';
import { saveModel, loadModel, loadWeightsInto, writeFileAtomic } from '../../src/io';
import { readOnlyView } from '../fs-faults';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-io-'));

function outputs(m: TF.LayersModel, x: TF.Tensor): number[] {
  return tf.tidy(() => Array.from((m.predict(x) as TF.Tensor).dataSync()));
}

test('save/load round trip keeps architecture and weights, for every activation layer', async () => {
  await ready();
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
  for (const a of ACTIVATIONS) {
    const dir = tmp();
    const m = cifarCnn({ activation: a.name, seed: 5 });
    await saveModel(m, dir);
    const names = fs.readdirSync(dir).sort();
    assert.equal(names.length, 2, `no temporary files left: ${names.join(', ')}`);
    assert.ok(names[0] === 'model.json' && /^weights-h[0-9a-f]{6}-\d+-[0-9a-f]{8}\.bin$/.test(names[1]), names.join(', '));
    const back = await loadModel(dir);
    assert.equal(back.countParams(), m.countParams(), a.name);
    assert.deepEqual(outputs(back, x), outputs(m, x), `${a.name}: same outputs after loading`);
    m.dispose(); back.dispose();
  }
  x.dispose();
});

test('the file:// scheme works through tf.io when no other handler serves it', async () => {
  await ready();
  const dir = tmp();
  const m = mlp({ activation: 'gelu', inputShape: [784] });
  await m.save(`file://${dir}`);
  const back = await tf.loadLayersModel(`file://${dir}`);
  assert.equal(back.countParams(), 407050);
});

test('loadWeightsInto restores weights in place and rejects another architecture', async () => {
  await ready();
  const dir = tmp();
  const a = mlp({ seed: 1, activation: 'relu' });
  const b = mlp({ seed: 2, activation: 'relu' });
  await saveModel(a, dir);
  const x = tf.randomUniform([1, 28, 28, 1]);
  assert.notDeepEqual(outputs(b, x), outputs(a, x));
  const before = tf.memory().numTensors;
  loadWeightsInto(b, dir);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak while restoring');
  assert.deepEqual(outputs(b, x), outputs(a, x));
  assert.throws(() => loadWeightsInto(cifarCnn(), dir), (e: Error) => e.message.includes(path.join(dir, 'model.json')) && /expects/.test(e.message));
});

test('corrupted or mismatched files give errors naming the file, the expectation and the finding', async () => {
  await ready();
  const dir = tmp();
  await saveModel(mlp({ activation: 'relu' }), dir);
  const json = path.join(dir, 'model.json');
  const bin = path.join(dir, JSON.parse(fs.readFileSync(json, 'utf8')).weightsManifest[0].paths[0]);
  const good = fs.readFileSync(bin);

  fs.writeFileSync(bin, good.subarray(0, good.length - 8));
  await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(bin) && e.message.includes(`${good.length - 8} bytes`) && e.message.includes(`${good.length} bytes`));

  fs.writeFileSync(bin, good);
  const manifest = JSON.parse(fs.readFileSync(json, 'utf8'));
  manifest.weightsManifest[0].weights[0].shape = [784, 256];
  fs.writeFileSync(json, JSON.stringify(manifest));
  await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(bin) && /bytes/.test(e.message));

  fs.writeFileSync(json, '{"modelTopology": ');
  await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(json) && /not valid JSON/.test(e.message));

  fs.unlinkSync(bin);
  fs.writeFileSync(json, JSON.stringify({ ...manifest, weightsManifest: [{ paths: [path.basename(bin)], weights: [] }] }));
  await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(bin) && /missing/.test(e.message));

  await assert.rejects(loadModel(path.join(dir, 'nothing-here')), /No model at .*model\.json/);

  fs.writeFileSync(json, JSON.stringify({ ...manifest, weightsManifest: [{ paths: ['../elsewhere.bin'], weights: [] }] }));
  await assert.rejects(loadModel(dir), /outside the model directory/);
});

test('directories in the earlier format (model.json + weights.bin) load, and the next save replaces them', async () => {
  await ready();
  const dir = tmp();
  const m = mlp({ seed: 3, activation: 'relu' });
  await saveModel(m, dir);
  // Rewrite it as the earlier code did: the weights under the fixed name weights.bin.
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const versioned = json.weightsManifest[0].paths[0];
  fs.renameSync(path.join(dir, versioned), path.join(dir, 'weights.bin'));
  json.weightsManifest[0].paths = ['weights.bin'];
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 4);
  const back = await loadModel(dir);
  assert.deepEqual(outputs(back, x), outputs(m, x));
  const other = mlp({ seed: 4, activation: 'relu' });
  loadWeightsInto(other, dir);
  assert.deepEqual(outputs(other, x), outputs(m, x));
  await saveModel(other, dir);
  assert.ok(!fs.existsSync(path.join(dir, 'weights.bin')), 'the earlier weights file is removed once model.json no longer names it');
  assert.equal(fs.readdirSync(dir).length, 2);
});

test('a read-only checkpoint directory loads (loading writes nothing)', async (t) => {
  await ready();
  const dir = tmp();
  const m = mlp({ seed: 5, activation: 'relu' });
  await saveModel(m, dir);
  const view = readOnlyView(dir);
  if ('skip' in view) return t.skip(view.skip);
  try {
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 5);
    assert.deepEqual(outputs(await loadModel(view.dir), x), outputs(m, x));
    await assert.rejects(saveModel(m, view.dir), (e: Error) => e.message.includes(view.dir) && /read-only file system \(EROFS\)/.test(e.message));
  } finally {
    view.unmount();
  }
});

test('saving where a folder cannot be made says why in words', async () => {
  await ready();
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'a-file'), 'x');
  await assert.rejects(saveModel(mlp({ activation: 'relu' }), path.join(dir, 'a-file', 'ckpt')),
    (e: Error) => e.message.includes(path.join(dir, 'a-file', 'ckpt')) && e.message.includes(`not a directory: ${path.join(dir, 'a-file')} is a file`));
  assert.throws(() => writeFileAtomic(path.join(dir, 'no-such-dir', 'f.json'), '{}'), /Cannot write .*f\.json: no such file or directory \(ENOENT\)/);
});
