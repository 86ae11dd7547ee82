/**
 * The training loop: epochs of shuffled mini-batches through the backend's fast train step, per-epoch
 * train/validation loss and accuracy, a progress bar and a live chart, keep-the-best checkpoints.
 *
 * Metrics are summed on the device and read once per epoch (and every `logEvery` steps when asked),
 * so the hot loop does not wait for the backend after each batch.
 */
import { tf, ready } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { makeTrainStep, type LossFn } from '../backend/train-step';
import { display, interruptRequested, type DisplayHandle } from '../display';
import { trainingCurves, embedPlotly, plotlyEmbedState } from '../charts/index';
import { saveModel, loadWeightsInto } from '../io/index';
import { dataFrame, tableHTML, tableText, type DataFrame } from '../tables';
import { batchesOf, sizeOf, type Batch, type DataSource } from './data';
import { countCorrect, evaluate, resolveLoss, type LossName } from './metrics';
import { ProgressBar, resolveMode, type ProgressMode } from './progress';

/** Optimizers by name: plain SGD, SGD with momentum 0.9, Adam. */
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

/** Metric names a checkpoint can monitor. */
export type Monitor = 'valAcc' | 'valLoss' | 'acc' | 'loss';

/** Keep-the-best checkpoint settings. */
export interface CheckpointOptions {
  /** Directory for model.json + weights.bin (created; overwritten at each improvement). */
  dir: string;
  /** Metric to watch (default 'valAcc', or 'acc' without validation data). */
  monitor?: Monitor;
  /** 'max' (default for accuracies) or 'min' (default for losses). */
  mode?: 'max' | 'min';
  /** Restore the best weights into the model when training ends (default true). */
  restoreBest?: boolean;
}

/** Metrics of one epoch. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss?: number;
  valAcc?: number;
  /** Wall-clock seconds of the epoch, validation included. */
  seconds: number;
}

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
  /** Called after each epoch; return false to stop training early. */
  onEpoch?: (record: EpochRecord, model: TF.LayersModel) => void | boolean | Promise<void | boolean>;
  /** Print the mean training loss of the last N steps every N steps (0: off, the default). */
  logEvery?: number;
  /** Progress bar: true/'auto' (default), 'notebook', 'terminal', false/'none'. */
  progress?: boolean | ProgressMode;
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
}

/** Best checkpoint information. */
export interface BestCheckpoint {
  epoch: number;
  monitor: Monitor;
  value: number;
  dir: string;
  restored: boolean;
}

/** What {@link fit} returns: per-epoch metrics as plain arrays, as records and as a DataFrame. */
export class FitResult {
  readonly name: string;
  readonly records: EpochRecord[];
  readonly best?: BestCheckpoint;
  /** Optimizer steps taken. */
  readonly steps: number;
  private df?: DataFrame;

  constructor(name: string, records: EpochRecord[], steps: number, best?: BestCheckpoint) {
    this.name = name;
    this.records = records;
    this.steps = steps;
    if (best) this.best = best;
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
    return `${this.name}: ${this.records.length} epochs${b ? `; best ${b.monitor} ${b.value.toFixed(4)} at epoch ${b.epoch}${b.restored ? ' (restored)' : ''}` : ''}`;
  }

  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return { 'text/html': tableHTML(this.shownRows(), { caption: this.caption() }), 'text/plain': this.toString() };
  }
}

