/**
 * Early stopping (Keras' EarlyStopping): ends training when the monitored metric has not improved
 * by more than `minDelta` for `patience` epochs, optionally putting back the best epoch's weights
 * (kept in memory, not on disk).
 */
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../tf';
import type { EpochRecord, Monitor } from '../records';
import type { Callback, TrainContext } from './callback';
import { improves, resolveMonitor, type MonitorOptions } from './monitor';

/** Early stopping settings. */
export interface EarlyStoppingOptions extends MonitorOptions {
  /** Metric to watch (default 'valLoss', or 'loss' without validation data). */
  monitor?: Monitor;
  /** Epochs without improvement before stopping (default 0: stop at the first one, as Keras). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends (default false, as Keras). */
  restoreBest?: boolean;
}

export class EarlyStopping implements Callback {
  /** Best value and its epoch so far. */
  best?: { epoch: number; value: number };
  /** Epoch whose end stopped training (undefined while it has not). */
  stoppedEpoch?: number;
  private wait = 0;
  private weights: TF.Tensor[] | null = null;
  private monitor: Monitor = 'valLoss';
  private mode: 'max' | 'min' = 'min';
  private readonly patience: number;
  private readonly minDelta: number;

  constructor(readonly options: EarlyStoppingOptions = {}) {
    this.patience = options.patience ?? 0;
    this.minDelta = options.minDelta ?? 0;
    if (!(Number.isInteger(this.patience) && this.patience >= 0)) {
      throw new Error(`earlyStopping.patience is ${String(options.patience)}: use a whole number of epochs ≥ 0.`);
    }
    if (!(Number.isFinite(this.minDelta) && this.minDelta >= 0)) {
      throw new Error(`earlyStopping.minDelta is ${String(options.minDelta)}: use a number ≥ 0.`);
    }
  }

  onTrainBegin(ctx: TrainContext): void {
    ({ monitor: this.monitor, mode: this.mode } = resolveMonitor(this.options, ctx, 'earlyStopping', 'valLoss', 'loss'));
    this.best = undefined;
    this.stoppedEpoch = undefined;
    this.wait = 0;
    this.release();
  }

  onEpochEnd(record: EpochRecord, ctx: TrainContext): void {
    const value = record[this.monitor] as number;
    if (improves(value, this.best?.value, this.mode, this.minDelta)) {
      this.best = { epoch: record.epoch, value };
      this.wait = 0;
      if (this.options.restoreBest) {
        this.release();
        this.weights = ctx.model.getWeights().map((w) => w.clone());
      }
      return;
    }
    this.wait += 1;
    if (this.wait >= Math.max(1, this.patience)) {
      this.stoppedEpoch = record.epoch;
      const best = this.best ? `best ${this.best.value.toFixed(4)} at epoch ${this.best.epoch}` : 'no finite value yet';
      ctx.stop(`early stopping: ${this.monitor} did not improve for ${this.wait} epoch${this.wait === 1 ? '' : 's'} (${best})`);
      ctx.log(`epoch ${record.epoch}: ${ctx.stopReason}`);
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    const last = ctx.history[ctx.history.length - 1];
    if (this.weights && this.best && last && last.epoch !== this.best.epoch) {
      ctx.model.setWeights(this.weights);
      ctx.log(`early stopping: restored the weights of epoch ${this.best.epoch} (${this.monitor} ${this.best.value.toFixed(4)})`);
    }
  }

  cleanup(): void {
    this.release();
  }

  private release(): void {
    if (this.weights) tf.dispose(this.weights);
    this.weights = null;
  }
}
