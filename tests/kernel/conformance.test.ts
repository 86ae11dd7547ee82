// The official Jupyter kernel conformance suite (jupyter_kernel_test) against kernelspec tsdl,
// with the samples in tests/kernel/conformance.py. Every test must pass; none may be skipped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { installKernel, jupyterMissing, KERNEL_DIR, PYTHON, ROOT } from './helpers';

const missing = jupyterMissing();

test('jupyter_kernel_test conformance suite passes for kernel tsdl', { skip: missing ?? false, timeout: 240_000 }, () => {
  const k = installKernel();
  try {
    const r = spawnSync(PYTHON, [path.join(KERNEL_DIR, 'conformance.py')], {
      cwd: os.tmpdir(), env: { ...k.env, TSDL_KERNEL_NAME: 'tsdl', TSDL_ROOT: ROOT }, encoding: 'utf8', timeout: 200_000,
    });
    const log = `${r.stdout}\n${r.stderr}`;
    const ran = Number(/Ran (\d+) tests?/.exec(log)?.[1] ?? NaN);
    const skippedTests = [...log.matchAll(/^(test_\w+) .*\.\.\. skipped/gm)].map((m) => m[1]);
    const failed = [...log.matchAll(/^(FAIL|ERROR): (test_\w+.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    const passed = [...log.matchAll(/^(test_\w+) .*\.\.\. ok$/gm)].length;
    console.log(`conformance: ran ${ran}, passed ${passed}, failed ${failed.length}, skipped ${skippedTests.length} (${skippedTests.join(', ') || 'none'})`);
    assert.equal(failed.length, 0, `conformance failures:\n${failed.join('\n')}\n\n${log.slice(-6000)}`);
    assert.match(log, /^OK/m, log.slice(-3000));
    assert.ok(ran >= 12, `expected the whole suite (>= 12 tests), ran ${ran}`);
    assert.deepEqual(skippedTests, [], 'no conformance test may be skipped');
    assert.equal(passed, ran - skippedTests.length);
  } finally {
    k.cleanup();
  }
});
