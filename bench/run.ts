/**
 * `npm run bench`: trains the workloads for a fixed number of steps on each available tfjs backend
 * and on PyTorch in the same run, prints ms/step, s/epoch (50,000 samples), achieved GFLOP/s of the
 * step's matrix products and convolutions beside the machine's measured sgemm peak (bench/peak.ts),
 * RSS, the ratio to PyTorch at its best (fastest of OPENBLAS_NUM_THREADS 1/2 × torch threads 1/2),
 * checks the tensor count stays constant, and writes reports/bench.json.
 *
 * Flags: --steps N (steps per workload on wasm/tensorflow; cpu runs a tenth, at least 1)
 *        --cpu-steps N, --backends tensorflow,wasm-stock,wasm,wasm-1t,wasm+blas,wasm+blas-1t,cpu,
 *        --workloads mlp,cnn (also `act`: notebook 05's CNN once per activation; `all`),
 *        --quick (few steps: a smoke run), --rounds R (repeat and keep each row's fastest round),
 *        --no-torch, --before DIR (also run DIR's bench/worker.ts — another checkout, e.g. the
 *        last release — as `before:<backend>` rows, --before-backends, default wasm+blas).
 *        Env TSDL_PYTHON picks the Python that has torch (default /usr/bin/python3).
 *
 * Each measurement runs in its own process (bench/worker.ts) so backends and RSS don't mix. The
 * machine may be shared: compare ratios within one run, not absolute times across runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NB05_ACTIVATIONS, WORKLOADS, type WorkloadName } from './workloads';
import type { WorkerResult } from './worker';

const ROOT = path.resolve(__dirname, '..');
const EPOCH_SAMPLES = 50_000;

export interface BenchRecord {
  workload: WorkloadName;
  backend: string;
  ms_per_step: number | null;
  s_per_epoch: number | null;
  rss_mib: number | null;
  ratio_to_pytorch: number | null;
  /** Achieved GFLOP/s of the step's matrix products and convolutions (Workload.flops / time). */
  gflops: number | null;
  steps: number;
  /** notebook-05 CNN rows: s/epoch relative to the same backend's ReLU row. */
  ratio_to_relu?: number | null;
  rss_start_mib?: number;
  tensors_before?: number;
  tensors_after?: number;
  first_loss?: number | null;
  last_loss?: number | null;
  note?: string;
  /** 'yes' when the row's step was the fused one (src/train/fused/), else why not. */
  fused?: string;
}

/** Node arguments that run a sibling script: the .ts source through tsx in a checkout, the compiled .js in an installed package. */
function script(name: string): string[] {
  return __filename.endsWith('.ts') ? ['--import', 'tsx', path.join(__dirname, `${name}.ts`)] : [path.join(__dirname, `${name}.js`)];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const has = (name: string) => process.argv.includes(`--${name}`);

function parseResults(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
}

/** Environment of each row: which tsdl kernels, how many threads. */
const BACKEND_ENV: Record<string, NodeJS.ProcessEnv> = {
  wasm: { TSDL_BLAS: 'off' },
  'wasm-1t': { TSDL_BLAS: 'off', TSDL_WASM_THREADS: '1' },
  'wasm+blas': {},
  'wasm+blas-1t': { TSDL_BLAS_THREADS: '1', TSDL_WASM_THREADS: '1' },
  'wasm+blas-tfjs': { TSDL_FUSED_STEP: 'off' },
};

/** A row's backend and the checkout whose worker runs it (`before:wasm+blas` → --before's). */
function rowOf(backend: string): { backend: string; root?: string } {
  if (!backend.startsWith('before:')) return { backend };
  const root = flag('before');
  if (!root) throw new Error(`bench: row ${backend} needs --before DIR (a checkout with bench/worker.ts)`);
  return { backend: backend.slice('before:'.length), root: path.resolve(root) };
}

function runWorker(row: string, workload: WorkloadName, steps: number): WorkerResult {
  const { backend, root } = rowOf(row);
  const env: NodeJS.ProcessEnv = { ...process.env, TSDL_BACKEND: backend.startsWith('wasm') ? 'wasm' : backend, ...(BACKEND_ENV[backend] ?? {}) };
  const args = root ? ['--import', 'tsx', path.join(root, 'bench', 'worker.ts')] : script('worker');
  const r = spawnSync(process.execPath, [...args, '--backend', backend, '--workload', workload, '--steps', String(steps)], {
    cwd: root ?? ROOT, env, encoding: 'utf8', maxBuffer: 1 << 24, timeout: 30 * 60_000,
  });
  const [res] = parseResults(r.stdout ?? '');
  if (res) return { ...(res as unknown as WorkerResult), backend: row };
  const why = (r.stderr || r.stdout || String(r.error ?? `exit ${r.status}`)).trim().split('\n').slice(-3).join(' | ');
  return { workload, backend: row, steps, ms_per_step: null, rss_mib: 0, tensors_before: 0, tensors_after: 0, first_loss: null, last_loss: null, error: why };
}

function runPeak(): Record<string, unknown> {
  const r = spawnSync(process.execPath, script('peak'), { cwd: ROOT, env: process.env, encoding: 'utf8', timeout: 5 * 60_000 });
  return parseResults(r.stdout ?? '')[0] ?? { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-2).join(' | ') };
}

