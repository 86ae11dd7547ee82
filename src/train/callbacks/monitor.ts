/** Which metric a checkpoint or early stopping watches, in which direction, and what counts as better. */
import type { Monitor } from '../records';
import type { TrainContext } from './callback';

/** Options naming a monitored metric. */
export interface MonitorOptions {
  /** Metric to watch. */
  monitor?: Monitor;
  /** 'max' (default for accuracies) or 'min' (default for losses). */
  mode?: 'max' | 'min';
}

const MONITORS: readonly Monitor[] = ['valAcc', 'valLoss', 'acc', 'loss'];

/**
 * The metric and direction, checked against what the run measures; `who` names the option in
 * errors (e.g. 'checkpoint'), `fallback` is the metric without validation data.
 */
export function resolveMonitor(o: MonitorOptions, ctx: TrainContext, who: string, preferred: Monitor, fallback: Monitor): { monitor: Monitor; mode: 'max' | 'min' } {
  const monitor = o.monitor ?? (ctx.hasValidation ? preferred : fallback);
  if (!MONITORS.includes(monitor)) {
    throw new Error(`${who}.monitor is '${String(monitor)}', which fit() does not record: use 'valAcc', 'valLoss', 'acc' or 'loss'.`);
  }
  if (monitor.startsWith('val') && !ctx.hasValidation) {
    throw new Error(`${who}.monitor is '${monitor}' but fit() got no validationData: pass validationData or monitor 'acc' / 'loss'.`);
  }
  if (monitor === 'acc' && !ctx.trainAccuracy) {
    throw new Error(`${who}.monitor is 'acc' but trainAccuracy is false: enable it or monitor another metric.`);
  }
  if (o.mode !== undefined && o.mode !== 'max' && o.mode !== 'min') {
    throw new Error(`${who}.mode is '${String(o.mode)}': use 'max' or 'min'.`);
  }
  return { monitor, mode: o.mode ?? (monitor === 'acc' || monitor === 'valAcc' ? 'max' : 'min') };
}

/** Whether `value` beats `best` by more than `minDelta` in direction `mode` (anything finite beats no best). */
export function improves(value: number, best: number | undefined, mode: 'max' | 'min', minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === undefined) return true;
  return mode === 'max' ? value > best + minDelta : value < best - minDelta;
}