function makeOptimizer(o: FitOptions): { optimizer: TF.Optimizer; owned: boolean } {
  const opt = o.optimizer ?? 'adam';
  if (typeof opt !== 'string') return { optimizer: opt, owned: false };
  switch (opt) {
    case 'sgd': return { optimizer: tf.train.sgd(o.lr ?? 0.01), owned: true };
    case 'momentum': return { optimizer: tf.train.momentum(o.lr ?? 0.01, o.momentum ?? 0.9), owned: true };
    case 'adam': return { optimizer: tf.train.adam(o.lr ?? 0.001), owned: true };
    default: throw new Error(`Unknown optimizer '${String(opt)}': use 'sgd', 'momentum', 'adam' or a tf.train optimizer.`);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function fmt(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4);
}

let runCounter = 0;

/**
 * Trains a classifier that outputs logits. Returns per-epoch metrics (see {@link FitResult});
 * with `checkpoint`, the best epoch's weights are saved to disk and restored into `model` at the end.
 *
 * ```ts
 * const run = await fit(model, train, { epochs: 5, batchSize: 100, optimizer: 'adam', lr: 1e-3,
 *   validationData: val, checkpoint: { dir: 'checkpoints/best', monitor: 'valAcc' } });
 * ```
 */
export async function fit(model: TF.LayersModel, trainData: DataSource, options: FitOptions = {}): Promise<FitResult> {
  await ready();
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? 0;
  const name = options.name ?? `run ${++runCounter}`;
  const lossFn = resolveLoss(options.loss);
  const withAcc = options.trainAccuracy ?? true;
  const logEvery = options.logEvery ?? 0;
  const { optimizer, owned } = makeOptimizer(options);
  // Training accuracy from the step's own forward pass: the loss function sees the logits, so a
  // wrapper counts correct predictions there (kept out of the step's tidy scope), as PyTorch loops
  // do. If a train step never calls the loss with logits, an inference pass is used instead.
  let stashed: TF.Scalar | null = null;
  const trainLoss: LossFn = withAcc
    ? (yTrue, yPred) => {
      if (stashed) stashed.dispose();
      stashed = tf.keep(countCorrect(yTrue, yPred));
      return lossFn(yTrue, yPred);
    }
    : lossFn;
  const step = makeTrainStep(model, optimizer, trainLoss);
  const bar = new ProgressBar(options.progress);
  const live = options.liveChart ?? (bar.mode === 'notebook');
  const n = sizeOf(trainData);
  let steps = n === undefined ? undefined : Math.ceil(n / batchSize);
  const ck = options.checkpoint;
  const monitor: Monitor = ck?.monitor ?? (options.validationData ? 'valAcc' : 'acc');
  const mode = ck?.mode ?? (monitor.endsWith('Acc') || monitor === 'acc' ? 'max' : 'min');
  if (ck && monitor.startsWith('val') && !options.validationData) {
    throw new Error(`checkpoint.monitor is '${monitor}' but fit() got no validationData: pass validationData or monitor 'acc' / 'loss'.`);
  }
  if (ck && monitor === 'acc' && !withAcc) {
    throw new Error(`checkpoint.monitor is 'acc' but trainAccuracy is false: enable it or monitor another metric.`);
  }
  const records: EpochRecord[] = [];
  let best: BestCheckpoint | undefined;
  let chart: DisplayHandle | null = null;
  const chartId = `tsdl-live-chart-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  let totalSteps = 0;
  let lastInfo = '';

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = Date.now();
      let lossSum: TF.Scalar = tf.scalar(0);
      let correct: TF.Scalar = tf.scalar(0);
      let seen = 0;
      let s = 0;
      let loggedSum = 0;
      let loggedSeen = 0;
      const onBatch = async (b: Batch) => {
        // Kernel > Interrupt: stop here, with every tensor released, rather than at a random await.
        if (interruptRequested()) throw new Error(`Training '${name}' interrupted in epoch ${epoch}, step ${s + 1}.`);
        const size = b.size ?? b.x.shape[0];
        const l = step(b.x, b.y);
        const nextLoss = tf.tidy(() => tf.add(lossSum, tf.mul(l, size)) as TF.Scalar);
        tf.dispose([l, lossSum]);
        lossSum = nextLoss;
        if (withAcc) {
          const batchCorrect: TF.Scalar = stashed ?? tf.tidy(() => countCorrect(b.y, model.apply(b.x, { training: false }) as TF.Tensor));
          stashed = null;
          const nextCorrect = tf.add(correct, batchCorrect) as TF.Scalar;
          tf.dispose([correct, batchCorrect]);
          correct = nextCorrect;
        }
        seen += size; s += 1; totalSteps += 1;
        if (logEvery > 0 && s % logEvery === 0) {
          const sum = (await lossSum.data())[0];
          const mean = (sum - loggedSum) / (seen - loggedSeen);
          loggedSum = sum; loggedSeen = seen;
          lastInfo = `loss ${mean.toFixed(4)}`;
          bar.log(`Epoch [${epoch}/${epochs}], Step [${s}${steps ? `/${steps}` : ''}], Loss: ${mean.toFixed(4)}`);
          await yieldToEventLoop();
        }
        // Let the kernel send queued display messages whenever the bar redraws.
        if (bar.update({ epoch, epochs, step: s, steps, info: lastInfo })) await yieldToEventLoop();
      };
      let ls: TF.TypedArray, cs: TF.TypedArray;
      try {
        const it = batchesOf(trainData, { batchSize, shuffle: options.shuffle ?? true, seed, epoch, dataOptions: options.dataOptions });
        if (Symbol.asyncIterator in (it as object)) {
          for await (const b of it as AsyncIterable<Batch>) await onBatch(b);
        } else {
          for (const b of it as Iterable<Batch>) await onBatch(b);
        }
        [ls, cs] = await Promise.all([lossSum.data(), correct.data()]);
      } finally {
        tf.dispose([lossSum, correct]);
      }
      steps ??= s; // learnt from the first epoch when the data could not say
      const record: EpochRecord = { epoch, loss: seen ? ls[0] / seen : NaN, acc: withAcc && seen ? cs[0] / seen : NaN, seconds: 0 };
      if (options.validationData) {
        const v = await evaluate(model, options.validationData, { batchSize: options.evalBatchSize ?? 500, loss: lossFn, dataOptions: options.dataOptions });
        record.valLoss = v.loss;
        record.valAcc = v.accuracy;
      }
      record.seconds = (Date.now() - t0) / 1000;
      records.push(record);
      lastInfo = `loss ${fmt(record.loss)} acc ${fmt(record.acc)}${options.validationData ? ` val_loss ${fmt(record.valLoss)} val_acc ${fmt(record.valAcc)}` : ''}`;

      if (ck) {
        const value = record[monitor] as number;
        const better = !best || (mode === 'max' ? value > best.value : value < best.value);
        if (better && Number.isFinite(value)) {
          await saveModel(model, ck.dir);
          best = { epoch, monitor, value, dir: ck.dir, restored: false };
        }
      }
      bar.log(`epoch ${epoch}/${epochs}: ${lastInfo} (${record.seconds.toFixed(1)}s)${best && best.epoch === epoch ? ` — best ${monitor}, saved to ${ck!.dir}` : ''}`);
      bar.update({ epoch, epochs, step: s, steps: steps ?? s, info: lastInfo }, true);
      if (live) {
        const fig = trainingCurves(records, { title: name });
        fig.embedKey = chartId;
        if (chart) chart.update(fig);
        else {
          // plotly.js goes in its own static output, so per-epoch updates stay small.
          const embed = plotlyEmbedState();
          if (embed.policy === 'once' && !embed.embedded) display(embedPlotly());
          chart = display(fig, { displayId: chartId });
        }
      }
      await yieldToEventLoop();
      if (options.onEpoch) {
        const r = await options.onEpoch(record, model);
        if (r === false) break;
      }
    }
    bar.done({ epoch: records.length, epochs, step: steps ?? 0, steps, info: lastInfo });
    if (ck && best && (ck.restoreBest ?? true)) {
      loadWeightsInto(model, ck.dir);
      best.restored = true;
      bar.log(`restored the best weights (epoch ${best.epoch}, ${monitor} ${best.value.toFixed(4)}) from ${ck.dir}`);
    }
  } finally {
    if (stashed) (stashed as TF.Scalar).dispose();
    if (owned) optimizer.dispose();
  }
  return new FitResult(name, records, totalSteps, best);
}

/** True when progress output would go to a notebook (for callers deciding what to display). */
export function progressMode(progress?: boolean | ProgressMode): string {
  return resolveMode(progress);
}
