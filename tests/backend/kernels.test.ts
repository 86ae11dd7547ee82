/**
 * Every kernel tsdl adds to or replaces on wasm, and every gradient the library's models train
 * through, against the cpu backend on random shapes (strides 1 and 2, same/valid, odd sizes,
 * batch 1 and > 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../src/tf';
import * as os from 'node:os';
import { WASM_TRAINING_KERNELS, startWasm } from '../../src/backend/wasm';
import { CONV2D_FILTER_BIAS_GRAD } from '../../src/backend/kernels/conv2d-backprop-filter';
import { assertClose, rand, useWasm } from './compare';

type Pad = 'same' | 'valid';
const convCases: [number[], number[], number, Pad][] = [
  // [x shape NHWC, filter shape, stride, pad]
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same'],
  [[2, 7, 7, 3], [3, 3, 3, 4], 1, 'same'],
  [[2, 7, 7, 3], [3, 3, 3, 4], 2, 'same'],
  [[3, 8, 8, 2], [3, 3, 2, 5], 2, 'valid'],
  [[2, 9, 6, 3], [2, 3, 3, 2], 2, 'valid'],
  [[1, 6, 9, 2], [5, 5, 2, 3], 1, 'same'],
  [[2, 11, 10, 3], [3, 3, 3, 2], 3, 'same'],
  [[4, 32, 32, 3], [3, 3, 3, 16], 1, 'same'],
  // More than 4 input channels (the per-channel patch path).
  [[2, 6, 7, 5], [3, 3, 5, 2], 2, 'same'],
  [[1, 7, 7, 8], [2, 2, 8, 3], 1, 'valid'],
];

test('wasm starts and has every training kernel tsdl registers', async () => {
  await useWasm();
  for (const k of [...WASM_TRAINING_KERNELS.added, ...WASM_TRAINING_KERNELS.replaced]) {
    assert.ok(tf.getKernel(k, 'wasm'), `${k} registered on wasm`);
  }
});

test('wasm runs multi-threaded where the machine has cores for it: the BLAS, else XNNPACK', async (t) => {
  const r = await startWasm(tf);
  if (process.env.TSDL_WASM_THREADS === '1' || os.cpus().length < 2) {
    t.skip(`threads off here (TSDL_WASM_THREADS=${process.env.TSDL_WASM_THREADS ?? 'unset'}, ${os.cpus().length} core(s))`);
    return;
  }
  if (r.blas && !process.env.TSDL_WASM_THREADS) {
    // The BLAS holds the cores for the products; XNNPACK stays on one thread so the pools never oversubscribe.
    assert.ok(r.blas.threads >= 2, `BLAS threads: ${r.blas.threads}`);
    assert.equal(r.threads, 1, `XNNPACK threads beside a multi-threaded BLAS: ${r.threads} (${r.why})`);
    assert.match(r.why ?? '', /BLAS/);
    return;
  }
  assert.ok(r.threads >= 2, `threads: ${r.threads} (${r.why ?? 'no reason given'})`);
});

test('Conv2DBackpropFilter and conv2d gradients match cpu', async () => {
  for (const [xs, fs, s, pad] of convCases) {
    const what = `conv x${xs} f${fs} s${s} ${pad}`;
    await assertClose(`${what} filter grad (kernel)`, () => {
      const x = rand(xs, 1) as TF.Tensor4D;
      const f = rand(fs, 2) as TF.Tensor4D;
      const dy = rand(tf.conv2d(x, f, s, pad).shape, 3);
      return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: fs }) as TF.Tensor;
    });
    await assertClose(`${what} filter+bias grads in one GEMM`, () => {
      const x = rand(xs, 1) as TF.Tensor4D;
      const dy = rand(tf.conv2d(x, rand(fs, 2) as TF.Tensor4D, s, pad).shape, 3);
      const attrs = { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: fs } as unknown as TF.NamedAttrMap;
      if (tf.getBackend() === 'wasm') return tf.engine().runKernel(CONV2D_FILTER_BIAS_GRAD, { x, dy }, attrs) as TF.Tensor[];
      return [tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as TF.Tensor, tf.sum(dy, [0, 1, 2])];
    });
    await assertClose(`${what} input+filter grads (autodiff, fused bias)`, () => {
      const x = rand(xs, 4);
      const f = rand(fs, 5);
      const b = rand([fs[3]], 6);
      return tf.grads((x: TF.Tensor, f: TF.Tensor, b: TF.Tensor) =>
        tf.fused.conv2d({ x: x as TF.Tensor4D, filter: f as TF.Tensor4D, bias: b, strides: s, pad }).square().sum())([x, f, b]);
    });
  }
});

test('MaxPoolGrad and AvgPoolGrad match cpu (incl. same padding on odd sizes)', async () => {
  const cases: [number[], number, number, Pad][] = [
    [[1, 7, 7, 1], 2, 2, 'same'], [[2, 7, 7, 3], 2, 2, 'same'], [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 9, 8, 2], 2, 2, 'valid'], [[1, 7, 7, 3], 3, 1, 'same'], [[3, 9, 9, 2], 3, 2, 'valid'],
    [[2, 6, 6, 4], 3, 2, 'same'], [[5, 32, 32, 16], 2, 2, 'valid'], [[1, 5, 4, 2], 1, 1, 'valid'],
  ];
  for (const [xs, k, s, pad] of cases) {
    for (const pool of ['max', 'avg'] as const) {
      await assertClose(`${pool}Pool x${xs} k${k} s${s} ${pad}`, () => {
        const x = rand(xs, 7) as TF.Tensor4D;
        const op = (t: TF.Tensor) => (pool === 'max' ? tf.maxPool(t as TF.Tensor4D, k, s, pad) : tf.avgPool(t as TF.Tensor4D, k, s, pad));
        const w = rand(op(x).shape, 8);
        const [y, g] = [op(x), tf.grad((t: TF.Tensor) => op(t).mul(w).sum())(x)];
        return [y, g];
      });
    }
  }
  // Ties (e.g. after ReLU): the first maximal cell gets the gradient on both backends.
  await assertClose('maxPool grad with ties', () => {
    const x = tf.relu(rand([2, 6, 6, 3], 9)) as TF.Tensor4D;
    return tf.grad((t: TF.Tensor) => tf.maxPool(t as TF.Tensor4D, 2, 2, 'valid').sum())(x);
  });
});

test('BatchMatMul in every transpose mode, batched and broadcast, matches cpu', async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true], [[2, 7, 5], [2, 7, 3], true, false], [[4, 5, 7], [1, 3, 7], false, true],
    [[128, 33], [128, 17], true, false], [[1, 1], [1, 9], false, false],
  ];
  for (const [as, bs, ta, tb] of cases) {
    await assertClose(`matMul a${as} b${bs} tA=${ta} tB=${tb}`, () => tf.matMul(rand(as, 10), rand(bs, 11), ta, tb));
  }
});

test('broadcasting Add/Sub/Multiply/RealDiv/Maximum/Minimum and their gradients match cpu', async () => {
  const pairs: [number[], number[]][] = [
    [[5, 3], [5, 1]], [[5, 1], [5, 3]], [[2, 3, 4], [3, 1]], [[4], [3, 1]], [[2, 1, 4], [1, 3, 1]],
    [[7, 6], [6]], [[300, 300], [300, 1]], [[3, 4], [3, 4]], [[3, 4], [1]],
  ];
  const ops: Record<string, (a: TF.Tensor, b: TF.Tensor) => TF.Tensor> = {
    add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div, maximum: tf.maximum, minimum: tf.minimum,
  };
  for (const [as, bs] of pairs) {
    for (const [name, op] of Object.entries(ops)) {
      await assertClose(`${name} ${as} ${bs}`, () => {
        const a = rand(as, 30, -2, 2);
        const b = name === 'div' ? rand(bs, 31, 0.5, 2) : rand(bs, 31, -2, 2);
        // tfjs's Maximum/Minimum gradients don't reduce broadcast axes (on any backend): values only.
        const withGrads = !['maximum', 'minimum'].includes(name) || tf.util.arraysEqual(as, bs);
        const grads = withGrads ? tf.grads((x: TF.Tensor, y: TF.Tensor) => op(x, y).square().sum())([a, b]) : [];
        return [op(a, b), ...grads];
      });
    }
  }
});

test('Sum over leading axes (bias gradients) and other reductions match cpu', async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[128, 512], 0, false], [[7, 5], [0], true], [[4, 6, 6, 3], [0, 1, 2], false], [[4, 6, 6, 3], [2, 1, 0], true],
    [[3, 5], 1, false], [[3, 4, 5], [0, 2], false], [[3, 4, 5], -1, false], [[5], 0, false], [[2, 3], [0, 1], false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    await assertClose(`sum ${shape} axis ${axis} keepDims ${keepDims}`, () => tf.sum(rand(shape, 90), axis, keepDims));
  }
});

test('Identity shares data without changing values; UnsortedSegmentSum and gather gradients match cpu', async () => {
  await assertClose('identity', () => { const x = rand([3, 4], 12); return [tf.engine().runKernel('Identity', { x }) as TF.Tensor, x.clone().add(1)]; });
  await assertClose('unsortedSegmentSum', () =>
    tf.unsortedSegmentSum(rand([6, 4], 13), tf.tensor1d([0, 2, 2, 1, 0, 4], 'int32'), 5));
  await assertClose('gather grad', () =>
    tf.grad((t: TF.Tensor) => tf.gather(t, tf.tensor1d([3, 0, 3, 1], 'int32')).square().sum())(rand([5, 3], 14)));
});

test('every library activation: values and gradients match cpu', async () => {
  const acts: Record<string, (x: TF.Tensor) => TF.Tensor> = {
    sigmoid: (x) => tf.sigmoid(x),
    tanh: (x) => tf.tanh(x),
    relu: (x) => tf.relu(x),
    leakyRelu: (x) => tf.leakyRelu(x, 0.01),
    leakyRelu02: (x) => tf.leakyRelu(x, 0.2),
    prelu: (x) => tf.prelu(x, tf.fill([x.shape[x.rank - 1]], 0.25)),
    elu: (x) => tf.elu(x),
    selu: (x) => tf.selu(x),
    softplus: (x) => tf.softplus(x),
    swish: (x) => tf.mul(x, tf.sigmoid(x)),
    mish: (x) => tf.mul(x, tf.tanh(tf.softplus(x))),
    geluTanh: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))),
    geluErf: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))),
    hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
    softmax: (x) => tf.softmax(x),
  };
  for (const [name, f] of Object.entries(acts)) {
    for (const shape of [[7], [3, 5], [2, 5, 5, 3]]) {
      await assertClose(`${name} ${shape}`, () => {
        const x = rand(shape, 15, -4, 4);
        const w = rand(shape, 16);
        return [f(x), tf.grad((t: TF.Tensor) => f(t).mul(w).sum())(x)];
      });
    }
  }
  await assertClose('prelu alpha grad', () =>
    tf.grad((a: TF.Tensor) => tf.prelu(rand([2, 4, 4, 3], 17), a).square().sum())(tf.fill([3], 0.25)));
});

test('losses and their gradients match cpu', async () => {
  const labels = () => tf.oneHot(tf.tensor1d([0, 3, 2, 9, 1, 3, 7], 'int32'), 10);
  await assertClose('softmaxCrossEntropy', () =>
    tf.grad((z: TF.Tensor) => tf.losses.softmaxCrossEntropy(labels(), z))(rand([7, 10], 18, -3, 3)));
  await assertClose('categoricalCrossentropy on softmax', () =>
    tf.grad((z: TF.Tensor) => tf.metrics.categoricalCrossentropy(labels(), tf.softmax(z)).mean())(rand([7, 10], 19, -3, 3)));
  await assertClose('sparse via oneHot + logSoftmax', () =>
    tf.grad((z: TF.Tensor) => tf.neg(tf.mul(labels(), tf.logSoftmax(z))).sum(1).mean())(rand([7, 10], 20, -3, 3)));
  await assertClose('meanSquaredError', () =>
    tf.grad((z: TF.Tensor) => tf.losses.meanSquaredError(rand([7, 10], 21), z))(rand([7, 10], 22)));
});

test('SGD, momentum and Adam updates match cpu', async () => {
  const opts: Record<string, () => TF.Optimizer> = {
    sgd: () => tf.train.sgd(0.1),
    momentum: () => tf.train.momentum(0.1, 0.9),
    adam: () => tf.train.adam(0.01),
  };
  for (const [name, make] of Object.entries(opts)) {
    await assertClose(`${name} 3 steps`, () => {
      const w = tf.variable(rand([6, 4], 23));
      const b = tf.variable(rand([4], 24));
      const x = rand([5, 6], 25);
      const opt = make();
      for (let i = 0; i < 3; i++) {
        opt.minimize(() => tf.relu(tf.add(tf.matMul(x, w), b)).square().mean() as TF.Scalar, false, [w, b]);
      }
      const out = [w.clone(), b.clone()];
      opt.dispose();
      w.dispose();
      b.dispose();
      return out;
    });
  }
});
