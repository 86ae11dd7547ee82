/**
 * The deep-network tools: the deep MLP builder and its initialisations, the batch-norm and dropout
 * layers (behaviour, running averages, serialisation), fit's gradient clipping and per-layer
 * gradient-norm record, activation statistics, and the two charts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { tf, ready } from '../../src/tf';
import {
  deepMlp, denseLayerNames, layerInit, initBound, BatchNorm, Dropout, activationStats, summary, type InitName,
} from '../../src/models';
import { fit, GradientClipping, TerminateOnNaN, globalNorm, meanGradientNorms, type Callback } from '../../src/train';
import { gradientHeatmap, activationStatsChart } from '../../src/charts';
import { mnist100 } from './fixtures';

const count = (m: TF.LayersModel, cls: string) => m.layers.filter((l) => l.getClassName() === cls).length;

test('deepMlp: depth dense layers (output included), optional batch norm, dropout and identity skips; parameter count', async () => {
  await ready();
  const plain = deepMlp({ depth: 20, width: 128, activation: 'sigmoid' });
  assert.equal(count(plain, 'Dense'), 20);
  assert.equal(count(plain, 'TsdlActivation'), 19);
  assert.equal(plain.countParams(), 784 * 128 + 128 + 18 * (128 * 128 + 128) + 128 * 10 + 10);
  assert.deepEqual(denseLayerNames(plain).map((n) => n.replace(/^.*_(fc\d+)$/, '$1')), Array.from({ length: 20 }, (_, i) => `fc${i + 1}`));
  const all = deepMlp({ depth: 6, width: 16, activation: 'relu', batchNorm: true, dropout: 0.5, residual: true });
  assert.equal(count(all, 'TsdlBatchNorm'), 5);
  assert.equal(count(all, 'TsdlDropout'), 5);
  assert.equal(count(all, 'Add'), 4, 'a skip around every hidden block but the first (which changes the width)');
  assert.equal(all.countParams(), 784 * 16 + 16 + 4 * (16 * 16 + 16) + 16 * 10 + 10 + 5 * 4 * 16);
  assert.equal(all.trainableWeights.length, 6 * 2 + 5 * 2, 'γ and β train; running averages do not');
  const out = all.predict(tf.zeros([3, 28, 28, 1])) as TF.Tensor;
  assert.deepEqual(out.shape, [3, 10]);
  out.dispose();
  assert.match(summary(all).toString(), /BatchNorm/);
  assert.throws(() => deepMlp({ depth: 1 }), /depth must be an integer ≥ 2/);
  assert.throws(() => deepMlp({ dropout: 1 }), /dropout must be in \[0, 1\)/);
  assert.throws(() => deepMlp({ init: 'xavier' as InitName }), /Unknown initialisation 'xavier'/);
  for (const m of [plain, all]) m.dispose();
});

test('initialisations have the variances they are named for, zero biases except PyTorch\'s, and follow the seed', async () => {
  await ready();
  const fanIn = 400, fanOut = 300;
  const want: Record<InitName, number> = { torch: 1 / (3 * fanIn), glorot: 2 / (fanIn + fanOut), he: 2 / fanIn };
  for (const init of ['torch', 'glorot', 'he'] as InitName[]) {
    const i = layerInit(init, fanIn, fanOut, 5);
    const w = i.kernelInitializer.apply([fanIn, fanOut]);
    const b = i.biasInitializer.apply([fanOut]);
    const { variance, mean } = tf.moments(w);
    const v = variance.dataSync()[0];
    assert.ok(Math.abs(v / want[init] - 1) < 0.03, `${init}: variance ${v} vs ${want[init]}`);
    assert.ok(Math.abs(mean.dataSync()[0]) < 0.1 * Math.sqrt(want[init]));
    assert.ok(Math.max(...Array.from(w.dataSync()).map(Math.abs)) <= initBound(init, fanIn, fanOut) + 1e-6);
    const bAbs = Math.max(...Array.from(b.dataSync()).map(Math.abs));
    assert.ok(init === 'torch' ? bAbs > 0 : bAbs === 0, `${init}: largest |bias| ${bAbs}`);
    tf.dispose([w, b, variance, mean]);
  }
  const weights = (seed: number) => deepMlp({ depth: 3, width: 8, init: 'he', seed }).getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(weights(1), weights(1), 'same seed, same weights');
  assert.notDeepEqual(weights(1), weights(2), 'another seed, other weights');
});

test('BatchNorm standardises per channel in training, keeps PyTorch-style running averages, and uses them in inference', async () => {
  await ready();
  const bn = new BatchNorm({ momentum: 0.9 });
  const x = tf.add(tf.mul(tf.randomNormal([256, 3], 0, 1, 'float32', 1), [1, 2, 3]), [5, -1, 0]);
  const y = bn.apply(x, { training: true }) as TF.Tensor;
  const { mean, variance } = tf.moments(y, 0);
  mean.dataSync().forEach((m) => assert.ok(Math.abs(m) < 1e-4, `training output mean ${m}`));
  variance.dataSync().forEach((v) => assert.ok(Math.abs(v - 1) < 1e-3, `training output variance ${v}`));
  const [, , runMean, runVar] = bn.getWeights();
  const batch = tf.moments(x, 0);
  const unbiased = tf.mul(batch.variance, 256 / 255);
  // One step from (0, 1): 0.9·old + 0.1·batch.
  runMean.dataSync().forEach((v, j) => assert.ok(Math.abs(v - 0.1 * batch.mean.dataSync()[j]) < 1e-4, `running mean ${v}`));
  runVar.dataSync().forEach((v, j) => assert.ok(Math.abs(v - (0.9 + 0.1 * unbiased.dataSync()[j])) < 1e-3, `running variance ${v}`));
  for (let i = 0; i < 200; i++) tf.dispose(bn.apply(x, { training: true }) as TF.Tensor);
  const inf = bn.apply(x) as TF.Tensor; // inference: the running averages, now ≈ the batch's
  const s = tf.moments(inf, 0);
  s.mean.dataSync().forEach((m) => assert.ok(Math.abs(m) < 1e-2, `inference mean ${m}`));
  assert.throws(() => new BatchNorm({ momentum: 1 }), /momentum must be in \[0, 1\)/);
  tf.dispose([x, y, mean, variance, inf, s.mean, s.variance, batch.mean, batch.variance, unbiased]);
});

test('Dropout: a new mask every training call, reproducible from the seed; the identity in inference', async () => {
  await ready();
  const x = tf.ones([50, 40]);
  const masks = (seed: number) => {
    const d = new Dropout({ rate: 0.5, seed });
    return [0, 1].map(() => Array.from((d.apply(x, { training: true }) as TF.Tensor).dataSync()));
  };
  const [a1, a2] = masks(3);
  const [b1] = masks(3);
  assert.deepEqual(a1, b1, 'same seed, same first mask');
  assert.notDeepEqual(a1, a2, 'the next call drops other units');
  const zeros = a1.filter((v) => v === 0).length / a1.length;
  assert.ok(zeros > 0.4 && zeros < 0.6, `half dropped: ${zeros}`);
  assert.deepEqual(Array.from((new Dropout({ rate: 0.5 }).apply(x) as TF.Tensor).dataSync()), Array.from(x.dataSync()));
  assert.throws(() => new Dropout({ rate: 1 }), /rate must be in \[0, 1\)/);
  x.dispose();
});

test('models with batch norm and dropout save and load again (registered layer classes)', async () => {
  await ready();
  const m = deepMlp({ depth: 4, width: 8, batchNorm: true, dropout: 0.2, residual: true, seed: 9 });
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 2);
  tf.dispose(m.apply(x, { training: true }) as TF.Tensor); // move the running averages off their initial values
  let artifacts: TF.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  assert.deepEqual(loaded.layers.map((l) => l.getClassName()), m.layers.map((l) => l.getClassName()));
  const [p, q] = [m.predict(x) as TF.Tensor, loaded.predict(x) as TF.Tensor];
  assert.ok(tf.max(tf.abs(tf.sub(p, q))).dataSync()[0] < 1e-6, 'same predictions after loading');
  tf.dispose([x, p, q]);
});

/** A user callback after the built-ins: it sees the gradients fit applies. */
function gradientSpy(): Callback & { maxAbs: number[]; norms: number[] } {
  const spy = {
    maxAbs: [] as number[], norms: [] as number[],
    onGradients(g: TF.NamedTensorMap) {
      spy.maxAbs.push(Math.max(...Object.values(g).map((t) => tf.max(tf.abs(t)).dataSync()[0])));
      spy.norms.push(globalNorm(g).dataSync()[0]);
    },
  };
  return spy;
}

