/**
 * fit's callbacks: the order of the stages, early stopping, user callbacks, a Stop-style callback,
 * gradient hooks, logEvery output, and that the loop neither leaks tensors nor reads the device per step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tf, ready } from '../../src/tf';
import type * as TF from '@tensorflow/tfjs';
import { mlp } from '../../src/models';
import * as dl from '../../src';
import { fit, evaluate, trainStep, makeTrainStep, crossEntropy, EarlyStopping, type Callback, type TrainContext } from '../../src/train';
import { captureLog, mnist100, tmpDir } from './fixtures';

const tmp = () => tmpDir('tsdl-callbacks-');
const weightsOf = (m: TF.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('callbacks run in Keras order; built-ins first, so user callbacks see the record, the history and the status', async () => {
  await ready();
  const { train } = await mnist100();
  const events: string[] = [];
  const seen: Array<{ status: string; history: number; best?: number }> = [];
  const recorder: Callback = {
    onTrainBegin: (ctx) => { events.push(`trainBegin ${ctx.epochs}x${ctx.steps}`); },
    onEpochBegin: (e) => { events.push(`epochBegin ${e}`); },
    onBatchBegin: (b) => { events.push(`batchBegin ${b.epoch}.${b.step} (${b.size})`); },
    onBatchEnd: async (b) => { await Promise.resolve(); events.push(`batchEnd ${b.epoch}.${b.step} seen ${b.seen}`); },
    onEpochEnd: (r, ctx) => {
      events.push(`epochEnd ${r.epoch}`);
      seen.push({ status: ctx.status, history: ctx.history.length, best: ctx.best?.epoch });
      assert.equal(ctx.history[ctx.history.length - 1], r, 'the record is the last history entry');
    },
    onTrainEnd: (ctx) => { events.push(`trainEnd ${ctx.totalSteps}`); },
  };
  const run = await fit(mlp({ activation: 'relu', seed: 3 }), train, {
    epochs: 2, batchSize: 32, optimizer: 'sgd', lr: 0.1, progress: false, checkpoint: { dir: tmp(), monitor: 'loss' }, callbacks: [recorder],
  });
  const epoch = (e: number) => [
    `epochBegin ${e}`,
    `batchBegin ${e}.1 (32)`, `batchEnd ${e}.1 seen 32`, `batchBegin ${e}.2 (32)`, `batchEnd ${e}.2 seen 64`, `batchBegin ${e}.3 (16)`, `batchEnd ${e}.3 seen 80`,
    `epochEnd ${e}`,
  ];
  assert.deepEqual(events, ['trainBegin 2x3', ...epoch(1), ...epoch(2), 'trainEnd 6']);
  assert.match(seen[0].status, /^loss \d\.\d{4} acc \d\.\d{4}$/, 'the progress callback set the status before the user callback ran');
  assert.deepEqual(seen.map((s) => s.history), [1, 2]);
  assert.equal(seen[0].best, 1, 'the checkpoint callback ran before the user callback');
  assert.equal(run.stopped, undefined);
});

test('batch callbacks get the step loss on the device; reading it is theirs to ask for', async () => {
  await ready();
  const { train } = await mnist100();
  const losses: Array<{ v: number; size: number; epoch: number }> = [];
  const run = await fit(mlp({ activation: 'tanh', seed: 5 }), train, {
    epochs: 2, batchSize: 16, optimizer: 'adam', lr: 1e-3, progress: false, seed: 4,
    callbacks: [{ onBatchEnd: async (b) => { assert.ok(!b.loss.isDisposed); losses.push({ v: await b.lossValue(), size: b.size, epoch: b.epoch }); } }],
  });
  assert.equal(losses.length, 10);
  for (const e of [1, 2]) {
    const mine = losses.filter((l) => l.epoch === e);
    const mean = mine.reduce((s, l) => s + l.v * l.size, 0) / mine.reduce((s, l) => s + l.size, 0);
    assert.ok(Math.abs(mean - run.loss[e - 1]) < 1e-5, `epoch ${e}: mean of the step losses ${mean} = the record's ${run.loss[e - 1]}`);
  }
});

test('the loop reads the device once per epoch, with or without batch callbacks that do not ask', async () => {
  await ready();
  const { train } = await mnist100();
  const proto = tf.Tensor.prototype as unknown as { data: (...a: unknown[]) => Promise<unknown>; dataSync: (...a: unknown[]) => unknown };
  const { data, dataSync } = proto;
  let reads = 0;
  proto.data = function (this: unknown, ...a: unknown[]) { reads++; return data.apply(this, a); };
  proto.dataSync = function (this: unknown, ...a: unknown[]) { reads++; return dataSync.apply(this, a); };
  const readsOf = async (callbacks: Callback[]) => {
    reads = 0;
    await fit(mlp({ activation: 'relu', seed: 1 }), train, { epochs: 3, batchSize: 16, optimizer: 'sgd', lr: 0.05, progress: false, callbacks });
    return reads;
  };
  try {
    const plain = await readsOf([]);
    const withCallbacks = await readsOf([{ onBatchBegin: () => {}, onBatchEnd: () => {}, onGradients: () => {} }]);
    const asking = await readsOf([{ onBatchEnd: (b) => b.lossValue() }]);
    assert.equal(plain, 3 * 2, 'loss sum and correct count, once per epoch');
    assert.equal(withCallbacks, plain, 'callbacks that do not read cost no read');
    assert.equal(asking, plain + 3 * 5, 'a callback that asks reads once per step');
  } finally {
    proto.data = data;
    proto.dataSync = dataSync;
  }
});

test('early stopping: patience, minDelta, restoreBest; the reason is reported', async () => {
  await ready();
  const { train, val } = await mnist100();
  // The training loss falls every epoch, so watching it for a *rise* ('max') sees no improvement after epoch 1.
  const snapshots: number[][][] = [];
  const keep: Callback = { onEpochEnd: (_r, ctx) => { snapshots.push(weightsOf(ctx.model)); } };
  const model = mlp({ activation: 'relu', seed: 6 });
  const { result: run, lines } = await captureLog(() => fit(model, train, {
    epochs: 10, batchSize: 16, optimizer: 'sgd', lr: 0.1, progress: 'terminal',
    earlyStopping: { monitor: 'loss', mode: 'max', patience: 2, restoreBest: true }, callbacks: [keep],
  }));
  assert.equal(run.records.length, 3, 'epoch 1 is the best; two epochs without improvement, then stop');
  assert.ok(run.loss[2] < run.loss[1] && run.loss[1] < run.loss[0]);
  assert.deepEqual(run.stopped && { epoch: run.stopped.epoch, step: run.stopped.step }, { epoch: 3, step: 5 });
  assert.match(run.stopped!.reason, /early stopping: loss did not improve for 2 epochs \(best \d\.\d{4} at epoch 1\)/);
  assert.deepEqual(weightsOf(model), snapshots[0], 'the best (first) epoch\'s weights are back');
  assert.notDeepEqual(snapshots[2], snapshots[0]);
  assert.ok(lines.some((l) => /early stopping: restored the weights of epoch 1/.test(l)), lines.join('\n'));
  assert.match(String(run), /stopped in epoch 3 after step 5 \(early stopping/);

  // patience 0 (the default) stops at the first epoch that does not improve; minDelta makes small gains not count.
  const strict = await fit(mlp({ activation: 'relu', seed: 6 }), train, {
    epochs: 10, batchSize: 16, optimizer: 'sgd', lr: 0.1, progress: false, validationData: val, earlyStopping: { minDelta: 10 },
  });
  assert.equal(strict.records.length, 2, 'valLoss (the default monitor) cannot fall by 10');
  const last = weightsOf(model);
  const noRestore = new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 1 });
  const m2 = mlp({ activation: 'relu', seed: 6 });
  const run2 = await fit(m2, train, { epochs: 10, batchSize: 16, optimizer: 'sgd', lr: 0.1, progress: false, callbacks: [noRestore] });
  assert.equal(run2.records.length, 2);
  assert.equal(noRestore.stoppedEpoch, 2);
  assert.deepEqual(noRestore.best, { epoch: 1, value: run2.loss[0] });
  assert.notDeepEqual(weightsOf(m2), last, 'without restoreBest the last weights stay');

  await assert.rejects(fit(mlp(), train, { progress: false, earlyStopping: { monitor: 'valAcc' } }), /earlyStopping\.monitor is 'valAcc' but fit\(\) got no validationData/);
  assert.throws(() => new EarlyStopping({ patience: -1 }), /earlyStopping\.patience is -1: use a whole number/);
});

test('a Stop-style callback ends training after the current step; the best checkpoint is kept and restored', async () => {
  await ready();
  const { train, val } = await mnist100();
  const dir = path.join(tmp(), 'best');
  let steps = 0;
  // What a Stop button does: set the flag from outside the loop's control flow, mid-epoch.
  const stopButton: Callback = { onBatchEnd: (b, ctx) => { steps++; if (b.epoch === 3 && b.step === 2) ctx.stop('Stop button'); } };
  const model = mlp({ activation: 'relu', seed: 4 });
  const run = await fit(model, train, {
    epochs: 6, batchSize: 16, optimizer: 'adam', lr: 1e-3, validationData: val, progress: false,
    // The highest validation loss is an early epoch's, so restoring it visibly differs from the last state.
    checkpoint: { dir, monitor: 'valLoss', mode: 'max' }, callbacks: [stopButton],
  });
  assert.equal(steps, 12, 'no step after the one that pressed Stop');
  assert.equal(run.steps, 12);
  assert.deepEqual(run.stopped, { epoch: 3, step: 2, reason: 'Stop button' });
  assert.equal(run.records.length, 3, 'the stopped epoch still gets its record (2 steps) and validation');
  const best = run.best!;
  assert.equal(best.value, Math.max(...run.valLoss));
  assert.equal(best.restored, true);
  const weightsFile = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  assert.ok(fs.existsSync(path.join(dir, weightsFile)), `the checkpoint's weights file ${weightsFile} exists`);
  const ev = await evaluate(model, val);
  assert.ok(Math.abs(ev.loss - best.value) < 1e-5, `the model holds the best epoch's weights (${ev.loss} vs ${best.value})`);
  assert.ok(best.epoch < 3 && Math.abs(ev.loss - run.valLoss[2]) > 1e-4, 'not the stopped state');

  // Stopping before the first step trains nothing.
  const none = await fit(mlp(), train, { epochs: 3, progress: false, callbacks: [{ onTrainBegin: (ctx: TrainContext) => { ctx.stopTraining = true; } }] });
  assert.deepEqual([none.records.length, none.steps, none.stopped?.reason], [0, 0, 'a callback set stopTraining']);
  // The deprecated onEpoch still stops by returning false.
  const viaOnEpoch = await fit(mlp(), train, { epochs: 5, progress: false, onEpoch: (r) => r.epoch < 2 });
  assert.deepEqual([viaOnEpoch.records.length, viaOnEpoch.stopped?.reason], [2, 'onEpoch returned false']);
});

test('gradient hooks: identity changes nothing, zeroed gradients freeze the weights, a norm record stays on the device', async () => {
  await ready();
  const { train } = await mnist100();
  const opts = { epochs: 2, batchSize: 16, optimizer: 'sgd' as const, lr: 0.1, progress: false as const, seed: 7 };
  const plain = await fit(mlp({ activation: 'relu', seed: 8 }), train, opts);
  const identity = await fit(mlp({ activation: 'relu', seed: 8 }), train, { ...opts, callbacks: [{ onGradients: (g) => g }] });
  assert.deepEqual(identity.loss, plain.loss, 'the hook path takes the same steps, to the bit');

  const frozen = mlp({ activation: 'relu', seed: 8 });
  const before = weightsOf(frozen);
  await fit(frozen, train, { ...opts, callbacks: [{ onGradients: (g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, tf.zerosLike(v)])) }] });
  assert.deepEqual(weightsOf(frozen), before);

  // What issue 15's per-layer gradient-norm record needs: sums kept on the device, read every N steps.
  let sumSq: TF.Scalar | null = null;
  const norms: number[] = [];
  const record: Callback = {
    onGradients: (g) => {
      const s = tf.addN(Object.values(g).map((t) => tf.sum(tf.square(t)))) as TF.Scalar;
      const next = sumSq ? tf.add(sumSq, s) : s;
      sumSq?.dispose();
      sumSq = tf.keep(next as TF.Scalar);
    },
    onBatchEnd: async (b) => {
      if (b.step % 5 !== 0 || !sumSq) return;
      norms.push(Math.sqrt((await sumSq.data())[0] / 5));
      sumSq.dispose();
      sumSq = null;
    },
  };
  const model = mlp({ activation: 'relu', seed: 8 });
  const n0 = tf.memory().numTensors;
  await fit(model, train, { ...opts, callbacks: [record] });
  assert.equal(norms.length, 2);
  assert.ok(norms.every((v) => v > 0 && Number.isFinite(v)), `norms ${norms}`);
  assert.equal(sumSq, null);
  assert.equal(tf.memory().numTensors, n0, 'the hook\'s sums are released by the hook, the step\'s by the step');
});

test('logEvery prints the mean loss of each N steps, the same numbers the steps had', async () => {
  await ready();
  const { train } = await mnist100();
  const steps: number[] = [];
  const { result: run, lines } = await captureLog(() => fit(mlp({ activation: 'relu', seed: 5 }), train, {
    epochs: 2, batchSize: 16, logEvery: 2, progress: 'terminal', seed: 3,
    callbacks: [{ onBatchEnd: async (b) => { steps.push(await b.lossValue()); } }],
  }));
  const logged = lines.filter((l) => l.startsWith('Epoch ['));
  assert.deepEqual(logged.map((l) => l.replace(/Loss: .*/, '')), [
    'Epoch [1/2], Step [2/5], ', 'Epoch [1/2], Step [4/5], ', 'Epoch [2/2], Step [2/5], ', 'Epoch [2/2], Step [4/5], ',
  ]);
  const expected = [[0, 1], [2, 3], [5, 6], [7, 8]].map(([a, b]) => ((steps[a] + steps[b]) / 2).toFixed(4));
  assert.deepEqual(logged.map((l) => l.split('Loss: ')[1]), expected);
  assert.equal(lines.filter((l) => /^epoch \d\/2: loss \d\.\d{4} acc \d\.\d{4} \(\d+\.\ds\)$/.test(l)).length, 2, lines.join('\n'));
  assert.equal(run.records.length, 2);
  const quiet = await captureLog(() => fit(mlp(), train, { epochs: 1, batchSize: 16, logEvery: 1, progress: false }));
  assert.deepEqual(quiet.lines, [], 'progress: false prints nothing, logEvery lines included');
  await assert.rejects(fit(mlp(), train, { logEvery: -2, progress: false }), /logEvery is -2/);
});

