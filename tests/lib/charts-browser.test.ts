/**
 * End-to-end: a notebook whose outputs are the library's MIME bundles (one per chart type, written
 * directly, no kernel needed) is rendered to HTML by nbconvert and opened in headless Chromium with
 * every network request blocked; each chart must draw from the plotly.js embedded once in the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tf, ready } from '../../src/tf';
import {
  functionCurves, trainingCurves, histograms, imageGrid, confusionMatrixChart, barChart, resetPlotlyEmbedding, setPlotlyEmbedding,
} from '../../src/charts';
import { table } from '../../src/tables';
import { summary, cifarCnn } from '../../src/models';
import { md, html } from '../../src/markup';
import { pct } from '../../src/util/format';
import { CHROMIUM, launchChromium } from '../browser';

const PYTHON = '/usr/bin/python3';

function hasNbconvert(): boolean {
  return fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--version'], { encoding: 'utf8' }).status === 0;
}

const bundleOf = (o: unknown) => (o as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();

function codeCell(source: string, outputs: Array<Record<string, unknown>>, n: number) {
  return { cell_type: 'code', execution_count: n, metadata: {}, source, outputs };
}
const displayData = (o: unknown) => ({ output_type: 'display_data', data: bundleOf(o), metadata: {} });

async function buildNotebook(): Promise<{ nb: object; charts: number }> {
  await ready();
  resetPlotlyEmbedding();
  setPlotlyEmbedding('once');
  const x = tf.randomUniform([16, 8, 8, 3], -1, 1, 'float32', 1);
  const figs = [
    ['functionCurves', functionCurves(['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu'], { range: [-10, 10] })],
    ['trainingCurves', trainingCurves({ relu: { loss: [2, 1, 0.6], acc: [0.4, 0.7, 0.8], valLoss: [2, 1.1, 0.8], valAcc: [0.4, 0.65, 0.7] }, none: { loss: [2, 1.5, 1.3], acc: [0.3, 0.5, 0.55] } })],
    ['histograms', histograms({ input: x, relu: tf.relu(x), sigmoid: tf.sigmoid(x) })],
    ['imageGrid', imageGrid({ input: x, relu: tf.relu(x), sigmoid: tf.sigmoid(x) })],
    ['confusionMatrixChart', confusionMatrixChart([[8, 2], [1, 9]], { labels: ['cat', 'dog'] })],
    ['barChart', barChart([{ a: 'ReLU', acc: 0.6, sd: 0.02 }, { a: 'ELU', acc: 0.62, sd: 0.01 }], { x: 'a', y: 'acc', error: 'sd' })],
  ] as const;
  const cells: object[] = [{ cell_type: 'markdown', metadata: {}, source: '# Every chart type' }];
  figs.forEach(([name, fig], i) => cells.push(codeCell(`charts.${name}(...)`, [displayData(fig)], i + 1)));
  cells.push(codeCell('table(rows)', [displayData(table([{ activation: 'ReLU', acc: 0.61 }]))], 7));
  cells.push(codeCell('summary(model)', [displayData(summary(cifarCnn()))], 8));
  cells.push(codeCell('md`...`', [displayData(md`### Results for ${'ReLU'}\n\nTest accuracy **${pct(0.9123)}** over ${3} seeds.`)], 9));
  cells.push(codeCell('html`...`', [displayData(html`<p class="tsdl-html-test">Label: <b>${'<i>not markup</i>'}</b></p>`)], 10));
  x.dispose();
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tsdl', display_name: 'TypeScript (tsdl)', language: 'typescript' }, language_info: { name: 'typescript' } },
    cells: cells.map((c, i) => ({ id: `cell-${i}`, ...c })),
  };
  return { nb, charts: figs.length };
}

test('nbconvert HTML of a notebook with every chart type draws each chart offline in Chromium', { timeout: 120_000 }, async (t) => {
  if (!hasNbconvert() || !fs.existsSync(CHROMIUM)) {
    t.skip('needs /usr/bin/python3 with jupyter nbconvert and /usr/bin/chromium');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-charts-'));
  const { nb, charts } = await buildNotebook();
  const ipynb = path.join(dir, 'charts.ipynb');
  fs.writeFileSync(ipynb, JSON.stringify(nb));
  const r = spawnSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--to', 'html', ipynb, '--output-dir', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `nbconvert failed:\n${r.stderr}`);
  const html = path.join(dir, 'charts.html');
  const text = fs.readFileSync(html, 'utf8');
  assert.equal(text.split('if (!window.Plotly) { (function (define, module, exports)').length - 1, 1, 'plotly.js is embedded exactly once');

  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const blocked: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    await page.goto(`file://${html}`, { waitUntil: 'load' });
    await page.waitForFunction((n) => document.querySelectorAll('.js-plotly-plot').length >= n, charts, { timeout: 60_000 });
    const counts = await page.evaluate(() => ({
      plots: document.querySelectorAll('.js-plotly-plot').length,
      withSvg: Array.from(document.querySelectorAll('.js-plotly-plot')).filter((el) => el.querySelector('.main-svg')).length,
      traces: Array.from(document.querySelectorAll('.js-plotly-plot')).map((el) => ((el as unknown as { data?: unknown[] }).data ?? []).length),
      images: document.querySelectorAll('.js-plotly-plot image').length,
      heatmap: document.querySelectorAll('.js-plotly-plot .hm, .js-plotly-plot .heatmaplayer image').length,
      bars: document.querySelectorAll('.js-plotly-plot .bars .point').length,
      errorBars: document.querySelectorAll('.js-plotly-plot .errorbar').length,
      lines: document.querySelectorAll('.js-plotly-plot .scatterlayer .js-line').length,
      tables: document.querySelectorAll('table.tsdl-table, table.tsdl-summary').length,
      fallback: document.body.innerText.includes('plotly.js is not loaded'),
      mdHeading: Array.from(document.querySelectorAll('h3')).map((h) => h.textContent ?? '').find((t) => t.includes('Results for')) ?? '',
      mdStrong: Array.from(document.querySelectorAll('strong')).map((e) => e.textContent).includes('91.23%'),
      htmlText: document.querySelector('p.tsdl-html-test')?.textContent ?? '',
      htmlInjected: document.querySelectorAll('p.tsdl-html-test i').length,
    }));
    if (process.env.TSDL_DEBUG_TEST) console.log(JSON.stringify(counts), blocked);
    assert.equal(counts.plots, charts, `one rendered plot per chart: ${JSON.stringify(counts)}`);
    assert.equal(counts.withSvg, charts, 'every chart drew its SVG');
    assert.deepEqual(counts.traces, [10, 6, 3, 3, 1, 1]);
    assert.ok(counts.images >= 3, `image grid panels drew (${counts.images} <image> elements)`);
    assert.ok(counts.heatmap >= 1, 'confusion heatmap drew');
    assert.ok(counts.bars >= 2 && counts.errorBars >= 2, `bars with error bars drew: ${JSON.stringify(counts)}`);
    assert.ok(counts.lines >= 16, `function and training curves drew lines (${counts.lines})`);
    assert.equal(counts.tables, 2, 'table and model summary are HTML tables');
    assert.equal(counts.fallback, false);
    assert.match(counts.mdHeading, /^Results for ReLU/, 'md output is rendered as Markdown');
    assert.ok(counts.mdStrong, 'with its bold percentage');
    assert.equal(counts.htmlText, 'Label: <i>not markup</i>', 'html output renders; interpolated text stays text');
    assert.equal(counts.htmlInjected, 0);
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await browser.close();
  }
});
