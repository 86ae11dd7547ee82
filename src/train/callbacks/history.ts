/** Records each epoch's metrics; `fit` always runs one first and builds its result from it. */
import type { EpochRecord } from '../records';
import type { Callback } from './callback';

export class History implements Callback {
  readonly records: EpochRecord[] = [];

  onTrainBegin(): void {
    this.records.length = 0;
  }

  onEpochEnd(record: EpochRecord): void {
    this.records.push(record);
  }
}