test('no tensor leaks across a fit with every callback kind, nor when a callback throws', async () => {
  await ready();
  const { train, val } = await mnist100();
  const model = mlp({ activation: 'relu', seed: 2 });
  const before = tf.memory().numTensors;
  const kept: TF.Tensor[] = [];
  await fit(model, train, {
    epochs: 3, batchSize: 16, optimizer: 'adam', lr: 1e-3, validationData: val, progress: false, logEvery: 2,
    checkpoint: { dir: tmp() }, earlyStopping: { patience: 5, restoreBest: true },
    callbacks: [{
      onBatchBegin: (b) => { tf.tidy(() => { tf.mean(b.x); }); },
      onBatchEnd: async (b) => { await b.lossSum(); if (b.step === 1) kept.push(tf.keep(b.loss.clone())); },
      onGradients: (g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, tf.clipByValue(v, -1, 1)])),
    }],
  });
  assert.equal(kept.length, 3);
  tf.dispose(kept);
  assert.equal(tf.memory().numTensors, before, 'every tensor fit and its callbacks created is released');
  await assert.rejects(fit(model, train, {
    epochs: 3, batchSize: 16, progress: false, earlyStopping: { monitor: 'loss', restoreBest: true },
    callbacks: [{ onBatchEnd: (b) => { if (b.epoch === 2) throw new Error('callback failed'); } }],
  }), /callback failed/);
  assert.equal(tf.memory().numTensors, before, 'also after an error (early stopping\'s saved weights released)');
});

