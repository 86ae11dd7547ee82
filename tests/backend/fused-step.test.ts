/**
 * The fused train step (src/train/fused/) against tfjs's own step on the same backend: the same
 * losses, weights and optimizer state for every layer, activation and optimizer it takes; no tfjs
 * kernel and no tensor leak per step; the gradient hook; weights shared with other tensors; and
 * the fallback for models, inputs and backends it does not take. Skips what needs the BLAS when
 * there is none (TSDL_BLAS=off): then the step is tfjs's and the fallback tests still run.
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../src/tf';
import { trainStep } from '../../src/train/train-step';
import { makeFusedStep } from '../../src/train/fused/step';
import { logitsLossSpec } from '../../src/train/loss-spec';
import { crossEntropy } from '../../src/train/losses';
import { variableOf } from '../../src/train/fast-forward';
import { fit } from '../../src/train/fit';
import { cifarCnn, mlp } from '../../src/models';
import { activationLayer, type ActivationName } from '../../src/activations';
import { loadBlas } from '../../src/backend/blas/provider';
import { helperStats } from '../../src/backend/helper/helper';
import { rand, useWasm } from './compare';

const noBlas = process.env.TSDL_BLAS === 'off' || !loadBlas().blas;
const needsBlas = noBlas ? 'no BLAS in this process: the fused step needs one' : false;
const init = (seed: number) => tf.initializers.glorotUniform({ seed });

/** A batch with labels as int32 indices or one-hot float32, alternately by seed. */
function batch(n: number, shape: number[], seed: number, classes = 10): { x: TF.Tensor; y: TF.Tensor } {
  return tf.tidy(() => {
    const idx = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + seed * 3) % classes), 'int32');
    return { x: rand([n, ...shape], seed, -1, 1.5), y: seed % 2 ? idx : tf.oneHot(idx, classes).toFloat() };
  });
}

type Opt = 'sgd' | 'momentum' | 'nesterov' | 'adam';
function optimizer(o: Opt): TF.Optimizer {
  switch (o) {
    case 'sgd': return tf.train.sgd(0.1);
    case 'momentum': return tf.train.momentum(0.05, 0.9);
    case 'nesterov': return tf.train.momentum(0.05, 0.9, true);
    case 'adam': return tf.train.adam(0.01);
  }
}

/** Optimizer state as plain arrays (momentum accumulators, Adam moments and β powers, iterations). */
function stateOf(opt: TF.Optimizer): number[][] {
  const o = opt as unknown as Record<string, unknown>;
  const vars = (k: string) => ((o[k] as { variable: TF.Variable }[] | undefined) ?? []).map((s) => Array.from(s.variable.dataSync()));
  const out = [...vars('accumulations'), ...vars('accumulatedFirstMoment'), ...vars('accumulatedSecondMoment')];
  for (const k of ['accBeta1', 'accBeta2']) if (o[k]) out.push(Array.from((o[k] as TF.Tensor).dataSync()));
  out.push([opt.iterations]);
  return out;
}

interface Run { losses: number[]; weights: number[][]; state: number[][] }

/** `steps` steps of a fresh model; `fused` per step (true: fused where it qualifies, false: tfjs). */
function train(build: () => TF.LayersModel, o: Opt, inShape: number[], fusedAt: (i: number) => boolean, steps = 3, hook?: (g: TF.NamedTensorMap) => TF.NamedTensorMap | void): Run {
  const model = build();
  const opt = optimizer(o);
  const fused = trainStep(model, opt, crossEntropy, { onGradients: hook });
  const plain = trainStep(model, opt, crossEntropy, { onGradients: hook, fused: false });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const b = batch(5, inShape, i + 1);
    const l = (fusedAt(i) ? fused : plain)(b.x, b.y);
    losses.push(l.dataSync()[0]);
    tf.dispose([l, b.x, b.y]);
  }
  const run = { losses, weights: model.getWeights().map((w) => Array.from(w.dataSync())), state: stateOf(opt) };
  model.dispose();
  opt.dispose();
  return run;
}