test('fit clips gradients by value and by global norm before each update; bad bounds are refused', async () => {
  await ready();
  const { train } = await mnist100();
  const run = async (extra: Record<string, number>) => {
    const spy = gradientSpy();
    await fit(deepMlp({ depth: 4, width: 32, seed: 1 }), train, { epochs: 1, batchSize: 20, optimizer: 'sgd', lr: 0.5, progress: false, callbacks: [spy], ...extra });
    return spy;
  };
  const raw = await run({});
  assert.ok(Math.max(...raw.maxAbs) > 0.01 && Math.max(...raw.norms) > 0.1, `unclipped gradients are large enough to clip: ${raw.maxAbs} ${raw.norms}`);
  const byValue = await run({ clipValue: 0.01 });
  byValue.maxAbs.forEach((v) => assert.ok(v <= 0.01 + 1e-7, `|g| ${v} > clipValue`));
  const byNorm = await run({ clipNorm: 0.1 });
  byNorm.norms.forEach((v) => assert.ok(v <= 0.1 * (1 + 1e-5), `‖g‖ ${v} > clipNorm`));
  const both = await run({ clipValue: 0.01, clipNorm: 0.05 });
  both.norms.forEach((v, i) => assert.ok(v <= 0.05 * (1 + 1e-5) && both.maxAbs[i] <= 0.01 + 1e-7));
  for (const bad of [0, -1, NaN, Infinity]) {
    await assert.rejects(fit(deepMlp({ depth: 2, width: 4 }), train, { progress: false, clipNorm: bad }), /clipNorm must be a finite number > 0/);
  }
});