test('dl.trainStep(model, optimizer, loss) is the public step fit uses', async () => {
  await ready();
  const { train } = await mnist100();
  assert.equal(dl.trainStep, trainStep);
  const { x, y } = train.toTensors();
  const run = (make: (m: TF.LayersModel, o: TF.Optimizer) => (x: TF.Tensor, y: TF.Tensor) => TF.Scalar) => {
    const m = mlp({ activation: 'relu', seed: 12 });
    const opt = tf.train.sgd(0.1);
    const step = make(m, opt);
    const out: number[] = [];
    for (let i = 0; i < 3; i++) { const l = step(x, y); out.push(l.dataSync()[0]); l.dispose(); }
    opt.dispose();
    return out;
  };
  const byName = run((m, o) => dl.trainStep(m, o, 'crossEntropy'));
  assert.deepEqual(run((m, o) => dl.trainStep(m, o)), byName, 'crossEntropy is the default loss');
  assert.deepEqual(run((m, o) => makeTrainStep(m, o, crossEntropy)), byName);
  assert.ok(byName[2] < byName[0], `the loss falls: ${byName}`);
  assert.throws(() => dl.trainStep(mlp(), tf.train.sgd(0.1), 'hinge' as never), /Unknown loss 'hinge'/);
  tf.dispose([x, y]);
});
