/**
 * What training reports: one record per epoch, the best checkpoint, why training stopped early.
 * Plain types shared by the loop, its callbacks and the result.
 */

/** Metrics of one epoch. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss?: number;
  valAcc?: number;
  /** Wall-clock seconds of the epoch, validation included. */
  seconds: number;
}

/** Metric names a checkpoint or early stopping can monitor. */
export type Monitor = 'valAcc' | 'valLoss' | 'acc' | 'loss';

/** Best checkpoint information. */
export interface BestCheckpoint {
  epoch: number;
  monitor: Monitor;
  value: number;
  dir: string;
  restored: boolean;
}

/** Where and why training ended before its last epoch's last step (a callback set `stopTraining`). */
export interface StopInfo {
  /** Epoch (1-based) in which training stopped. */
  epoch: number;
  /** Steps of that epoch that ran. */
  step: number;
  reason: string;
}

/**
 * Per-layer gradient norms sampled during training (`fit(..., { gradientNorms: true })`): the L2
 * norm of all of a layer's weight gradients, as computed by the backward pass (before any clipping).
 */
export interface GradientNormRecord {
  /** Layers with trainable weights, in model order (input side first). */
  layers: string[];
  /** Each layer's class name (e.g. 'Dense', 'TsdlBatchNorm'), to pick layers by kind. */
  kinds: string[];
  /** Run-wide step number (1-based) of each sample. */
  steps: number[];
  /** Epoch (1-based) of each sample. */
  epochs: number[];
  /** norms[t][l]: layer l's gradient norm at sample t (NaN or Infinity where training diverged). */
  norms: number[][];
}
