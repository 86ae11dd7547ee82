#!/usr/bin/env node
// `npm run notebooks`: executes every notebook in notebooks/ with the tsdl kernel through nbconvert
// and writes, per notebook, reports/<name>.ipynb (executed), reports/<name>.html (self-contained)
// and reports/<name>.metrics.json (written by the notebook's saveMetrics call).
// Parameters reach the notebooks as JSON in the TSDL_PARAMS environment variable, never as code.
// Exits non-zero, printing the failing cell and its error, when any cell fails.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { parseArgs, USAGE } = require('./notebooks/args');
const { findJupyterPython } = require('./notebooks/python');
const { inlinePlotly } = require('./notebooks/html');
const { cellError, runFailure, summarise, formatTable } = require('./notebooks/report');

const root = path.resolve(__dirname, '..');

function listNotebooks(notebooksDir, only) {
  const all = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb')).sort()
    .map((f) => f.replace(/\.ipynb$/, ''));
  if (only.length === 0) return all;
  const picked = all.filter((n) => only.some((o) => n.includes(o.replace(/\.ipynb$/, ''))));
  if (picked.length === 0) {
    throw new Error(`--only ${only.join(',')} matched no notebook in ${notebooksDir}; there are: ${all.join(', ')}.`);
  }
  return picked;
}

/** Installs the tsdl kernelspec into <root>/.jupyter-data and returns the JUPYTER_PATH to use. */
function installKernel(env) {
  const dataDir = path.join(root, '.jupyter-data');
  const installer = path.join(root, 'scripts', 'kernel-install.js');
  if (!fs.existsSync(installer)) {
    throw new Error(`${path.relative(root, installer)} is missing, so the tsdl kernel cannot be installed. ` +
      'Use --no-install with a tsdl kernelspec that Jupyter already finds (jupyter kernelspec list).');
  }
  const r = spawnSync(process.execPath, [installer, '--data-dir', dataDir], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`Installing the tsdl kernelspec failed (node scripts/kernel-install.js --data-dir ${dataDir}):\n` +
      `${r.stdout || ''}${r.stderr || ''}`);
  }
  return [dataDir, env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
}

function run(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (options.echo) process.stderr.write(d);
    });
    child.on('error', (err) => resolve({ status: 127, stdout, stderr: stderr + String(err) }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function runNotebook(name, ctx) {
  const started = Date.now();
  const input = path.join(ctx.dir, `${name}.ipynb`);
  const metricsFile = path.join(ctx.out, `${name}.metrics.json`);
  fs.rmSync(metricsFile, { force: true }); // stale metrics must not pass for this run's
  const env = {
    ...ctx.env,
    TSDL_NOTEBOOK: name,
    TSDL_METRICS_FILE: metricsFile,
    TSDL_PARAMS: JSON.stringify(ctx.params),
  };
  if (ctx.smoke) env.TSDL_SMOKE = '1';
  else delete env.TSDL_SMOKE;
  if (ctx.lenientParams) env.TSDL_PARAMS_UNKNOWN = 'ignore';
  const exec = await run(ctx.python, ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute',
    '--ExecutePreprocessor.kernel_name=tsdl', `--ExecutePreprocessor.timeout=${ctx.timeout}`,
    '--output', name, '--output-dir', ctx.out, input], { cwd: ctx.dir, env });
  const result = { name, seconds: 0, ok: exec.status === 0, error: null, metrics: null };
  if (!result.ok) {
    result.error = cellError(exec.stderr) || runFailure(exec.stderr, exec.status);
  } else {
    const html = await run(ctx.python, ['-m', 'jupyter', 'nbconvert', '--to', 'html',
      '--output', name, '--output-dir', ctx.out, path.join(ctx.out, `${name}.ipynb`)], { cwd: ctx.out, env });
    if (html.status !== 0) {
      result.ok = false;
      result.error = `HTML export failed:\n${html.stderr.trim().split('\n').slice(-20).join('\n')}`;
    } else {
      const htmlFile = path.join(ctx.out, `${name}.html`);
      fs.writeFileSync(htmlFile, inlinePlotly(fs.readFileSync(htmlFile, 'utf8')));
    }
    if (fs.existsSync(metricsFile)) result.metrics = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
    else if (result.ok) {
      result.ok = false;
      result.error = `${name} ran but wrote no ${path.relative(root, metricsFile)}: its last cell must call saveMetrics(...).`;
    }
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const t0 = Date.now();
  const dir = path.resolve(opts.dir || path.join(root, 'notebooks'));
  const names = listNotebooks(dir, opts.only);
  const out = path.resolve(opts.out || path.join(root, 'reports'));
  fs.mkdirSync(out, { recursive: true });
  const env = { ...process.env };
  const python = findJupyterPython(env);
  if (opts.install) env.JUPYTER_PATH = installKernel(env);
  const ctx = {
    env, python, out, dir,
    smoke: opts.smoke,
    params: opts.params,
    lenientParams: names.length > 1,
    timeout: opts.timeout || (opts.smoke ? 600 : 7200),
  };
  console.log(`tsdl notebooks: ${names.length} to run${opts.smoke ? ' (smoke)' : ''}, reports in ${out}` +
    (Object.keys(opts.params).length ? `, parameters ${JSON.stringify(opts.params)}` : ''));
  const results = [];
  for (const name of names) {
    process.stdout.write(`▶ ${name} … `);
    const r = await runNotebook(name, ctx);
    results.push(r);
    console.log(r.ok ? `ok (${r.seconds.toFixed(1)} s)` : `FAILED (${r.seconds.toFixed(1)} s)`);
    if (!r.ok) console.error(`\n${name}: ${r.error}\n`);
  }
  const total = (Date.now() - t0) / 1000;
  console.log('\n' + formatTable(results.map(summarise)));
  console.log(`\nTotal wall time: ${total.toFixed(1)} s (${(total / 60).toFixed(1)} min)`);
  // -p keys that no notebook knew are most likely typos: say so.
  const ran = results.filter((r) => r.metrics);
  const unused = Object.keys(opts.params).filter((k) => ran.length > 0 && ran.every((r) => (r.metrics.ignoredParams || []).includes(k)));
  if (unused.length) console.warn(`Warning: no notebook has parameter(s) ${unused.join(', ')}; they were ignored.`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    // The errors were printed as they happened; repeat only the first, next to the verdict.
    console.error(`\n${failed.length} notebook(s) failed: ${failed.map((r) => r.name).join(', ')}. First error (${failed[0].name}):\n${failed[0].error}`);
    return 1;
  }
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
});
