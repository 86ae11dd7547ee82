import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tf, ready } from '../../src/tf';
import type * as TF from '@tensorflow/tfjs';
import { readCifarDataset, CIFAR10_CLASSES } from '../../src/data';
import { mlp, cifarCnn } from '../../src/models';
import { fit, evaluate, confusionMatrix, predict, predictClasses, confusionFromLabels, permutation, type Batch } from '../../src/train';
import { captureLog, fixtures, mnist100, tmpDir } from './fixtures';

const tmp = () => tmpDir('tsdl-train-');

test('fit on real MNIST images: loss decreases, metrics per epoch, DataFrame history, no tensor leak', async () => {
  await ready();
  const { train, val } = await mnist100();
  const model = mlp({ activation: 'relu', seed: 3 });
  const before = tf.memory().numTensors;
  const run = await fit(model, train, {
    epochs: 6, batchSize: 16, optimizer: 'sgd', lr: 0.1, validationData: val, seed: 1, progress: false, name: 'relu',
  });
  assert.equal(tf.memory().numTensors, before, 'every tensor fit created is disposed');
  assert.equal(run.records.length, 6);
  assert.equal(run.steps, 6 * 5);
  assert.ok(run.loss[5] < run.loss[0] * 0.5, `train loss falls: ${run.loss.map((v) => v.toFixed(3)).join(' ')}`);
  assert.ok(run.acc[5] > run.acc[0], `train accuracy rises: ${run.acc.join(' ')}`);
  assert.ok(run.valAcc.every((v) => v >= 0 && v <= 1) && run.valLoss.every(Number.isFinite));
  const df = run.history;
  assert.deepEqual(df.columns, ['epoch', 'loss', 'acc', 'valLoss', 'valAcc', 'seconds']);
  assert.equal(df.shape[0], 6);
  const bundle = (run as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
  assert.match(bundle['text/html'], /<table/);
  // evaluate agrees with the last epoch's validation metrics
  const ev = await evaluate(model, val);
  assert.equal(ev.count, 20);
  assert.ok(Math.abs(ev.accuracy - run.valAcc[5]) < 1e-9 && Math.abs(ev.loss - run.valLoss[5]) < 1e-5);
});

test('keep-the-best checkpoint is saved to disk and restored at the end', async () => {
  await ready();
  const { train, val } = await mnist100();
  const dir = path.join(tmp(), 'best');
  const model = mlp({ activation: 'relu', seed: 4 });
  // Monitoring the *highest* validation loss makes the best epoch an early one, so restoring it
  // visibly changes the weights compared with the last epoch.
  const run = await fit(model, train, {
    epochs: 4, batchSize: 16, optimizer: 'adam', lr: 1e-3, validationData: val, progress: false,
    checkpoint: { dir, monitor: 'valLoss', mode: 'max' },
  });
  assert.ok(run.best, 'a best checkpoint is reported');
  // One unit on disk: model.json and the (versioned) weights file it names.
  const weightsFile = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  assert.ok(fs.existsSync(path.join(dir, weightsFile)), `${weightsFile} exists`);
  const best = run.best!;
  assert.equal(best.value, Math.max(...run.valLoss));
  assert.equal(best.restored, true);
  assert.ok(best.epoch < 4, `best epoch ${best.epoch} is not the last`);
  const ev = await evaluate(model, val);
  assert.ok(Math.abs(ev.loss - best.value) < 1e-5, `restored model has the best epoch's val loss (${ev.loss} vs ${best.value})`);
  assert.ok(Math.abs(ev.loss - run.valLoss[3]) > 1e-4, 'and not the last epoch\'s');
});

test('fit accepts tensors, arrays of batches and batch functions; momentum optimizer; logEvery prints', async () => {
  await ready();
  const { ds } = await mnist100();
  const { x, y } = ds.toTensors({ oneHot: true });
  const model = mlp({ activation: 'tanh', seed: 5 });
  const { result: run, lines } = await captureLog(() => fit(model, { x, y }, { epochs: 2, batchSize: 25, optimizer: 'momentum', lr: 0.05, logEvery: 2, progress: 'terminal' }));
  assert.ok(run.loss[1] < run.loss[0]);
  assert.equal(lines.filter((l) => /^Epoch \[\d\/2\], Step \[\d\/4\], Loss: \d\.\d{4}$/.test(l)).length, 4, lines.join('\n'));

  const batches: Batch[] = [0, 50].map((s) => ({ x: x.slice(s, 50), y: y.slice(s, 50) }));
  const r2 = await fit(model, batches, { epochs: 1, progress: false, optimizer: tf.train.sgd(0.01) });
  assert.equal(r2.steps, 2);
  let calls = 0;
  const r3 = await fit(model, (epoch: number) => { calls++; return batches.slice(0, epoch); }, { epochs: 2, progress: false, trainAccuracy: false });
  assert.equal(calls, 2);
  assert.equal(r3.steps, 3);
  assert.ok(Number.isNaN(r3.acc[0]), 'no train accuracy when disabled');
  let stopped = 0;
  const r4 = await fit(model, batches, { epochs: 5, progress: false, onEpoch: (r) => { stopped = r.epoch; return r.epoch < 2; } });
  assert.equal(r4.records.length, 2);
  assert.equal(stopped, 2);
  const r5 = await fit(model, batches, { progress: false, checkpoint: { dir: tmp() } });
  assert.equal(r5.best?.monitor, 'acc', 'without validation data the checkpoint watches training accuracy');
  await assert.rejects(fit(model, batches, { progress: false, checkpoint: { dir: tmp(), monitor: 'valAcc' } }), /no validationData/);
  tf.dispose([x, y, ...batches.flatMap((b) => [b.x, b.y])]);
});

test('CNN trains on real CIFAR-10 images; confusion matrix and predictions agree', async () => {
  await ready();
  const ds = await readCifarDataset([path.join(fixtures, 'cifar10-test_batch-100.bin')], { name: 'cifar-100', classNames: CIFAR10_CLASSES, recordsPerFile: 100 });
  const model = cifarCnn({ activation: 'leakyRelu', seed: 1 });
  const before = tf.memory().numTensors;
  const run = await fit(model, ds, { epochs: 3, batchSize: 20, optimizer: 'adam', lr: 1e-3, progress: false });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(run.loss[2] < run.loss[0], `loss ${run.loss.join(' ')}`);
  const cm = await confusionMatrix(model, ds);
  assert.equal(cm.length, 10);
  assert.equal(cm.flat().reduce((a, b) => a + b, 0), 100);
  const { x, y } = ds.toTensors();
  const cls = await predictClasses(model, x, { batchSize: 30 });
  const labels = y.dataSync();
  assert.deepEqual(confusionFromLabels(labels, cls, 10), cm);
  const ev = await evaluate(model, ds);
  const diag = cm.reduce((s, row, i) => s + row[i], 0);
  assert.ok(Math.abs(ev.accuracy - diag / 100) < 1e-9);
  // dataOptions reach the data set's batches(): normalising there equals passing normalised tensors
  const normalize = ds.channelStats();
  const viaOptions = await evaluate(model, ds, { dataOptions: { normalize } });
  const t = ds.toTensors({ normalize });
  const viaTensors = await evaluate(model, t);
  tf.dispose([t.x, t.y]);
  assert.ok(Math.abs(viaOptions.loss - ev.loss) > 1e-6, 'normalisation changes the inputs');
  assert.ok(Math.abs(viaOptions.loss - viaTensors.loss) < 1e-5);
  const logits = predict(model, x, { batchSize: 30 });
  assert.deepEqual(logits.shape, [100, 10]);
  tf.dispose([x, y, logits]);
});

test('seeded shuffling is reproducible', () => {
  assert.deepEqual(Array.from(permutation(10, 3)), Array.from(permutation(10, 3)));
  assert.notDeepEqual(Array.from(permutation(10, 3)), Array.from(permutation(10, 4)));
  assert.deepEqual(Array.from(permutation(10, 3)).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('same seeds give the same training run', async () => {
  await ready();
  const { train } = await mnist100();
  const once = async () => (await fit(mlp({ activation: 'relu', seed: 9 }), train, { epochs: 1, batchSize: 16, optimizer: 'sgd', lr: 0.1, seed: 2, progress: false })).loss[0];
  assert.equal(await once(), await once());
  void (null as unknown as TF.Tensor);
});

test('training accuracy is counted from the training forward pass and is exact', async () => {
  await ready();
  const { ds } = await mnist100();
  const model = mlp({ activation: 'relu', seed: 11 });
  const before = tf.memory().numTensors;
  // lr 0: the weights never change, so the accuracy seen during the epoch equals evaluate()'s
  const apply = model.apply.bind(model);
  let inferencePasses = 0;
  model.apply = ((x: TF.Tensor, kw?: { training?: boolean }) => {
    if (kw && kw.training === false) inferencePasses++;
    return apply(x, kw);
  }) as typeof model.apply;
  const run = await fit(model, ds, { epochs: 1, batchSize: 16, optimizer: 'sgd', lr: 0, progress: false });
  assert.equal(inferencePasses, 0, 'no extra inference pass per batch');
  const ev = await evaluate(model, ds);
  assert.equal(run.acc[0], ev.accuracy);
  assert.ok(Math.abs(run.loss[0] - ev.loss) < 1e-5);
  assert.equal(tf.memory().numTensors, before);
});
