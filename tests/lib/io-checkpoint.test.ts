/**
 * Checkpoints as one unit: kill -9 at random moments and at every step of a save never leaves an
 * unloadable checkpoint; leftovers are removed by the next save; a full disk keeps the old one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf } from '../../src/tf';
import { saveModel, loadModel, readArtifacts, DiskFullError } from '../../src/io';
import { smallDisk } from '../fs-faults';

const CHILD = path.join(__dirname, 'checkpoint-child.ts');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-ckpt-'));
/** Parameters of save i in the child (dense 784 -> units -> 10, units alternating 64 / 640). */
const paramsOf = (i: number) => {
  const u = i % 2 === 0 ? 64 : 640;
  return 784 * u + u + u * 10 + 10;
};
const env = { ...process.env, TSDL_BACKEND: 'cpu' };

function savedLines(out: string): number[] {
  return out.split('\n').filter((l) => l.startsWith('saved ')).map((l) => Number(l.split(' ')[1]));
}

/** Parameter count of the checkpoint in `dir` (from its manifest, verified against the weights). */
function checkpointParams(dir: string): number {
  const a = readArtifacts(dir);
  return (a.weightSpecs ?? []).reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
}

test('a crash at each step of a save leaves the previous or the new checkpoint, never neither', async () => {
  // Each save writes the weights (atomic write #2k-1), then model.json (#2k); the 4th save crashes.
  const cases: [string, 'old' | 'new'][] = [
    ['atomic:mid-write@7', 'old'], // weights half written
    ['atomic:before-rename@7', 'old'], // weights complete under their temporary name
    ['atomic:after-rename@7', 'old'], // new weights in place, directory not yet fsynced
    ['checkpoint:before-switch@4', 'old'], // new weights complete, model.json still the old one
    ['atomic:mid-write@8', 'old'], // new model.json half written
    ['atomic:before-rename@8', 'old'], // new model.json complete under its temporary name
    ['atomic:after-rename@8', 'new'], // switched
    ['checkpoint:after-switch@4', 'new'], // switched, old version not yet removed
    ['checkpoint:cleanup@3', 'new'], // while removing the old version
  ];
  for (const [point, which] of cases) {
    const dir = tmp();
    const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, dir, '6'], { env: { ...env, TSDL_TEST_CRASH_AT: point }, encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', `${point}: the child crashed there (status ${r.status}, ${r.stderr})`);
    assert.deepEqual(savedLines(r.stdout), [0, 1, 2], `${point}: three saves completed before the crash`);
    const want = which === 'old' ? paramsOf(2) : paramsOf(3);
    assert.equal(checkpointParams(dir), want, `${point}: the ${which} checkpoint loads`);
    // The next save removes what the killed writer left and the versions no longer named.
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [784] })] });
    await saveModel(m, dir);
    const names = fs.readdirSync(dir).sort();
    assert.equal(names.length, 2, `${point}: only model.json and one weights file remain: ${names.join(', ')}`);
    assert.ok(names.includes('model.json') && /^weights-.*\.bin$/.test(names[1]), names.join(', '));
    assert.equal((await loadModel(dir)).countParams(), 784 * 3 + 3);
    m.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 at random moments of a save loop never leaves an unloadable checkpoint', async () => {
  const dir = tmp();
  const rounds = 12;
  let lastSaved = -1;
  const outcomes: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const times: number[] = [];
    // Wait for the first save, then kill after a random delay of up to ~2 save periods.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        times.push(Date.now());
        if (times.length === 1) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 20));
    const period = times.length > 1 ? (times[times.length - 1] - times[0]) / (times.length - 1) : 40;
    await new Promise((r) => setTimeout(r, Math.random() * 2 * period));
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const saved = savedLines(out);
    lastSaved = saved[saved.length - 1];
    // The checkpoint is the last reported save or the one in progress when the kill came.
    const params = checkpointParams(dir);
    assert.ok(params === paramsOf(lastSaved) || params === paramsOf(lastSaved + 1), `round ${round}: ${params} parameters after save ${lastSaved}`);
    outcomes.push(`${saved.length} saves, ${params === paramsOf(lastSaved) ? 'last reported' : 'in-progress'} version`);
    const back = await loadModel(dir);
    assert.equal(back.countParams(), params);
    back.dispose();
  }
  const leftovers = fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
  // A killed child's temporaries are removed by the next writer (here: one more save).
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [784] })] });
  await saveModel(m, dir);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n !== 'model.json').length, 1, fs.readdirSync(dir).join(', '));
  m.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`# ${rounds} kills: ${outcomes.join('; ')}; ${leftovers.length} temporaries left by killed writers, removed by the next save`);
});

test('a full disk: saving says so with the bytes needed and where, and keeps the previous checkpoint', async (t) => {
  const disk = smallDisk('2m');
  let dir: string;
  let cleanup: () => void;
  const saved = process.env.TSDL_TEST_FREE_BYTES;
  if ('skip' in disk) {
    // Simulated: the disk reports 1 MB free (the check before writing sees it).
    t.diagnostic(`${disk.skip}; simulating a 1 MB disk through TSDL_TEST_FREE_BYTES`);
    dir = tmp();
    cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    dir = disk.dir;
    cleanup = disk.unmount;
  }
  const small = tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [784] })] }); // 201 kB
  const big = tf.sequential({ layers: [tf.layers.dense({ units: 1000, inputShape: [784] })] }); // 3.1 MB
  try {
    await saveModel(small, path.join(dir, 'ckpt'));
    // Both ways to meet a full disk: the check before writing, and ENOSPC in the middle of a write.
    const modes = 'skip' in disk ? [{ free: '1000000', label: 'checked before writing' }] : [{ free: undefined, label: 'checked before writing' }, { free: undefined, skipCheck: true, label: 'ENOSPC while writing' }];
    for (const mode of modes) {
      if (mode.free === undefined) delete process.env.TSDL_TEST_FREE_BYTES;
      else process.env.TSDL_TEST_FREE_BYTES = mode.free;
      if ('skipCheck' in mode) process.env.TSDL_TEST_SKIP_SPACE_CHECK = '1';
      await assert.rejects(saveModel(big, path.join(dir, 'ckpt')), (e: Error) => {
        assert.ok(e instanceof DiskFullError, `${mode.label}: a DiskFullError, not ${e}`);
        assert.match(e.message, /The disk is full: saving the model \(weights and model\.json\) needs 3\.1 MB in /, mode.label);
        assert.ok(e.message.includes(path.join(dir, 'ckpt')), e.message);
        assert.match(e.message, /The previous checkpoint in .* is kept/);
        return true;
      });
      delete process.env.TSDL_TEST_FREE_BYTES;
      delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
      assert.equal((await loadModel(path.join(dir, 'ckpt'))).countParams(), small.countParams(), `${mode.label}: the previous checkpoint still loads`);
      const names = fs.readdirSync(path.join(dir, 'ckpt'));
      assert.equal(names.length, 2, `${mode.label}: nothing half-written is left: ${names.join(', ')}`);
    }
  } finally {
    if (saved === undefined) delete process.env.TSDL_TEST_FREE_BYTES;
    else process.env.TSDL_TEST_FREE_BYTES = saved;
    delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
    small.dispose();
    big.dispose();
    cleanup();
  }
});
