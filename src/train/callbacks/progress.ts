/**
 * The progress bar of a run (see ../progress.ts): redrawn during the epoch (throttled), one line
 * per epoch with its metrics, final state at the end. `fit` sends every log line through it.
 */
import { yieldToEventLoop } from '../../util/async';
import { ProgressBar, type ProgressMode } from '../progress';
import type { EpochRecord } from '../records';
import type { BatchEnd, Callback, TrainContext } from './callback';

function fmt(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4);
}

export class Progress implements Callback {
  readonly bar: ProgressBar;

  constructor(mode?: boolean | ProgressMode) {
    this.bar = new ProgressBar(mode);
  }

  /** Prints a line below the bar (nothing when progress is off). */
  log(line: string): void {
    this.bar.log(line);
  }

  onBatchEnd(b: BatchEnd, ctx: TrainContext): Promise<void> | void {
    // Let the kernel send queued display messages whenever the bar redraws.
    if (this.bar.update({ epoch: b.epoch, epochs: ctx.epochs, step: b.step, steps: ctx.steps, info: ctx.status })) return yieldToEventLoop();
  }

  onEpochEnd(r: EpochRecord, ctx: TrainContext): void {
    ctx.status = `loss ${fmt(r.loss)} acc ${fmt(r.acc)}${ctx.hasValidation ? ` val_loss ${fmt(r.valLoss)} val_acc ${fmt(r.valAcc)}` : ''}`;
    const saved = ctx.best && ctx.best.epoch === r.epoch ? ` — best ${ctx.best.monitor}, saved to ${ctx.best.dir}` : '';
    this.bar.log(`epoch ${r.epoch}/${ctx.epochs}: ${ctx.status} (${r.seconds.toFixed(1)}s)${saved}`);
    this.bar.update({ epoch: r.epoch, epochs: ctx.epochs, step: ctx.step, steps: ctx.steps ?? ctx.step, info: ctx.status }, true);
  }

  onTrainEnd(ctx: TrainContext): void {
    const midEpoch = ctx.stopTraining && ctx.step < (ctx.steps ?? 0);
    this.bar.done({ epoch: ctx.history.length, epochs: ctx.epochs, step: midEpoch ? ctx.step : ctx.steps ?? 0, steps: ctx.steps, info: ctx.status });
  }
}
