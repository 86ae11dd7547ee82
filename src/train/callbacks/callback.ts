/**
 * The training loop's extension points (Keras' callbacks, typed). A callback is an object with any
 * of the methods below; `fit` calls them in the order the callbacks are listed, awaiting the async
 * ones. All receive the shared {@link TrainContext}: set `ctx.stopTraining = true` (or call
 * `ctx.stop(reason)`) to end training cleanly after the current step.
 *
 * Cost: batch methods run on every step, so they must not read tensors unless they need the number
 * (`loss` is the step's loss on the device; `lossValue()` / `lossSum()` read it and wait for the
 * backend). `onGradients` sees each step's gradients between the backward pass and the update.
 */
import type * as TF from '@tensorflow/tfjs';
import type { EpochRecord, BestCheckpoint, GradientNormRecord } from '../records';
import type { Gradients, GradientHook } from '../train-step';

/** What every callback sees: the run, where it is, what it has recorded, and the stop flag. */
export interface TrainContext {
  readonly model: TF.LayersModel;
  readonly optimizer: TF.Optimizer;
  /** Run name (legends, tables). */
  readonly name: string;
  readonly epochs: number;
  readonly batchSize: number;
  /** Whether fit got validationData (records then carry valLoss/valAcc). */
  readonly hasValidation: boolean;
  /** Whether training accuracy is measured (records' `acc`; NaN otherwise). */
  readonly trainAccuracy: boolean;
  /** Current epoch, 1-based (0 before the first). */
  epoch: number;
  /** Steps done in the current epoch. */
  step: number;
  /** Steps per epoch, when known (from the data's size, else learnt in the first epoch). */
  steps?: number;
  /** Steps done in the whole run. */
  totalSteps: number;
  /** Records of the finished epochs (kept by the History callback). */
  readonly history: readonly EpochRecord[];
  /** Set it to end training after the current step (the epoch's record and epoch-end callbacks still run). */
  stopTraining: boolean;
  /** Why training stopped (reported in the result); `stop(reason)` sets both. */
  stopReason?: string;
  /** The best checkpoint so far (set by the checkpoint callback). */
  best?: BestCheckpoint;
  /** Per-layer gradient norms sampled so far (set by the `gradientNorms` recorder). */
  gradientNorms?: GradientNormRecord;
  /** Latest metrics line the progress bar shows (e.g. "loss 0.4123"). */
  status: string;
  /** Prints a line (through the progress bar, so a terminal bar stays intact; silent with progress off). */
  log(line: string): void;
  /** Ends training after the current step, with a reason. */
  stop(reason: string): void;
}

/** Passed to `onBatchBegin`: the step about to run. */
export interface BatchBegin {
  epoch: number;
  /** The step about to run, 1-based within the epoch. */
  step: number;
  size: number;
  x: TF.Tensor;
  y: TF.Tensor;
}

/** Passed to `onBatchEnd`: the step that ran. Tensors and readers are valid during the call only. */
export interface BatchEnd {
  epoch: number;
  /** The step that ran, 1-based within the epoch. */
  step: number;
  size: number;
  /** Examples seen in this epoch so far. */
  seen: number;
  /** This step's mean loss, on the device (no sync). Keep it with `tf.keep(loss.clone())` if needed later. */
  loss: TF.Scalar;
  /** Reads this step's loss (waits for the backend: ask only when needed). */
  lossValue(): Promise<number>;
  /** Reads the epoch's running sum of per-example losses so far (waits for the backend). */
  lossSum(): Promise<number>;
}

/** Any of these methods; each may be async (return a promise) except `onGradients` and `cleanup`. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): unknown;
  onEpochBegin?(epoch: number, ctx: TrainContext): unknown;
  onBatchBegin?(batch: BatchBegin, ctx: TrainContext): unknown;
  onBatchEnd?(batch: BatchEnd, ctx: TrainContext): unknown;
  /** After the epoch's metrics (and validation) are in: `record` is also the last entry of `ctx.history`. */
  onEpochEnd?(record: EpochRecord, ctx: TrainContext): unknown;
  /** When training ended normally (all epochs, or stopped by a callback); not after an error. */
  onTrainEnd?(ctx: TrainContext): unknown;
  /**
   * Synchronous, inside the train step (see GradientHook in train-step.ts): sees this step's
   * gradients by variable name and may return replacements for some of them (e.g. clipped).
   */
  onGradients?(grads: Gradients, ctx: TrainContext): Gradients | void;
  /** Always called once training is over, also after an error: release tensors held here. */
  cleanup?(ctx: TrainContext): void;
}

type Stage = 'onTrainBegin' | 'onEpochBegin' | 'onBatchBegin' | 'onBatchEnd' | 'onEpochEnd' | 'onTrainEnd';

function isPromise(v: unknown): v is PromiseLike<unknown> {
  return !!v && typeof (v as PromiseLike<unknown>).then === 'function';
}

/** The callbacks of one run, called in order; stages nobody implements cost nothing. */
export class CallbackList {
  readonly callbacks: readonly Callback[];

  constructor(callbacks: Callback[]) {
    this.callbacks = callbacks.filter((c): c is Callback => !!c);
  }

  /** Whether any callback implements `stage`. */
  wants(stage: Stage | 'onGradients'): boolean {
    return this.callbacks.some((c) => typeof c[stage] === 'function');
  }

  private async run(stage: Stage, args: unknown[]): Promise<void> {
    for (const c of this.callbacks) {
      const m = c[stage] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof m !== 'function') continue;
      const r = m.apply(c, args);
      if (isPromise(r)) await r; // only async callbacks cost a turn of the event loop
    }
  }

  onTrainBegin(ctx: TrainContext): Promise<void> { return this.run('onTrainBegin', [ctx]); }
  onEpochBegin(epoch: number, ctx: TrainContext): Promise<void> { return this.run('onEpochBegin', [epoch, ctx]); }
  onBatchBegin(batch: BatchBegin, ctx: TrainContext): Promise<void> { return this.run('onBatchBegin', [batch, ctx]); }
  onBatchEnd(batch: BatchEnd, ctx: TrainContext): Promise<void> { return this.run('onBatchEnd', [batch, ctx]); }
  onEpochEnd(record: EpochRecord, ctx: TrainContext): Promise<void> { return this.run('onEpochEnd', [record, ctx]); }
  onTrainEnd(ctx: TrainContext): Promise<void> { return this.run('onTrainEnd', [ctx]); }

  /** The callbacks' `onGradients` chained into one train-step hook (undefined when none has one). */
  gradientHook(ctx: TrainContext): GradientHook | undefined {
    const hooks = this.callbacks.filter((c) => typeof c.onGradients === 'function');
    if (hooks.length === 0) return undefined;
    return (grads) => {
      let g = grads;
      for (const c of hooks) {
        const r = c.onGradients!(g, ctx);
        if (r) g = { ...g, ...r };
      }
      return g;
    };
  }

  /** Calls every `cleanup`, even when one throws (the first error is rethrown after). */
  cleanup(ctx: TrainContext): void {
    let first: unknown;
    for (const c of this.callbacks) {
      try {
        c.cleanup?.(ctx);
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}
