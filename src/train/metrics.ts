/**
 * Accuracy, evaluation, prediction and confusion matrices for classifiers whose models output
 * logits. Labels may be class indices [B] or one-hot [B, K].
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { resolveLoss, type LossFn, type LossName } from './losses';
import { batchesOf, eachBatch, type DataSource } from './data';

/** Class indices [B] from labels that are indices or one-hot. */
export function labelIndices(y: TF.Tensor): TF.Tensor1D {
  return tf.tidy(() => (y.rank === 1 ? (y.dtype === 'int32' ? y.clone() : y.toInt()) : tf.argMax(y, -1)) as TF.Tensor1D);
}

/** Number of correct predictions in a batch, as a scalar tensor (no sync). */
export function countCorrect(y: TF.Tensor, logits: TF.Tensor): TF.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labelIndices(y)), 'float32')) as TF.Scalar);
}

/** Result of {@link evaluate}. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/** Options of {@link evaluate}, {@link predict} and {@link confusionMatrix}. */
export interface EvalOptions {
  /** Batch size for inference (default 500). */
  batchSize?: number;
  /** Loss to report (default 'crossEntropy'). */
  loss?: LossName | LossFn;
  /** Extra options for a data set's `batches()` (e.g. `{ normalize: {mean, std} }`). */
  dataOptions?: Record<string, unknown>;
}

/** Iterates a source's batches in order (no shuffling), sync or async. */
async function forEachBatch(data: DataSource, batchSize: number, f: (x: TF.Tensor, y: TF.Tensor, size: number) => void, dataOptions?: Record<string, unknown>): Promise<void> {
  await eachBatch(batchesOf(data, { batchSize, shuffle: false, seed: 0, epoch: 0, dataOptions }), (b) => f(b.x, b.y, b.size ?? b.x.shape[0]));
}

/**
 * Mean loss and accuracy of a model on a data set (inference mode). Sums stay on the device and are
 * read once at the end.
 */
export async function evaluate(model: TF.LayersModel, data: DataSource, options: EvalOptions = {}): Promise<Evaluation> {
  const lossFn = resolveLoss(options.loss);
  let lossSum: TF.Scalar = tf.scalar(0);
  let correct: TF.Scalar = tf.scalar(0);
  let count = 0;
  try {
    await forEachBatch(data, options.batchSize ?? 500, (x, y, size) => {
      const [l, c] = tf.tidy(() => {
        const logits = model.apply(x, { training: false }) as TF.Tensor;
        return [tf.add(lossSum, tf.mul(lossFn(y, logits), size)), tf.add(correct, countCorrect(y, logits))] as TF.Scalar[];
      });
      tf.dispose([lossSum, correct]);
      lossSum = l; correct = c;
      count += size;
    }, options.dataOptions);
    const [ls, cs] = await Promise.all([lossSum.data(), correct.data()]);
    return { loss: count ? ls[0] / count : NaN, accuracy: count ? cs[0] / count : NaN, count };
  } finally {
    tf.dispose([lossSum, correct]);
  }
}

/** Model outputs (logits) for a tensor of inputs, computed in batches; the caller disposes the result. */
export function predict(model: TF.LayersModel, x: TF.Tensor, options: { batchSize?: number } = {}): TF.Tensor {
  const bs = options.batchSize ?? 500;
  const n = x.shape[0];
  const parts: TF.Tensor[] = [];
  try {
    for (let s = 0; s < n; s += bs) {
      parts.push(tf.tidy(() => model.apply(x.slice(s, Math.min(bs, n - s)), { training: false }) as TF.Tensor));
    }
    return parts.length === 1 ? parts[0].clone() : tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}

/** Predicted class indices for a tensor of inputs. */
export async function predictClasses(model: TF.LayersModel, x: TF.Tensor, options: { batchSize?: number } = {}): Promise<Int32Array> {
  const logits = predict(model, x, options);
  const cls = tf.argMax(logits, -1);
  try {
    return (await cls.data()) as Int32Array;
  } finally {
    tf.dispose([logits, cls]);
  }
}

/** Confusion matrix from true and predicted class indices: m[true][predicted]. */
export function confusionFromLabels(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses?: number): number[][] {
  if (yTrue.length !== yPred.length) throw new Error(`confusionFromLabels: ${yTrue.length} true labels but ${yPred.length} predictions.`);
  let k = numClasses ?? 0;
  if (!numClasses) for (let i = 0; i < yTrue.length; i++) k = Math.max(k, yTrue[i] + 1, yPred[i] + 1);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]] += 1;
  return m;
}

/** Confusion matrix of a model on a data set (rows: true class, columns: predicted). */
export async function confusionMatrix(model: TF.LayersModel, data: DataSource, options: EvalOptions & { numClasses?: number } = {}): Promise<number[][]> {
  const trues: number[] = [];
  const preds: number[] = [];
  let k = options.numClasses ?? 0;
  await forEachBatch(data, options.batchSize ?? 500, (x, y) => {
    const [ti, pi] = tf.tidy(() => {
      const logits = model.apply(x, { training: false }) as TF.Tensor;
      k = Math.max(k, logits.shape[logits.rank - 1] as number);
      return [labelIndices(y), tf.argMax(logits, -1)];
    });
    const t = ti.dataSync(), p = pi.dataSync();
    tf.dispose([ti, pi]);
    for (let i = 0; i < t.length; i++) { trues.push(t[i]); preds.push(p[i]); }
  }, options.dataOptions);
  return confusionFromLabels(trues, preds, k);
}
