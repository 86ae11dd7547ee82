/**
 * The seed CNN and MLP train on wasm through makeTrainStep: the loss falls, the fast path computes
 * the same steps as tfjs-layers' own, and no tensor leaks across steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../src/tf';
import { makeLayersTrainStep, makeTrainStep } from '../../src/train/train-step';
import { WORKLOADS, softmaxCrossEntropy } from '../../bench/workloads';
import { rand, useWasm } from './compare';

function batch(n: number, shape: number[], seed: number): { x: TF.Tensor; y: TF.Tensor } {
  return tf.tidy(() => ({
    x: rand([n, ...shape], seed, 0, 1),
    y: tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 10), 'int32'), 10).toFloat(),
  }));
}

function losses(step: (x: TF.Tensor, y: TF.Tensor) => TF.Scalar, b: { x: TF.Tensor; y: TF.Tensor }, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = step(b.x, b.y);
    out.push(l.dataSync()[0]);
    l.dispose();
  }
  return out;
}

test('the seed CNN trains on wasm: loss falls, tensor count stays constant', async () => {
  await useWasm();
  const w = WORKLOADS.cnn;
  const model = w.build(3);
  const opt = w.optimizer();
  const step = makeTrainStep(model, opt, softmaxCrossEntropy);
  const b = batch(w.batchSize, w.inputShape, 1);
  const first = losses(step, b, 2);
  const before = tf.memory().numTensors;
  const rest = losses(step, b, 8);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks across steps');
  assert.ok(rest.every(Number.isFinite), `finite losses: ${rest}`);
  assert.ok(rest[rest.length - 1] < first[0] - 0.05, `loss falls: ${first[0]} -> ${rest[rest.length - 1]}`);
  model.dispose();
  opt.dispose();
  tf.dispose(b);
});

for (const name of ['cnn', 'mlp'] as const) {
  test(`${name}: makeTrainStep's fast path takes the same steps as tfjs-layers' own (wasm vs cpu too)`, async () => {
    await useWasm();
    const w = WORKLOADS[name];
    const run = async (backend: string, fast: boolean) => {
      await tf.setBackend(backend);
      const model = w.build(5);
      const opt = w.optimizer();
      const step = (fast ? makeTrainStep : makeLayersTrainStep)(model, opt, softmaxCrossEntropy);
      const b = batch(name === 'cnn' ? 4 : 16, w.inputShape, 2);
      const ls = losses(step, b, 3);
      const weights = model.getWeights().map((t) => Float32Array.from(t.dataSync()));
      model.dispose();
      opt.dispose();
      tf.dispose(b);
      return { ls, weights };
    };
    const ref = await run('cpu', false);
    for (const [backend, fast] of [['wasm', true], ['wasm', false], ['cpu', true]] as const) {
      const got = await run(backend, fast);
      got.ls.forEach((l, i) => assert.ok(Math.abs(l - ref.ls[i]) < 1e-4 * Math.max(1, ref.ls[i]), `${backend} fast=${fast} loss ${i}: ${l} vs ${ref.ls[i]}`));
      got.weights.forEach((wt, i) => {
        let d = 0;
        wt.forEach((v, j) => { d = Math.max(d, Math.abs(v - ref.weights[i][j])); });
        assert.ok(d < 1e-4, `${backend} fast=${fast} weight ${i} differs by ${d}`);
      });
    }
  });
}

test('the fast first layer matches tfjs-layers: strides, valid padding, no bias, fused rectifiers, activation/pool swaps, leading Flatten', async () => {
  await useWasm();
  const builders: Record<string, () => TF.Sequential> = {
    'conv s2 valid no-bias relu': () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.flatten(), tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] }),
    'conv s2 same tanh': () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), biasInitializer: 'ones' }),
      tf.layers.flatten(), tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] }),
    'conv then ReLU layer (fused)': () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }),
      tf.layers.reLU(), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) })] }),
    'dense then Activation(relu) then LeakyReLU(0.3)': () => tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [12], units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }),
      tf.layers.activation({ activation: 'relu' }), tf.layers.leakyReLU({ alpha: 0.3 }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }) })] }),
    'dense then LeakyReLU(0.2) (fused)': () => tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [12], units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }), biasInitializer: tf.initializers.randomNormal({ seed: 12 }) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) })] }),
    'conv, tanh, maxpool same on odd size (activation after the pool)': () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 14 }) }),
      tf.layers.activation({ activation: 'tanh' }), tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      tf.layers.elu(), tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }), tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 15 }) })] }),
    'conv(relu), ReLU, maxpool': () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 16 }), biasInitializer: tf.initializers.randomNormal({ seed: 17 }) }),
      tf.layers.reLU(), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 18 }) })] }),
    'flatten then dense no-bias': () => tf.sequential({ layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 8, useBias: false, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) })] }),
  };
  for (const [name, build] of Object.entries(builders)) {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const inShape = (build().inputs[0].shape.slice(1)) as number[];
      const b = batch(3, inShape, 5);
      const run = (fast: boolean) => {
        const model = build();
        const opt = tf.train.sgd(0.5);
        const step = (fast ? makeTrainStep : makeLayersTrainStep)(model, opt, softmaxCrossEntropy);
        const ls = losses(step, b, 1);
        const before = tf.memory().numTensors;
        ls.push(...losses(step, b, 2));
        assert.equal(tf.memory().numTensors, before, `${name} on ${backend} (fast=${fast}): no tensor leak`);
        model.dispose();
        opt.dispose();
        return ls;
      };
      const [ref, got] = [run(false), run(true)];
      got.forEach((l, i) => assert.ok(Math.abs(l - ref[i]) < 1e-5 * Math.max(1, ref[i]), `${name} on ${backend}, step ${i}: fast ${l} vs layers ${ref[i]}`));
      assert.ok(ref[2] !== ref[0], `${name}: the model trains (loss changes)`);
      tf.dispose(b);
    }
  }
});

test('the fast path skips the gradient of the input images (no Conv2DBackpropInput)', async () => {
  await useWasm();
  const w = WORKLOADS.cnn;
  const model = w.build(4);
  const opt = w.optimizer();
  const b = batch(2, w.inputShape, 4);
  const kernelsOf = async (step: (x: TF.Tensor, y: TF.Tensor) => TF.Scalar) =>
    (await tf.profile(() => { step(b.x, b.y).dispose(); })).kernelNames;
  assert.ok((await kernelsOf(makeLayersTrainStep(model, opt, softmaxCrossEntropy))).includes('Conv2DBackpropInput'), 'layers path computes it (the check can fail)');
  const fast = await kernelsOf(makeTrainStep(model, opt, softmaxCrossEntropy));
  assert.ok(fast.includes('TsdlConv2DFilterBiasGrad') && !fast.includes('Conv2DBackpropInput'), `fast path kernels: ${fast}`);
  assert.ok(fast.includes('FusedConv2D') && !fast.includes('Conv2D'), `one fused convolution forward: ${fast}`);
  tf.dispose(b);
  model.dispose();
  opt.dispose();
});

test('a model that is not a chain trains through model.apply', async () => {
  await useWasm();
  const input = tf.input({ shape: [6] });
  const a = tf.layers.dense({ units: 4, activation: 'relu' }).apply(input) as TF.SymbolicTensor;
  const bb = tf.layers.dense({ units: 4 }).apply(input) as TF.SymbolicTensor;
  const out = tf.layers.dense({ units: 10 }).apply(tf.layers.add().apply([a, bb]) as TF.SymbolicTensor) as TF.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const opt = tf.train.adam(0.05);
  const step = makeTrainStep(model, opt, softmaxCrossEntropy);
  const b = batch(8, [6], 3);
  const ls = losses(step, b, 10);
  assert.ok(ls[9] < ls[0], `loss falls: ${ls}`);
  tf.dispose(b);
});
