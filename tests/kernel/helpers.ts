// Shared helpers for the kernel tests: a kernelspec installed into a temporary Jupyter data dir,
// and Python (Jupyter's) clients that drive it.
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PYTHON = process.env.TSDL_PYTHON ?? '/usr/bin/python3';
export const KERNEL_DIR = __dirname;

/** Why the Jupyter-based tests cannot run here, or null when /usr/bin/python3 has jupyter_client. */
export function jupyterMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import jupyter_client, nbformat'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return `${PYTHON} cannot import jupyter_client/nbformat (${r.error?.message ?? r.stderr.trim()}); install Jupyter (see README)`;
  }
  return null;
}

export interface KernelEnv {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/**
 * Installs kernelspec `tsdl` with scripts/kernel-install.js --data-dir into a fresh temp dir.
 * TSDL_TEST_LAUNCHER=/other/checkout/kernel/launch.js runs the tests against another kernel (e.g.
 * an older commit's, to see a test fail before a fix).
 */
export function installKernel(): KernelEnv {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-jupyter-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'kernel-install.js'), '--data-dir', dataDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kernel-install --data-dir failed: ${r.stderr}${r.stdout}`);
  const launcher = process.env.TSDL_TEST_LAUNCHER;
  if (launcher) {
    const file = path.join(dataDir, 'kernels', 'tsdl', 'kernel.json');
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    spec.argv[1] = path.resolve(launcher);
    fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  }
  const env = { ...process.env, JUPYTER_PATH: dataDir, JUPYTER_DATA_DIR: dataDir, JUPYTER_RUNTIME_DIR: path.join(dataDir, 'runtime'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  return { dataDir, env, cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

/** A step of tests/kernel/client.py (see its docstring): execute by default, or another request. */
export interface Step {
  code?: string;
  interrupt_after?: number;
  timeout?: number;
  allow_stdin?: boolean;
  stdin?: string[];
  user_expressions?: Record<string, string>;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
  expect_exit?: boolean;
  heartbeat_after?: number;
  queue?: string[];
  is_complete?: string;
  inspect?: string;
  complete?: string;
  cursor_pos?: number;
  replay?: string;
  sleep?: number;
}
export interface Output {
  msg_type: string;
  content: Record<string, any>;
}
export interface StepResult {
  reply: Record<string, any>;
  outputs: Output[];
  input_requests?: Array<{ prompt: string; password: boolean }>;
  latency_s?: number;
  /** How long the heartbeat took to answer (heartbeat_after), or null when it did not. */
  heartbeat_s?: number | null;
  replies?: any;
  alive?: boolean;
  /** Set when the step failed in the client (e.g. a timeout); later steps did not run. */
  error?: string;
}

export interface LateOutput extends Output {
  /** The step whose request the message names as parent. */
  step: number;
}

export interface Session {
  startS: number;
  pid: number | null;
  /** Whether the kernel was still alive after the last step. */
  alive: boolean;
  steps: StepResult[];
  /** IOPub messages for a step that arrived after that step had ended. */
  late: LateOutput[];
  /** Message-spec violations in anything the kernel sent (tests/kernel/msgspec.py). */
  schemaErrors: string[];
  /** The client's and the kernel's stderr (the kernel logs there). */
  log: string;
}

/** Runs steps in one kernel through tests/kernel/client.py (jupyter_client). */
export function runSteps(k: KernelEnv, steps: Step[], opts: { cwd?: string; timeoutMs?: number } = {}): Session {
  const file = path.join(k.dataDir, `steps-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(steps));
  const resultFile = `${file}.result.json`;
  // The client's own limits (kernel start 120 s, each step's timeout) come first, so that a slow
  // step is reported as that step's failure, with the kernel's log, not as a killed client.
  const stepsS = steps.reduce((sum, s) => sum + (s.sleep ?? 0) + (s.timeout ?? 60), 0);
  const r = spawnSync(PYTHON, [path.join(KERNEL_DIR, 'client.py'), 'tsdl', file, resultFile], {
    cwd: opts.cwd ?? os.tmpdir(), env: k.env, encoding: 'utf8', timeout: opts.timeoutMs ?? (120 + stepsS + 60) * 1000, maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`client.py failed (status ${r.status}, ${r.error?.message ?? ''}):\n${r.stderr}\n${r.stdout}`);
  const parsed = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  return { startS: parsed.start_s, pid: parsed.pid, alive: parsed.alive, steps: parsed.steps, late: parsed.late, schemaErrors: parsed.schema_errors, log: r.stderr };
}

/** Runs `jupyter nbconvert` (through /usr/bin/python3 -m jupyter) with the test kernel env. */
export function nbconvert(k: KernelEnv, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(PYTHON, ['-m', 'jupyter', 'nbconvert', ...args], { cwd, env: k.env, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 });
}

/** A minimal nbformat 4 notebook using kernel tsdl. */
export function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'tsdl', display_name: 'TypeScript (tsdl)', language: 'typescript' },
      language_info: { name: 'typescript' },
    },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `cell-${i}`, metadata: {}, source, outputs: [], execution_count: null })),
  }, null, 1);
}

/** Text of a step's outputs of one type (stream text, or error ename: evalue). */
export function outputsOf(r: StepResult, type: string): Output[] {
  return r.outputs.filter((o) => o.msg_type === type);
}
