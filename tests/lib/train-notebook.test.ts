/**
 * fit() inside a notebook: a fake tsdl kernel bridge records what would be sent to the front end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { tf, ready } from '../../src/tf';
import { readIdxDataset, MNIST_CLASSES } from '../../src/data';
import { mlp } from '../../src/models';
import { fit } from '../../src/train';
import { plotlyEmbedState, resetPlotlyEmbedding, setPlotlyEmbedding } from '../../src/charts';

type Sent = { kind: 'display' | 'update'; data: Record<string, unknown>; id?: string };
const sent: Sent[] = [];
const bridge = {
  protocol: 1,
  interrupted: false,
  display(data: Record<string, unknown>, _m: unknown, id?: string) { sent.push({ kind: 'display', data, id }); },
  updateDisplay(data: Record<string, unknown>, _m: unknown, id: string) { sent.push({ kind: 'update', data, id }); },
  clearOutput() {},
};

async function mnist() {
  const f = path.join(__dirname, '..', 'fixtures');
  return readIdxDataset(path.join(f, 'mnist-t10k-images-idx3-ubyte-100'), path.join(f, 'mnist-t10k-labels-idx1-ubyte-100'), { name: 'mnist-100', classNames: MNIST_CLASSES });
}

test('in a notebook: progress bar and live chart update in place by display id', async () => {
  await ready();
  (globalThis as Record<symbol, unknown>)[Symbol.for('tsdl.kernel')] = bridge;
  const policy = plotlyEmbedState().policy;
  try {
    resetPlotlyEmbedding();
    setPlotlyEmbedding('once');
    const ds = await mnist();
    const [train, val] = ds.randomSplit(80, 2);
    const run = await fit(mlp({ activation: 'relu' }), train, { epochs: 3, batchSize: 20, optimizer: 'sgd', lr: 0.1, validationData: val, name: 'relu' });
    assert.equal(run.records.length, 3);
    const chart = sent.filter((m) => 'application/vnd.plotly.v1+json' in m.data);
    assert.equal(chart.length, 3, 'one chart message per epoch');
    assert.equal(chart[0].kind, 'display');
    assert.ok(chart.slice(1).every((m) => m.kind === 'update' && m.id === chart[0].id), 'later epochs update the same output');
    const lastFig = chart[2].data['application/vnd.plotly.v1+json'] as { data: Array<{ y: number[] }> };
    assert.equal(lastFig.data[0].y.length, 3, 'the chart grows by one point per epoch');
    const bundleAt = sent.findIndex((m) => String(m.data['text/plain']) === '<plotly.js loaded>');
    assert.ok(bundleAt >= 0 && bundleAt < sent.indexOf(chart[0]), 'plotly.js is shown once, in its own output, before the live chart');
    assert.ok((sent[bundleAt].data['text/html'] as string).length > 1_000_000);
    assert.ok(chart.every((m) => (m.data['text/html'] as string).length < 100_000), 'chart updates reuse it and stay small');
    const progress = sent.filter((m) => /<progress/.test(String(m.data['text/html'])));
    assert.ok(progress.length >= 2, `progress bar shown and updated (${progress.length})`);
    assert.equal(progress[0].kind, 'display');
    assert.ok(progress.slice(1).every((m) => m.kind === 'update' && m.id === progress[0].id));
    assert.match(String(progress[progress.length - 1].data['text/plain']), /100% epoch 3\/3/);
  } finally {
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('tsdl.kernel')];
    setPlotlyEmbedding(policy);
    resetPlotlyEmbedding();
  }
});

test('Kernel > Interrupt stops training with a clear error and no leaked tensors', async () => {
  await ready();
  (globalThis as Record<symbol, unknown>)[Symbol.for('tsdl.kernel')] = { ...bridge, interrupted: true };
  try {
    const model = mlp({ activation: 'relu' });
    const ds = await mnist();
    const before = tf.memory().numTensors;
    await assert.rejects(fit(model, ds, { epochs: 2, batchSize: 20 }), /interrupted in epoch 1, step 1/);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('tsdl.kernel')];
  }
});
