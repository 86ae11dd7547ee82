/**
 * Losses for classifiers whose models output logits; labels may be class indices [B] or one-hot [B, K].
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';

/** A loss: labels and model outputs to a scalar (the mean over the batch). */
export type LossFn = (yTrue: TF.Tensor, yPred: TF.Tensor) => TF.Scalar;

/** Built-in losses: softmax cross-entropy on logits (PyTorch's CrossEntropyLoss) or mean squared error. */
export type LossName = 'crossEntropy' | 'mse';

function oneHotLike(y: TF.Tensor, logits: TF.Tensor): TF.Tensor {
  return y.rank === 1 ? tf.oneHot(y.dtype === 'int32' ? y as TF.Tensor1D : y.toInt() as TF.Tensor1D, logits.shape[logits.rank - 1] as number).toFloat() : y;
}

/** Mean softmax cross-entropy between labels and logits. */
export function crossEntropy(yTrue: TF.Tensor, logits: TF.Tensor): TF.Scalar {
  return tf.tidy(() => {
    const target = oneHotLike(yTrue, logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), -1))) as TF.Scalar;
  });
}

/** Mean squared error (labels as indices are one-hot encoded first). */
export function mse(yTrue: TF.Tensor, yPred: TF.Tensor): TF.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(oneHotLike(yTrue, yPred), yPred)) as TF.Scalar);
}

/** The loss function for a name (or the function itself). */
export function resolveLoss(loss: LossName | LossFn | undefined): LossFn {
  if (typeof loss === 'function') return loss;
  if (loss === undefined || loss === 'crossEntropy') return crossEntropy;
  if (loss === 'mse') return mse;
  throw new Error(`Unknown loss '${String(loss)}': use 'crossEntropy', 'mse' or a function (yTrue, yPred) => scalar.`);
}