function assertSame(what: string, got: Run, ref: Run, tol = 2e-5): void {
  got.losses.forEach((l, i) => assert.ok(Math.abs(l - ref.losses[i]) <= tol * Math.max(1, Math.abs(ref.losses[i])), `${what}: loss ${i} fused ${l} vs tfjs ${ref.losses[i]}`));
  const close = (a: number[][], b: number[][], kind: string) => {
    assert.equal(a.length, b.length, `${what}: as many ${kind} arrays`);
    a.forEach((arr, i) => {
      let d = 0;
      let scale = 1;
      arr.forEach((v, j) => { d = Math.max(d, Math.abs(v - b[i][j])); scale = Math.max(scale, Math.abs(b[i][j])); });
      assert.ok(d <= 1e-4 * scale, `${what}: ${kind} ${i} differs by ${d.toExponential(2)}`);
    });
  };
  close(got.weights, ref.weights, 'weight');
  close(got.state, ref.state, 'optimizer state');
  assert.ok(ref.losses[ref.losses.length - 1] !== ref.losses[0], `${what}: the model trains`);
}

const dense = (units: number, o: Record<string, unknown> = {}) => tf.layers.dense({ units, kernelInitializer: init(units + 7), biasInitializer: tf.initializers.randomNormal({ seed: units, stddev: 0.1 }), ...o });
const conv = (filters: number, o: Record<string, unknown> = {}) => tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: init(filters), biasInitializer: tf.initializers.randomNormal({ seed: filters + 1, stddev: 0.1 }), ...o });

