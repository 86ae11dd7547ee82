/**
 * What `fit` returns: the per-epoch metrics as plain arrays, as records and as a DataFrame, and a
 * table display for notebooks.
 */
import { dataFrame, tableHTML, tableText, type DataFrame } from '../tables';
import type { BestCheckpoint, EpochRecord, GradientNormRecord, StopInfo } from './records';

/** Per-epoch metrics of a training run (see {@link fit}). */
export class FitResult {
  readonly name: string;
  readonly records: EpochRecord[];
  readonly best?: BestCheckpoint;
  /** Optimizer steps taken. */
  readonly steps: number;
  /** Set when a callback stopped training early (early stopping, a Stop button, `onEpoch` returning false). */
  readonly stopped?: StopInfo;
  /** Per-layer gradient norms sampled during training (with the `gradientNorms` option). */
  readonly gradientNorms?: GradientNormRecord;
  private df?: DataFrame;

  constructor(name: string, records: EpochRecord[], steps: number, best?: BestCheckpoint, stopped?: StopInfo, gradientNorms?: GradientNormRecord) {
    this.name = name;
    this.records = records;
    this.steps = steps;
    if (best) this.best = best;
    if (stopped) this.stopped = stopped;
    if (gradientNorms) this.gradientNorms = gradientNorms;
  }

  /** Epoch numbers (1-based). */
  get epoch(): number[] { return this.records.map((r) => r.epoch); }
  /** Mean training loss per epoch. */
  get loss(): number[] { return this.records.map((r) => r.loss); }
  /** Training accuracy per epoch (NaN when not measured). */
  get acc(): number[] { return this.records.map((r) => r.acc); }
  /** Validation loss per epoch (NaN without validation data). */
  get valLoss(): number[] { return this.records.map((r) => r.valLoss ?? NaN); }
  /** Validation accuracy per epoch (NaN without validation data). */
  get valAcc(): number[] { return this.records.map((r) => r.valAcc ?? NaN); }
  /** Seconds per epoch. */
  get seconds(): number[] { return this.records.map((r) => r.seconds); }

  /** The history as a danfo DataFrame (columns epoch, loss, acc, valLoss, valAcc, seconds). */
  get history(): DataFrame {
    this.df ??= dataFrame(this.rows());
    return this.df;
  }

  /** Records with every column present (NaN where not measured). */
  rows(): Array<Record<string, number>> {
    return this.records.map((r) => ({
      epoch: r.epoch, loss: r.loss, acc: r.acc, valLoss: r.valLoss ?? NaN, valAcc: r.valAcc ?? NaN, seconds: r.seconds,
    }));
  }

  /** Rows without the columns that were not measured (all NaN), for display. */
  private shownRows(): Array<Record<string, number>> {
    const rows = this.rows();
    const keep = Object.keys(rows[0] ?? {}).filter((k) => rows.some((r) => !Number.isNaN(r[k])));
    return rows.map((r) => Object.fromEntries(keep.map((k) => [k, r[k]])));
  }

  /** Text table. */
  toString(): string {
    return tableText(this.shownRows(), { caption: this.caption() });
  }

  private caption(): string {
    const b = this.best;
    const s = this.stopped;
    return `${this.name}: ${this.records.length} epochs`
      + `${b ? `; best ${b.monitor} ${b.value.toFixed(4)} at epoch ${b.epoch}${b.restored ? ' (restored)' : ''}` : ''}`
      + `${s ? `; stopped in epoch ${s.epoch} after step ${s.step} (${s.reason})` : ''}`;
  }

  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return { 'text/html': tableHTML(this.shownRows(), { caption: this.caption() }), 'text/plain': this.toString() };
  }
}
