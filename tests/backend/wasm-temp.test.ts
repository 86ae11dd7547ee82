// The threaded wasm build runs from scripts written to a temporary folder. A process that is killed
// cannot remove its own at exit; the next start removes the folders of processes that are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ownerTag } from '../../src/util/fs-atomic';

const ROOT = path.resolve(__dirname, '../..');

test("a killed process's threaded-wasm folder is removed by the next start; a live one's is kept; each start removes its own at exit; the worker script is written once", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-tmpdir-'));
  try {
    // A pid that no longer runs: a child that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    const deadDir = path.join(tmp, `tsdl-wasm-${ownerTag().replace(`-${process.pid}-`, `-${gone}-`)}`);
    const liveDir = path.join(tmp, `tsdl-wasm-${ownerTag()}`);
    for (const d of [deadDir, liveDir]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'main.js'), '');
    }
    // The child counts how often the worker script is written: emscripten asks for it once per pool
    // worker while earlier workers read it, so it must be written once (a rewrite let a worker read
    // an empty file and the start hang).
    const child = [
      "const fs = require('fs'); const write = fs.writeFileSync; let workerWrites = 0;",
      "fs.writeFileSync = function (p, ...rest) { if (String(p).includes('tsdl-wasm-') && String(p).endsWith('worker.js')) workerWrites++; return write.call(this, p, ...rest); };",
      "require('./src/tf').ready().then((b) => console.log('BACKEND ' + JSON.stringify({ name: b.name, workerWrites })));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', child], {
      cwd: ROOT, env: { ...process.env, TMPDIR: tmp, TSDL_BACKEND: 'wasm' }, encoding: 'utf8', timeout: 120_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('BACKEND '));
    assert.ok(line, `ready() printed nothing: ${r.stderr.slice(-800)}`);
    const seen = JSON.parse(line.slice(8)) as { name: string; workerWrites: number };
    assert.equal(seen.name, 'wasm');
    assert.ok(seen.workerWrites <= 1, `the worker script was written ${seen.workerWrites} times`);
    assert.equal(fs.existsSync(deadDir), false, 'the folder of a process that is gone was removed');
    assert.equal(fs.existsSync(liveDir), true, 'the folder of a live process (this one) was kept');
    const after = fs.readdirSync(tmp).filter((n) => n.startsWith('tsdl-wasm-'));
    assert.deepEqual(after, [path.basename(liveDir)], 'the child removed its own folder at exit');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
