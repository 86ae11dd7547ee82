// Input from the user through the stdin channel (input_request / input_reply), as ipykernel's
// input() and Deno's prompt(): `await dl.input(prompt, { password })` and the synchronous global
// prompt(); an interrupt ends a wait; a frontend that does not allow stdin (nbclient, nbconvert)
// gets a clear StdinNotAllowedError at once. input_request messages are checked against the spec.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { installKernel, jupyterMissing, nbconvert, notebook, outputsOf, ROOT, runSteps } from './helpers';

const missing = jupyterMissing();
const TSDL = JSON.stringify(ROOT); // the package, by its folder: notebooks anywhere can import it

test('dl.input() and prompt() ask the frontend; interrupts end the wait; no stdin means a clear error', { skip: missing ?? false, timeout: 240_000 }, () => {
  const k = installKernel();
  try {
    const r = runSteps(k, [
      {
        code: `import * as dl from ${TSDL};\nconst name = await dl.input("Your name? ");\nconst token = await dl.input("Token: ", { password: true });\nconst said = prompt("Say something: ");\n[name, token, said]`,
        stdin: ['Ada', 's3cret', 'hello'],
        timeout: 120,
      },
      { code: 'await dl.input("never answered")', interrupt_after: 1 },
      { code: 'prompt("never answered either")', interrupt_after: 1 },
      { code: 'await dl.input("x")', allow_stdin: false },
      { code: 'prompt("y")', allow_stdin: false },
      { code: 'name' },
    ]);
    const failed = r.steps.findIndex((s) => s.error);
    assert.equal(failed, -1, `step ${failed}: ${r.steps[failed]?.error}\n${r.log.slice(-3000)}`);
    const [asked, waitAsync, waitSync, noStdinAsync, noStdinSync, after] = r.steps;
    assert.equal(asked.reply.status, 'ok', JSON.stringify(asked.reply));
    assert.equal(outputsOf(asked, 'execute_result')[0].content.data['text/plain'], "[ 'Ada', 's3cret', 'hello' ]");
    assert.deepEqual(asked.input_requests, [
      { prompt: 'Your name? ', password: false }, { prompt: 'Token: ', password: true }, { prompt: 'Say something: ', password: false },
    ]);
    for (const s of [waitAsync, waitSync]) {
      assert.equal(s.reply.ename, 'KeyboardInterrupt', JSON.stringify(s.reply));
      assert.equal(s.input_requests?.length, 1, 'the frontend was asked');
    }
    for (const s of [noStdinAsync, noStdinSync]) {
      assert.equal(s.reply.ename, 'StdinNotAllowedError', JSON.stringify(s.reply));
      assert.match(s.reply.evalue, /does not allow it \(execute_request allow_stdin is false/);
      assert.deepEqual(s.input_requests, [], 'nothing may be sent on stdin when it is not allowed');
    }
    assert.equal(outputsOf(after, 'execute_result')[0].content.data['text/plain'], "'Ada'");
    assert.deepEqual(r.schemaErrors, []);
  } finally {
    k.cleanup();
  }
});

test('nbconvert (allow_stdin false) fails a cell that asks for input with StdinNotAllowedError', { skip: missing ?? false, timeout: 240_000 }, () => {
  const k = installKernel();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-stdin-'));
  try {
    fs.writeFileSync(path.join(work, 'ask.ipynb'), notebook([`import * as dl from ${TSDL};\nconst answer = await dl.input("Continue? ");`]));
    const r = nbconvert(k, ['--to', 'notebook', '--execute', '--output', 'ask.out', 'ask.ipynb'], work);
    assert.notEqual(r.status, 0, 'nbconvert must fail');
    assert.match(r.stdout + r.stderr, /StdinNotAllowedError: dl\.input\(\) asks the frontend for input, but this frontend does not allow it/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    k.cleanup();
  }
});
