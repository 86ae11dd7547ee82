/** Shared test data and helpers of the library tests: the real MNIST fixture images, temp dirs, captured logs. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readIdxDataset, MNIST_CLASSES } from '../../src/data';

export const fixtures = path.join(__dirname, '..', 'fixtures');

/** A fresh temporary directory. */
export const tmpDir = (prefix = 'tsdl-test-') => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** The 100 real MNIST test images of the fixtures, split 80 / 20 with seed 1. */
export async function mnist100() {
  const ds = await readIdxDataset(
    path.join(fixtures, 'mnist-t10k-images-idx3-ubyte-100'), path.join(fixtures, 'mnist-t10k-labels-idx1-ubyte-100'),
    { name: 'mnist-100', classNames: MNIST_CLASSES },
  );
  const [train, val] = ds.randomSplit(80, 1);
  return { ds, train, val };
}

/** Captures console.log lines while `f` runs. */
export async function captureLog<T>(f: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    return { result: await f(), lines };
  } finally {
    console.log = orig;
  }
}
