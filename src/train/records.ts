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
