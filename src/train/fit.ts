/**
 * The training loop: epochs of shuffled mini-batches through the fast train step, per-epoch train
 * (and validation) loss and accuracy, and callbacks around every stage (see callbacks/callback.ts;
 * the options' progress bar, live chart, checkpoints, early stopping and `logEvery` are callbacks).
 *
 * Metrics are summed on the device and read once per epoch, so the hot loop does not wait for the
 * backend after each step; a callback that needs a step's loss reads it itself.
 */
import { ready } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { interruptRequested } from '../display';
import { yieldToEventLoop } from '../util/async';
import { batchesOf, eachBatch, sizeOf, type Batch, type DataSource } from './data';
import { EpochSums, TrainAccuracy } from './epoch-sums';
import { optionCallbacks, type FitOptions } from './fit-options';
import { FitResult } from './fit-result';
import { resolveLoss } from './losses';
import { evaluate } from './metrics';
import { makeOptimizer } from './optimizer';
import { resolveMode, type ProgressMode } from './progress';
import type { EpochRecord } from './records';
import { makeTrainStep, type TrainStep } from './train-step';
import { CallbackList, type TrainContext } from './callbacks/callback';
import { History } from './callbacks/history';

let runCounter = 0;

/**
 * Trains a classifier that outputs logits. Returns per-epoch metrics (see {@link FitResult});
 * with `checkpoint`, the best epoch's weights are saved to disk and restored into `model` at the end.
 *
 * ```ts
 * const run = await fit(model, train, { epochs: 5, batchSize: 100, optimizer: 'adam', lr: 1e-3,
 *   validationData: val, checkpoint: { dir: 'checkpoints/best', monitor: 'valAcc' },
 *   callbacks: [{ onEpochEnd: (r, ctx) => { if (r.valAcc! > 0.98) ctx.stop('good enough'); } }] });
 * ```
 */
export async function fit(model: TF.LayersModel, trainData: DataSource, options: FitOptions = {}): Promise<FitResult> {
  await ready();
  const history = new History();
  const { callbacks, log } = optionCallbacks(options);
  const list = new CallbackList([history, ...callbacks]);
  const lossFn = resolveLoss(options.loss);
  const accuracy = (options.trainAccuracy ?? true) ? new TrainAccuracy(lossFn) : null;
  const batchSize = options.batchSize ?? 32;
  const n = sizeOf(trainData);
  const { optimizer, owned } = makeOptimizer(options);
  const ctx: TrainContext = {
    model, optimizer, name: options.name ?? `run ${++runCounter}`, epochs: options.epochs ?? 1, batchSize,
    hasValidation: !!options.validationData, trainAccuracy: !!accuracy,
    epoch: 0, step: 0, steps: n === undefined ? undefined : Math.ceil(n / batchSize), totalSteps: 0,
    history: history.records, stopTraining: false, status: '', log,
    stop(reason) { ctx.stopTraining = true; ctx.stopReason = reason; },
  };
  try {
    const step = makeTrainStep(model, optimizer, accuracy?.loss ?? lossFn, { onGradients: list.gradientHook(ctx) });
    await list.onTrainBegin(ctx);
    for (let epoch = 1; epoch <= ctx.epochs && !ctx.stopTraining; epoch++) {
      const record = await runEpoch(epoch, trainData, options, ctx, list, step, accuracy);
      if (!record) break;
      await list.onEpochEnd(record, ctx);
      await yieldToEventLoop();
    }
    await list.onTrainEnd(ctx);
  } finally {
    accuracy?.dispose();
    if (owned) optimizer.dispose();
    list.cleanup(ctx);
  }
  const stopped = ctx.stopTraining ? { epoch: ctx.epoch, step: ctx.step, reason: ctx.stopReason ?? 'a callback set stopTraining' } : undefined;
  return new FitResult(ctx.name, history.records, ctx.totalSteps, ctx.best, stopped, ctx.gradientNorms);
}

/** One epoch: its steps, then its record (null when a stop came before its first step). */
async function runEpoch(
  epoch: number, data: DataSource, options: FitOptions, ctx: TrainContext, list: CallbackList, step: TrainStep, accuracy: TrainAccuracy | null,
): Promise<EpochRecord | null> {
  const t0 = Date.now();
  ctx.epoch = epoch;
  ctx.step = 0;
  await list.onEpochBegin(epoch, ctx);
  const sums = new EpochSums(accuracy);
  const batchBegin = list.wants('onBatchBegin');
  let metrics: { loss: number; acc: number };
  try {
    const batches = batchesOf(data, { batchSize: ctx.batchSize, shuffle: options.shuffle ?? true, seed: options.seed ?? 0, epoch, dataOptions: options.dataOptions });
    await eachBatch(batches, async (b: Batch) => {
      if (ctx.stopTraining) return false;
      // Kernel > Interrupt: stop here, with every tensor released, rather than at a random await.
      if (interruptRequested()) throw new Error(`Training '${ctx.name}' interrupted in epoch ${epoch}, step ${ctx.step + 1}.`);
      const size = b.size ?? b.x.shape[0];
      if (batchBegin) await list.onBatchBegin({ epoch, step: ctx.step + 1, size, x: b.x, y: b.y }, ctx);
      const loss = step(b.x, b.y);
      try {
        sums.add(b, loss, size, ctx.model);
        ctx.step += 1;
        ctx.totalSteps += 1;
        await list.onBatchEnd({
          epoch, step: ctx.step, size, seen: sums.seen, loss,
          lossValue: async () => (await loss.data())[0],
          lossSum: () => sums.readLossSum(),
        }, ctx);
      } finally {
        loss.dispose();
      }
      return !ctx.stopTraining;
    });
    metrics = await sums.read();
  } finally {
    sums.dispose();
  }
  if (sums.seen === 0 && ctx.stopTraining) return null;
  if (!ctx.stopTraining) ctx.steps ??= ctx.step; // learnt from the first full epoch when the data could not say
  const record: EpochRecord = { epoch, loss: metrics.loss, acc: metrics.acc, seconds: 0 };
  if (options.validationData) {
    const v = await evaluate(ctx.model, options.validationData, { batchSize: options.evalBatchSize ?? 500, loss: resolveLoss(options.loss), dataOptions: options.dataOptions });
    record.valLoss = v.loss;
    record.valAcc = v.accuracy;
  }
  record.seconds = (Date.now() - t0) / 1000;
  return record;
}

/** The progress mode `fit` would use ('notebook', 'terminal' or 'none'), for callers deciding what to display. */
export function progressMode(progress?: boolean | ProgressMode): string {
  return resolveMode(progress);
}
