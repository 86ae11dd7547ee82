/**
 * What the training loop accepts as data, and how it turns each kind into batches.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { permutation } from '../data/random';
import type { Batch, BatchOptions } from '../data/dataset';

export type { Batch, BatchOptions } from '../data/dataset';

/** Whole data set in memory as two tensors; the loop slices (and shuffles) batches itself. */
export interface TensorData {
  x: TF.Tensor;
  y: TF.Tensor;
}

/** Anything with the data module's `batches(batchSize, {shuffle, seed})` iterator. */
export interface BatchProvider {
  batches(batchSize: number, options?: BatchOptions): Iterable<Batch> | AsyncIterable<Batch>;
  count?: number;
}

/**
 * Training/evaluation data: tensors `{x, y}`; a data set with `batches()`; a function of the epoch
 * returning batches; or an iterable of batches (re-iterated each epoch, so it must be re-iterable,
 * e.g. an array). Batches from providers/functions/iterables are owned (and disposed) by their source.
 */
export type DataSource =
  | TensorData
  | BatchProvider
  | ((epoch: number) => Iterable<Batch> | AsyncIterable<Batch>)
  | Iterable<Batch>
  | AsyncIterable<Batch>;

/** How the loop iterates a {@link DataSource} in one epoch. */
export interface EpochOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  epoch: number;
  /** Extra options for a data set's `batches()` (e.g. `{ normalize: {mean, std} }`). */
  dataOptions?: Record<string, unknown>;
}

function isTensorData(d: unknown): d is TensorData {
  const t = d as TensorData;
  return !!t && typeof t === 'object' && !!t.x && !!t.y && typeof (t.x as TF.Tensor).dataSync === 'function' && typeof (t.y as TF.Tensor).dataSync === 'function';
}

function isProvider(d: unknown): d is BatchProvider {
  return !!d && typeof d === 'object' && typeof (d as BatchProvider).batches === 'function';
}

/** Number of examples when known without iterating (tensor data or a data set with `count`). */
export function sizeOf(data: DataSource): number | undefined {
  if (isTensorData(data)) return data.x.shape[0];
  if (isProvider(data) && typeof data.count === 'number') return data.count;
  if (Array.isArray(data)) return data.reduce((s: number, b: Batch) => s + (b.size ?? b.x.shape[0]), 0);
  return undefined;
}

/** Batches of tensor data; these batches are created (and disposed) here. */
function* tensorBatches(d: TensorData, o: EpochOptions): Generator<Batch> {
  const n = d.x.shape[0];
  if (d.y.shape[0] !== n) throw new Error(`Training data: x has ${n} examples but y has ${d.y.shape[0]}; they must match.`);
  const order = o.shuffle ? permutation(n, o.seed * 1000003 + o.epoch) : null;
  for (let start = 0; start < n; start += o.batchSize) {
    const end = Math.min(n, start + o.batchSize);
    const batch = tf.tidy(() => {
      if (!order) return { x: d.x.slice(start, end - start), y: d.y.slice(start, end - start) };
      const idx = tf.tensor1d(Int32Array.from(order.subarray(start, end)), 'int32');
      return { x: tf.gather(d.x, idx), y: tf.gather(d.y, idx) };
    });
    try {
      yield { ...batch, size: end - start };
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
  }
}

/** Iterates a data source as batches for one epoch. */
export function batchesOf(data: DataSource, o: EpochOptions): Iterable<Batch> | AsyncIterable<Batch> {
  if (isTensorData(data)) return tensorBatches(data, o);
  if (isProvider(data)) return data.batches(o.batchSize, { ...(o.dataOptions ?? {}), shuffle: o.shuffle, seed: o.seed * 1000003 + o.epoch });
  if (typeof data === 'function') return data(o.epoch);
  if (data && (Symbol.iterator in (data as object) || Symbol.asyncIterator in (data as object))) return data as Iterable<Batch>;
  throw new Error('Unsupported data: expected {x, y} tensors, a data set with batches(), a function (epoch) => batches, or an iterable of {x, y} batches.');
}

/**
 * Calls `f` on each batch of a sync or async iterable, in order, awaiting it; stops (closing the
 * iterator, so its batches are released) when `f` returns false.
 */
export async function eachBatch(batches: Iterable<Batch> | AsyncIterable<Batch>, f: (b: Batch) => unknown): Promise<void> {
  if (Symbol.asyncIterator in (batches as object)) {
    for await (const b of batches as AsyncIterable<Batch>) if ((await f(b)) === false) break;
  } else {
    for (const b of batches as Iterable<Batch>) if ((await f(b)) === false) break;
  }
}
