/** Loading the data sets as `ImageDataset`s: obtain verified files, then parse them. */
import { promises as fsp } from 'fs';
import { CIFAR10, DatasetName, DatasetSpec, datasetSpec, FASHION_MNIST, MNIST, Split } from './catalog';
import { CIFAR_PIXELS, CIFAR_RECORD, parseCifarBatch } from './cifar-bin';
import { ImageDataset } from './dataset';
import { parseIdx } from './idx';
import { obtain, ObtainOptions } from './obtain';

/** Reads an idx images file and an idx labels file (raw or .gz) into a data set. */
export async function readIdxDataset(
  imagesPath: string,
  labelsPath: string,
  info: { name: string; classNames: string[]; count?: number; rows?: number; cols?: number },
): Promise<ImageDataset> {
  const images = parseIdx(await fsp.readFile(imagesPath), imagesPath, { kind: 'images', count: info.count, rows: info.rows, cols: info.cols });
  const labels = parseIdx(await fsp.readFile(labelsPath), labelsPath, { kind: 'labels', count: images.count });
  return new ImageDataset({ name: info.name, images: images.data, labels, height: images.rows, width: images.cols, channels: 1, classNames: info.classNames });
}

/** Reads CIFAR-10 binary batches (each `recordsPerFile` records) into one data set, file by file. */
export async function readCifarDataset(paths: string[], info: { name: string; classNames: string[]; recordsPerFile?: number }): Promise<ImageDataset> {
  const per = info.recordsPerFile ?? 10000;
  const images = new Uint8Array(paths.length * per * 3 * CIFAR_PIXELS);
  const labels = new Uint8Array(paths.length * per);
  // One reused read buffer: peak memory is the final arrays plus one 30 MB batch.
  const expected = per * CIFAR_RECORD;
  const buffer = Buffer.allocUnsafe(expected);
  for (let i = 0; i < paths.length; i++) {
    const fh = await fsp.open(paths[i], 'r');
    try {
      const size = (await fh.stat()).size;
      if (size !== expected) {
        // Let the parser describe the problem (it reads the start of the file for the message).
        parseCifarBatch(await fh.readFile(), paths[i], per, images, labels, i * per);
      }
      let got = 0;
      while (got < expected) {
        const { bytesRead } = await fh.read(buffer, got, expected - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      parseCifarBatch(buffer.subarray(0, got), paths[i], per, images, labels, i * per);
    } finally {
      await fh.close();
    }
  }
  return new ImageDataset({ name: info.name, images, labels, height: 32, width: 32, channels: 3, classNames: info.classNames });
}

/** Loads `split` of a data set from the catalog, obtaining and verifying its files first. */
export async function loadDataset(spec: DatasetSpec | DatasetName, split: Split, options: ObtainOptions = {}): Promise<ImageDataset> {
  const s = typeof spec === 'string' ? datasetSpec(spec) : spec;
  if (split !== 'train' && split !== 'test') throw new Error(`split must be 'train' or 'test', not ${JSON.stringify(split)}`);
  const report = await obtain(s, [split], options);
  const files = report.files;
  const name = `${s.title} ${split}`;
  if (s.files[0].kind === 'cifar-records') {
    return readCifarDataset(files.map((f) => f.path), { name, classNames: s.classNames, recordsPerFile: s.files[0].count });
  }
  const imagesFile = files.find((f) => f.name.includes('images'))!;
  const labelsFile = files.find((f) => f.name.includes('labels'))!;
  const count = s.files.find((f) => f.name === imagesFile.name)!.count;
  return readIdxDataset(imagesFile.path, labelsFile.path, { name, classNames: s.classNames, count, rows: s.height, cols: s.width });
}

/** MNIST handwritten digits: 60,000 train / 10,000 test, 28x28x1. */
export function loadMnist(split: Split = 'train', options?: ObtainOptions): Promise<ImageDataset> {
  return loadDataset(MNIST, split, options);
}

/** Fashion-MNIST (Zalando articles): 60,000 train / 10,000 test, 28x28x1. */
export function loadFashionMnist(split: Split = 'train', options?: ObtainOptions): Promise<ImageDataset> {
  return loadDataset(FASHION_MNIST, split, options);
}

/** CIFAR-10: 50,000 train / 10,000 test, 32x32x3. */
export function loadCifar10(split: Split = 'train', options?: ObtainOptions): Promise<ImageDataset> {
  return loadDataset(CIFAR10, split, options);
}
