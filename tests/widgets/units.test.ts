// The widget library's pure parts, outside a kernel: binary state paths, interact's specs, option
// and state-key errors, and the report post-processing (html.ts) on nbconvert-shaped HTML.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { removeBuffers, putBuffers } from '../../src/widgets/buffers';
import { FloatSlider, IntSlider, Dropdown, Button, VBox, Label } from '../../src/widgets/controls';
import { controlFor, interact } from '../../src/widgets/interact';
import { inlineWidgets, unescapeWidgetJson, hasWidgetState, WIDGETS_MARKER } from '../../src/cli/run/html';

test('binary values anywhere in the state travel as buffers with their paths, and come back', () => {
  const a = new Uint8Array([1, 2]);
  const b = new Float32Array([0.5]);
  const { state, bufferPaths, buffers } = removeBuffers({ x: a, y: { z: [1, b] }, keep: 'text' });
  assert.deepEqual(state, { y: { z: [1, null] }, keep: 'text' });
  assert.deepEqual(bufferPaths, [['x'], ['y', 'z', 1]]);
  assert.equal(buffers[0], a);
  assert.equal(buffers[1], b);
  const back: Record<string, any> = JSON.parse(JSON.stringify(state));
  putBuffers(back, bufferPaths, [new Uint8Array([9]), new Uint8Array([8])]);
  assert.deepEqual([...back.x], [9]);
  assert.deepEqual([...back.y.z[1]], [8]);
});

test("interact's specs make the ipywidgets controls, with the key as description", () => {
  const f = controlFor('alpha', [0, 1, 0.01]);
  assert.ok(f instanceof FloatSlider);
  assert.equal((f as FloatSlider).value, 0.5);
  assert.equal(f.description, 'alpha');
  const i = controlFor('n', [0, 10, 1, 3]);
  assert.ok(i instanceof IntSlider);
  assert.equal(i.value, 3);
  const d = controlFor('kind', [['ReLU', 'relu'], ['ELU', 'elu']]) as Dropdown<string>;
  assert.ok(d instanceof Dropdown);
  assert.deepEqual(d.labels, ['ReLU', 'ELU']);
  assert.equal(d.value, 'relu');
  assert.equal(controlFor('flag', true).value, true);
  assert.equal(controlFor('name', 'x').value, 'x');
  const num = controlFor('v', 2) as IntSlider;
  assert.deepEqual([num.min, num.max, num.value], [-2, 6, 2]);
  assert.throws(() => controlFor('bad', [3, 1]), /min < max/);
  const ia = interact(({ alpha, kind }) => `${kind}:${alpha}`, { alpha: [0, 1, 0.25], kind: ['relu', 'elu'] });
  assert.equal(ia.result, 'relu:0.5');
  ia.controls.kind.value = 'elu';
  assert.equal(ia.result, 'elu:0.5', 'a change re-runs fn');
  assert.equal(ia.runs, 2);
  assert.equal(ia.children.length, 3, 'two controls and the output');
});

test('bad options and unknown state keys are refused with the names that exist', () => {
  assert.throws(() => new FloatSlider({ vaule: 1 } as never), /FloatSlider has no option 'vaule'.*value/);
  assert.throws(() => new Button().set({ buttonStyle: 'danger' }), /Button has no state key 'buttonStyle'.*button_style/);
  assert.throws(() => new IntSlider({ step: 0.5 }), /integer/);
  assert.throws(() => new Dropdown({ options: ['a'], value: 'b' }), /not one of its options/);
  assert.throws(() => new VBox([{} as never]), /children must be widgets/);
  const s = new FloatSlider({ min: 0, max: 1 });
  s.readoutFormat = '.3f';
  assert.equal(s.get('readout_format'), '.3f', 'camelCase properties set the protocol keys');
  assert.equal(new Label('hi').value, 'hi');
});

test('reports: nbconvert 6.5-escaped widget JSON is decoded and the CDN loader replaced by the inlined renderer', () => {
  const loader = "<script>\n(function() {\n  function addWidgetsRenderer() {\n    var s = 'https://unpkg.com/@jupyter-widgets/html-manager@*/dist/embed-amd.js';\n  }\n  document.addEventListener('DOMContentLoaded', addWidgetsRenderer);\n}());\n</script>";
  const state = '<script type="application/vnd.jupyter.widget-state+json">\n{"state": {"a": {"state": {"outputs": [{"data": {"text/html": "&lt;div&gt;x &amp;amp; y&lt;/div&gt;&lt;script&gt;1&lt;/script&gt;"}}]}}}}\n</script>';
  const html = `<html><head>${loader}</head><body>${state}</body></html>`;
  assert.ok(hasWidgetState(html));
  const decoded = unescapeWidgetJson(html);
  const json = /widget-state\+json">([\s\S]*?)<\/script>/.exec(decoded)![1];
  assert.equal(JSON.parse(json).state.a.state.outputs[0].data['text/html'], '<div>x &amp; y</div><script>1</script>');
  assert.ok(!/<\/script>1/.test(json) && !json.includes('</div>'), '"</" stays escaped inside the script element');
  const out = inlineWidgets(html, 'window.renderer = 1; // </script> inside');
  assert.ok(out.includes(WIDGETS_MARKER));
  assert.ok(!out.includes('unpkg.com'), 'the CDN loader is gone');
  assert.ok(!out.includes('// </script> inside'), 'a </script> in the bundle is escaped');
  assert.equal(inlineWidgets(out, 'x'), out, 'inlining twice is a no-op');
  assert.equal(inlineWidgets('<html><body>no widgets</body></html>', 'x'), '<html><body>no widgets</body></html>');
  const fixedNbconvert = '<script type="application/vnd.jupyter.widget-state+json">{"v": "<b>&amp;</b>"}</script>';
  assert.equal(unescapeWidgetJson(fixedNbconvert), fixedNbconvert, 'JSON that nbconvert did not escape is left alone');
});