/** One PyTorch configuration: OPENBLAS_NUM_THREADS and torch's intra-op threads. */
function runTorch(workloads: WorkloadName[], steps: number, openblasThreads: number, threads: number): { results: Record<string, unknown>[]; error?: string } {
  const python = process.env.TSDL_PYTHON ?? '/usr/bin/python3';
  if (python.includes('/') && !fs.existsSync(python)) return { results: [], error: `${python} not found (set TSDL_PYTHON to a Python with torch)` };
  const r = spawnSync(python, [path.join(__dirname, 'torch_bench.py'), '--workloads', workloads.join(','), '--steps', String(steps), '--threads', String(threads)], {
    cwd: ROOT, env: { ...process.env, OPENBLAS_NUM_THREADS: String(openblasThreads), OMP_NUM_THREADS: String(threads) }, encoding: 'utf8', timeout: 30 * 60_000,
  });
  if (r.error) return { results: [], error: `${python}: ${r.error.message}` };
  const results = parseResults(r.stdout ?? '').filter((x) => !x.error || x.workload);
  const err = results.find((x) => x.error && !x.workload);
  if (err) return { results: [], error: String(err.error) };
  if (results.length === 0) return { results: [], error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-2).join(' | ') };
  return { results: results.filter((x) => !x.error) };
}

function fmt(n: number | null | undefined, digits = 1): string {
  return n == null || !Number.isFinite(n) ? '—' : n.toFixed(digits);
}

