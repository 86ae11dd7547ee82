/**
 * `tsdl run`: executes notebooks with the tsdl kernel through nbconvert, in each notebook's own
 * folder (so the kernel roots at the notebook's project), and writes the executed notebook, a
 * self-contained HTML report and the notebook's metrics per notebook. Parameters reach the notebooks
 * as JSON in TSDL_PARAMS, never as code. Exits non-zero, printing the failing cell, when any fails.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { installKernel } from '../kernel-install';
import { packageRoot } from '../../util/package-root';
import { findJupyterPython, QUIET_ENV } from '../jupyter';
import { parseRunArgs, type ParamValue } from './args';
import { inlinePlotly, inlineWidgets } from './html';
import { cellError, formatTable, runFailure, summarise, type NotebookResult } from './report';

/** The notebooks named by `paths` (files, or folders standing for their *.ipynb), filtered by `only`. */
export function listNotebooks(paths: string[], only: string[], cwd = process.cwd()): string[] {
  const files: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new Error(`${abs}: no such notebook or folder. Pass .ipynb files or folders that hold them.`);
    }
    if (st.isDirectory()) {
      files.push(...fs.readdirSync(abs).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(abs, f)));
    } else if (abs.endsWith('.ipynb')) files.push(abs);
    else throw new Error(`${abs} is not a notebook: expected a .ipynb file or a folder of them.`);
  }
  if (files.length === 0) throw new Error(`no notebooks (*.ipynb) in ${paths.join(', ') || cwd}.`);
  const names = new Map<string, string>();
  for (const f of files) {
    const name = path.basename(f, '.ipynb');
    if (names.has(name) && names.get(name) !== f) {
      throw new Error(`two notebooks are named ${name} (${names.get(name)} and ${f}); their reports would overwrite each other. Run them with different --out folders.`);
    }
    names.set(name, f);
  }
  if (only.length === 0) return files;
  const picked = files.filter((f) => only.some((o) => path.basename(f, '.ipynb').includes(o.replace(/\.ipynb$/, ''))));
  if (picked.length === 0) {
    throw new Error(`--only ${only.join(',')} matched no notebook; there are: ${files.map((f) => path.basename(f, '.ipynb')).join(', ')}.`);
  }
  return picked;
}

interface Ctx {
  env: NodeJS.ProcessEnv;
  python: string;
  out: string;
  smoke: boolean;
  params: Record<string, ParamValue>;
  lenientParams: boolean;
  timeout: number;
}

function run(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (err) => resolve({ status: 127, stdout, stderr: stderr + String(err) }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * `jupyter nbconvert ARGS`, through python/run_nbconvert.py: it fixes a lost wakeup in
 * jupyter_client that can otherwise hang an execution with Output widgets for good.
 */
function nbconvert(ctx: Ctx, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return run(ctx.python, [path.join(packageRoot(), 'python', 'run_nbconvert.py'), ...args], options);
}

async function runNotebook(file: string, ctx: Ctx): Promise<NotebookResult> {
  const started = Date.now();
  const name = path.basename(file, '.ipynb');
  const metricsFile = path.join(ctx.out, `${name}.metrics.json`);
  fs.rmSync(metricsFile, { force: true }); // stale metrics must not pass for this run's
  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    TSDL_NOTEBOOK: name,
    TSDL_METRICS_FILE: metricsFile,
    TSDL_PARAMS: JSON.stringify(ctx.params),
  };
  if (ctx.smoke) env.TSDL_SMOKE = '1';
  else delete env.TSDL_SMOKE;
  if (ctx.lenientParams) env.TSDL_PARAMS_UNKNOWN = 'ignore';
  const exec = await nbconvert(ctx, ['--to', 'notebook', '--execute',
    '--ExecutePreprocessor.kernel_name=tsdl', `--ExecutePreprocessor.timeout=${ctx.timeout}`,
    // Widgets' state goes into the notebook's metadata, so the HTML report can show them (html.ts).
    '--ExecutePreprocessor.store_widget_state=True',
    '--output', name, '--output-dir', ctx.out, file], { cwd: path.dirname(file), env });
  const result: NotebookResult = { name, seconds: 0, ok: exec.status === 0, error: null, metrics: null };
  if (!result.ok) {
    result.error = cellError(exec.stderr) || runFailure(exec.stderr, exec.status);
  } else {
    const html = await nbconvert(ctx, ['--to', 'html',
      '--output', name, '--output-dir', ctx.out, path.join(ctx.out, `${name}.ipynb`)], { cwd: ctx.out, env });
    if (html.status !== 0) {
      result.ok = false;
      result.error = `HTML export failed:\n${html.stderr.trim().split('\n').slice(-20).join('\n')}`;
    } else {
      const htmlFile = path.join(ctx.out, `${name}.html`);
      fs.writeFileSync(htmlFile, inlineWidgets(inlinePlotly(fs.readFileSync(htmlFile, 'utf8'))));
    }
    if (fs.existsSync(metricsFile)) result.metrics = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
    else if (result.ok) {
      result.ok = false;
      result.error = `${name} ran but wrote no ${metricsFile}: its last cell must call saveMetrics(...).`;
    }
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** `tsdl run ...`; returns the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  if (!opts) return 0;
  const t0 = Date.now();
  const files = listNotebooks(opts.paths, opts.only);
  const out = path.resolve(opts.out ?? 'reports');
  fs.mkdirSync(out, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...QUIET_ENV };
  const python = findJupyterPython(env);
  // A private kernelspec for this installation, so the run never picks up another tsdl.
  const dataDir = opts.install ? fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-run-')) : null;
  try {
    if (dataDir) {
      installKernel({ dataDir });
      env.JUPYTER_PATH = [dataDir, env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
    }
    const ctx: Ctx = {
      env, python, out,
      smoke: opts.smoke,
      params: opts.params,
      lenientParams: files.length > 1,
      timeout: opts.timeout ?? (opts.smoke ? 600 : 7200),
    };
    console.log(`tsdl run: ${files.length} notebook(s)${opts.smoke ? ' (smoke)' : ''}, reports in ${out}` +
      (Object.keys(opts.params).length ? `, parameters ${JSON.stringify(opts.params)}` : ''));
    const results: NotebookResult[] = [];
    for (const file of files) {
      process.stdout.write(`▶ ${path.basename(file, '.ipynb')} … `);
      const r = await runNotebook(file, ctx);
      results.push(r);
      console.log(r.ok ? `ok (${r.seconds.toFixed(1)} s)` : `FAILED (${r.seconds.toFixed(1)} s)`);
      if (!r.ok) console.error(`\n${r.name}: ${r.error}\n`);
    }
    const total = (Date.now() - t0) / 1000;
    console.log('\n' + formatTable(results.map(summarise)));
    console.log(`\nTotal wall time: ${total.toFixed(1)} s (${(total / 60).toFixed(1)} min)`);
    // -p keys that no notebook knew are most likely typos: say so.
    const ran = results.filter((r) => r.metrics);
    const unused = Object.keys(opts.params).filter((k) => ran.length > 0 && ran.every((r) => ((r.metrics!.ignoredParams as string[]) || []).includes(k)));
    if (unused.length) console.warn(`Warning: no notebook has parameter(s) ${unused.join(', ')}; they were ignored.`);
    const failed = results.filter((r) => !r.ok);
    if (failed.length) {
      // The errors were printed as they happened; repeat only the first, next to the verdict.
      console.error(`\n${failed.length} notebook(s) failed: ${failed.map((r) => r.name).join(', ')}. First error (${failed[0].name}):\n${failed[0].error}`);
      return 1;
    }
    return 0;
  } finally {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
