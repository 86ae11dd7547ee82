/**
 * Stops a run whose training loss is no longer a finite number (Keras' TerminateOnNaN): once the
 * weights hold NaN or Infinity, later epochs cannot recover and only cost time. It looks at each
 * epoch's mean loss, which the loop reads anyway, so it adds no device read.
 */
import type { EpochRecord } from '../records';
import type { Callback, TrainContext } from './callback';

export class TerminateOnNaN implements Callback {
  onEpochEnd(record: EpochRecord, ctx: TrainContext): void {
    if (!Number.isFinite(record.loss)) ctx.stop(`training loss is ${record.loss} in epoch ${record.epoch}`);
  }
}
