// The kernel never loses the user's session, through jupyter_client (tests/kernel/client.py):
// late errors after the library (and its wasm backend's `throw`-ing process handlers) is loaded
// are reported to the cell that scheduled them and the kernel keeps its state; Run All after an
// error aborts the queued cells; a replayed signed message is refused; no output is lost (a burst
// of 2,000 display() calls, text printed right before process.exit()). Every message the kernel
// sends is checked against the message spec (tests/kernel/msgspec.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installKernel, jupyterMissing, outputsOf, ROOT, runSteps, type Session, type StepResult } from './helpers';

const missing = jupyterMissing();
const opts = { skip: missing ?? false, timeout: 240_000 };

const result = (s: StepResult): string | undefined => outputsOf(s, 'execute_result')[0]?.content.data['text/plain'];
function noSchemaErrors(r: Session): void {
  assert.deepEqual(r.schemaErrors, [], `messages that break the spec:\n${r.schemaErrors.join('\n')}`);
}
function completed(r: Session): void {
  const failed = r.steps.findIndex((s) => s.error);
  assert.equal(failed, -1, `step ${failed} failed in the client: ${r.steps[failed]?.error}\nkernel log:\n${r.log.slice(-3000)}`);
}

test('late errors after the library is loaded go to the cell that scheduled them; the kernel keeps running', opts, () => {
  const k = installKernel();
  try {
    const r = runSteps(k, [
      // The wasm backend (Emscripten) adds `process.on('uncaughtException', ex => { throw ex })`;
      // the same pattern is added here too, whatever backend loads.
      { code: 'import * as dl from "tsdl";\nawait dl.ready();\nlet kept = 41;\nprocess.on("uncaughtException", (ex) => { throw ex; });\nprocess.on("unhandledRejection", (reason) => { throw reason; });\nprocess.listenerCount("uncaughtException") >= 2', timeout: 120 },
      { code: 'setTimeout(() => { throw new Error("late"); }, 100);\n"scheduled"' },
      { sleep: 0.8 },
      { code: 'Promise.reject(new Error("rejected"));\n"not awaited"' },
      { sleep: 0.5 },
      { code: 'process.nextTick(() => { throw new Error("tick"); });\n"ticked"' },
      { sleep: 0.5 },
      { code: 'kept + 1' },
    ], { cwd: ROOT });
    completed(r);
    assert.equal(result(r.steps[0]), 'true');
    const late = (evalue: string) => r.late.filter((o) => o.msg_type === 'error' && o.content.evalue === evalue);
    assert.deepEqual(late('late').map((o) => o.step), [1], 'the timer\'s error goes to the cell that scheduled it');
    assert.match(late('late')[0].content.traceback.join('\n'), /cell line 1/);
    assert.deepEqual(late('rejected').map((o) => o.step), [3]);
    assert.deepEqual(late('tick').map((o) => o.step), [5]);
    assert.equal(result(r.steps[7]), '42', 'the session survived with its state');
    assert.equal(r.alive, true);
    noSchemaErrors(r);
  } finally {
    k.cleanup();
  }
});

test('Run All: a failing cell aborts the cells queued behind it, sync or async error; later cells run', opts, () => {
  const k = installKernel();
  try {
    const r = runSteps(k, [
      { queue: ['throw new Error("x")', '1', '2'] },
      { queue: ['await null;\nthrow new Error("y")', '3', '4'] },
      { code: '"after"' },
    ]);
    completed(r);
    assert.deepEqual(r.steps[0].replies.map((x: { status: string }) => x.status), ['error', 'aborted', 'aborted']);
    assert.deepEqual(r.steps[1].replies.map((x: { status: string }) => x.status), ['error', 'aborted', 'aborted']);
    assert.equal(result(r.steps[2]), "'after'");
    noSchemaErrors(r);
  } finally {
    k.cleanup();
  }
});

test('a replayed signed execute_request is refused', opts, () => {
  const k = installKernel();
  try {
    const r = runSteps(k, [
      { code: 'let runs = 0;' },
      { replay: 'runs++;\nruns', timeout: 5 },
      { code: 'runs' },
    ]);
    completed(r);
    assert.equal(r.steps[1].replies, 1, 'one reply: the second copy must not run');
    assert.equal(result(r.steps[2]), '1');
    assert.match(r.log, /replayed message was refused/);
    noSchemaErrors(r);
  } finally {
    k.cleanup();
  }
});

test('no output is lost: 2,000 display() calls, 2,000 lines, and text printed right before process.exit()', opts, () => {
  const k = installKernel();
  try {
    const r = runSteps(k, [
      { code: 'import { display } from "tsdl";\nfor (let i = 0; i < 2000; i++) display({ i });', timeout: 120 },
      { code: 'for (let i = 0; i < 2000; i++) console.log(`line ${i}`);', timeout: 120 },
      { code: 'console.log("last words");\nconsole.error("on stderr too");\nprocess.exit(3);', expect_exit: true, timeout: 30 },
    ], { cwd: ROOT });
    completed(r);
    const shown = outputsOf(r.steps[0], 'display_data').map((o) => o.content.data['text/plain']);
    assert.equal(shown.length, 2000, `2,000 display_data messages, got ${shown.length}`);
    assert.deepEqual(shown, Array.from({ length: 2000 }, (_, i) => `{ i: ${i} }`), 'all of them, in order');
    const lines = outputsOf(r.steps[1], 'stream').map((o) => o.content.text).join('').trimEnd().split('\n');
    assert.deepEqual(lines, Array.from({ length: 2000 }, (_, i) => `line ${i}`));
    const last = outputsOf(r.steps[2], 'stream');
    assert.equal(last.filter((o) => o.content.name === 'stdout').map((o) => o.content.text).join(''), 'last words\n');
    assert.equal(last.filter((o) => o.content.name === 'stderr').map((o) => o.content.text).join(''), 'on stderr too\n');
    assert.equal(r.steps[2].alive, false, 'process.exit() ended the kernel');
    noSchemaErrors(r);
  } finally {
    k.cleanup();
  }
});
