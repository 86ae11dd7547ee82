// Comms and widgets through a real Jupyter client (tests/widgets/protocol.py, jupyter_client): open /
// msg / close both ways with binary buffers, comm_info by target, comm messages handled while a cell
// awaits, widget state sync with echo_update, a button click, Output capture and interact re-runs,
// the control comm, and fit's Stop button ending a real training run. Every message is validated
// against the messaging spec's shapes and every widget state against ipywidgets' model spec.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { installKernel, jupyterMissing, PYTHON, ROOT } from '../kernel/helpers';

const missing = jupyterMissing();

interface Result { name: string; ok: boolean; error: string | null; seconds: number }

let results: Result[] | null = null;
function runAll(): Result[] {
  if (results) return results;
  const k = installKernel();
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-widgets-')), 'result.json');
  try {
    const r = spawnSync(PYTHON, [path.join(__dirname, 'protocol.py'), ROOT, out], { cwd: os.tmpdir(), env: k.env, encoding: 'utf8', timeout: 300_000 });
    if (!fs.existsSync(out)) throw new Error(`protocol.py wrote no results (status ${r.status}):\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
    if (r.stderr.trim()) console.log(r.stderr.trim().split('\n').filter((l) => !l.startsWith('[tsdl kernel]')).join('\n'));
    results = JSON.parse(fs.readFileSync(out, 'utf8')) as Result[];
    return results;
  } finally {
    k.cleanup();
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

const SCENARIOS = ['comm_roundtrip', 'kernel_opens', 'comm_while_busy', 'slider_sync', 'button_click', 'dropdown_checkbox_text',
  'output_and_interact', 'control_comm', 'fit_stop_button', 'headless_output'];

for (const name of SCENARIOS) {
  test(`widget protocol: ${name.replace(/_/g, ' ')}`, { skip: missing ?? false, timeout: 320_000 }, () => {
    const r = runAll().find((x) => x.name === name);
    assert.ok(r, `scenario ${name} did not run`);
    assert.ok(r.ok, r.error ?? '');
  });
}
