import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../../src/tf';
import {
  functionCurves, trainingCurves, histograms, imageGrid, confusionMatrixChart, barChart, lineChart, plot,
  Figure, LiveFigure, setPlotlyEmbedding, resetPlotlyEmbedding, embedPlotly, plotlyEmbedState, plotlySource, gridPng,
  type EmbedPolicy,
} from '../../src/charts';
import { PNG } from 'pngjs';

type Bundle = Record<string, unknown>;
const bundleOf = (f: unknown) => (f as Record<symbol, () => Bundle>)[Symbol.for('Jupyter.display')]();
const traces = (f: Figure) => f.figure.data as Array<Record<string, unknown>>;

/** Runs `f` under an embedding policy from a fresh session state, and puts the policy back even if `f` throws. */
function withEmbedding(policy: EmbedPolicy, f: () => void): void {
  const before = plotlyEmbedState().policy;
  resetPlotlyEmbedding();
  setPlotlyEmbedding(policy);
  try {
    f();
  } finally {
    setPlotlyEmbedding(before);
    resetPlotlyEmbedding();
  }
}

test('function curves: one trace per function and per derivative, derivative by autodiff', async () => {
  await ready();
  const fig = functionCurves(['sigmoid', 'tanh', 'relu', { name: 'leakyRelu', options: { alpha: 0.01 } }, 'elu'], { range: [-10, 10], points: 201 });
  const t = traces(fig);
  assert.equal(t.length, 10);
  assert.deepEqual(t.filter((x) => x.xaxis !== 'x2').map((x) => x.name), ['Sigmoid', 'Tanh', 'ReLU', 'Leaky ReLU', 'ELU']);
  const sigD = t.find((x) => x.name === 'Sigmoid′')!;
  assert.equal(sigD.yaxis, 'y2');
  const dy = sigD.y as number[];
  assert.ok(Math.abs(Math.max(...dy) - 0.25) < 1e-6 && Math.abs(dy[100] - 0.25) < 1e-6, 'sigmoid′(0) = 0.25 is the top');
  const leakyD = t.find((x) => x.name === 'Leaky ReLU′')!.y as number[];
  assert.ok(Math.abs(leakyD[0] - 0.01) < 1e-7);
  assert.equal((t[0].x as number[]).length, 201);
  const single = functionCurves([{ label: 'square', fn: (x) => tf.square(x) }], { derivatives: false });
  assert.equal(traces(single).length, 1);
  assert.equal(traces(single)[0].name, 'square');
});

test('training curves: accuracy and loss side by side, one colour per run, val dashed', () => {
  const a = { loss: [2, 1, 0.5], acc: [0.3, 0.6, 0.8], valLoss: [2.1, 1.2, 0.7], valAcc: [0.28, 0.55, 0.75] };
  const b = [{ epoch: 1, loss: 2.3, acc: 0.1 }, { epoch: 2, loss: 2.2, acc: 0.15 }];
  const fig = trainingCurves({ relu: a, none: b });
  const t = traces(fig);
  assert.equal(t.length, 6, 'relu: 4 traces, none: 2 (no validation)');
  const reluAcc = t.filter((x) => String(x.name).startsWith('relu') && x.xaxis === undefined);
  assert.deepEqual(reluAcc.map((x) => x.y), [a.acc, a.valAcc]);
  assert.equal((reluAcc[1].line as Record<string, string>).dash, 'dash');
  const lossPanel = t.filter((x) => x.xaxis === 'x2');
  assert.equal(lossPanel.length, 3);
  assert.notEqual((t[0].line as Record<string, string>).color, (t[4].line as Record<string, string>).color);
  const layout = fig.figure.layout as Record<string, Record<string, unknown>>;
  assert.ok(layout.xaxis.domain && layout.xaxis2.domain, 'two panels');
  const single = trainingCurves(a);
  assert.deepEqual(traces(single).map((x) => x.name), ['train', 'val', 'train', 'val']);
});

