// `jupyter console` with kernel tsdl, typed into a real terminal (tmux): Enter pressed as soon as
// the first prompt shows, on an unfinished template literal, continues the cell (the console asks
// the kernel is_complete and gives up on it for the whole session if the answer takes over 1 s);
// the multi-line cell then runs; `Math.max?` shows the pager.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { installKernel, jupyterMissing, PYTHON } from './helpers';

function consoleMissing(): string | null {
  const jupyter = jupyterMissing();
  if (jupyter) return jupyter;
  if (spawnSync('tmux', ['-V']).status !== 0) return 'tmux is not installed (scripts/setup.sh installs it)';
  if (spawnSync(PYTHON, ['-c', 'import jupyter_console']).status !== 0) return 'jupyter-console is not installed (scripts/setup.sh installs it)';
  return null;
}
const missing = consoleMissing();

test('jupyter console: multi-line input right after start, then the pager', { skip: missing ?? false, timeout: 240_000 }, async () => {
  const k = installKernel();
  const socket = `tsdl-console-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { env: k.env, encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-t', 'c', '-p', '-J', '-S', '-').stdout ?? '';
  const waitFor = async (what: RegExp, label: string, ms = 60_000) => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const s = screen();
      if (what.test(s)) return s;
      if (/did not respond to an is_complete_request|TypeScriptError/.test(s)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${label}: ${what} did not appear; the console shows:\n${screen()}`);
  };
  try {
    const started = tmux('new-session', '-d', '-s', 'c', '-x', '200', '-y', '60', `${PYTHON} -m jupyter console --kernel tsdl; sleep 60`);
    assert.equal(started.status, 0, started.stderr);
    await waitFor(/In \[1\]: $/m, 'the first prompt', 120_000);
    tmux('send-keys', '-t', 'c', 'let s = `first', 'Enter');
    await waitFor(/^\s*\.\.\.: $/m, 'a continuation prompt for the unfinished template literal');
    tmux('send-keys', '-t', 'c', 'second`', 'Enter');
    await waitFor(/In \[2\]: $/m, 'the next prompt once the template literal is closed');
    tmux('send-keys', '-t', 'c', 's', 'Enter');
    await waitFor(/Out\[2\]: 'first\\nsecond'/, 'the value of the multi-line cell');
    tmux('send-keys', '-t', 'c', 'Math.max?', 'Enter');
    const last = await waitFor(/Returns the larger of a set of supplied numeric expressions/, 'the pager for Math.max?');
    assert.doesNotMatch(last, /did not respond to an is_complete_request/);
    // Leave as a user does, so the console shuts its kernel down.
    tmux('send-keys', '-t', 'c', 'C-d');
    await waitFor(/Do you really want to exit/, 'the exit question', 20_000);
    tmux('send-keys', '-t', 'c', 'y', 'Enter');
    await waitFor(/Shutting down kernel|\$ $/, 'the console leaving', 20_000).catch(() => undefined);
  } finally {
    tmux('kill-server');
    k.cleanup();
  }
});
