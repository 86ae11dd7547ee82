// End to end, the way a user works: start Debian's Jupyter Notebook (loopback, a token) with the
// tsdl kernelspec, open notebook 1 in headless Chromium, run all cells from the Cell menu, and check
// that its charts appear. The kernel runs the notebook's smoke settings (TSDL_SMOKE=1 in the
// server's environment) and writes its metrics to a temporary file; autosave is switched off so the
// notebook on disk is left untouched; the server is stopped at the end.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { CHARTS, root, launchChromium, freePort, sleep } from './helpers';

const NAME = '01-activation-functions';
const notebookFile = path.join(root, 'notebooks', `${NAME}.ipynb`);
const checkpoints = path.join(root, 'notebooks', '.ipynb_checkpoints');

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.pid === undefined) return;
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  server.kill('SIGTERM');
  const timeout = sleep(10000).then(() => { if (server.exitCode === null) server.kill('SIGKILL'); });
  await Promise.race([exited, timeout]);
}

test('Jupyter Notebook runs notebook 1 with the tsdl kernel and shows its charts', { timeout: 8 * 60 * 1000 }, async () => {
  const version = spawnSync('/usr/bin/python3', ['-m', 'notebook', '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, `Jupyter Notebook is not installed for /usr/bin/python3 (Debian: jupyter-notebook): ${version.stderr}`);
  // These selectors are the classic Notebook's (Debian ships 6.x); Notebook 7 is a JupyterLab UI.
  assert.match(version.stdout.trim(), /^[56]\./, `expected classic Notebook 5/6, found ${version.stdout.trim()}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-e2e-'));
  const dataDir = path.join(tmp, 'jupyter-data');
  const install = spawnSync(process.execPath, [path.join(root, 'scripts', 'kernel-install.js'), '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(install.status, 0, `kernel-install failed: ${install.stdout}${install.stderr}`);

  const before = fs.readFileSync(notebookFile);
  const hadCheckpoints = fs.existsSync(checkpoints);
  const metricsFile = path.join(tmp, `${NAME}.metrics.json`);
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  let log = '';
  const server = spawn('/usr/bin/python3', ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`,
    '--NotebookApp.port_retries=0', `--NotebookApp.token=${token}`, `--notebook-dir=${root}`,
    // CI containers run as root, which the server refuses without this flag.
    ...(process.getuid && process.getuid() === 0 ? ['--allow-root'] : [])], {
    cwd: root,
    env: {
      ...process.env,
      JUPYTER_PATH: dataDir,
      JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
      JUPYTER_DATA_DIR: path.join(tmp, 'data'),
      TSDL_SMOKE: '1',
      TSDL_NOTEBOOK: NAME,
      TSDL_METRICS_FILE: metricsFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => { log += d; });
  server.stderr!.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    let up = false;
    for (let i = 0; i < 60 && !up && server.exitCode === null; i++) {
      up = (await get(`${base}/api/status?token=${token}`)) === 200;
      if (!up) await sleep(500);
    }
    assert.ok(up, `the notebook server did not answer on ${base}:\n${log.slice(-3000)}`);
    assert.equal(await get(`${base}/api/status`), 403, 'the server must refuse requests without the token');

    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/notebooks/notebooks/${NAME}.ipynb?token=${token}`, { waitUntil: 'load', timeout: 60000 });
    await page.waitForFunction(() => {
      const J = (window as any).Jupyter;
      return !!(J && J.notebook && J.notebook.kernel && J.notebook.kernel.is_connected());
    }, undefined, { timeout: 90000 });
    const kernelName = await page.evaluate(() => (window as any).Jupyter.notebook.kernel.name);
    assert.equal(kernelName, 'tsdl');
    // Never write the executed notebook back into the repository.
    await page.evaluate(() => (window as any).Jupyter.notebook.set_autosave_interval(0));

    // Wait until the kernel reports idle, then run all cells the way a user does: Cell → Run All.
    await page.waitForSelector('#kernel_indicator_icon.kernel_idle_icon', { timeout: 90000 });
    await page.click('#celllink');
    await page.click('#run_all_cells > a');

    const codeCells = await page.evaluate(() => (window as any).Jupyter.notebook.get_cells().filter((c: any) => c.cell_type === 'code').length);
    const finished = await page.waitForFunction((n) => {
      const cells = (window as any).Jupyter.notebook.get_cells().filter((c: any) => c.cell_type === 'code');
      const done = cells.filter((c: any) => typeof c.input_prompt_number === 'number').length;
      return document.querySelector('.output_error') !== null || done === n;
    }, codeCells, { timeout: 5 * 60 * 1000, polling: 1000 }).then(() => true, () => false);
    if (!finished) {
      const state = await page.evaluate(() => (window as any).Jupyter.notebook.get_cells()
        .filter((c: any) => c.cell_type === 'code')
        .map((c: any, i: number) => `cell ${i}: prompt ${String(c.input_prompt_number)}, ${c.output_area.outputs.length} output(s)`).join('\n'));
      const kernelState = await page.evaluate(() => document.querySelector('#kernel_indicator_icon')?.className ?? '?');
      assert.fail(`Run All did not finish within 5 minutes (kernel indicator: ${kernelState}):\n${state}\nserver log:\n${log.slice(-3000)}`);
    }

    const error = await page.evaluate(() => document.querySelector('.output_error')?.textContent ?? null);
    assert.equal(error, null, `a cell failed in the browser: ${error}`);
    await page.waitForFunction(() => document.querySelectorAll('.output_area .js-plotly-plot .main-svg').length >= 5, undefined, { timeout: 60000 })
      .catch(() => undefined);
    const plots = await page.evaluate(() => document.querySelectorAll('.output_area .js-plotly-plot').length);
    const metrics = fs.existsSync(metricsFile) ? JSON.parse(fs.readFileSync(metricsFile, 'utf8')) : null;
    assert.ok(metrics, 'the last cell did not write its metrics');
    const expected = CHARTS['01-activation-functions'];
    assert.ok(plots >= expected, `expected ${expected} charts in the page, found ${plots}; page errors: ${pageErrors.join(' | ') || 'none'}`);
    const markdownConclusion = await page.evaluate(() => Array.from(document.querySelectorAll('.output_markdown')).map((e) => e.textContent).join('\n'));
    assert.match(markdownConclusion, /The sigmoid.s slope peaks at 0\.2500/, "the computed conclusions should render as Markdown");
    await page.evaluate(() => (window as any).Jupyter.notebook.kernel.kill());
  } finally {
    if (browser) await browser.close();
    await stop(server);
    assert.ok(fs.readFileSync(notebookFile).equals(before), `${notebookFile} was modified by the test`);
    if (!hadCheckpoints) fs.rmSync(checkpoints, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
