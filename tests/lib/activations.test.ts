import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../../src/tf';
import type * as TF from '@tensorflow/tfjs';
import {
  ACTIVATIONS, activations, activate, derivative, activationLayer, evaluateCurve, getActivation, linspace,
  type ActivationName,
} from '../../src/activations';

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const sp = (x: number) => Math.log1p(Math.exp(x));
// erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough for float32 checks.
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
const SA = 1.6732632423543772, SS = 1.0507009873554805;

/** Closed forms f and f′ (derivatives written out by hand, independent of autodiff). */
const closed: Record<ActivationName, { f: (x: number) => number; d: (x: number) => number }> = {
  sigmoid: { f: sig, d: (x) => sig(x) * (1 - sig(x)) },
  tanh: { f: Math.tanh, d: (x) => 1 - Math.tanh(x) ** 2 },
  relu: { f: (x) => Math.max(0, x), d: (x) => (x > 0 ? 1 : 0) },
  leakyRelu: { f: (x) => (x > 0 ? x : 0.01 * x), d: (x) => (x > 0 ? 1 : 0.01) },
  prelu: { f: (x) => (x > 0 ? x : 0.25 * x), d: (x) => (x > 0 ? 1 : 0.25) },
  elu: { f: (x) => (x > 0 ? x : Math.exp(x) - 1), d: (x) => (x > 0 ? 1 : Math.exp(x)) },
  selu: { f: (x) => SS * (x > 0 ? x : SA * (Math.exp(x) - 1)), d: (x) => SS * (x > 0 ? 1 : SA * Math.exp(x)) },
  softplus: { f: sp, d: sig },
  swish: { f: (x) => x * sig(x), d: (x) => sig(x) + x * sig(x) * (1 - sig(x)) },
  silu: { f: (x) => x * sig(x), d: (x) => sig(x) + x * sig(x) * (1 - sig(x)) },
  mish: {
    f: (x) => x * Math.tanh(sp(x)),
    d: (x) => Math.tanh(sp(x)) + x * (1 - Math.tanh(sp(x)) ** 2) * sig(x),
  },
  gelu: { f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), d: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + x * phi(x) },
  hardSigmoid: { f: (x) => Math.min(1, Math.max(0, (x + 3) / 6)), d: (x) => (x > -3 && x < 3 ? 1 / 6 : 0) },
  linear: { f: (x) => x, d: () => 1 },
};

// Points away from kinks (0, ±3), where one-sided derivatives differ.
const POINTS = [-6, -2.5, -1, -0.3, 0.4, 1, 2, 5];

test('the registry lists every activation the tutorials use, each with formula and layer', () => {
  const names = ACTIVATIONS.map((a) => a.name);
  for (const n of ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'prelu', 'elu', 'selu', 'softplus', 'swish', 'silu', 'mish', 'gelu', 'hardSigmoid', 'linear']) {
    assert.ok(names.includes(n as ActivationName), `${n} is registered`);
    const a = activations[n as ActivationName];
    assert.ok(a.label && a.formula && a.latex, `${n} has label, formula and LaTeX`);
  }
  assert.equal(Object.keys(closed).length, ACTIVATIONS.length, 'the test covers every registered activation');
  assert.throws(() => getActivation('nope'), /Unknown activation 'nope'.*sigmoid/);
});

test('values and autodiff derivatives match the closed forms', async () => {
  await ready();
  for (const a of ACTIVATIONS) {
    const c = closed[a.name];
    const { y, dy } = evaluateCurve(a.name, POINTS);
    POINTS.forEach((x, i) => {
      assert.ok(Math.abs(y[i] - c.f(x)) < 1e-5 * Math.max(1, Math.abs(c.f(x))), `${a.name}(${x}) = ${y[i]}, expected ${c.f(x)}`);
      assert.ok(Math.abs(dy[i] - c.d(x)) < 2e-5 * Math.max(1, Math.abs(c.d(x))), `${a.name}'(${x}) = ${dy[i]}, expected ${c.d(x)}`);
    });
  }
});

