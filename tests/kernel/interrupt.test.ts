// Interrupting kernel tsdl (interrupt_mode "signal": SIGINT) stops a synchronous busy loop and an
// awaited async loop with a KeyboardInterrupt error; the kernel keeps its state and stays alive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installKernel, jupyterMissing, outputsOf, runSteps } from './helpers';

const missing = jupyterMissing();

test('interrupt stops busy and awaited loops; later cells see earlier state', { skip: missing ?? false, timeout: 180_000 }, () => {
  const k = installKernel();
  try {
    const { steps } = runSteps(k, [
      { code: 'let spins = 0; let ticks = 0; const kept = "state survives";' },
      { code: 'while (true) { spins++; }', interrupt_after: 2 },
      { code: '[spins > 0, kept]' },
      { code: 'for (;;) { ticks++; await new Promise((r) => setTimeout(r, 5)); }', interrupt_after: 2 },
      { code: 'const seen = ticks;\nawait new Promise((r) => setTimeout(r, 300));\n[seen > 0, ticks === seen]' },
      { code: 'for (;;) { ticks++; await new Promise((r) => setImmediate(r)); }', interrupt_after: 1.5 },
      { code: 'const seen2 = ticks;\nawait new Promise((r) => setTimeout(r, 300));\n[seen2 > seen, ticks === seen2, kept]' },
    ]);
    const result = (i: number) => outputsOf(steps[i], 'execute_result')[0]?.content.data['text/plain'];
    for (const i of [1, 3, 5]) {
      assert.equal(steps[i].reply.status, 'error', `step ${i} must end in an error`);
      assert.equal(steps[i].reply.ename, 'KeyboardInterrupt');
      assert.equal(outputsOf(steps[i], 'error')[0]?.content.ename, 'KeyboardInterrupt');
    }
    assert.equal(result(2), "[ true, 'state survives' ]");
    assert.equal(result(4), '[ true, true ]', 'the awaited loop must have run and then stopped');
    assert.equal(result(6), "[ true, true, 'state survives' ]");
    assert.deepEqual(steps.map((s) => s.reply.execution_count), [1, 2, 3, 4, 5, 6, 7]);
  } finally {
    k.cleanup();
  }
});
