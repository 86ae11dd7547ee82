// src/display.ts through kernel tsdl: one display_data with the whole MIME bundle, in-place updates
// (update_display_data with transient.display_id), clear_output, the Jupyter.display symbol for a
// cell's last expression, and outputs from awaited code attributed to the running cell.
// Outside a kernel display() prints text/plain.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { display, toMimeBundle } from '../../src/display';
import { installKernel, jupyterMissing, outputsOf, ROOT, runSteps } from './helpers';

const missing = jupyterMissing();
const DISPLAY = JSON.stringify(path.join(ROOT, 'src', 'display'));

test('display bundles, updates, clear_output and Jupyter.display results in the kernel', { skip: missing ?? false, timeout: 180_000 }, () => {
  const k = installKernel();
  try {
    const { steps } = runSteps(k, [
      { code: `import { display, clearOutput } from ${DISPLAY};
const chart = { [Symbol.for('Jupyter.display')]: () => ({
  'application/vnd.plotly.v1+json': { data: [{ x: [1, 2], y: [3, 4] }], layout: {} },
  'text/html': '<div>chart</div>', 'text/plain': 'chart' }) };
const h = display(chart, { displayId: 'chart-1' });` },
      { code: 'h.update("epoch 2 of 2")' },
      { code: "({ [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>table</b>', 'text/plain': 'table' }) })" },
      { code: 'for (let i = 0; i < 3; i++) {\n  await new Promise((r) => setTimeout(r, 20));\n  display(`tick ${i}`);\n  console.log(`log ${i}`);\n}' },
      { code: 'console.log("old"); clearOutput(true); console.log("new")' },
      { code: "display({ [Symbol.for('Jupyter.display')]: () => ({ 'image/png': new Uint8Array([137, 80, 78, 71]) }) })" },
      { code: 'import * as tslab from "tslab";\ntslab.display.html("<i>from tslab</i>")' },
    ]);
    for (const s of steps) assert.equal(s.reply.status, 'ok', JSON.stringify(s.reply));

    const shown = outputsOf(steps[0], 'display_data');
    assert.equal(shown.length, 1, 'exactly one display_data for the whole bundle');
    assert.deepEqual(Object.keys(shown[0].content.data).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    assert.deepEqual(shown[0].content.data['application/vnd.plotly.v1+json'].data[0].y, [3, 4]);
    assert.equal(shown[0].content.transient.display_id, 'chart-1');

    const updated = outputsOf(steps[1], 'update_display_data');
    assert.equal(updated.length, 1);
    assert.equal(updated[0].content.transient.display_id, 'chart-1');
    assert.equal(updated[0].content.data['text/plain'], 'epoch 2 of 2');
    assert.equal(outputsOf(steps[1], 'execute_result').length, 0, 'update() returns nothing to show');

    const result = outputsOf(steps[2], 'execute_result');
    assert.equal(result.length, 1);
    assert.equal(result[0].content.data['text/html'], '<b>table</b>');
    assert.equal(result[0].content.execution_count, 3);

    const ticks = outputsOf(steps[3], 'display_data').map((o) => o.content.data['text/plain']);
    assert.deepEqual(ticks, ['tick 0', 'tick 1', 'tick 2'], 'async outputs belong to the awaiting cell');
    assert.match(outputsOf(steps[3], 'stream').map((o) => o.content.text).join(''), /log 0\nlog 1\nlog 2/);

    const order = steps[4].outputs.filter((o) => o.msg_type !== 'execute_input').map((o) => o.msg_type === 'stream' ? o.content.text.trim() : o.msg_type);
    assert.deepEqual(order, ['old', 'clear_output', 'new']);
    assert.equal(outputsOf(steps[4], 'clear_output')[0].content.wait, true);

    assert.equal(outputsOf(steps[5], 'display_data')[0].content.data['image/png'], Buffer.from([137, 80, 78, 71]).toString('base64'));
    assert.equal(outputsOf(steps[6], 'display_data')[0].content.data['text/html'], '<i>from tslab</i>');
  } finally {
    k.cleanup();
  }
});

test('outside a kernel display() prints text/plain and update() prints again', () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => { lines.push(args.join(' ')); };
  try {
    const h = display({ [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>x</b>', 'text/plain': 'plain x' }) });
    h.update('second');
    display({ a: 1 });
  } finally {
    console.log = original;
  }
  assert.deepEqual(lines, ['plain x', 'second', '{ a: 1 }']);
  assert.deepEqual(toMimeBundle('text'), { 'text/plain': 'text' });
});
