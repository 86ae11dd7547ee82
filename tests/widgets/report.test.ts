// The HTML report of notebook 01 shows its activation explorer from the saved widget state, offline:
// `tsdl run --only 01 --smoke` executes it (nbclient stores the widget state), the runner inlines the
// bundled widget renderer, and headless Chromium with the network cut renders the controls at the
// values the notebook ran with and the explorer's chart inside its Output widget.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { pathToFileURL } from 'url';
import { root, runRunner, launchChromium } from '../notebooks/helpers';

const NAME = '01-activation-functions';
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-widget-report-'));
let run: { status: number | null; output: string };

before(async () => {
  run = await runRunner(['notebooks', '--only', '01', '--smoke', '--out', out], { timeoutMs: 10 * 60 * 1000 });
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

test('nbclient saves the explorer widgets in the notebook, valid against the widget state schema', () => {
  assert.equal(run.status, 0, run.output.slice(-4000));
  const nb = JSON.parse(fs.readFileSync(path.join(out, `${NAME}.ipynb`), 'utf8'));
  const saved = nb.metadata.widgets?.['application/vnd.jupyter.widget-state+json'];
  assert.ok(saved, 'no widget state in the executed notebook');
  const schema = path.join(root, 'node_modules', '@jupyter-widgets', 'schema', 'v2', 'state.schema.json');
  const check = spawnSync('/usr/bin/python3', ['-c', 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2]))["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"], json.load(open(sys.argv[1]))); print("valid")',
    schema, path.join(out, `${NAME}.ipynb`)], { encoding: 'utf8' });
  assert.equal(check.stdout.trim(), 'valid', `the saved widget state breaks @jupyter-widgets/schema v2: ${check.stderr.slice(-2000)}`);
  const models = Object.values(saved.state) as Array<{ model_name: string; state: Record<string, any> }>;
  const output = models.find((m) => m.model_name === 'OutputModel');
  assert.ok(output, 'the explorer has an Output widget');
  assert.equal(output.state.outputs.length, 1, 'nbclient captured the explorer\'s first chart into the Output widget');
  assert.ok(output.state.outputs[0].data['application/vnd.plotly.v1+json'], 'the captured output is the chart');
  const sliders = models.filter((m) => m.model_name === 'FloatSliderModel').map((m) => m.state.value).sort();
  assert.deepEqual(sliders, [0.3, 5]);
});

test('the HTML report renders the saved explorer in Chromium offline, loading nothing from a CDN', { timeout: 120_000 }, async () => {
  assert.equal(run.status, 0, run.output.slice(-4000));
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.setOffline(true);
    const requested: string[] = [];
    await context.route(/^https?:/, (route) => { requested.push(route.request().url()); return route.abort(); });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(path.join(out, `${NAME}.html`)).href, { waitUntil: 'load', timeout: 60000 });
    await page.waitForFunction(() => document.documentElement.dataset.tsdlWidgets, undefined, { timeout: 60000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.tsdlWidgets), 'rendered', `widgets failed to render: ${errors.join(' | ')}`);
    const box = page.locator('.widget-vbox').first();
    await box.locator('.widget-output .js-plotly-plot .main-svg').first().waitFor({ timeout: 30000 });
    const seen = await page.evaluate(() => ({
      readouts: Array.from(document.querySelectorAll('.widget-readout')).map((e) => (e as HTMLElement).innerText.trim()),
      family: (document.querySelector('.widget-dropdown select') as HTMLSelectElement | null)?.selectedOptions[0]?.textContent?.replace(/\u00a0/g, ' '),
      title: document.querySelector('.widget-output .gtitle')?.textContent,
      traces: document.querySelectorAll('.widget-output .js-plotly-plot .scatterlayer .trace').length,
    }));
    assert.deepEqual(seen.readouts, ['0.30', '5.00']);
    assert.equal(seen.family, 'Leaky ReLU');
    assert.equal(seen.title, 'Leaky ReLU with α = 0.30 on [−5, 5]');
    assert.equal(seen.traces, 2, 'the curve and its derivative');
    assert.deepEqual(requested.filter((u) => /unpkg|jsdelivr|cdnjs/.test(u)), [], 'nothing may be loaded from a CDN');
    assert.deepEqual(errors, [], 'page errors');
    if (process.env.TSDL_SCREENSHOTS) await box.screenshot({ path: path.join(process.env.TSDL_SCREENSHOTS, 'report-explorer.png') });
  } finally {
    await browser.close();
  }
});
