/**
 * An image classification data set held as bytes: pixels stay `Uint8Array` (NHWC) in memory and
 * become float32 tensors only per batch, so CIFAR-10 costs 150 MB rather than 600 MB.
 */
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../tf';
import type { ImageFormat } from './catalog';
import { permutation } from './random';

export interface Normalization {
  /** Per-channel mean on the [0, 1] scale (one value, or one per channel). */
  mean: number[];
  /** Per-channel standard deviation on the [0, 1] scale. */
  std: number[];
}

export interface TensorOptions {
  /** Subtract mean and divide by std per channel after scaling to [0, 1]. */
  normalize?: Normalization;
  /** Labels as one-hot float32 [n, classes] instead of int32 [n]. */
  oneHot?: boolean;
}

export interface BatchOptions extends TensorOptions {
  /** Shuffle the order (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0); use a different seed per epoch for a different order. */
  seed?: number;
  /** Drop a last batch smaller than batchSize (default false). */
  dropRemainder?: boolean;
}

/**
 * One batch: inputs, labels (class indices [B] or one-hot [B, K]) and the number of examples (optional
 * in batches made by hand; the training loop then reads it from x). The one Batch type of tsdl.
 */
export interface Batch<X extends TF.Tensor = TF.Tensor> {
  x: X;
  y: TF.Tensor;
  size?: number;
}

/** A batch of an {@link ImageDataset}: images float32 [size, height, width, channels], labels int32 [size] or one-hot. */
export interface ImageBatch extends Batch<TF.Tensor4D> {
  size: number;
}

export interface ImageDatasetInit extends ImageFormat {
  name: string;
  images: Uint8Array;
  labels: Uint8Array;
}

export class ImageDataset {
  readonly name: string;
  /** Pixels, NHWC, one byte each. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classNames: string[];

  constructor(init: ImageDatasetInit) {
    const per = init.height * init.width * init.channels;
    if (init.images.length !== init.labels.length * per) {
      throw new Error(`${init.name}: ${init.images.length} pixel bytes do not make ${init.labels.length} images of ${init.height}x${init.width}x${init.channels}`);
    }
    this.name = init.name;
    this.images = init.images;
    this.labels = init.labels;
    this.count = init.labels.length;
    this.height = init.height;
    this.width = init.width;
    this.channels = init.channels;
    this.classNames = init.classNames;
  }

  /** A one-line summary, e.g. "MNIST train: 60000 images 28x28x1, 10 classes". */
  toString(): string {
    return `${this.name}: ${this.count} images ${this.height}x${this.width}x${this.channels}, ${this.numClasses} classes (${this.classNames.slice(0, 4).join(', ')}${this.numClasses > 4 ? ', ...' : ''})`;
  }