test('clipping by norm keeps the direction and leaves small gradients alone; by value does not', async () => {
  await ready();
  const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // global norm 5
  const norm = tf.tidy(() => Object.values(new GradientClipping({ clipNorm: 1 }).onGradients(grads)).map((t) => Array.from(t.dataSync())));
  assert.deepEqual(norm.map((v) => v.map((x) => Math.round(x * 1e6) / 1e6)), [[0.6, 0], [0, 0.8]]);
  const loose = tf.tidy(() => Object.values(new GradientClipping({ clipNorm: 10 }).onGradients(grads)).map((t) => Array.from(t.dataSync())));
  assert.deepEqual(loose, [[3, 0], [0, 4]]);
  const value = tf.tidy(() => Object.values(new GradientClipping({ clipValue: 1 }).onGradients(grads)).map((t) => Array.from(t.dataSync())));
  assert.deepEqual(value, [[1, 0], [0, 1]], 'by value: direction changes (3:4 becomes 1:1)');
  tf.dispose(Object.values(grads));
});

test('the gradient-norm record: every N-th step from the first, per trainable layer, equal to the norms of the applied gradients, read once per epoch', async () => {
  await ready();
  const { train } = await mnist100();
  const seen: number[][] = [];
  const spy: Callback = {
    onGradients(g, ctx) {
      if (ctx.totalSteps % 3 !== 0) return;
      seen.push(ctx.model.layers.filter((l) => l.trainableWeights.length).map((l) =>
        Math.sqrt(l.trainableWeights.reduce((s, w) => s + tf.sum(tf.square(g[w.name])).dataSync()[0], 0))));
    },
  };
  const model = deepMlp({ depth: 5, width: 16, batchNorm: true, seed: 4 });
  const proto = tf.Tensor.prototype as unknown as { data: (...a: unknown[]) => Promise<unknown> };
  const data = proto.data;
  let reads = 0;
  proto.data = function (this: unknown, ...a: unknown[]) { reads++; return data.apply(this, a); };
  let run;
  try {
    run = await fit(model, train, { epochs: 2, batchSize: 8, optimizer: 'sgd', lr: 0.05, progress: false, gradientNorms: { every: 3 }, callbacks: [spy] });
  } finally {
    proto.data = data;
  }
  const rec = run.gradientNorms!;
  assert.ok(rec, 'the result carries the record');
  assert.deepEqual(rec.kinds, ['Dense', 'TsdlBatchNorm', 'Dense', 'TsdlBatchNorm', 'Dense', 'TsdlBatchNorm', 'Dense', 'TsdlBatchNorm', 'Dense']);
  assert.deepEqual(rec.steps, [1, 4, 7, 10, 13, 16, 19]); // 10 steps per epoch, 2 epochs
  assert.deepEqual(rec.epochs, [1, 1, 1, 1, 2, 2, 2]);
  assert.equal(rec.norms.length, seen.length);
  rec.norms.forEach((row, t) => row.forEach((v, l) => assert.ok(Math.abs(v - seen[t][l]) < 1e-4 * Math.max(1, seen[t][l]), `sample ${t} layer ${l}: ${v} vs ${seen[t][l]}`)));
  assert.equal(reads, 2 * 2 + 2, 'the epoch sums and one read of the samples per epoch');
  const means = meanGradientNorms(rec);
  assert.equal(Object.keys(means).length, 9);
  const fc1 = rec.layers[0];
  const logs = rec.norms.map((r) => Math.log(r[0]));
  assert.ok(Math.abs(means[fc1] - Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length)) < 1e-9, 'geometric mean');
  await assert.rejects(fit(model, train, { progress: false, gradientNorms: { every: 0 } }), /gradientNorms\.every must be an integer ≥ 1/);
});

