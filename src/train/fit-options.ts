/**
 * The options of `fit`, and how they become the run's callbacks: every built-in behaviour (progress
 * bar, `logEvery` lines, live chart, checkpoint, early stopping, `onEpoch`) is a callback here, so
 * a new option adds a callback in this file and leaves the loop alone.
 */
import type * as TF from '@tensorflow/tfjs';
import type { DataSource } from './data';
import type { LossFn, LossName } from './losses';
import type { OptimizerName } from './optimizer';
import type { ProgressMode } from './progress';
import type { Callback } from './callbacks/callback';
import { Checkpoint, type CheckpointOptions } from './callbacks/checkpoint';
import { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping';
import { GradientClipping } from './callbacks/gradient-clipping';
import { GradientNormRecorder, type GradientNormOptions } from './callbacks/gradient-norms';
import { LiveChart } from './callbacks/live-chart';
import { LogEvery } from './callbacks/log-every';
import { Progress } from './callbacks/progress';
import { StopButton, wantStopButton } from './callbacks/stop-button';
import { onEpochCallback, type EpochFn } from './callbacks/user';

/** Options of {@link fit}. */
export interface FitOptions {
  /** Epochs (default 1). */
  epochs?: number;
  /** Mini-batch size (default 32). */
  batchSize?: number;
  /** Optimizer name or a tfjs optimizer (default 'adam'). A named one is created and disposed here. */
  optimizer?: OptimizerName | TF.Optimizer;
  /** Learning rate for a named optimizer (default 0.01 for sgd/momentum, 0.001 for adam). */
  lr?: number;
  /** Momentum for 'momentum' (default 0.9). */
  momentum?: number;
  /** Loss (default 'crossEntropy': softmax cross-entropy on logits). */
  loss?: LossName | LossFn;
  /** Data evaluated after each epoch (valLoss, valAcc). */
  validationData?: DataSource;
  /** Shuffle training data each epoch (default true; applies to tensors and data sets with batches()). */
  shuffle?: boolean;
  /** Seed of the shuffling (default 0); epoch e uses a seed derived from (seed, e). */
  seed?: number;
  /** Keep the best model on disk and restore it at the end. */
  checkpoint?: CheckpointOptions;
  /** Stop when a metric stops improving (`true`: Keras' defaults, watching valLoss, else loss). */
  earlyStopping?: EarlyStoppingOptions | boolean;
  /** Callbacks run after the built-in ones, in order (see Callback). */
  callbacks?: Callback[];
  /**
   * Called after each epoch; return false to stop training early.
   * @deprecated Use `callbacks: [{ onEpochEnd(record, ctx) { ... } }]` (and `ctx.stop(reason)`).
   */
  onEpoch?: EpochFn;
  /** Print the mean training loss of the last N steps every N steps (0: off, the default). */
  logEvery?: number;
  /** Progress bar: true/'auto' (default), 'notebook', 'terminal', false/'none'. */
  progress?: boolean | ProgressMode;
  /** A Stop button above the progress bar: ends training after the current step, best checkpoint kept (default 'auto': when a widget frontend shows the notebook). */
  stopButton?: boolean | 'auto';
  /** Live training chart updated each epoch (default: on inside notebooks). */
  liveChart?: boolean;
  /** Also measure training accuracy, from the training forward pass (default true). */
  trainAccuracy?: boolean;
  /** Batch size for validation (default 500). */
  evalBatchSize?: number;
  /** Run name (legends, tables). */
  name?: string;
  /** Extra options for data sets' `batches()`, for training and validation (e.g. `{ normalize: {mean, std} }`). */
  dataOptions?: Record<string, unknown>;
  /** Scale all gradients together so their global L2 norm is at most this, before each update (PyTorch's clip_grad_norm_). */
  clipNorm?: number;
  /** Clip every gradient element into [−clipValue, clipValue] before each update (PyTorch's clip_grad_value_). */
  clipValue?: number;
  /** Record per-layer gradient norms every 10 steps (or `{ every: N }`), read once per epoch: the result's `gradientNorms`. */
  gradientNorms?: boolean | GradientNormOptions;
}

/**
 * The callbacks the options ask for, in the order they run — checkpoint and early stopping first
 * (so the progress line can name the best epoch), then the `logEvery` lines, the progress bar, the
 * live chart, `onEpoch`, and the user's `callbacks` — and the line printer they share.
 */
export function optionCallbacks(o: FitOptions): { callbacks: Callback[]; log: (line: string) => void } {
  const progress = new Progress(o.progress);
  const callbacks: Callback[] = [];
  // Gradient hooks: the record sees the gradients as computed, clipping then bounds them.
  if (o.gradientNorms) callbacks.push(new GradientNormRecorder(o.gradientNorms === true ? {} : o.gradientNorms));
  if (o.clipNorm !== undefined || o.clipValue !== undefined) callbacks.push(new GradientClipping(o));
  if (o.checkpoint) callbacks.push(new Checkpoint(o.checkpoint));
  if (o.earlyStopping) callbacks.push(new EarlyStopping(o.earlyStopping === true ? {} : o.earlyStopping));
  if (o.logEvery) callbacks.push(new LogEvery(o.logEvery));
  if (wantStopButton(o.stopButton, progress.bar.mode)) callbacks.push(new StopButton());
  callbacks.push(progress);
  if (o.liveChart ?? progress.bar.mode === 'notebook') callbacks.push(new LiveChart());
  if (o.onEpoch) callbacks.push(onEpochCallback(o.onEpoch));
  callbacks.push(...(o.callbacks ?? []));
  return { callbacks, log: (line) => progress.log(line) };
}
