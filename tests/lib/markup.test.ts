/**
 * dl.md / dl.html templates, number formatters, the displayable ready() answer, and the one-home
 * helpers (HTML escaping, ids, table data).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dl from '../../src';
import { toMimeBundle } from '../../src/display';
import { escapeHtml } from '../../src/util/html';
import { uniqueId } from '../../src/util/ids';
import { toRecords, tableParts } from '../../src/util/table-data';

test('md`` is a text/markdown + text/plain bundle with values formatted for reading', () => {
  const acc = 0.912345;
  const m = dl.md`## Results\nBest: **${'ReLU'}** at ${dl.pct(acc)} (raw ${acc}), ${3} seeds: ${[0.5, 0.25]}; none: ${undefined}${null}.`;
  const b = toMimeBundle(m);
  assert.deepEqual(Object.keys(b).sort(), ['text/markdown', 'text/plain']);
  assert.equal(b['text/markdown'], '## Results\nBest: **ReLU** at 91.23% (raw 0.9123), 3 seeds: 0.5, 0.25; none: .');
  assert.equal(b['text/plain'], b['text/markdown']);
  assert.equal(String(m), b['text/markdown']);
  // Displayable HTML (a table) goes in as HTML, which Markdown allows; nested md stays Markdown.
  const withTable = dl.md`### Table\n\n${dl.table([{ a: 1, b: '<x>' }])}\n\n${dl.md`*nested*`}`;
  assert.match(withTable.source, /^### Table\n\n<table class="tsdl-table dataframe">.*<td>&lt;x&gt;<\/td>.*<\/table>\n\n\*nested\*$/s);
});

test('html`` escapes interpolated text, keeps interpolated markup, and has a tag-free text/plain', () => {
  const h = dl.html`<p>Label: <b>${'<script>alert("x")</script> & co'}</b></p><p>${dl.html`<i>${'kept'}</i>`} ${2.5}</p>`;
  const b = toMimeBundle(h);
  assert.deepEqual(Object.keys(b).sort(), ['text/html', 'text/plain']);
  assert.equal(b['text/html'], '<p>Label: <b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</b></p><p><i>kept</i> 2.5</p>');
  assert.equal(b['text/plain'], 'Label: <script>alert("x")</script> & co\nkept 2.5');
  assert.match(dl.html`${dl.md`**md**`}`.source, /^\*\*md\*\*$/, 'Markdown inside HTML shows as its text');
  assert.equal(dl.html`${{ a: 1 }}`.source, '{ a: 1 }');
});

test('number formatters: pct, fixed, meanSd (sample sd), and the templates\' default', () => {
  assert.equal(dl.pct(0.91234), '91.23%');
  assert.equal(dl.pct(0.5, 0), '50%');
  assert.equal(dl.pct(NaN), '–');
  assert.equal(dl.fixed(0.123456), '0.1235');
  assert.equal(dl.fixed(2, 1), '2.0');
  assert.equal(dl.fixed(Infinity), '–');
  assert.equal(dl.sd([1, 2, 3, 4]), Math.sqrt(5 / 3), 'n − 1 in the denominator');
  assert.equal(dl.sd([7]), 0);
  assert.equal(dl.meanSd([0.91, 0.92, 0.915], 3), '0.915 ± 0.005');
  assert.equal(dl.meanSd([0.91, 0.92, 0.915], 2, { percent: true }), '91.50 ± 0.50%');
  assert.equal(dl.meanSd({ mean: 1.5, sd: 0.25 }, 1), '1.5 ± 0.3');
  assert.equal(dl.meanSd([]), '–');
  const f = dl.formatNumber;
  assert.deepEqual([f(3), f(0.912345), f(2.5), f(12345.67), f(0.000123456), f(-1.23456), f(NaN), f(-Infinity)],
    ['3', '0.9123', '2.5', '12346', '0.0001235', '-1.235', 'NaN', '−∞']);
});

test('await ready() displays as one line, and stays a plain object', async () => {
  const info = await dl.ready();
  const b = toMimeBundle(info);
  assert.match(b['text/plain'] as string, new RegExp(`^tsdl backend: ${info.name}\\b`));
  if (info.threads) assert.match(b['text/plain'] as string, new RegExp(`threads ${info.threads}`));
  assert.match(b['text/html'] as string, new RegExp(`^<div class="tsdl-backend"[^>]*>tsdl backend: <b>${info.name}</b>.*</div>$`));
  assert.ok(!Object.keys(info).some((k) => k.includes('Jupyter')), 'the display method is not an enumerable field');
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(info))).sort(), Object.keys(info).sort());
  assert.equal(await dl.ready(), info, 'the same answer every time');
});

test('one home per helper: escapeHtml, uniqueId, table data as records or frames', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const ids = new Set(Array.from({ length: 1000 }, () => uniqueId('t')));
  assert.equal(ids.size, 1000);
  assert.ok([...ids].every((id) => /^t-[a-z0-9]+-[a-z0-9]+-[a-z0-9]*-\d+$/.test(id)));
  const frame = { columns: ['k', 'v'], values: [['a', 1], ['b', 2]] };
  assert.deepEqual(toRecords(frame), [{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
  const recs = [{ k: 'a' }, { v: 2 }];
  assert.equal(toRecords(recs), recs, 'records pass through');
  assert.deepEqual(tableParts(recs), { columns: ['k', 'v'], rows: [['a', undefined], [undefined, 2]], index: [0, 1] });
  const df = dl.dataFrame([{ k: 'a', v: 1 }]);
  assert.deepEqual(dl.tables.toRecords(df), [{ k: 'a', v: 1 }], 'a danfo DataFrame is table data');
  assert.deepEqual((dl.charts.barChart(df, { x: 'k', y: 'v' }).figure.data[0] as { y: number[] }).y, [1]);
});
