import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { table, dataFrame, dfd, toCsv, writeCsv, writeJson, tableHTML } from '../../src/tables';

const rows = [
  { activation: 'ReLU', trainAcc: 0.71234567, testAcc: 0.61, loss: 1.1 },
  { activation: 'Leaky "ReLU", α=0.01', trainAcc: 0.72, testAcc: 0.62, loss: 1.05 },
];

test('records and DataFrames display as HTML tables with a text fallback', () => {
  const key = Symbol.for('Jupyter.display');
  const b = (table(rows, { caption: 'Comparison', precision: 3 }) as unknown as Record<symbol, () => Record<string, string>>)[key]();
  assert.match(b['text/html'], /<table[^>]*>.*<caption[^>]*>Comparison<\/caption>.*<th>activation<\/th>.*<td[^>]*>0\.712<\/td>/s);
  assert.ok(b['text/html'].includes('Leaky &quot;ReLU&quot;, α=0.01'), 'cells are escaped');
  assert.match(b['text/plain'], /activation\s+trainAcc/);
  const df = dataFrame(rows);
  assert.deepEqual(df.columns, ['activation', 'trainAcc', 'testAcc', 'loss']);
  assert.equal(df.shape[0], 2);
  // every danfo DataFrame now displays as HTML (patched when danfo is loaded through dfd())
  const plain = new (dfd().DataFrame)({ a: [1, 2], b: ['x', 'y'] });
  const pb = (plain as unknown as Record<symbol, () => Record<string, string>>)[key]();
  assert.match(pb['text/html'], /<th>a<\/th><th>b<\/th>.*<td[^>]*>2<\/td><td>y<\/td>/s);
  assert.equal(tableHTML(df), tableHTML(rows));
  const many = Array.from({ length: 120 }, (_, i) => ({ i }));
  assert.match(tableHTML(many, { maxRows: 10 }), /110 more rows/);
});

test('CSV and JSON files are written (with quoting) and read back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-tables-'));
  const csv = writeCsv(dataFrame(rows), path.join(dir, 'out', 'results.csv'));
  const text = fs.readFileSync(csv, 'utf8');
  assert.equal(text.split('\n')[0], 'activation,trainAcc,testAcc,loss');
  assert.equal(text.split('\n')[2], '"Leaky ""ReLU"", α=0.01",0.72,0.62,1.05');
  assert.equal(toCsv(rows), text);
  const json = writeJson(dataFrame(rows), path.join(dir, 'results.json'));
  assert.deepEqual(JSON.parse(fs.readFileSync(json, 'utf8')), rows);
  writeJson({ testAcc: 0.6 }, path.join(dir, 'metrics.json'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')), { testAcc: 0.6 });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['metrics.json', 'out', 'results.json'], 'no temporary files left');
});
