import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../../src/tf';
import type * as TF from '@tensorflow/tfjs';
import { mlp, cifarCnn, summary } from '../../src/models';
import { ACTIVATIONS } from '../../src/activations';

test('MLP 784→512→10 has 407,050 parameters with any activation or none', async () => {
  await ready();
  assert.equal(784 * 512 + 512 + 512 * 10 + 10, 407050);
  for (const activation of [undefined, 'none', 'relu', 'sigmoid', 'leakyRelu'] as const) {
    const m = mlp({ activation });
    assert.equal(m.countParams(), 407050, `activation ${activation}`);
    const out = m.predict(tf.zeros([3, 28, 28, 1])) as TF.Tensor;
    assert.deepEqual(out.shape, [3, 10]);
    tf.dispose(out);
    m.dispose();
  }
  const flat = mlp({ inputShape: [784], activation: 'relu' });
  assert.equal(flat.countParams(), 407050);
  assert.deepEqual(flat.outputs[0].shape, [null, 10]);
  assert.equal(mlp({ activation: 'none' }).layers.length, mlp({ activation: 'relu' }).layers.length - 1, 'no activation layer without an activation');
});

test('CIFAR CNN conv(3→16) → act → pool → dense(10) has 3·3·3·16+16+4096·10+10 = 41,418 parameters', async () => {
  await ready();
  const expected = 3 * 3 * 3 * 16 + 16 + 4096 * 10 + 10;
  assert.equal(expected, 41418);
  for (const a of ACTIVATIONS) {
    const m = cifarCnn({ activation: a.name });
    // PReLU adds its one learnable slope.
    assert.equal(m.countParams(), expected + (a.name === 'prelu' ? 1 : 0), a.name);
    m.dispose();
  }
  const m = cifarCnn({ activation: 'leakyRelu' });
  const shapes = m.layers.map((l) => l.outputShape);
  assert.deepEqual(shapes, [[null, 32, 32, 16], [null, 32, 32, 16], [null, 16, 16, 16], [null, 4096], [null, 10]]);
  const out = m.predict(tf.zeros([2, 32, 32, 3])) as TF.Tensor;
  assert.deepEqual(out.shape, [2, 10]);
  tf.dispose(out);
});

test('initialisation is seeded: same seed, same weights; other seed, other weights', async () => {
  await ready();
  const w = (seed: number) => tf.tidy(() => mlp({ activation: 'relu', seed }).getWeights().map((t) => Array.from(t.dataSync().slice(0, 20))));
  assert.deepEqual(w(7), w(7));
  assert.notDeepEqual(w(7), w(8));
  // PyTorch-style bound 1/sqrt(fan_in)
  const k = tf.tidy(() => mlp({ seed: 1 }).getWeights()[0].abs().max().dataSync()[0]);
  assert.ok(k <= 1 / Math.sqrt(784) + 1e-7 && k > 0.9 / Math.sqrt(784), `max |w| ${k}`);
});

test('summary lists layers, output shapes and parameter counts as HTML and text', async () => {
  await ready();
  const s = summary(cifarCnn({ activation: 'relu' }));
  assert.equal(s.totalParams, 41418);
  assert.deepEqual(s.rows.map((r) => r.params), [448, 0, 0, 0, 40970]);
  const bundle = (s as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
  assert.match(bundle['text/html'], /<table[\s\S]*Conv2D[\s\S]*\[batch, 32, 32, 16\][\s\S]*41,418/);
  assert.match(bundle['text/plain'], /Total params: 41,418/);
});
