// Notebooks through `jupyter nbconvert --to notebook --execute` with kernel tsdl: errors fail the run
// with their name and message, --allow-errors runs every later cell, execution counts are set, and
// a notebook outside the project (run from yet another folder) imports the project's src.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installKernel, jupyterMissing, nbconvert, notebook, ROOT, type KernelEnv } from './helpers';

const missing = jupyterMissing();

interface Cell { execution_count: number | null; outputs: Array<Record<string, any>> }
const read = (file: string): Cell[] => JSON.parse(fs.readFileSync(file, 'utf8')).cells;
const str = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v));
const text = (cell: Cell): string => cell.outputs.map((o) => str(o.text ?? o.data?.['text/plain'] ?? `${o.ename}: ${o.evalue}`)).join('');
const result = (cell: Cell): string | undefined => {
  const r = cell.outputs.find((o) => o.output_type === 'execute_result');
  return r ? str(r.data['text/plain']) : undefined;
};

describe('nbconvert --execute with kernel tsdl', { skip: missing ?? false, timeout: 300_000 }, () => {
  let k: KernelEnv;
  let work: string;
  before(() => {
    k = installKernel();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-nb-'));
  });
  after(() => {
    k?.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const cells = [
    'let base = 41;',
    'console.log("second cell");\nbase + 1',
    'const n: number = "not a number";',
    'console.log("after the type error");',
    'function explode(): never {\n  throw new RangeError("value out of range: " + base);\n}\nexplode();',
    'console.log("after the runtime error", base);',
    'base * 2',
  ];

  test('a TypeScript error fails the run with TypeScriptError and its message', () => {
    fs.writeFileSync(path.join(work, 'ts-error.ipynb'), notebook(cells.slice(0, 4)));
    const r = nbconvert(k, ['--to', 'notebook', '--execute', '--output', 'ts-error.out', 'ts-error.ipynb'], work);
    assert.notEqual(r.status, 0, 'nbconvert must fail');
    const out = r.stdout + r.stderr;
    assert.match(out, /TypeScriptError/);
    assert.match(out, /Type 'string' is not assignable to type 'number'/);
    assert.match(out, /cell line 1/);
  });

  test('a runtime exception fails the run with its class name, message and cell line', () => {
    fs.writeFileSync(path.join(work, 'rt-error.ipynb'), notebook([cells[0], cells[4]]));
    const r = nbconvert(k, ['--to', 'notebook', '--execute', '--output', 'rt-error.out', 'rt-error.ipynb'], work);
    assert.notEqual(r.status, 0, 'nbconvert must fail');
    const out = r.stdout + r.stderr;
    assert.match(out, /RangeError/);
    assert.match(out, /value out of range: 41/);
    assert.match(out, /cell line 2/);
  });

  test('--allow-errors runs every later cell, each with outputs and an execution count', () => {
    fs.writeFileSync(path.join(work, 'all.ipynb'), notebook(cells));
    const r = nbconvert(k, ['--to', 'notebook', '--execute', '--allow-errors', '--output', 'all.out', 'all.ipynb'], work);
    assert.equal(r.status, 0, r.stderr);
    const out = read(path.join(work, 'all.out.ipynb'));
    assert.deepEqual(out.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(out[0].outputs.length, 0);
    assert.match(text(out[1]), /second cell/);
    assert.equal(result(out[1]), '42');
    assert.equal(out[2].outputs[0].output_type, 'error');
    assert.equal(out[2].outputs[0].ename, 'TypeScriptError');
    assert.match(text(out[3]), /after the type error/);
    assert.equal(out[4].outputs[0].ename, 'RangeError');
    assert.equal(out[4].outputs[0].evalue, 'value out of range: 41');
    assert.ok(out[4].outputs[0].traceback.some((l: string) => /cell line 2/.test(l)), out[4].outputs[0].traceback.join('\n'));
    assert.match(text(out[5]), /after the runtime error 41/);
    assert.equal(result(out[6]), '82');
  });

  test('a notebook outside the project, run from another folder, imports the project src', () => {
    const nbDir = path.join(work, 'elsewhere');
    fs.mkdirSync(nbDir);
    const rel = path.relative(nbDir, path.join(ROOT, 'src', 'display')).split(path.sep).join('/');
    fs.writeFileSync(path.join(nbDir, 'imports.ipynb'), notebook([
      `import { toMimeBundle } from ${JSON.stringify(path.join(ROOT, 'src', 'display'))};\ntoMimeBundle("absolute import")`,
      `import * as viaRelative from ${JSON.stringify(rel)};\nviaRelative.toMimeBundle("relative import")["text/plain"]`,
      'process.cwd()',
    ]));
    const runFrom = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-cwd-'));
    try {
      const r = nbconvert(k, ['--to', 'notebook', '--execute', '--output', 'imports.out', path.join(nbDir, 'imports.ipynb')], runFrom);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      fs.rmSync(runFrom, { recursive: true, force: true });
    }
    const out = read(path.join(nbDir, 'imports.out.ipynb'));
    assert.match(result(out[0]) ?? '', /absolute import/);
    assert.equal(result(out[1]), "'relative import'");
    assert.equal(result(out[2]), `'${nbDir}'`, 'the kernel runs in the notebook folder');
  });

  // src/tf.ts and everything it imports must type-check under tslab (TypeScript 5.0, lib es2022 +
  // @types/node, no DOM lib): this is the import every notebook starts with.
  test('a notebook outside the project imports src/tf and computes with tfjs', () => {
    const nbDir = fs.mkdtempSync(path.join(work, 'tf-'));
    fs.writeFileSync(path.join(nbDir, 'tf.ipynb'), notebook([
      `import { tf } from ${JSON.stringify(path.join(ROOT, 'src', 'tf'))};\ntf.tensor1d([1, 2, 3]).sum().dataSync()[0]`,
    ]));
    const r = nbconvert(k, ['--to', 'notebook', '--execute', '--output', 'tf.out', path.join(nbDir, 'tf.ipynb')], os.tmpdir());
    assert.equal(r.status, 0, (r.stdout + r.stderr).split('\n').filter((l) => !/^\s+(File|\^)/.test(l)).slice(-25).join('\n'));
    assert.equal(result(read(path.join(nbDir, 'tf.out.ipynb'))[0]), '6');
  });
});