/** Models the fused step takes: [name, builder, input shape per sample]. */
const ZOO: [string, () => TF.Sequential, number[]][] = [
  ['dense relu → dense', () => tf.sequential({ layers: [dense(16, { inputShape: [12], activation: 'relu' }), dense(10)] }), [12]],
  ...(['relu', 'leakyRelu', 'elu', 'selu', 'swish', 'mish', 'gelu', 'tanh', 'sigmoid', 'none'] as const).map((a): [string, () => TF.Sequential, number[]] =>
    [`dl.mlp (flatten, ${a})`, () => mlp({ inputShape: [4, 4, 1], hidden: 16, activation: a, seed: 3 }), [4, 4, 1]]),
  ['deep: Dense tanh, Dense no-bias sigmoid, Activation relu, Dense elu, LeakyReLU', () => tf.sequential({ layers: [
    tf.layers.flatten({ inputShape: [3, 4, 2] }), dense(8, { activation: 'tanh' }), dense(9, { activation: 'sigmoid', useBias: false }),
    tf.layers.activation({ activation: 'relu' }), dense(6, { activation: 'elu' }), tf.layers.leakyReLU({ alpha: 0.2 }), dense(10)] }), [3, 4, 2]],
  ...(['relu', 'leakyRelu', 'elu', 'swish', 'mish', 'gelu', 'none'] as const).map((a): [string, () => TF.Sequential, number[]] =>
    [`dl.cifarCnn (${a})`, () => cifarCnn({ inputShape: [8, 8, 3], filters: 5, activation: a, seed: 4 }), [8, 8, 3]]),
  ['two convs (second one back-propagates: col2im), stride 2 valid, tanh, no pool', () => tf.sequential({ layers: [
    conv(4, { inputShape: [9, 9, 2], activation: 'relu' }), conv(3, { strides: 2, padding: 'valid', activation: 'tanh' }), tf.layers.flatten(), dense(10)] }), [9, 9, 2]],
  ['conv, swish, max-pool on an odd size, tanh after the pool', () => tf.sequential({ layers: [
    conv(3, { inputShape: [7, 7, 2] }), activationLayer('swish'), tf.layers.maxPooling2d({ poolSize: 2 }), activationLayer('tanh'),
    tf.layers.flatten(), dense(10)] }), [7, 7, 2]],
  ['conv [3,2] stride 2 no bias, ReLU layer, max-pool same, conv(relu config) + pool', () => tf.sequential({ layers: [
    conv(6, { inputShape: [12, 12, 3], kernelSize: [3, 2], strides: 2, useBias: false }), tf.layers.reLU(), tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
    conv(5, { activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), dense(10)] }), [12, 12, 3]],
];

test('the fused step takes the zoo, and computes the same losses, weights and optimizer state as tfjs', { skip: needsBlas }, async () => {
  await useWasm();
  for (const [name, build, shape] of ZOO) {
    const m = build();
    const r = makeFusedStep(m, tf.train.sgd(0.1), logitsLossSpec(crossEntropy)!, m.trainableWeights.map(variableOf));
    assert.ok(r.step, `${name}: fused (${r.why})`);
    m.dispose();
    const opts: Opt[] = name.startsWith('dense relu') || name.includes('cifarCnn (relu)') || name.startsWith('two convs') ? ['sgd', 'momentum', 'nesterov', 'adam'] : ['adam', 'sgd'];
    for (const o of opts) {
      const ref = train(build, o, shape, () => false);
      const got = train(build, o, shape, () => true);
      assertSame(`${name} / ${o}`, got, ref);
    }
  }
});

test('fused and tfjs steps can alternate on one optimizer (its state is tfjs\'s)', { skip: needsBlas }, async () => {
  await useWasm();
  const build = () => cifarCnn({ inputShape: [8, 8, 3], filters: 4, activation: 'mish', seed: 9 });
  for (const o of ['adam', 'momentum'] as Opt[]) {
    const ref = train(build, o, [8, 8, 3], () => false, 5);
    assertSame(`alternating ${o}`, train(build, o, [8, 8, 3], (i) => i % 2 === 0, 5), ref);
  }
});

test('a fused step runs no tfjs kernel and leaks no tensor; tfjs\'s step runs dozens', { skip: needsBlas }, async () => {
  await useWasm();
  for (const [name, build, shape] of [ZOO[0], ZOO.find(([n]) => n === 'dl.cifarCnn (gelu)')!]) {
    const model = build();
    const opt = tf.train.adam(1e-3);
    const b = batch(6, shape, 2);
    const kernels = async (step: (x: TF.Tensor, y: TF.Tensor) => TF.Scalar) => (await tf.profile(() => { step(b.x, b.y).dispose(); })).kernels.length;
    assert.ok((await kernels(trainStep(model, opt, crossEntropy, { fused: false }))) > 20, `${name}: tfjs's step runs kernels (the check can fail)`);
    const step = trainStep(model, opt, crossEntropy);
    assert.equal(await kernels(step), 0, `${name}: the fused step runs no tfjs kernel`);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) step(b.x, b.y).dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: no tensor leak over 30 steps`);
    tf.dispose(b);
    model.dispose();
    opt.dispose();
  }
});

test('the gradient hook sees every gradient and its replacements are applied, as on the tfjs path', { skip: needsBlas }, async () => {
  await useWasm();
  const build = () => cifarCnn({ inputShape: [8, 8, 3], filters: 4, activation: 'relu', seed: 2 });
  const seen: string[][] = [];
  const clip = (g: TF.NamedTensorMap) => {
    seen.push(Object.keys(g).map((k) => `${k.replace(/^[a-z]+_\d+_/, '')}:${g[k].shape}`));
    const names = Object.keys(g);
    return { [names[0]]: tf.clipByValue(g[names[0]], -1e-3, 1e-3), [names[2]]: tf.mul(g[names[2]], 0.5) };
  };
  for (const o of ['sgd', 'adam'] as Opt[]) {
    seen.length = 0;
    const ref = train(build, o, [8, 8, 3], () => false, 3, clip);
    const refSeen = seen.splice(0);
    const got = train(build, o, [8, 8, 3], () => true, 3, clip);
    assertSame(`hooked ${o}`, got, ref);
    assert.deepEqual(seen, refSeen, 'the hook sees the same gradients by name and shape');
    const unhooked = train(build, o, [8, 8, 3], () => true, 3);
    assert.notEqual(unhooked.losses[2], got.losses[2], 'the replacements changed the training (the check can fail)');
  }
  const model = build();
  const step = trainStep(model, tf.train.sgd(0.1), crossEntropy, { onGradients: (g) => ({ [Object.keys(g)[0]]: tf.zeros([2]) }) });
  const b = batch(4, [8, 8, 3], 1);
  assert.throws(() => step(b.x, b.y), /onGradients returned a float32 tensor of shape \[2\] for .*conv\/kernel; it must return float32 \[3,3,3,4\]/);
  tf.dispose(b);
  model.dispose();
});

test('weights shared with another tensor (a clone kept by early stopping) are copied before the update', { skip: needsBlas }, async () => {
  await useWasm();
  const model = cifarCnn({ inputShape: [8, 8, 3], filters: 4, activation: 'elu', seed: 5 });
  const opt = tf.train.adam(0.01);
  const step = trainStep(model, opt, crossEntropy);
  const b = batch(4, [8, 8, 3], 3);
  step(b.x, b.y).dispose();
  const snapshot = model.getWeights().map((w) => w.clone()); // shares the data on wasm
  const kept = snapshot.map((w) => Array.from(w.dataSync()));
  for (let i = 0; i < 3; i++) step(b.x, b.y).dispose();
  snapshot.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), kept[i], `the clone of weight ${i} is unchanged`));
  model.getWeights().forEach((w, i) => assert.notDeepEqual(Array.from(w.dataSync()), kept[i], `weight ${i} trained`));
  model.setWeights(snapshot); // and back, as early stopping restores
  model.getWeights().forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), kept[i], `weight ${i} restored`));
  step(b.x, b.y).dispose();
  snapshot.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), kept[i], `the snapshot stays unchanged after restoring (${i})`));
  tf.dispose([...snapshot, b.x, b.y]);
  model.dispose();
  opt.dispose();
});

test('models, losses, optimizers and inputs without a fused form train through tfjs, with the reason', async () => {
  await useWasm();
  const spec = logitsLossSpec(crossEntropy)!;
  const why = (m: TF.LayersModel, opt: TF.Optimizer = tf.train.sgd(0.1)) => makeFusedStep(m, opt, spec, m.trainableWeights.map(variableOf)).why ?? '';
  const withDropout = tf.sequential({ layers: [dense(8, { inputShape: [6], activation: 'relu' }), tf.layers.dropout({ rate: 0.5 }), dense(10)] });
  const prelu = tf.sequential({ layers: [dense(8, { inputShape: [6] }), activationLayer('prelu' as ActivationName), dense(10)] });
  const softplus = tf.sequential({ layers: [dense(8, { inputShape: [6], activation: 'softplus' }), dense(10)] });
  if (noBlas) assert.match(why(withDropout), /no BLAS/);
  else {
    assert.match(why(withDropout), /layer dropout.* \(Dropout\) has no fused form/);
    assert.match(why(prelu), /TsdlPReLU/);
    assert.match(why(softplus), /activation softplus/);
  }
  assert.equal(logitsLossSpec((y, p) => crossEntropy(y, p)), undefined, 'an untagged loss is opaque');
  // They all train (tfjs's step), also with an optimizer the fused step does not know.
  for (const [m, opt] of [[withDropout, tf.train.sgd(0.1)], [prelu, tf.train.adam(0.01)], [softplus, tf.train.rmsprop(0.01)]] as const) {
    const step = trainStep(m, opt, crossEntropy);
    const b = batch(8, [6], 1);
    const w0 = Array.from(m.getWeights()[0].dataSync());
    const ls = Array.from({ length: 8 }, () => { const l = step(b.x, b.y); const v = l.dataSync()[0]; l.dispose(); return v; });
    assert.ok(ls.every(Number.isFinite) && ls[7] !== ls[0], `trains: ${ls}`);
    assert.notDeepEqual(Array.from(m.getWeights()[0].dataSync()), w0, 'the weights change');
    tf.dispose(b);
  }
  // Per call: a step made on wasm runs on cpu through tfjs (and the same numbers as a cpu step).
  const build = () => mlp({ inputShape: [6], hidden: 8, activation: 'gelu', seed: 1 });
  const b = batch(4, [6], 2);
  const onCpu = async (model: TF.LayersModel, makeOn: string) => {
    await tf.setBackend(makeOn);
    const step = trainStep(model, tf.train.sgd(0.1), crossEntropy);
    await tf.setBackend('cpu');
    const l = step(b.x, b.y);
    const v = l.dataSync()[0];
    l.dispose();
    return [v, ...model.getWeights()[0].dataSync()];
  };
  const [m1, m2] = [build(), build()];
  assert.deepEqual(await onCpu(m1, 'wasm'), await onCpu(m2, 'cpu'));
  await useWasm();
  tf.dispose(b);
});

test('fit trains the same with and without the fused step (loss, training accuracy, validation)', { skip: needsBlas }, async () => {
  await useWasm();
  const data = tf.tidy(() => ({ x: rand([64, 8, 8, 3], 21, 0, 1), y: tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 5) % 10), 'int32') }));
  const run = async (env: string | undefined) => {
    const saved = process.env.TSDL_FUSED_STEP;
    if (env === undefined) delete process.env.TSDL_FUSED_STEP;
    else process.env.TSDL_FUSED_STEP = env;
    try {
      const model = cifarCnn({ inputShape: [8, 8, 3], filters: 4, activation: 'swish', seed: 6 });
      const r = await fit(model, data, { epochs: 2, batchSize: 16, optimizer: 'adam', lr: 0.01, validationData: data, progress: false, liveChart: false, seed: 1 });
      const w = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.dispose();
      return { records: r.records, w };
    } finally {
      if (saved === undefined) delete process.env.TSDL_FUSED_STEP;
      else process.env.TSDL_FUSED_STEP = saved;
    }
  };
  const ref = await run('off');
  const got = await run(undefined);
  got.records.forEach((r, i) => {
    const e = ref.records[i];
    for (const k of ['loss', 'acc', 'valLoss', 'valAcc'] as const) {
      assert.ok(Math.abs((r[k] as number) - (e[k] as number)) < 1e-4, `epoch ${i + 1} ${k}: fused ${r[k]} vs tfjs ${e[k]}`);
    }
    assert.ok(Number.isFinite(r.acc) && r.acc > 0, `training accuracy is counted on the fused path: ${r.acc}`);
  });
  got.w.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - ref.w[i][j]) < 1e-4, `weight ${i}[${j}]`)));
  tf.dispose([data.x, data.y]);
});

test('the convolution blocks run on both cores where there is a helper thread, with the same numbers', { skip: needsBlas }, async (t) => {
  await useWasm();
  const memoryShared = (tf.backend() as unknown as { wasm: { wasmMemory?: { buffer: unknown } } }).wasm.wasmMemory?.buffer instanceof SharedArrayBuffer;
  const build = () => cifarCnn({ activation: 'gelu', seed: 8 });
  const ref = train(build, 'adam', [32, 32, 3], () => false, 3);
  const before = helperStats().jobs;
  const got = train(build, 'adam', [32, 32, 3], () => true, 3); // 5 images: blocks of 2 → 3 jobs per pass
  assertSame('cifarCnn gelu, 32×32, blocks on two threads', got, ref);
  if (!memoryShared || loadBlas().blas!.info.threads < 2 || ['off', 'serial'].includes(process.env.TSDL_HELPER_THREAD ?? '')) {
    t.diagnostic(`no helper here (shared heap ${memoryShared}, BLAS threads ${loadBlas().blas!.info.threads}, TSDL_HELPER_THREAD=${process.env.TSDL_HELPER_THREAD})`);
    return;
  }
  // The helper takes jobs once it has started; give it a moment, then it must take some.
  await new Promise((r) => setTimeout(r, 200));
  const [m1, m2] = [build(), build()];
  const [o1, o2] = [tf.train.adam(1e-3), tf.train.adam(1e-3)];
  const [fused, plain] = [trainStep(m1, o1, crossEntropy), trainStep(m2, o2, crossEntropy, { fused: false })];
  const b = batch(100, [32, 32, 3], 4); // 50 blocks per pass
  for (let i = 0; i < 5; i++) {
    const [l1, l2] = [fused(b.x, b.y), plain(b.x, b.y)];
    const [v1, v2] = [l1.dataSync()[0], l2.dataSync()[0]];
    assert.ok(Math.abs(v1 - v2) < 2e-5 * Math.max(1, v2), `batch 100, step ${i}: fused ${v1} vs tfjs ${v2}`);
    tf.dispose([l1, l2]);
  }
  const s = helperStats();
  assert.ok(s.started && !s.dead, `the helper thread runs: ${JSON.stringify(s)}`);
  assert.ok(s.jobs > before, `the helper thread took jobs: ${JSON.stringify(s)} (before ${before})`);
  tf.dispose([b.x, b.y]);
  [m1, m2, o1, o2].forEach((x) => x.dispose());
});

test('a seeded fused run gives the same bits whichever thread ran which convolution block', { skip: needsBlas }, () => {
  const script = path.join(__dirname, 'fixtures', 'fused-bits.ts');
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(__dirname, '../..'), env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('BITS '));
    assert.ok(line, `fused-bits.ts printed nothing: ${r.stderr.slice(-500)}`);
    return JSON.parse(line.slice(5)) as { sha: string; helperJobs: number };
  };
  const serial = run({ TSDL_HELPER_THREAD: 'serial' });
  const shared = run({});
  assert.equal(serial.helperJobs, 0, 'serial: every job on the main thread');
  assert.equal(shared.sha, serial.sha, `weights after 4 steps: helper thread (${shared.helperJobs} jobs) vs one thread`);
  assert.equal(run({}).sha, shared.sha, 'and again with the helper thread');
});

