/** Callbacks from plain functions, and the deprecated `onEpoch` option expressed as one. */
import type * as TF from '@tensorflow/tfjs';
import type { EpochRecord } from '../records';
import type { Callback } from './callback';

/** The `onEpoch` option's function: return false to stop training after this epoch. */
export type EpochFn = (record: EpochRecord, model: TF.LayersModel) => void | boolean | Promise<void | boolean>;

/** `onEpoch` as a callback: it runs at each epoch end; `false` stops training. */
export function onEpochCallback(fn: EpochFn): Callback {
  return {
    async onEpochEnd(record, ctx) {
      if ((await fn(record, ctx.model)) === false) ctx.stop('onEpoch returned false');
    },
  };
}