function printTable(records: BenchRecord[], peak: number | null): void {
  const head = ['workload', 'backend', 'ms/step', 's/epoch', 'GFLOP/s', '% peak', 'RSS MiB (start→end)', '× PyTorch', '× ReLU', 'tensors (start→end)', 'note'];
  const rows = records.map((r) => [
    r.workload, r.backend, fmt(r.ms_per_step), fmt(r.s_per_epoch, 2), fmt(r.gflops, 1), r.gflops != null && peak ? `${((100 * r.gflops) / peak).toFixed(0)}%` : '—',
    r.rss_start_mib == null ? fmt(r.rss_mib, 0) : `${fmt(r.rss_start_mib, 0)}→${fmt(r.rss_mib, 0)}`, r.ratio_to_pytorch == null ? '—' : `${r.ratio_to_pytorch.toFixed(2)}×`,
    r.ratio_to_relu == null ? '' : `${r.ratio_to_relu.toFixed(2)}×`,
    r.tensors_before == null ? '' : `${r.tensors_before}→${r.tensors_after}${r.tensors_before === r.tensors_after ? ' ok' : ' LEAK'}`,
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.forEach((row) => console.log(line(row)));
}

function expandWorkloads(list: string[]): WorkloadName[] {
  const out: WorkloadName[] = [];
  for (const w of list) {
    const names = w === 'act' ? NB05_ACTIVATIONS.map((a) => `cnn05-${a}` as WorkloadName) : w === 'all' ? ['mlp', 'cnn', ...NB05_ACTIVATIONS.map((a) => `cnn05-${a}`)] as WorkloadName[] : [w as WorkloadName];
    for (const n of names) {
      if (!WORKLOADS[n]) throw new Error(`bench: unknown workload '${n}'; use mlp, cnn, act (notebook 05's activations), all, or one of ${Object.keys(WORKLOADS).join(', ')}.`);
      if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}

/** The notebook-05 rows are about the activations on tsdl's fastest path: only these backends run them. */
const ACT_BACKENDS = ['tensorflow', 'wasm', 'wasm+blas', 'wasm+blas-tfjs', 'before:wasm+blas'];

function main(): void {
  const quick = has('quick');
  const steps = Number(flag('steps') ?? (quick ? 10 : 60));
  const cpuSteps = Number(flag('cpu-steps') ?? Math.max(1, Math.floor(steps / 10)));
  const rounds = Number(flag('rounds') ?? 1);
  const backends = (flag('backends') ?? 'tensorflow,wasm-stock,wasm,wasm-1t,wasm+blas,wasm+blas-tfjs,wasm+blas-1t,cpu').split(',').filter(Boolean);
  if (flag('before')) backends.push(...(flag('before-backends') ?? 'wasm+blas').split(',').filter(Boolean).map((b) => `before:${b}`));
  const workloads = expandWorkloads((flag('workloads') ?? 'mlp,cnn').split(',').filter(Boolean));
  const withTorch = !has('no-torch');
  const stepsFor = (backend: string, w: WorkloadName) => (backend === 'cpu' ? (w === 'mlp' ? cpuSteps : Math.max(1, Math.floor(cpuSteps / 5))) : steps);
  const runs = (backend: string, w: WorkloadName) => !w.startsWith('cnn05-') || ACT_BACKENDS.includes(backend);

  console.log(`tsdl bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
  console.log(`steps: ${steps} (cpu: mlp ${stepsFor('cpu', 'mlp')}, cnn ${stepsFor('cpu', 'cnn')}), rounds: ${rounds}; epoch = ${EPOCH_SAMPLES} samples\n`);

  const best = new Map<string, WorkerResult | Record<string, unknown>>();
  const keep = (key: string, r: WorkerResult | Record<string, unknown>) => {
    const prev = best.get(key) as { ms_per_step?: number | null } | undefined;
    const ms = (r as { ms_per_step?: number | null }).ms_per_step;
    if (!prev || prev.ms_per_step == null || (ms != null && ms < prev.ms_per_step)) best.set(key, r);
  };
  let torchError: string | undefined;
  let peak: Record<string, unknown> = {};
  for (let round = 0; round < rounds; round++) {
    const p = runPeak();
    if (!peak.peak_gflops || (typeof p.peak_gflops === 'number' && p.peak_gflops > (peak.peak_gflops as number))) peak = p;
    console.log(`round ${round + 1}: sgemm peak ${p.error ? `unavailable (${p.error})` : `${fmt(p.peak_gflops as number)} GFLOP/s on ${p.threads} thread(s), ${fmt(p.peak_1t_gflops as number)} on 1 (${p.library})`}`);
    if (withTorch) {
      // PyTorch at its best: every combination of OpenBLAS and torch threads, fastest per workload.
      for (const openblas of [1, 2]) {
        for (const threads of [1, 2]) {
          process.stdout.write(`round ${round + 1}: pytorch, OPENBLAS_NUM_THREADS=${openblas}, ${threads} torch thread(s) ... `);
          const t = runTorch(workloads, steps, openblas, threads);
          torchError = t.error;
          t.results.forEach((r) => keep(`${r.workload}/pytorch`, r));
          console.log(t.error ? `skipped: ${t.error}` : t.results.map((r) => `${r.workload} ${fmt(r.ms_per_step as number)}`).join(', ') + ' ms/step');
          if (t.error) break;
        }
        if (torchError) break;
      }
    }
    for (const backend of backends) {
      for (const w of workloads) {
        if (!runs(backend, w)) continue;
        if (round > 0 && backend === 'cpu') continue; // one cpu round is plenty (and slow)
        process.stdout.write(`round ${round + 1}: ${backend} ${w} (${stepsFor(backend, w)} steps) ... `);
        const r = runWorker(backend, w, stepsFor(backend, w));
        keep(`${w}/${backend}`, r);
        console.log(r.error ? `${backend === 'tensorflow' ? 'skipped' : 'failed'}: ${r.error}` : `${fmt(r.ms_per_step)} ms/step${r.threads ? ` (${r.threads} XNNPACK thread${r.threads > 1 ? 's' : ''}${r.blas_threads ? `, BLAS ${r.blas_threads}` : ''})` : ''}`);
      }
    }
  }

  const peakGflops = typeof peak.peak_gflops === 'number' ? peak.peak_gflops : null;
  const gflopsOf = (w: WorkloadName, ms: number | null) => (ms == null ? null : WORKLOADS[w].flops / (ms / 1000) / 1e9);
  const records: BenchRecord[] = [];
  for (const w of workloads) {
    const perEpoch = Math.ceil(EPOCH_SAMPLES / WORKLOADS[w].batchSize);
    const torch = best.get(`${w}/pytorch`) as { ms_per_step: number; rss_mib: number; steps: number; first_loss: number; last_loss: number; threads: number; openblas_threads: string } | undefined;
    const torchMs = torch?.ms_per_step ?? null;
    if (withTorch) {
      records.push({
        workload: w, backend: 'pytorch', ms_per_step: torchMs, s_per_epoch: torchMs == null ? null : (torchMs * perEpoch) / 1000,
        rss_mib: torch?.rss_mib ?? null, ratio_to_pytorch: torchMs == null ? null : 1, gflops: gflopsOf(w, torchMs), steps: torch?.steps ?? 0,
        first_loss: torch?.first_loss ?? null, last_loss: torch?.last_loss ?? null,
        ...(torchError && !torch ? { note: `PyTorch column skipped: ${torchError}` } : { note: `best of 4: torch ${torch?.threads} thread(s), OPENBLAS_NUM_THREADS=${torch?.openblas_threads}` }),
      });
    }
    for (const backend of backends) {
      if (!runs(backend, w)) continue;
      const r = best.get(`${w}/${backend}`) as WorkerResult;
      const ms = r.ms_per_step;
      records.push({
        workload: w, backend, ms_per_step: ms, s_per_epoch: ms == null ? null : (ms * perEpoch) / 1000,
        rss_mib: r.error ? null : r.rss_mib, ratio_to_pytorch: ms != null && torchMs ? ms / torchMs : null, gflops: gflopsOf(w, ms), steps: r.steps,
        ...(r.error ? { note: backend === 'tensorflow' ? `skipped: ${r.error}` : r.error } : { rss_start_mib: r.rss_start_mib, tensors_before: r.tensors_before, tensors_after: r.tensors_after, first_loss: r.first_loss, last_loss: r.last_loss }),
        ...(backend === 'wasm-stock' && !r.error ? { note: 'stock tfjs-backend-wasm via tfjs-layers (before)' } : {}),
        ...(backend.startsWith('wasm-') || backend === 'wasm' ? (r.threads ? { note: `tsdl kernels + fast step, XNNPACK ${r.threads} thread(s), no BLAS` } : {}) : {}),
        ...(backend.includes('wasm+blas') && !r.error ? { note: `BLAS ${r.blas_threads ?? '?'} thread(s), XNNPACK ${r.threads ?? '?'}${r.fused ? `; fused step ${r.fused}` : ''}` } : {}),
        ...(r.fused ? { fused: r.fused } : {}),
      });
    }
  }
  // Notebook 05's question: how much slower is each activation than ReLU, per backend.
  for (const r of records) {
    if (!r.workload.startsWith('cnn05-')) continue;
    const relu = records.find((x) => x.workload === 'cnn05-relu' && x.backend === r.backend);
    r.ratio_to_relu = relu?.s_per_epoch && r.s_per_epoch ? r.s_per_epoch / relu.s_per_epoch : null;
  }
  console.log('');
  if (peakGflops) console.log(`Measured peak: sgemm 2048³ through ${peak.library}: ${fmt(peakGflops)} GFLOP/s on ${peak.threads} thread(s), ${fmt(peak.peak_1t_gflops as number)} on 1; the MLP's 128×784·784×512 alone: ${fmt(peak.mlp_gemm_gflops as number)}.\n`);
  else console.log(`Measured peak: unavailable (${peak.error ?? 'no BLAS'}).\n`);
  printTable(records, peakGflops);
  if (withTorch && torchError && !best.has(`${workloads[0]}/pytorch`)) console.log(`\nPyTorch column skipped: ${torchError}`);
  const leaks = records.filter((r) => r.tensors_before != null && r.tensors_before !== r.tensors_after);
  console.log(leaks.length ? `\nTENSOR LEAK in: ${leaks.map((r) => `${r.workload}/${r.backend}`).join(', ')}` : '\nTensor count constant across the timed steps on every backend that ran.');
  const out = path.resolve('reports', 'bench.json'); // the caller's folder (a checkout or a user's project)
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.tmp`, JSON.stringify(records, null, 2) + '\n');
  fs.renameSync(`${out}.tmp`, out);
  const peakOut = path.resolve('reports', 'bench-peak.json');
  fs.writeFileSync(`${peakOut}.tmp`, JSON.stringify(peak, null, 2) + '\n');
  fs.renameSync(`${peakOut}.tmp`, peakOut);
  console.log(`wrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), peakOut)}`);
}

main();
