// Interrupting kernel tsdl (interrupt_mode "signal": SIGINT) stops a synchronous busy loop, an
// awaited async loop and loops that never yield to the event loop with a KeyboardInterrupt error;
// the kernel keeps its state and stays alive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installKernel, jupyterMissing, outputsOf, ROOT, runSteps } from './helpers';

const missing = jupyterMissing();

test('interrupt stops busy and awaited loops and awaited I/O; later cells see earlier state', { skip: missing ?? false, timeout: 180_000 }, () => {
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
      // Awaited I/O that never completes: a socket that never sends.
      { code: 'import * as net from "node:net";\nconst server = net.createServer(() => {}).listen(0, "127.0.0.1");\nawait new Promise((r) => server.once("listening", r));\nconst sock = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");' },
      { code: 'await new Promise((r) => sock.once("data", r));', interrupt_after: 1.5 },
      { code: 'sock.destroy();\nserver.close();\nkept' },
    ]);
    const result = (i: number) => outputsOf(steps[i], 'execute_result')[0]?.content.data['text/plain'];
    for (const i of [1, 3, 5, 8]) {
      assert.equal(steps[i].reply.status, 'error', `step ${i} must end in an error`);
      assert.equal(steps[i].reply.ename, 'KeyboardInterrupt');
      assert.equal(outputsOf(steps[i], 'error')[0]?.content.ename, 'KeyboardInterrupt');
    }
    assert.equal(result(2), "[ true, 'state survives' ]");
    assert.equal(result(4), '[ true, true ]', 'the awaited loop must have run and then stopped');
    assert.equal(result(6), "[ true, true, 'state survives' ]");
    assert.equal(result(9), "'state survives'");
    assert.deepEqual(steps.map((s) => s.reply.execution_count), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  } finally {
    k.cleanup();
  }
});

// A loop that only awaits already-resolved promises never returns to the event loop, so no
// SIGINT handler of the main thread can run (the training loop every tfjs tutorial writes); nor
// can one while a timer callback spins. The kernel's I/O thread stops such code, and the session
// keeps its state. The heartbeat answers while a cell keeps the main thread busy.
test('interrupt stops loops that never yield to the event loop; the heartbeat answers meanwhile', { skip: missing ?? false, timeout: 240_000 }, () => {
  const k = installKernel();
  try {
    const { steps, schemaErrors, log } = runSteps(k, [
      { code: 'import * as dl from "tsdl";\nawait dl.ready();\nconst x = dl.tf.ones([32, 32]);\nlet steps = 0;\nconst kept = "state survives";', timeout: 120 },
      { code: 'for (;;) {\n  const y = dl.tf.matMul(x, x);\n  await y.data();\n  y.dispose();\n  steps++;\n}', interrupt_after: 2 },
      { code: 'const seen = steps;\nawait new Promise((r) => setTimeout(r, 300));\n[seen > 0, steps === seen, kept]' },
      { code: 'for (;;) { await null; }', interrupt_after: 1 },
      { code: 'setTimeout(() => { for (;;) {} }, 0);\nawait new Promise((r) => setTimeout(r, 600_000));', interrupt_after: 1.5 },
      { code: 'setImmediate(() => { for (;;) {} });\nawait new Promise((r) => setTimeout(r, 600_000));', interrupt_after: 1.5 },
      { code: 'const t0 = Date.now();\nwhile (Date.now() - t0 < 3000) {}\n"busy done"', heartbeat_after: 1 },
      { code: 'await new Promise((r) => setImmediate(r));\nawait new Promise((r) => setTimeout(r, 10));\n[kept, dl.tf.memory().numTensors > 0]' },
      // With async_hooks in use (AsyncLocalStorage, as the widgets' comms use it) too.
      { code: 'import { AsyncLocalStorage } from "node:async_hooks";\nconst als = new AsyncLocalStorage<string>();\nals.run("on", () => als.getStore())' },
      { code: 'await als.run("in the loop", async () => { for (;;) { await null; } });', interrupt_after: 1 },
      { code: 'await als.run("after", async () => { await new Promise((r) => setTimeout(r, 10)); return als.getStore(); })' },
    ], { cwd: ROOT });
    const failed = steps.findIndex((s) => s.error);
    assert.equal(failed, -1, `step ${failed}: ${steps[failed]?.error}\n${log.slice(-3000)}`);
    const result = (i: number) => outputsOf(steps[i], 'execute_result')[0]?.content.data['text/plain'];
    for (const i of [1, 3, 4, 5, 9]) {
      assert.equal(steps[i].reply.status, 'error', `step ${i} must end in an error`);
      assert.equal(steps[i].reply.ename, 'KeyboardInterrupt', `step ${i}: ${JSON.stringify(steps[i].reply)}`);
    }
    assert.equal(result(2), "[ true, true, 'state survives' ]", 'the loop ran, then stopped for good');
    assert.equal(result(6), "'busy done'");
    assert.equal(typeof steps[6].heartbeat_s, 'number', 'the heartbeat must answer while the main thread is busy');
    assert.equal(result(7), "[ 'state survives', true ]", 'timers and immediates still work after the stops');
    assert.equal(result(8), "'on'");
    assert.equal(result(10), "'after'", 'AsyncLocalStorage still works after a stop');
    assert.deepEqual(schemaErrors, []);
  } finally {
    k.cleanup();
  }
});