test('histograms: counts per bin sum to the sample size, overlay or grid', async () => {
  await ready();
  const x = tf.randomNormal([1000], 0, 2, 'float32', 1);
  const relu = tf.relu(x);
  const fig = histograms({ input: x, relu, plain: [1, 2, 2, 3] }, { bins: 20 });
  const t = traces(fig);
  assert.equal(t.length, 3);
  for (const [i, n] of [[0, 1000], [1, 1000], [2, 4]] as const) {
    assert.equal((t[i].y as number[]).reduce((s, v) => s + v, 0), n);
  }
  const zeros = Array.from(relu.dataSync()).filter((v) => v === 0).length;
  assert.ok((t[1].y as number[])[0] >= zeros, 'the first ReLU bin holds all the zeros');
  assert.ok(zeros > 400 && zeros < 600, 'ReLU piles about half the mass at 0');
  assert.equal((fig.figure.layout as Record<string, unknown>).barmode, 'overlay');
  const grid = histograms({ a: x, b: relu }, { layout: 'grid', density: true });
  assert.equal(traces(grid)[1].xaxis, 'x2');
  const widths = traces(grid)[0];
  const area = (widths.y as number[]).reduce((s, v) => s + v * (widths.width as number), 0);
  assert.ok(Math.abs(area - 1) < 1e-9, 'density integrates to 1');
  tf.dispose([x, relu]);
});

test('image grid: one image trace per panel holding a PNG of the tiled batch', async () => {
  await ready();
  const x = tf.randomUniform([10, 8, 8, 3], -1, 1, 'float32', 2);
  const fig = imageGrid({ input: x, relu: tf.relu(x), sigmoid: tf.sigmoid(x) }, { columns: 5 });
  const t = traces(fig);
  assert.equal(t.length, 3);
  assert.deepEqual(t.map((v) => v.type), ['image', 'image', 'image']);
  const src = t[2].source as string;
  assert.match(src, /^data:image\/png;base64,/);
  const png = PNG.sync.read(Buffer.from(src.split(',')[1], 'base64'));
  const zoom = 8; // tiles are enlarged to at least 64 px
  assert.equal(png.width, 5 * 8 * zoom + 6 * 2);
  assert.equal(png.height, 2 * 8 * zoom + 3 * 2);
  // a grey-scale batch [N,H,W] works too, and clip keeps [0,1] values as they are
  const g = gridPng(tf.fill([1, 2, 2], 0.5), { zoom: 1, padding: 0, scale: 'clip' });
  const gp = PNG.sync.read(g.png);
  assert.equal(gp.data[0], 128);
  x.dispose();
});

test('confusion matrix heatmap and bar chart with error bars', () => {
  const m = [[5, 1], [2, 7]];
  const fig = confusionMatrixChart(m, { labels: ['cat', 'dog'] });
  const [h] = traces(fig);
  assert.equal(h.type, 'heatmap');
  assert.deepEqual(h.z, m);
  assert.deepEqual(h.x, ['cat', 'dog']);
  const norm = traces(confusionMatrixChart(m, { normalize: true }))[0].z as number[][];
  assert.ok(Math.abs(norm[1][1] - 7 / 9) < 1e-12);

  const rows = [
    { activation: 'ReLU', test: 0.61, testStd: 0.01, train: 0.7, trainStd: 0.02 },
    { activation: 'ELU', test: 0.63, testStd: 0.015, train: 0.72, trainStd: 0.01 },
  ];
  const bar = barChart(rows, { x: 'activation', y: ['train', 'test'], error: ['trainStd', 'testStd'] });
  const b = traces(bar);
  assert.equal(b.length, 2);
  assert.deepEqual(b[1].y, [0.61, 0.63]);
  assert.deepEqual((b[1].error_y as Record<string, unknown>).array, [0.01, 0.015]);
  const fromFrame = barChart({ columns: ['k', 'v'], values: [['a', 1], ['b', 2]] }, { x: 'k', y: 'v' });
  assert.deepEqual(traces(fromFrame)[0].y, [1, 2]);
  assert.equal(traces(lineChart(rows, { x: 'activation', y: 'test' }))[0].type, 'scatter');
});