  /** How notebooks display the data set (the tsdl kernel's display protocol). */
  [Symbol.for('Jupyter.display')](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  /** Bytes per image. */
  get imageSize(): number {
    return this.height * this.width * this.channels;
  }

  /** The pixels of image `i` (a view, HWC). */
  image(i: number): Uint8Array {
    const n = this.imageSize;
    return this.images.subarray(i * n, (i + 1) * n);
  }

  /** A new data set of the images at `indices` (copied). */
  select(indices: ArrayLike<number>, name = `${this.name} (${indices.length})`): ImageDataset {
    const n = this.imageSize;
    const images = new Uint8Array(indices.length * n);
    const labels = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!(i >= 0 && i < this.count)) throw new RangeError(`${this.name}: index ${i} outside 0..${this.count - 1}`);
      images.set(this.images.subarray(i * n, (i + 1) * n), k * n);
      labels[k] = this.labels[i];
    }
    return new ImageDataset({ name, images, labels, height: this.height, width: this.width, channels: this.channels, classNames: this.classNames });
  }

  /** The first `n` images (a view, no copy), or `n` random ones when a seed is given. */
  subset(n: number, options: { seed?: number } = {}): ImageDataset {
    if (!(n >= 0)) throw new RangeError(`subset(${n}): n must be >= 0`);
    const size = Math.min(Math.floor(n), this.count);
    if (options.seed !== undefined) return this.select(permutation(this.count, options.seed).subarray(0, size), `${this.name} (${size})`);
    return new ImageDataset({
      name: `${this.name} (${size})`,
      images: this.images.subarray(0, size * this.imageSize),
      labels: this.labels.subarray(0, size),
      height: this.height,
      width: this.width,
      channels: this.channels,
      classNames: this.classNames,
    });
  }

  /**
   * Splits into two disjoint random parts: `first` is a count (e.g. 50000) or a fraction (e.g. 5/6);
   * the rest forms the second part. The same seed gives the same split.
   */
  randomSplit(first: number, seed: number): [ImageDataset, ImageDataset] {
    const size = first > 0 && first < 1 ? Math.round(first * this.count) : Math.floor(first);
    if (!(size >= 0 && size <= this.count)) throw new RangeError(`randomSplit(${first}): first part must be between 0 and ${this.count} images`);
    const order = permutation(this.count, seed);
    return [this.select(order.subarray(0, size), `${this.name} split 1`), this.select(order.subarray(size), `${this.name} split 2`)];
  }

  /** How many images each class has. */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (let i = 0; i < this.count; i++) counts[this.labels[i]]++;
    return counts;
  }

  /** Per-channel mean and standard deviation on the [0, 1] scale (e.g. for `normalize`). */
  channelStats(): Normalization {
    const c = this.channels;
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    const px = this.images;
    for (let i = 0; i < px.length; i += c) {
      for (let k = 0; k < c; k++) {
        const v = px[i + k];
        sum[k] += v;
        sq[k] += v * v;
      }
    }
    const n = px.length / c;
    const mean = Array.from(sum, (s) => s / n / 255);
    const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / n / 65025 - mean[k] * mean[k])));
    return { mean, std };
  }

  /** Float32 pixels of the images at `indices` (all when omitted), scaled to [0, 1] and optionally normalised. */
  pixels(indices?: ArrayLike<number>, normalize?: Normalization): Float32Array {
    const n = this.imageSize;
    const c = this.channels;
    const count = indices ? indices.length : this.count;
    const out = new Float32Array(count * n);
    // Per channel: value * scale[k] + shift[k] == (value / 255 - mean[k]) / std[k].
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      const mean = normalize ? normalize.mean[normalize.mean.length === 1 ? 0 : k] : 0;
      const std = normalize ? normalize.std[normalize.std.length === 1 ? 0 : k] : 1;
      if (normalize && (mean === undefined || !(std > 0))) throw new Error(`normalize needs ${c} means and positive stds (or one of each)`);
      scale[k] = 1 / 255 / std;
      shift[k] = -mean / std;
    }
    for (let j = 0; j < count; j++) {
      const i = indices ? indices[j] : j;
      const src = i * n;
      const dst = j * n;
      if (c === 1) {
        for (let p = 0; p < n; p++) out[dst + p] = this.images[src + p] * scale[0] + shift[0];
      } else {
        for (let p = 0; p < n; p++) {
          const k = p % c;
          out[dst + p] = this.images[src + p] * scale[k] + shift[k];
        }
      }
    }
    return out;
  }

  /** Labels at `indices` as int32, or one-hot float32. */
  labelTensor(indices?: ArrayLike<number>, oneHot = false): TF.Tensor {
    const count = indices ? indices.length : this.count;
    if (oneHot) {
      const k = this.numClasses;
      const data = new Float32Array(count * k);
      for (let j = 0; j < count; j++) data[j * k + this.labels[indices ? indices[j] : j]] = 1;
      return tf.tensor2d(data, [count, k], 'float32');
    }
    const data = new Int32Array(count);
    for (let j = 0; j < count; j++) data[j] = this.labels[indices ? indices[j] : j];
    return tf.tensor1d(data, 'int32');
  }

  /**
   * The whole data set (or `indices`) as tensors: x float32 NHWC in [0, 1] (or normalised), y int32
   * or one-hot. The caller disposes them. For large sets prefer `batches`.
   */
  toTensors(options: TensorOptions & { indices?: ArrayLike<number> } = {}): { x: TF.Tensor4D; y: TF.Tensor } {
    const count = options.indices ? options.indices.length : this.count;
    const x = tf.tensor4d(this.pixels(options.indices, options.normalize), [count, this.height, this.width, this.channels], 'float32');
    const y = this.labelTensor(options.indices, options.oneHot);
    return { x, y };
  }

  /** Number of batches `batches(batchSize, options)` yields. */
  batchCount(batchSize: number, options: { dropRemainder?: boolean } = {}): number {
    return options.dropRemainder ? Math.floor(this.count / batchSize) : Math.ceil(this.count / batchSize);
  }

  /**
   * Batches of tensors in order or shuffled with `seed`. Each batch's tensors are disposed when the
   * next batch is requested and when iteration ends (also on `break`), so keep (`tf.keep` or clone)
   * anything needed longer.
   */
  *batches(batchSize: number, options: BatchOptions = {}): Generator<ImageBatch, void, undefined> {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`batches(${batchSize}): batch size must be a positive integer`);
    const order = options.shuffle ? permutation(this.count, options.seed ?? 0) : undefined;
    const total = this.batchCount(batchSize, options);
    let current: ImageBatch | undefined;
    try {
      for (let b = 0; b < total; b++) {
        const start = b * batchSize;
        const end = Math.min(start + batchSize, this.count);
        const indices = order ? order.subarray(start, end) : range(start, end);
        if (current) dispose(current);
        current = undefined;
        const size = end - start;
        current = {
          x: tf.tensor4d(this.pixels(indices, options.normalize), [size, this.height, this.width, this.channels], 'float32'),
          y: this.labelTensor(indices, options.oneHot),
          size,
        };
        yield current;
      }
    } finally {
      if (current) dispose(current);
    }
  }
}

function range(start: number, end: number): Uint32Array {
  const out = new Uint32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

function dispose(batch: Batch): void {
  if (!batch.x.isDisposed) batch.x.dispose();
  if (!batch.y.isDisposed) batch.y.dispose();
}