test('activation statistics: the sigmoid stack\'s slope stays below ¼, ReLU\'s flat share is the negative half; training mode leaves running averages alone', async () => {
  await ready();
  const x = tf.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 3);
  const sig = activationStats(deepMlp({ depth: 8, width: 64, activation: 'sigmoid', seed: 2 }), x);
  assert.equal(sig.length, 7);
  assert.deepEqual(sig.map((s) => s.index), [1, 2, 3, 4, 5, 6, 7]);
  sig.forEach((s) => {
    assert.ok(s.slope > 0.15 && s.slope <= 0.25, `sigmoid slope ${s.slope}`);
    assert.ok(s.mean > 0 && s.mean < 1 && s.std > 0);
  });
  const relu = activationStats(deepMlp({ depth: 8, width: 64, activation: 'relu', init: 'he', seed: 2 }), x);
  relu.forEach((s) => {
    assert.ok(Math.abs(s.slope + s.flat - 1) < 1e-6, `ReLU: slope ${s.slope} (share of positive inputs) + flat ${s.flat} = 1`);
    assert.ok(s.flat > 0.2 && s.flat < 0.8, `ReLU flat share ${s.flat}`);
  });
  const bn = deepMlp({ depth: 4, width: 16, batchNorm: true, dropout: 0.5, seed: 1 });
  const before = bn.getWeights().map((w) => Array.from(w.dataSync()));
  const trainingStats = activationStats(bn, x, { training: true });
  assert.deepEqual(bn.getWeights().map((w) => Array.from(w.dataSync())), before, 'weights and running averages unchanged');
  trainingStats.forEach((s) => assert.ok(s.flat > 0.2, `dropout and ReLU zero units in training mode: flat ${s.flat}`));
  x.dispose();
});

test('charts: the gradient heat map has one panel per run on one colour scale; activation statistics have three panels', async () => {
  await ready();
  const rec = (scale: number) => ({
    layers: ['d1', 'bn1', 'd2', 'd3'], kinds: ['Dense', 'TsdlBatchNorm', 'Dense', 'Dense'], steps: [1, 11, 21], epochs: [1, 1, 2],
    norms: [[scale, 5, 10 * scale, 100], [scale, 5, 10 * scale, 100], [NaN, 5, Infinity, 100]],
  });
  const fig = gradientHeatmap({ sigmoid: rec(1e-6), relu: { gradientNorms: rec(1) } });
  const [a, b] = fig.data as Array<{ z: (number | null)[][]; zmin: number; zmax: number; y: string[]; xaxis?: string }>;
  assert.equal(fig.data.length, 2);
  assert.deepEqual(a.y, ['1', '2', '3'], 'dense layers only by default');
  assert.deepEqual(a.z[0], [-6, -6, null], 'log10, non-finite left blank');
  assert.equal(a.zmin, -6);
  assert.equal(a.zmax, 2);
  assert.equal(b.zmin, a.zmin, 'one colour scale');
  assert.equal(b.xaxis, 'x2');
  assert.equal((gradientHeatmap(rec(1), { layers: 'all' }).data[0] as { y: string[] }).y.length, 4);
  assert.deepEqual([(gradientHeatmap(rec(1), { range: [-16, 1] }).data[0] as { zmin: number }).zmin, (gradientHeatmap(rec(1), { range: [-16, 1] }).data[0] as { zmax: number }).zmax], [-16, 1], 'a given colour range');
  assert.throws(() => gradientHeatmap({ none: {} }), /no gradient-norm record; train it with fit\(\.\.\., \{ gradientNorms: true \}\)/);
  assert.throws(() => gradientHeatmap(rec(1), { layers: ['d9'] }), /no layer 'd9'/);
  const stats = [1, 2].map((i) => ({ layer: `a${i}`, index: i, mean: 0.5, std: 0.1 * i, slope: 0.2, flat: 0 }));
  const chart = activationStatsChart({ sigmoid: stats, relu: stats });
  assert.equal(chart.data.length, 6);
  assert.equal((chart.layout.yaxis2 as { type: string }).type, 'log');
  assert.ok(JSON.stringify(chart).includes('mean slope'));
});

test('TerminateOnNaN stops a diverged run after its first non-finite epoch and says why', async () => {
  await ready();
  const { train } = await mnist100();
  const run = await fit(deepMlp({ depth: 6, width: 32, init: 'he', seed: 1 }), train, {
    epochs: 5, batchSize: 20, optimizer: 'momentum', lr: 50, progress: false, callbacks: [new TerminateOnNaN()],
  });
  assert.equal(run.records.length, 1, `stopped after epoch 1: ${run.loss}`);
  assert.ok(!Number.isFinite(run.loss[0]));
  assert.match(run.stopped!.reason, /training loss is NaN in epoch 1/);
  const fine = await fit(deepMlp({ depth: 2, width: 8, seed: 1 }), train, { epochs: 2, progress: false, callbacks: [new TerminateOnNaN()] });
  assert.equal(fine.records.length, 2);
  assert.equal(fine.stopped, undefined);
});
