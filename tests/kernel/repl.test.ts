// What a cell shows and what the kernel answers about code, compared with Node's REPL and
// ipykernel, through jupyter_client: last values (null, anonymous functions, `{a: 1}`, async
// Jupyter.display), tracebacks without kernel frames, errors at the end of input, inspection of
// unknown names, completion by prefix, user_expressions, and is_complete (answered at once after
// start, while the compiler warms up). Every message is checked against the spec.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installKernel, jupyterMissing, outputsOf, ROOT, runSteps, type StepResult } from './helpers';

const missing = jupyterMissing();
const text = (s: StepResult): string | undefined => outputsOf(s, 'execute_result')[0]?.content.data['text/plain'];

test('is_complete answers right after start and as the spec says', { skip: missing ?? false, timeout: 180_000 }, () => {
  const k = installKernel();
  const samples: Array<[string, string]> = [
    ['let s = `first line', 'incomplete'], // a template literal continues on the next line
    ['let x = 1;', 'complete'],
    ['function f() {', 'incomplete'],
    ['/* a comment', 'incomplete'],
    ['let = 1;', 'invalid'], // cells are strict-mode modules
    [')(', 'invalid'],
    ['const s = "unterminated', 'invalid'],
    ['Math.max?', 'complete'], // asks for help: the console sends it and shows the pager
    ['Math.max??', 'complete'],
  ];
  try {
    const r = runSteps(k, samples.map(([code]) => ({ is_complete: code })));
    const got = r.steps.map((s) => s.reply?.status);
    assert.deepEqual(got, samples.map(([, want]) => want), samples.map(([c], i) => `${JSON.stringify(c)} -> ${got[i]}`).join('\n'));
    assert.equal(r.steps[2].reply.indent, '  ', 'the next line is indented after an opening brace');
    // Not asserted (timings do not decide tests): reported for the closing note.
    console.log(`first is_complete after start answered in ${(r.steps[0].latency_s! * 1000).toFixed(0)} ms`);
    assert.deepEqual(r.schemaErrors, []);
  } finally {
    k.cleanup();
  }
});

test('last values, tracebacks, inspection, completion and user_expressions behave like Node\'s REPL and ipykernel', { skip: missing ?? false, timeout: 240_000 }, () => {
  const k = installKernel();
  try {
    const r = runSteps(k, [
      { code: 'null' },
      { code: 'undefined' },
      { code: '() => 1' },
      { code: '(class {})' },
      { code: 'const named = () => 2;\nnamed' },
      { code: '{a: 1}' },
      { code: '{ let blockOnly = 1; }' },
      { code: '({ [Symbol.for("Jupyter.display")]: async () => {\n  await new Promise((r) => setTimeout(r, 50));\n  return { "text/html": "<b>async</b>", "text/plain": "async" };\n} })' },
      { code: `import { display } from ${JSON.stringify(ROOT)};\ndisplay({ [Symbol.for("Jupyter.display")]: async () => ({ "text/html": "<i>later</i>" }) });\n"displayed"` },
      { code: 'function explode() {\n  throw new Error("boom");\n}\nexplode()' },
      { code: 'await null;\n[1].map(() => { throw new RangeError("in map"); })' },
      { code: 'const o = {\n  a: 1,' },
      { inspect: 'notDefinedAnywhere', cursor_pos: 5 },
      { inspect: 'Math.max', cursor_pos: 8 },
      { complete: 'console.lo' },
      { code: 'const base = 40;', user_expressions: { two: 'base + 2', bad: '(base as any).nope()', nothing: 'undefined' } },
      { code: 'throw new Error("no expressions after an error")', user_expressions: { two: 'base + 2' } },
    ]);
    const failed = r.steps.findIndex((s) => s.error);
    assert.equal(failed, -1, `step ${failed}: ${r.steps[failed]?.error}\n${r.log.slice(-3000)}`);
    const s = r.steps;
    assert.equal(text(s[0]), 'null', 'null is shown, as in Node\'s REPL');
    assert.equal(text(s[1]), undefined, 'undefined is not (like None in IPython)');
    assert.equal(text(s[2]), '[Function (anonymous)]');
    assert.equal(text(s[3]), '[class (anonymous)]');
    assert.equal(text(s[4]), '[Function: named]', 'a named function keeps its name');
    assert.equal(text(s[5]), '{ a: 1 }', 'a cell that is an object literal shows the object');
    assert.equal(s[6].reply.status, 'ok');
    assert.equal(text(s[6]), undefined, 'a block stays a block');
    assert.equal(outputsOf(s[7], 'execute_result')[0]?.content.data['text/html'], '<b>async</b>', 'an async Jupyter.display is awaited');
    assert.deepEqual(outputsOf(s[8], 'display_data').map((o) => o.content.data['text/html']), ['<i>later</i>'], 'also through display()');

    const boom = s[9].reply.traceback as string[];
    assert.deepEqual(boom, ['Error: boom', '    at explode (cell line 2)', '  2 |   throw new Error("boom");', '    at cell line 4']);
    const inMap = (s[10].reply.traceback as string[]).join('\n');
    assert.match(inMap, /RangeError: in map\n {4}at cell line 2/);
    assert.doesNotMatch(inMap, /sigintHandlersWrap|cell-runner|executor|node:|<anonymous>\)|tslab/, 'only the user\'s frames');

    assert.equal(s[11].reply.ename, 'TypeScriptError');
    assert.equal(s[11].reply.evalue, "'}' expected.", 'the cell\'s own error, not what tslab\'s appended exports make of it');
    assert.match(s[11].reply.traceback.join('\n'), /at cell line 2, column 8/, 'at the end of the last line, not one past the cell');

    assert.equal(s[12].reply.found, false, 'an unknown name is not found');
    assert.equal(s[13].reply.found, true);
    assert.deepEqual(s[14].reply.matches, ['log'], '`console.lo` completes log only (not timeLog)');

    assert.deepEqual(s[15].reply.user_expressions.two, { status: 'ok', data: { 'text/plain': '42' }, metadata: {} });
    assert.equal(s[15].reply.user_expressions.bad.status, 'error');
    assert.equal(s[15].reply.user_expressions.bad.ename, 'TypeError');
    assert.deepEqual(s[15].reply.user_expressions.nothing.data, { 'text/plain': 'undefined' });
    assert.equal(s[16].reply.status, 'error');
    assert.equal(s[16].reply.user_expressions, undefined, 'an error reply carries no user_expressions');
    assert.deepEqual(r.schemaErrors, []);
  } finally {
    k.cleanup();
  }
});
