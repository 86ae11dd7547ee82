// The kernel exits when its client dies, as ipykernel's parent poller makes it do (jupyter_client
// passes JPY_PARENT_PID): also while a cell keeps its main thread busy, so no orphaned kernel
// spins at 100 % CPU forever. The client (tests/kernel/orphan.py) is SIGKILLed, never shut down.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { installKernel, jupyterMissing, KERNEL_DIR, PYTHON } from './helpers';

const missing = jupyterMissing();

/** Alive and not a zombie (an orphan's zombie waits for its new parent to reap it). */
function running(pid: number): boolean {
  try {
    const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function orphanExits(code: string | null): Promise<{ pid: number; exitedAfterS: number | null }> {
  const k = installKernel();
  const pidFile = path.join(k.dataDir, 'kernel.pid');
  try {
    const r = spawnSync(PYTHON, [path.join(KERNEL_DIR, 'orphan.py'), 'tsdl', pidFile, ...(code ? [code] : [])], {
      cwd: os.tmpdir(), env: k.env, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.signal, 'SIGKILL', `the client must have died by SIGKILL: ${r.status} ${r.stderr}`);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      if (!running(pid)) return { pid, exitedAfterS: (Date.now() - t0) / 1000 };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    return { pid, exitedAfterS: null };
  } finally {
    k.cleanup();
  }
}

test('an idle kernel exits when its client is killed', { skip: missing ?? false, timeout: 180_000 }, async () => {
  const { exitedAfterS } = await orphanExits(null);
  assert.ok(exitedAfterS !== null, 'the kernel outlived its client by 20 s');
});

test('a kernel busy in a cell exits when its client is killed', { skip: missing ?? false, timeout: 180_000 }, async () => {
  const { exitedAfterS } = await orphanExits('while (true) {}');
  assert.ok(exitedAfterS !== null, 'the busy kernel outlived its client by 20 s');
});
