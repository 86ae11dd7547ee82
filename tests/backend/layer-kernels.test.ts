/**
 * The wasm kernels tsdl's batch-norm and dropout layers train through, against the cpu backend
 * (where the same layers compose tfjs ops and autodiff), and deep MLPs built with them taking the
 * same training steps on both backends through the fast train step, without leaking tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../src/tf';
import { WASM_TRAINING_KERNELS } from '../../src/backend/wasm';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../src/backend/kernels/batch-norm';
import { DROPOUT_MASK } from '../../src/backend/kernels/dropout';
import { batchNormTraining, dropoutMask, deepMlp } from '../../src/models';
import { makeLayersTrainStep, makeTrainStep } from '../../src/train/train-step';
import { crossEntropy } from '../../src/train/losses';
import { assertClose, onBoth, rand, useWasm } from './compare';

test('the batch-norm and dropout kernels are registered on wasm and listed as added', async () => {
  await useWasm();
  for (const k of [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, DROPOUT_MASK]) {
    assert.ok(tf.getKernel(k, 'wasm'), `${k} registered on wasm`);
    assert.ok((WASM_TRAINING_KERNELS.added as readonly string[]).includes(k), `${k} listed in WASM_TRAINING_KERNELS.added`);
  }
});

test('batch norm in training mode: outputs, running averages and the gradients of x, γ and β match cpu', async () => {
  await useWasm();
  // [rows, channels] and NHWC-like shapes; one row (variance 0); a large offset (two-pass variance).
  const cases: [number[], number][] = [[[7, 5], 0], [[2, 3, 4, 6], 0], [[1, 3], 0], [[64, 128], 0], [[33, 9], 100]];
  for (const [shape, offset] of cases) {
    const c = shape[shape.length - 1];
    await assertClose(`batchNorm ${shape} offset ${offset}`, () => {
      const x = tf.add(rand(shape, 40, -2, 2), offset);
      const gamma = rand([c], 41, 0.5, 1.5);
      const beta = rand([c], 42);
      const w = rand(shape, 43); // a loss weighting every output differently
      const stats: TF.Tensor[] = [];
      const running = { mean: rand([c], 44), variance: rand([c], 45, 0.5, 2), momentum: 0.8, update: (m: TF.Tensor, v: TF.Tensor) => { stats.push(tf.keep(m.clone()), tf.keep(v.clone())); } };
      const y = batchNormTraining(x, gamma, beta, 1e-5, running);
      const grads = tf.grads((a: TF.Tensor, g: TF.Tensor, b: TF.Tensor) => tf.sum(tf.mul(batchNormTraining(a, g, b, 1e-5), w)))([x, gamma, beta]);
      return [y, ...stats, ...grads];
    }, 2e-4);
  }
});

test('batch-norm gradients agree with finite differences on wasm (the kernel is right, not just equal to cpu)', async () => {
  await useWasm();
  const x = rand([6, 4], 44, -1, 1);
  const gamma = rand([4], 45, 0.5, 1.5);
  const beta = rand([4], 46);
  const w = rand([6, 4], 47);
  const loss = (a: TF.Tensor, g: TF.Tensor) => tf.sum(tf.mul(tf.square(batchNormTraining(a, g, beta, 1e-3)), w));
  const [dx, dg] = tf.grads(loss)([x, gamma]).map((t) => t.dataSync());
  const xs = x.dataSync();
  const h = 1e-2;
  for (const i of [0, 5, 13, 23]) {
    const at = (d: number) => { const v = Float32Array.from(xs); v[i] += d; return loss(tf.tensor(v, [6, 4]), gamma).dataSync()[0]; };
    const fd = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(fd - dx[i]) < 2e-2 * Math.max(1, Math.abs(fd)), `dx[${i}]: finite difference ${fd} vs kernel ${dx[i]}`);
  }
  const gs = gamma.dataSync();
  for (const j of [0, 3]) {
    const at = (d: number) => { const v = Float32Array.from(gs); v[j] += d; return loss(x, tf.tensor(v)).dataSync()[0]; };
    const fd = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(fd - dg[j]) < 2e-2 * Math.max(1, Math.abs(fd)), `dgamma[${j}]: finite difference ${fd} vs kernel ${dg[j]}`);
  }
});

test('dropout masks: identical on wasm and cpu for a seed, different across seeds, the right share dropped, mean 1', async () => {
  await useWasm();
  for (const rate of [0.2, 0.5]) {
    const { cpu, wasm } = await onBoth(() => [dropoutMask([300, 200], rate, 7), dropoutMask([300, 200], rate, 8)]);
    assert.deepEqual(Array.from(wasm[0]), Array.from(cpu[0]), `rate ${rate}: wasm and cpu masks differ`);
    const [a, b] = wasm;
    const zeros = a.filter((v) => v === 0).length / a.length;
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const same = a.filter((v, i) => v === b[i]).length / a.length;
    assert.ok(Math.abs(zeros - rate) < 0.01, `rate ${rate}: ${zeros} dropped`);
    assert.ok(Math.abs(mean - 1) < 0.02, `rate ${rate}: mask mean ${mean}`);
    assert.ok(a.every((v) => v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6), 'mask values are 0 or 1/(1 − rate)');
    // Independent masks agree where both keep or both drop: r² + (1 − r)².
    const expected = rate * rate + (1 - rate) * (1 - rate);
    assert.ok(Math.abs(same - expected) < 0.01, `rate ${rate}: seeds 7 and 8 agree on ${same} of entries (independent: ${expected})`);
  }
});

function batch(n: number, seed: number): { x: TF.Tensor; y: TF.Tensor } {
  return tf.tidy(() => ({
    x: rand([n, 6, 6, 1], seed, 0, 1),
    y: tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 10), 'int32'), 10).toFloat(),
  }));
}

const configs: Record<string, Parameters<typeof deepMlp>[0]> = {
  'batch norm, sigmoid': { activation: 'sigmoid', batchNorm: true },
  'batch norm, residual, ReLU, He': { activation: 'relu', batchNorm: true, residual: true, init: 'he' },
  'dropout 0.3, tanh, Glorot': { activation: 'tanh', dropout: 0.3, init: 'glorot' },
  'everything': { activation: 'relu', batchNorm: true, dropout: 0.2, residual: true },
};

for (const [name, cfg] of Object.entries(configs)) {
  test(`deep MLP (${name}): the fast step on wasm takes the same steps as tfjs-layers' on cpu, with no leaks`, async () => {
    await useWasm();
    const run = async (backend: string, fast: boolean) => {
      await tf.setBackend(backend);
      const model = deepMlp({ depth: 6, width: 12, inputShape: [6, 6, 1], seed: 3, ...cfg });
      const opt = tf.train.sgd(0.1);
      const step = (fast ? makeTrainStep : makeLayersTrainStep)(model, opt, crossEntropy);
      const b = batch(16, 2);
      const losses: number[] = [];
      let tensors = 0;
      for (let i = 0; i < 4; i++) {
        if (i === 1) tensors = tf.memory().numTensors;
        const l = step(b.x, b.y);
        losses.push(l.dataSync()[0]);
        l.dispose();
      }
      assert.equal(tf.memory().numTensors, tensors, `${backend} fast=${fast}: no tensor leaks across steps`);
      // All weights, running averages of batch norm included.
      const weights = model.getWeights().map((t) => Float32Array.from(t.dataSync()));
      const test = Float32Array.from((model.predict(b.x) as TF.Tensor).dataSync());
      model.dispose();
      opt.dispose();
      tf.dispose(b);
      return { losses, weights, test };
    };
    const ref = await run('cpu', false);
    assert.ok(ref.losses[3] < ref.losses[0], `${name}: the loss falls on cpu: ${ref.losses}`);
    for (const [backend, fast] of [['wasm', true], ['wasm', false], ['cpu', true]] as const) {
      const got = await run(backend, fast);
      got.losses.forEach((l, i) => assert.ok(Math.abs(l - ref.losses[i]) < 1e-4 * Math.max(1, ref.losses[i]), `${backend} fast=${fast} loss ${i}: ${l} vs ${ref.losses[i]}`));
      got.weights.forEach((w, i) => {
        let d = 0;
        w.forEach((v, j) => { d = Math.max(d, Math.abs(v - ref.weights[i][j])); });
        assert.ok(d < 2e-4, `${backend} fast=${fast} weight ${i} differs by ${d}`);
      });
      let d = 0;
      got.test.forEach((v, j) => { d = Math.max(d, Math.abs(v - ref.test[j])); });
      assert.ok(d < 1e-3, `${backend} fast=${fast}: inference outputs differ by ${d}`);
    }
  });
}

test('training with batch norm on wasm runs the fused kernels and none of the ~25 it replaces', async () => {
  await useWasm();
  const model = deepMlp({ depth: 4, width: 8, inputShape: [6, 6, 1], batchNorm: true, dropout: 0.2 });
  const opt = tf.train.sgd(0.1);
  const step = makeTrainStep(model, opt, crossEntropy);
  const b = batch(8, 3);
  const names = (await tf.profile(() => { step(b.x, b.y).dispose(); })).kernelNames;
  for (const k of [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, DROPOUT_MASK]) assert.ok(names.includes(k), `${k} ran: ${names}`);
  for (const k of ['FusedBatchNorm', 'SquaredDifference', 'Rsqrt', 'RandomUniform']) assert.ok(!names.includes(k), `${k} should not run: ${names}`);
  model.dispose();
  opt.dispose();
  tf.dispose(b);
});
