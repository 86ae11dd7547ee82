// Live widgets in a real browser, the way Voilà shows them: Debian's Jupyter Notebook server on
// loopback (a token) serves a page (tests/widgets/page/live.ts, bundled with esbuild) that starts a
// tsdl kernel with @jupyterlab/services and renders its widgets with @jupyter-widgets/html-manager.
// Headless Chromium (playwright-core) drags sliders, picks from a dropdown and clicks buttons; the
// test checks the kernel-side values and the redrawn outputs: a slider + label, notebook 01's
// activation explorer (its cells read from the notebook), and fit's Stop button ending a real
// training run with the best checkpoint restored. Screenshots go to $TSDL_SCREENSHOTS (or a temp dir).
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import type { Browser, Page } from 'playwright-core';
import { root, launchChromium, freePort, sleep } from '../notebooks/helpers';
import { bundleLivePage } from './page/bundle';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-live-'));
const shots = process.env.TSDL_SCREENSHOTS ?? path.join(tmp, 'screenshots');
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let log = '';
const pageErrors: string[] = [];

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

interface RunResult { status: string; text: string; error?: string }
async function exec(code: string): Promise<RunResult> {
  const r = await page.evaluate((c) => (window as any).tsdl.exec(c), code) as RunResult;
  assert.equal(r.status, 'ok', `cell failed in the live kernel: ${r.error}\n${code}\n${r.text}`);
  return r;
}

/** Drags a slider's handle to `fraction` of its track with the mouse. */
async function drag(slider: import('playwright-core').Locator, fraction: number): Promise<void> {
  const handle = slider.locator('.noUi-handle');
  const track = await slider.locator('.noUi-base').boundingBox();
  const box = await handle.boundingBox();
  assert.ok(track && box, 'slider has no track or handle on the page');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  const steps = 8;
  const target = track.x + track.width * fraction;
  for (let i = 1; i <= steps; i++) await page.mouse.move(box.x + box.width / 2 + (target - box.x - box.width / 2) * i / steps, box.y + box.height / 2);
  await page.mouse.up();
}

const missing = (() => {
  const v = spawnSync('/usr/bin/python3', ['-m', 'notebook', '--version'], { encoding: 'utf8' });
  if (v.status !== 0) return `Jupyter Notebook is not installed for /usr/bin/python3 (Debian: jupyter-notebook)`;
  return fs.existsSync('/usr/bin/chromium') ? null : '/usr/bin/chromium is missing (Debian: chromium)';
})();