test("sigmoid' peaks at 0.25 at x = 0", async () => {
  await ready();
  const xs = linspace(-10, 10, 2001);
  const { dy } = evaluateCurve('sigmoid', xs);
  const max = Math.max(...dy);
  assert.ok(Math.abs(max - 0.25) < 1e-6, `max ${max}`);
  assert.equal(xs[dy.indexOf(max)], 0);
  assert.ok(dy.every((d) => d <= 0.25 + 1e-7));
  // vanishing gradient at the tails
  assert.ok(dy[0] < 1e-4 && dy[dy.length - 1] < 1e-4);
});

test('leaky ReLU has slope α for x < 0 (default 0.01, configurable) and 1 for x > 0', async () => {
  await ready();
  for (const alpha of [undefined, 0.01, 0.2]) {
    const a = alpha ?? 0.01;
    const d = tf.tidy(() => Array.from(derivative('leakyRelu', alpha === undefined ? {} : { alpha })(tf.tensor1d([-5, -0.1, 0.1, 5])).dataSync()));
    assert.ok(Math.abs(d[0] - a) < 1e-7 && Math.abs(d[1] - a) < 1e-7, `slope ${d[0]}, ${d[1]} for α = ${a}`);
    assert.deepEqual(d.slice(2), [1, 1]);
    const v = tf.tidy(() => activate('leakyRelu', tf.scalar(-3), alpha === undefined ? {} : { alpha }).dataSync()[0]);
    assert.ok(Math.abs(v - -3 * a) < 1e-6);
  }
  // ELU α scales the negative side.
  const e = tf.tidy(() => activate('elu', tf.scalar(-50), { alpha: 2 }).dataSync()[0]);
  assert.ok(Math.abs(e - -2) < 1e-6, `ELU α=2 saturates at -2, got ${e}`);
});

test('derivatives stay finite for large inputs (no NaN from overflow)', async () => {
  await ready();
  for (const a of ACTIVATIONS) {
    const d = tf.tidy(() => Array.from(derivative(a.name)(tf.tensor1d([-80, 80])).dataSync()));
    assert.ok(d.every(Number.isFinite), `${a.name}' at ±80 is ${d}`);
  }
});

test('layers apply the same function, PReLU learns its α, and nothing leaks', async () => {
  await ready();
  const before = tf.memory().numTensors;
  const x = tf.tensor2d([[-2, -0.5, 0.5, 2]]);
  for (const a of ACTIVATIONS) {
    const layer = a.layer();
    const out = layer.apply(x) as TF.Tensor;
    const ref = a.fn(x);
    assert.deepEqual(Array.from(out.dataSync()).map((v) => v.toFixed(5)), Array.from(ref.dataSync()).map((v) => v.toFixed(5)), a.name);
    tf.dispose([out, ref]);
    layer.dispose();
  }
  const prelu = activationLayer('prelu');
  tf.dispose(prelu.apply(x) as TF.Tensor);
  assert.equal(prelu.trainableWeights.length, 1, 'PReLU has one learnable α');
  const g = tf.grad((t: TF.Tensor) => (prelu.apply(t) as TF.Tensor).sum());
  const alphaVar = (prelu.trainableWeights[0] as unknown as { val: TF.Variable }).val;
  const { value, grads } = tf.variableGrads(() => (prelu.apply(x) as TF.Tensor).sum() as TF.Scalar, [alphaVar]);
  // d/dα Σ PReLU(x) = Σ_{x<0} x = -2.5
  assert.ok(Math.abs(grads[alphaVar.name].dataSync()[0] - -2.5) < 1e-6);
  tf.dispose([value, ...Object.values(grads)]);
  tf.dispose(g(x));
  prelu.dispose();
  x.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});
