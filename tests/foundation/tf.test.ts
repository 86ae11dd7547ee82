import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../../src/tf';

test('one TensorFlow.js backend is selected and reported', async () => {
  const info = await ready();
  assert.equal(info.name, tf.getBackend());
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.name), info.name);
  if (!info.native) assert.ok(info.nativeError, 'a missing native binding says why');
  const y = tf.tidy(() => tf.tensor([1, 2, 3]).square().sum().dataSync()[0]);
  assert.equal(y, 14);
});

test('ready() returns the same selection every time', async () => {
  assert.equal(await ready(), await ready());
});
