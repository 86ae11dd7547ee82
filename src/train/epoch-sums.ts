/**
 * The epoch's running sums, kept on the device and read once at its end: loss × examples and
 * correct predictions. Training accuracy comes from the step's own forward pass: the loss function
 * sees the logits, so a wrapper counts correct predictions there (kept out of the step's tidy
 * scope), as PyTorch loops do; if a step never calls the loss with logits, an inference pass is used.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import type { Batch } from './data';
import type { LossFn } from './losses';
import { observedLoss } from './loss-spec';
import { countCorrect } from './metrics';

export class EpochSums {
  /** Examples seen this epoch. */
  seen = 0;
  private lossSum: TF.Scalar = tf.scalar(0);
  private correct: TF.Scalar = tf.scalar(0);

  constructor(private readonly accuracy: TrainAccuracy | null) {}

  /** Adds one step: its mean loss (disposed by the caller) over `size` examples, and its correct count. */
  add(b: Batch, loss: TF.Scalar, size: number, model: TF.LayersModel): void {
    const nextLoss = tf.tidy(() => tf.add(this.lossSum, tf.mul(loss, size)) as TF.Scalar);
    this.lossSum.dispose();
    this.lossSum = nextLoss;
    if (this.accuracy) {
      const batchCorrect = this.accuracy.take(b, model);
      const nextCorrect = tf.add(this.correct, batchCorrect) as TF.Scalar;
      tf.dispose([this.correct, batchCorrect]);
      this.correct = nextCorrect;
    }
    this.seen += size;
  }

  /** The running loss sum so far (waits for the backend). */
  async readLossSum(): Promise<number> {
    return (await this.lossSum.data())[0];
  }

  /** Mean loss and accuracy of the epoch (one read; NaN for no examples or accuracy off). */
  async read(): Promise<{ loss: number; acc: number }> {
    const [ls, cs] = await Promise.all([this.lossSum.data(), this.correct.data()]);
    return { loss: this.seen ? ls[0] / this.seen : NaN, acc: this.accuracy && this.seen ? cs[0] / this.seen : NaN };
  }

  dispose(): void {
    tf.dispose([this.lossSum, this.correct]);
  }
}

/** Counts correct predictions on the logits the loss sees during the step. */
export class TrainAccuracy {
  private stashed: TF.Scalar | null = null;
  /** The loss to give the train step: `loss`, counting correct predictions on the way. */
  readonly loss: LossFn;

  constructor(loss: LossFn) {
    // observedLoss keeps the loss's tag: a fused train step computing the loss itself still counts.
    this.loss = observedLoss(loss, (yTrue, yPred) => {
      if (this.stashed) this.stashed.dispose();
      this.stashed = tf.keep(countCorrect(yTrue, yPred));
    });
  }

  /** The last step's correct count (the caller disposes it); an inference pass if the step left none. */
  take(b: Batch, model: TF.LayersModel): TF.Scalar {
    const c = this.stashed ?? tf.tidy(() => countCorrect(b.y, model.apply(b.x, { training: false }) as TF.Tensor));
    this.stashed = null;
    return c;
  }

  dispose(): void {
    this.stashed?.dispose();
    this.stashed = null;
  }
}
