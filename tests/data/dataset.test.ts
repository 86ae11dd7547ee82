import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../../src/tf';
import { ImageDataset, readCifarDataset, readIdxDataset } from '../../src/data';
import { fixture } from './helpers';

async function mnist100(): Promise<ImageDataset> {
  return readIdxDataset(fixture('mnist-t10k-images-idx3-ubyte-100'), fixture('mnist-t10k-labels-idx1-ubyte-100'), { name: 'mini', classNames: '0123456789'.split('') });
}
async function cifar100(): Promise<ImageDataset> {
  return readCifarDataset([fixture('cifar10-test_batch-100.bin')], { name: 'mini-cifar', classNames: 'abcdefghij'.split(''), recordsPerFile: 100 });
}

test('loaded fixtures have the documented shape', async () => {
  const m = await mnist100();
  assert.deepEqual([m.count, m.height, m.width, m.channels, m.numClasses, m.images.length], [100, 28, 28, 1, 10, 78400]);
  assert.ok(m.images instanceof Uint8Array && m.labels instanceof Uint8Array);
  const c = await cifar100();
  assert.deepEqual([c.count, c.height, c.width, c.channels, c.images.length], [100, 32, 32, 3, 307200]);
  assert.equal(c.classCounts().reduce((a, b) => a + b, 0), 100);
});

test('subset: first n as a view, or seeded random n', async () => {
  const m = await mnist100();
  const s = m.subset(10);
  assert.equal(s.count, 10);
  assert.equal(s.images.buffer, m.images.buffer);
  assert.deepEqual(Array.from(s.labels), Array.from(m.labels.subarray(0, 10)));
  assert.equal(m.subset(1000).count, 100);
  const r1 = m.subset(20, { seed: 3 });
  const r2 = m.subset(20, { seed: 3 });
  assert.deepEqual(Array.from(r1.labels), Array.from(r2.labels));
  assert.deepEqual(Array.from(r1.images), Array.from(r2.images));
});

test('randomSplit: disjoint, complete, reproducible, seed-dependent', async () => {
  const m = await mnist100();
  const [a, b] = m.randomSplit(80, 42);
  assert.equal(a.count, 80);
  assert.equal(b.count, 20);
  // Identify images by their pixels: the union is the original set, without repeats.
  const key = (d: ImageDataset, i: number) => Buffer.from(d.image(i)).toString('base64');
  const all = new Set(Array.from({ length: 100 }, (_, i) => key(m, i)));
  const seen = new Set<string>();
  for (const d of [a, b]) for (let i = 0; i < d.count; i++) seen.add(key(d, i));
  assert.equal(seen.size, all.size);
  for (const k of seen) assert.ok(all.has(k));
  const [a2] = m.randomSplit(80, 42);
  assert.deepEqual(Array.from(a2.labels), Array.from(a.labels));
  const [a3] = m.randomSplit(80, 43);
  assert.notDeepEqual(Array.from(a3.labels), Array.from(a.labels));
  assert.equal(m.randomSplit(0.5, 1)[0].count, 50);
  assert.throws(() => m.randomSplit(101, 1), /between 0 and 100/);
});

test('toTensors: NHWC float32 in [0,1], int32 or one-hot labels, per-channel normalisation', async () => {
  await tf.ready();
  const c = await cifar100();
  const { x, y } = c.toTensors();
  assert.deepEqual(x.shape, [100, 32, 32, 3]);
  assert.equal(x.dtype, 'float32');
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(Array.from(await y.data()).slice(0, 4), [3, 8, 8, 0]);
  const xs = await x.data();
  assert.ok(Math.abs(xs[5] - c.images[5] / 255) < 1e-6);
  assert.ok(Math.max(...Array.from(xs.subarray(0, 3072))) <= 1);
  tf.dispose([x, y]);

  const stats = c.channelStats();
  assert.equal(stats.mean.length, 3);
  const n = c.toTensors({ normalize: stats, oneHot: true });
  assert.deepEqual(n.y.shape, [100, 10]);
  assert.deepEqual(Array.from((await n.y.data()).subarray(0, 10)), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const moments = tf.moments(n.x, [0, 1, 2]);
  const mean = await moments.mean.data();
  const variance = await moments.variance.data();
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(mean[k]) < 1e-3, `channel ${k} mean ${mean[k]}`);
    assert.ok(Math.abs(variance[k] - 1) < 1e-3, `channel ${k} variance ${variance[k]}`);
  }
  tf.dispose([n.x, n.y, moments.mean, moments.variance]);
});

test('batches: sizes, seeded shuffle, and no leaked tensors (also on break)', async () => {
  await tf.ready();
  const m = await mnist100();
  const before = tf.memory().numTensors;
  const sizes: number[] = [];
  const order1: number[] = [];
  for (const b of m.batches(32, { shuffle: true, seed: 7 })) {
    sizes.push(b.size);
    assert.deepEqual(b.x.shape, [b.size, 28, 28, 1]);
    order1.push(...Array.from(await b.y.data()));
    assert.ok(tf.memory().numTensors <= before + 2, 'only the current batch is alive');
  }
  assert.deepEqual(sizes, [32, 32, 32, 4]);
  assert.equal(tf.memory().numTensors, before);
  const order2: number[] = [];
  for (const b of m.batches(32, { shuffle: true, seed: 7 })) order2.push(...Array.from(await b.y.data()));
  assert.deepEqual(order2, order1);
  assert.notDeepEqual(order1, Array.from(m.labels), 'shuffled');
  assert.deepEqual(order1.slice().sort(), Array.from(m.labels).sort(), 'a permutation');

  for (const b of m.batches(10, { oneHot: true })) {
    assert.deepEqual(b.y.shape, [10, 10]);
    break;
  }
  assert.equal(tf.memory().numTensors, before, 'break disposes the last batch');
  assert.equal([...m.batches(32, { dropRemainder: true })].length, 3);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => m.batches(0).next(), /positive integer/);
});

test('readers name the file when it is damaged', async () => {
  const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tsdl-read-'));
  try {
    const cut = join(dir, 'test_batch.bin');
    writeFileSync(cut, readFileSync(fixture('cifar10-test_batch-100.bin')).subarray(0, 3073 * 50));
    await assert.rejects(readCifarDataset([cut], { name: 'x', classNames: [], recordsPerFile: 100 }), (err: Error) => {
      assert.match(err.message, new RegExp(`^${cut}: expected 307300 bytes \\(100 records of 3073 bytes\\), found 153650 bytes \\(50 records\\)\\. Fix: `));
      return true;
    });
    const labels = join(dir, 'labels');
    const l = Buffer.from(readFileSync(fixture('mnist-t10k-labels-idx1-ubyte-100')));
    writeFileSync(labels, Buffer.concat([l.subarray(0, 7), Buffer.from([99]), l.subarray(8, 107)]));
    await assert.rejects(readIdxDataset(fixture('mnist-t10k-images-idx3-ubyte-100'), labels, { name: 'x', classNames: [] }), new RegExp(`${labels}: expected 100 records in the header, found 99`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
