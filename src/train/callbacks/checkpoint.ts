/**
 * Keep-the-best checkpoint: saves the model to disk whenever the monitored metric improves and
 * restores the best weights into the model when training ends.
 */
import { saveModel, loadWeightsInto } from '../../io/index';
import type { BestCheckpoint, EpochRecord, Monitor } from '../records';
import type { Callback, TrainContext } from './callback';
import { improves, resolveMonitor, type MonitorOptions } from './monitor';

/** Keep-the-best checkpoint settings. */
export interface CheckpointOptions extends MonitorOptions {
  /** Directory for model.json + weights.bin (created; overwritten at each improvement). */
  dir: string;
  /** Metric to watch (default 'valAcc', or 'acc' without validation data). */
  monitor?: Monitor;
  /** Restore the best weights into the model when training ends (default true). */
  restoreBest?: boolean;
}

export class Checkpoint implements Callback {
  /** The best epoch so far (also in `ctx.best`). */
  best?: BestCheckpoint;
  private monitor: Monitor = 'valAcc';
  private mode: 'max' | 'min' = 'max';

  constructor(readonly options: CheckpointOptions) {
    if (!options || typeof options.dir !== 'string' || options.dir === '') {
      throw new Error('checkpoint.dir is missing: give the directory to save the best model in, e.g. { dir: "checkpoints/best" }.');
    }
  }

  onTrainBegin(ctx: TrainContext): void {
    ({ monitor: this.monitor, mode: this.mode } = resolveMonitor(this.options, ctx, 'checkpoint', 'valAcc', 'acc'));
    this.best = undefined;
  }

  async onEpochEnd(record: EpochRecord, ctx: TrainContext): Promise<void> {
    const value = record[this.monitor] as number;
    if (!improves(value, this.best?.value, this.mode)) return;
    await saveModel(ctx.model, this.options.dir);
    this.best = { epoch: record.epoch, monitor: this.monitor, value, dir: this.options.dir, restored: false };
    ctx.best = this.best;
  }

  onTrainEnd(ctx: TrainContext): void {
    const best = this.best;
    if (!best || !(this.options.restoreBest ?? true)) return;
    loadWeightsInto(ctx.model, best.dir);
    best.restored = true;
    ctx.log(`restored the best weights (epoch ${best.epoch}, ${best.monitor} ${best.value.toFixed(4)}) from ${best.dir}`);
  }
}