before(async () => {
  if (missing) return;
  const staticDir = path.join(tmp, 'static');
  await bundleLivePage(staticDir);
  const dataDir = path.join(tmp, 'jupyter-data');
  const install = spawnSync(process.execPath, [path.join(root, 'scripts', 'kernel-install.js'), '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(install.status, 0, `kernel-install failed: ${install.stdout}${install.stderr}`);
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  server = spawn('/usr/bin/python3', ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--NotebookApp.port_retries=0',
    `--NotebookApp.token=${token}`, `--notebook-dir=${path.join(root, 'notebooks')}`, `--NotebookApp.extra_static_paths=["${staticDir}"]`,
    ...(process.getuid && process.getuid() === 0 ? ['--allow-root'] : [])], {
    cwd: root,
    env: {
      ...process.env, JUPYTER_PATH: dataDir, JUPYTER_CONFIG_DIR: path.join(tmp, 'config'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
      JUPYTER_DATA_DIR: path.join(tmp, 'data'), TSDL_SMOKE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => { log += d; });
  server.stderr!.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  let up = false;
  for (let i = 0; i < 60 && !up && server.exitCode === null; i++) {
    up = (await get(`${base}/api/status?token=${token}`)) === 200;
    if (!up) await sleep(500);
  }
  assert.ok(up, `the notebook server did not answer on ${base}:\n${log.slice(-3000)}`);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
  // Only the loopback server: nothing may come from the internet.
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${base}/static/tsdl-live.html?token=${token}`, { waitUntil: 'load', timeout: 60000 });
  await page.waitForFunction(() => document.documentElement.dataset.ready, undefined, { timeout: 90000 });
  const ready = await page.evaluate(() => document.documentElement.dataset.ready);
  assert.equal(ready, 'yes', `the page could not start a kernel: ${await page.evaluate(() => document.body.innerText)}\n${log.slice(-3000)}`);
  fs.mkdirSync(shots, { recursive: true });
});

after(async () => {
  try {
    if (page) await page.evaluate(() => (window as any).tsdl?.shutdown()).catch(() => undefined);
    if (browser) await browser.close();
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise<void>((r) => server!.once('exit', () => r()));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(10000).then(() => { if (server!.exitCode === null) server!.kill('SIGKILL'); })]);
    }
    if (!process.env.TSDL_SCREENSHOTS) fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a slider moved in the browser changes the kernel-side value and the output the kernel redraws', { skip: missing ?? false, timeout: 180_000 }, async () => {
  await exec('import * as dl from "tsdl";\n'
    + 'const n = new dl.widgets.IntSlider({ min: 0, max: 20, value: 2, description: "n" });\n'
    + 'const square = new dl.widgets.Label({ value: "n² = 4", domClasses: ["square"] });\n'
    + 'n.observe("value", (c) => { square.value = `n² = ${c.value * c.value}`; });\n'
    + 'dl.display(new dl.widgets.HBox([n, square]));');
  const slider = page.locator('.widget-slider').first();
  await slider.waitFor({ timeout: 30000 });
  const square = page.locator('.square');
  assert.equal(await square.innerText(), 'n² = 4');
  await drag(slider, 0.75);
  // Dragging sends several values; wait until the kernel's redraw matches the value the slider ended on.
  await page.waitForFunction(() => {
    const shown = Number(document.querySelector('.widget-readout')?.textContent?.trim());
    return shown !== 2 && document.querySelector('.square')?.textContent === `n² = ${shown * shown}`;
  }, undefined, { timeout: 20000 });
  const shown = Number((await page.locator('.widget-readout').first().innerText()).trim());
  assert.ok(shown >= 12 && shown <= 18, `the slider should end near 75 % of [0, 20], shows ${shown}`);
  const kernelValue = Number((await exec('console.log(n.value)')).text.trim());
  assert.equal(kernelValue, shown, 'the kernel-side value is the one the browser shows');
  assert.equal(await square.innerText(), `n² = ${kernelValue * kernelValue}`, 'the kernel redrew the label from the new value');
  await page.locator('.widget-hbox').first().screenshot({ path: path.join(shots, 'live-slider.png') });
});

test("notebook 01's activation explorer redraws its curve in place when α, the range or the family change", { skip: missing ?? false, timeout: 240_000 }, async () => {
  const nb = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', '01-activation-functions.ipynb'), 'utf8'));
  const source = (id: string) => {
    const cell = nb.cells.find((c: any) => c.id === id);
    assert.ok(cell, `notebook 01 has no cell ${id}`);
    return cell.source.join('');
  };
  for (const id of ['8d1e1c96', 'a721ccb3']) await exec(source(id)); // import + ready, parameters
  const explorerCell = nb.cells.find((c: any) => c.cell_type === 'code' && c.source.join('').includes('dl.widgets.interact('));
  assert.ok(explorerCell, 'notebook 01 has no explorer cell');
  await exec(explorerCell.source.join(''));
  const box = page.locator('.widget-vbox').last();
  const title = box.locator('.widget-output .gtitle');
  await title.waitFor({ timeout: 60000 });
  assert.match(await title.textContent() ?? '', /Leaky ReLU with α = 0\.30 on \[−5, 5\]/);
  await box.screenshot({ path: path.join(shots, 'live-explorer-initial.png') });
  const derivativeAtLeft = async () => exec('console.log(JSON.stringify(explorer.values))').then((r) => JSON.parse(r.text.trim()));

  // The title the kernel drew must come to match what the slider shows once the drag's updates settle.
  const settled = (what: 'alpha' | 'range') => page.waitForFunction((w) => {
    const readouts = Array.from(document.querySelectorAll('.widget-vbox .widget-readout')).slice(-2).map((e) => e.textContent?.trim() ?? '');
    const t = Array.from(document.querySelectorAll('.widget-output .gtitle')).pop()?.textContent ?? '';
    const r = Number(readouts[1]);
    return w === 'alpha' ? t.includes(`α = ${readouts[0]} `) : t.includes(`on [−${r}, ${r}]`);
  }, what, { timeout: 30000 });
  await drag(box.locator('.widget-slider').nth(0), 0.75);
  await settled('alpha');
  let values = await derivativeAtLeft();
  assert.ok(values.alpha > 1.2 && values.alpha < 1.8, `α should follow the drag to ~75 % of [0, 2]: ${values.alpha}`);
  assert.match((await title.textContent()) ?? '', new RegExp(`α = ${values.alpha.toFixed(2)} `), 'the kernel-side α is the one drawn');
  // The derivative panel's left part now sits at α (leaky ReLU's slope for x < 0).
  const dyLeft = await page.evaluate(() => {
    const plots = document.querySelectorAll('.widget-output .js-plotly-plot');
    const gd = plots[plots.length - 1] as any;
    const d = gd.data.find((t: any) => t.yaxis === 'y2');
    return d.y[0];
  });
  assert.ok(Math.abs(dyLeft - values.alpha) < 1e-4, `f′ left of 0 should be α = ${values.alpha}, the chart shows ${dyLeft}`);

  await box.locator('select').selectOption({ label: 'ELU' });
  await page.waitForFunction(() => (Array.from(document.querySelectorAll('.widget-output .gtitle')).pop()?.textContent ?? '').startsWith('ELU'), undefined, { timeout: 30000 });
  await drag(box.locator('.widget-slider').nth(1), 0.2);
  await settled('range');
  values = await derivativeAtLeft();
  assert.equal(values.family, 'elu');
  assert.ok(values.range < 5, `the range should have shrunk: ${values.range}`);
  assert.equal(await box.locator('.widget-output .js-plotly-plot').count(), 1, 'the output is replaced, not appended to');
  await box.screenshot({ path: path.join(shots, 'live-explorer-elu.png') });
  assert.deepEqual(pageErrors, [], 'page errors');
});

test("fit's Stop button (shown by default with a widget frontend) ends training after the current step, best checkpoint kept", { skip: missing ?? false, timeout: 240_000 }, async () => {
  const id = await page.evaluate((code) => (window as any).tsdl.run(code), [
    'const xs = dl.tf.randomNormal([2048, 16], 0, 1, "float32", 3);',
    'const ys = dl.tf.oneHot(dl.tf.cast(dl.tf.greater(dl.tf.sum(xs, 1), 0), "int32"), 2);',
    'const net = dl.mlp({ inputShape: [16], hidden: 32, classes: 2 });',
    'const dir = require("fs").mkdtempSync(require("path").join(require("os").tmpdir(), "tsdl-live-stop-"));',
    'const run = await dl.fit(net, { x: xs, y: ys }, { epochs: 500, batchSize: 32, liveChart: false, checkpoint: { dir, monitor: "loss" } });',
    'require("fs").rmSync(dir, { recursive: true, force: true });',
    'console.log("RESULT " + JSON.stringify({ stopped: run.stopped, epochs: run.records.length, best: run.best }));',
  ].join('\n'));
  const button = page.locator('.widget-button', { hasText: 'Stop training' });
  await button.waitFor({ timeout: 90000 });
  await page.waitForFunction(() => /epoch [3-9]\d*\/500|epoch \d{2,}\/500/.test(document.body.innerText), undefined, { timeout: 120000 });
  await page.locator('#outputs').screenshot({ path: path.join(shots, 'live-fit-stop-button.png') });
  await button.click();
  const r = await page.evaluate((i) => (window as any).tsdl.wait(i), id) as RunResult;
  assert.equal(r.status, 'ok', `the training cell failed: ${r.error}\n${r.text.slice(-2000)}`);
  const line = r.text.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no result printed:\n${r.text.slice(-2000)}`);
  const result = JSON.parse(line.slice(7));
  assert.match(result.stopped?.reason ?? '', /Stop button/);
  assert.ok(result.epochs >= 3 && result.epochs < 500, `stopped after ${result.epochs} epochs`);
  assert.ok(result.best?.restored, `best checkpoint restored: ${JSON.stringify(result.best)}`);
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.widget-button')).some((b) => /Stopped \(epoch \d+\)/.test(b.textContent ?? '') && (b as HTMLButtonElement).disabled), undefined, { timeout: 20000 });
  await page.locator('#outputs').screenshot({ path: path.join(shots, 'live-fit-stopped.png') });
});
