/** Optimizers by name for `fit`: plain SGD, SGD with momentum, Adam. */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';

/** Optimizers by name: plain SGD, SGD with momentum 0.9, Adam. */
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

/** What {@link makeOptimizer} reads. */
export interface OptimizerOptions {
  /** Optimizer name or a tfjs optimizer (default 'adam'). */
  optimizer?: OptimizerName | TF.Optimizer;
  /** Learning rate for a named optimizer (default 0.01 for sgd/momentum, 0.001 for adam). */
  lr?: number;
  /** Momentum for 'momentum' (default 0.9). */
  momentum?: number;
}

/** The optimizer, and whether it was created here (then the caller disposes it). */
export function makeOptimizer(o: OptimizerOptions): { optimizer: TF.Optimizer; owned: boolean } {
  const opt = o.optimizer ?? 'adam';
  if (typeof opt !== 'string') return { optimizer: opt, owned: false };
  switch (opt) {
    case 'sgd': return { optimizer: tf.train.sgd(o.lr ?? 0.01), owned: true };
    case 'momentum': return { optimizer: tf.train.momentum(o.lr ?? 0.01, o.momentum ?? 0.9), owned: true };
    case 'adam': return { optimizer: tf.train.adam(o.lr ?? 0.001), owned: true };
    default: throw new Error(`Unknown optimizer '${String(opt)}': use 'sgd', 'momentum', 'adam' or a tf.train optimizer.`);
  }
}
