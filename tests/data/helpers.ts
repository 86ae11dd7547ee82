/** Shared helpers of the data tests: fixture paths, a data set spec made of fixtures, temp dirs. */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { DatasetSpec } from '../../src/data';

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const fixture = (name: string) => join(FIXTURES, name);
export const fixtureBytes = (name: string) => readFileSync(fixture(name));

const manifest: Record<string, { size: number; md5: string }> = JSON.parse(readFileSync(fixture('manifest.json'), 'utf8'));
export const fixtureInfo = (name: string) => manifest[name];

export function tempDir(prefix = 'tsdl-data-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A test-only "data set": the 100-record MNIST fixtures under their official file names. */
export function miniMnistSpec(overrides: Partial<DatasetSpec> = {}): DatasetSpec {
  const img = fixtureInfo('mnist-t10k-images-idx3-ubyte-100');
  const lab = fixtureInfo('mnist-t10k-labels-idx1-ubyte-100');
  return {
    name: 'mnist',
    title: 'mini-MNIST',
    dir: 'mini-mnist',
    height: 28,
    width: 28,
    channels: 1,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    files: [
      { name: 't10k-images-idx3-ubyte', split: 'test', kind: 'idx-images', count: 100, size: img.size, md5: img.md5 },
      { name: 't10k-labels-idx1-ubyte', split: 'test', kind: 'idx-labels', count: 100, size: lab.size, md5: lab.md5 },
    ],
    download: { kind: 'gz-files', baseUrls: [] },
    ...overrides,
  };
}

/** Asserts an error message names the file, what was expected, what was found, and a fix. */
export function errorParts(err: unknown): { message: string; file: string; expected: string; found: string; fix: string } {
  const e = err as { message: string; file: string; expected: string; found: string; fix: string };
  return { message: e.message, file: e.file, expected: e.expected, found: e.found, fix: e.fix };
}