test('a figure displays as a full MIME bundle; plotly.js is embedded once, then reused', () => {
  const policy = plotlyEmbedState().policy;
  withEmbedding('once', () => {
    const first = plot([{ type: 'scatter', y: [1, 2, 3] }], { title: { text: 'first' } });
    const second = plot([{ type: 'bar', y: [3, 2] }]);
    const b1 = bundleOf(first), b2 = bundleOf(second);
    for (const b of [b1, b2]) {
      assert.deepEqual(Object.keys(b).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    }
    assert.deepEqual(b1['application/vnd.plotly.v1+json'], JSON.parse(JSON.stringify(first)));
    const bundleLen = plotlySource().length;
    assert.ok(bundleLen > 1_000_000, 'the real plotly.js');
    assert.match(plotlySource().slice(0, 200), /plotly\.js v2\.35\.3/, 'the published minified build');
    assert.ok((b1['text/html'] as string).length > bundleLen, 'first figure carries plotly.js');
    assert.ok((b2['text/html'] as string).length < 10_000, 'second reuses window.Plotly');
    assert.ok((bundleOf(first)['text/html'] as string).length > bundleLen, 're-displaying the carrier (e.g. a live update) carries it again');
    assert.match(b1['text/plain'] as string, /Figure 'first': 1 trace/);
    const html = b2['text/html'] as string;
    assert.match(html, /window\.Plotly\.newPlot/);
    assert.ok(!/<\/script>[\s\S]*<\/script>[\s\S]*<\/script>/.test(html), 'one script only');
    // figure data cannot break out of the script element
    const evil = plot([{ type: 'scatter', name: '</script><b>x', y: [1] }]);
    assert.ok(!(bundleOf(evil)['text/html'] as string).includes('</script><b>'));
    // an explicit embed makes the next figures reuse it
    resetPlotlyEmbedding();
    assert.ok((bundleOf(embedPlotly())['text/html'] as string).length > bundleLen);
    assert.ok((bundleOf(plot([{ y: [1] }]))['text/html'] as string).length < 10_000);
  });
  withEmbedding('never', () => {
    assert.ok((bundleOf(plot([{ y: [1] }]))['text/html'] as string).length < 10_000);
  });
  assert.deepEqual(plotlyEmbedState(), { policy, embedded: false }, 'the policy is put back after each check');
});

test('a live figure shows plotly.js in its own output once, then updates in place with small outputs', () => {
  const sent: Array<{ kind: string; id?: string; html: string }> = [];
  const key = Symbol.for('tsdl.kernel');
  (globalThis as Record<symbol, unknown>)[key] = {
    protocol: 1,
    display(data: Bundle, _m: unknown, id?: string) { sent.push({ kind: 'display', id, html: String(data['text/html']) }); },
    updateDisplay(data: Bundle, _m: unknown, id: string) { sent.push({ kind: 'update', id, html: String(data['text/html']) }); },
    clearOutput() {},
  };
  try {
    const bundleLen = plotlySource().length;
    withEmbedding('once', () => {
      const live = new LiveFigure();
      for (let i = 1; i <= 3; i++) live.show(plot([{ y: Array.from({ length: i }, (_, k) => k) }]));
      assert.deepEqual(sent.map((m) => m.kind), ['display', 'display', 'update', 'update']);
      assert.ok(sent[0].html.length > bundleLen && !sent[0].html.includes('tsdl-plot'), 'first output: the bundle alone');
      assert.ok(sent.slice(1).every((m) => m.id === live.displayId && m.html.length < 10_000), 'then the figure, updated in place, small');
      // A second live figure in the same session reuses the bundle already shown.
      new LiveFigure().show(plot([{ y: [1] }]));
      assert.equal(sent.length, 5);
      assert.ok(sent[4].html.length < 10_000);
    });
    sent.length = 0;
    withEmbedding('always', () => {
      const live = new LiveFigure();
      live.show(plot([{ y: [1] }]));
      live.show(plot([{ y: [1, 2] }]));
      assert.deepEqual(sent.map((m) => m.kind), ['display', 'update'], 'no separate bundle output');
      assert.ok(sent.every((m) => m.html.length > bundleLen), "under 'always' every update carries the bundle");
    });
  } finally {
    delete (globalThis as Record<symbol, unknown>)[key];
  }
});
