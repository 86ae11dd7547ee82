/**
 * Batch normalisation as PyTorch's `BatchNorm1d/2d` does it, as a serialisable layer
 * ('TsdlBatchNorm'): in training, each channel (last axis) is standardised with the batch's mean
 * and variance, then scaled by γ and shifted by β (both learnt), and running averages of the
 * statistics are updated; in inference the running averages are used instead.
 *
 * On wasm the training pass and its gradients are one kernel each (backend/kernels/batch-norm.ts);
 * other backends compose tfjs ops and differentiate them. Differences from tfjs-layers'
 * BatchNormalization: PyTorch's defaults (ε = 1e-5; running averages keep 0.9 of the old value, which
 * is PyTorch's momentum 0.1 and far quicker than Keras' 0.99, so short runs evaluate well), the
 * running variance is the unbiased one, and the fast kernels.
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import { ElementwiseLayer } from './elementwise';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../backend/kernels/batch-norm';

type CustomFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Running averages of the batch statistics, updated by each training pass: `momentum` of the old
 * value is kept, the rest comes from the batch (its unbiased variance, as PyTorch).
 */
export interface RunningStats {
  mean: TF.Tensor;
  variance: TF.Tensor;
  momentum: number;
  /** Receives the new averages (valid during the call only: write them into variables). */
  update(mean: TF.Tensor, variance: TF.Tensor): void;
}

/**
 * Batch norm in training mode over all axes but the last: `(x − mean)/√(var + ε)·γ + β`, with the
 * batch's own statistics (the biased variance), updating `running` when given. Differentiable in
 * x, γ and β.
 */
export function batchNormTraining(x: TF.Tensor, gamma: TF.Tensor, beta: TF.Tensor, epsilon: number, running?: RunningStats): TF.Tensor {
  if (tf.getBackend() === 'wasm' && x.dtype === 'float32') {
    const op = tf.customGrad(((xs: TF.Tensor, g: TF.Tensor, b: TF.Tensor, save: TF.GradSaveFunc) => {
      const c = xs.shape[xs.rank - 1];
      const inputs = {
        x: xs, gamma: g, beta: b, runningMean: running?.mean ?? tf.zeros([c]), runningVar: running?.variance ?? tf.ones([c]),
      };
      const attrs = { epsilon, momentum: running?.momentum ?? 1 } as unknown as TF.NamedAttrMap;
      const [y, mean, invStd, newMean, newVar] = tf.engine().runKernel(BATCH_NORM_TRAIN, inputs, attrs) as TF.Tensor[];
      save([xs, mean, invStd]);
      running?.update(newMean, newVar);
      return {
        value: y,
        gradFunc: (dy: TF.Tensor, [sx, sm, si]: TF.Tensor[]) =>
          tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x: sx, gamma: g, mean: sm, invStd: si }) as TF.Tensor[],
      };
    }) as unknown as CustomFunc) as unknown as (x: TF.Tensor, g: TF.Tensor, b: TF.Tensor) => TF.Tensor;
    return op(x, gamma, beta);
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    if (running) {
      const rows = x.size / x.shape[x.rank - 1];
      const m = running.momentum;
      const unbiased = rows > 1 ? tf.mul(variance, rows / (rows - 1)) : variance;
      running.update(tf.add(tf.mul(running.mean, m), tf.mul(mean, 1 - m)), tf.add(tf.mul(running.variance, m), tf.mul(unbiased, 1 - m)));
    }
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

/** Serialised config of {@link BatchNorm}. */
export interface BatchNormArgs {
  /** Share of the old running average kept at each training step (default 0.9 = PyTorch's momentum 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5, PyTorch's). */
  epsilon?: number;
  name?: string;
  inputShape?: number[];
  trainable?: boolean;
}

/** PyTorch-style batch normalisation over the last axis (see the module comment). */
export class BatchNorm extends ElementwiseLayer {
  /** Name under which tfjs serialization knows the class. */
  static className = 'TsdlBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: TF.LayerVariable;
  private beta!: TF.LayerVariable;
  private runningMean!: TF.LayerVariable;
  private runningVar!: TF.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super(args as never);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`BatchNorm momentum must be in [0, 1) (the share of the old running average kept); got ${this.momentum}.`);
    if (!(this.epsilon > 0)) throw new RangeError(`BatchNorm epsilon must be > 0; got ${this.epsilon}.`);
  }

  build(inputShape: TF.Shape | TF.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as TF.Shape;
    const c = shape[shape.length - 1];
    if (typeof c !== 'number') throw new Error(`BatchNorm '${this.name}' needs a known channel count (last axis); the input shape is [${shape.join(', ')}].`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.runningMean = this.addWeight('running_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.runningVar = this.addWeight('running_var', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  protected applyTo(x: TF.Tensor, training: boolean): TF.Tensor {
    if (!training) {
      return tf.tidy(() => tf.add(tf.mul(tf.sub(x, this.runningMean.read()), tf.mul(tf.rsqrt(tf.add(this.runningVar.read(), this.epsilon)), this.gamma.read())), this.beta.read()));
    }
    // The running averages are written in place (no gradient flows through a write).
    return batchNormTraining(x, this.gamma.read(), this.beta.read(), this.epsilon, {
      mean: this.runningMean.read(), variance: this.runningVar.read(), momentum: this.momentum,
      update: (mean, variance) => { this.runningMean.write(mean); this.runningVar.write(variance); },
    });
  }

  getConfig(): TF.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(BatchNorm as never);

/** A {@link BatchNorm} layer. */
export function batchNorm(args: BatchNormArgs = {}): BatchNorm {
  return new BatchNorm(args);
}
