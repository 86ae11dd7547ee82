/**
 * What each activation layer of a model does to a batch: the spread of its outputs and how much
 * gradient it lets through (its mean slope, and the share of units where the slope is nearly flat).
 * A backward pass multiplies the gradient by each layer's slope, so a stack of layers whose slope is
 * small shrinks it geometrically: these numbers show where, before (or after) training.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';

/** Statistics of one activation layer on a batch. */
export interface LayerActivationStats {
  /** Layer name. */
  layer: string;
  /** 1-based position among the model's activation layers (input side first). */
  index: number;
  /** Mean and standard deviation of the layer's outputs over the batch and its units. */
  mean: number;
  std: number;
  /** Mean slope f′(pre-activation): the factor the layer applies to gradients, on average. */
  slope: number;
  /** Share of (example, unit) pairs whose slope is below 5 % of the activation's steepest slope. */
  flat: number;
}

/** Options of {@link activationStats}. */
export interface ActivationStatsOptions {
  /**
   * Run the model as in training (batch norm with the batch's statistics; dropout active). The
   * model's running averages are put back afterwards. Default false: inference mode.
   */
  training?: boolean;
}

/** Element-wise activation layers (their slope is the elementwise derivative). */
const ACTIVATION_CLASSES = ['TsdlActivation', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU', 'TsdlPReLU'];

function isActivation(l: TF.layers.Layer): boolean {
  if (!ACTIVATION_CLASSES.includes(l.getClassName())) return false;
  const act = (l.getConfig() as { activation?: unknown }).activation;
  return act !== 'softmax' && act !== 'linear';
}

/**
 * Per-layer statistics of every element-wise activation layer of `model` on the batch `x`, input
 * side first. The slope is computed by autodiff of each layer at its own inputs.
 *
 * ```ts
 * const stats = dl.activationStats(model, testBatch); // [{ layer, index, mean, std, slope, flat }, ...]
 * ```
 */
export function activationStats(model: TF.LayersModel, x: TF.Tensor, options: ActivationStatsOptions = {}): LayerActivationStats[] {
  const layers = model.layers.filter(isActivation);
  if (layers.length === 0) return [];
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.input as TF.SymbolicTensor) });
  const kept = options.training ? model.nonTrainableWeights.map((w) => tf.keep(w.read().clone())) : [];
  let rows: number[][];
  try {
    rows = tf.tidy(() => {
      const out = probe.apply(x, { training: !!options.training });
      const pres = Array.isArray(out) ? out as TF.Tensor[] : [out as TF.Tensor];
      const stats = layers.map((layer, i) => {
        const pre = pres[i];
        const f = (t: TF.Tensor) => layer.apply(t) as TF.Tensor;
        const y = f(pre);
        const slope = tf.grad((t: TF.Tensor) => tf.sum(f(t)))(pre);
        // The activation's steepest slope, from a fine grid (0.25 for sigmoid, 1 for tanh and ReLU).
        const grid = tf.linspace(-8, 8, 3201).reshape([3201, ...pre.shape.slice(1).map(() => 1)]);
        const peak = tf.max(tf.grad((t: TF.Tensor) => tf.sum(f(t)))(grid));
        const { mean, variance } = tf.moments(y);
        const flat = tf.mean(tf.cast(tf.less(tf.abs(slope), tf.mul(peak, 0.05)), 'float32'));
        return tf.stack([mean, tf.sqrt(variance), tf.mean(slope), flat]);
      });
      return tf.stack(stats).arraySync() as number[][];
    });
  } finally {
    if (options.training) {
      model.nonTrainableWeights.forEach((w, i) => w.write(kept[i]));
      tf.dispose(kept);
    }
  }
  return layers.map((l, i) => ({ layer: l.name, index: i + 1, mean: rows[i][0], std: rows[i][1], slope: rows[i][2], flat: rows[i][3] }));
}
