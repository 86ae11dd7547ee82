/**
 * Training and evaluation: `fit` and its callbacks, `trainStep`, `evaluate`, `predict`,
 * `confusionMatrix`, progress bars.
 *
 * Layout: fit.ts (the loop) · fit-options.ts (options → callbacks) · fit-result.ts · records.ts ·
 * train-step.ts (+ fast-forward.ts) · losses.ts · metrics.ts · data.ts · epoch-sums.ts ·
 * optimizer.ts · progress.ts · callbacks/ (callback.ts: the interface and CallbackList; one file
 * per built-in callback).
 */
export { fit, progressMode } from './fit';
export type { FitOptions } from './fit-options';
export { FitResult } from './fit-result';
export type { EpochRecord, BestCheckpoint, Monitor, StopInfo, GradientNormRecord } from './records';
export type { OptimizerName } from './optimizer';
export { trainStep, makeTrainStep, makeLayersTrainStep } from './train-step';
export type { TrainStep, TrainStepOptions, Gradients, GradientHook } from './train-step';
export { crossEntropy, mse, resolveLoss } from './losses';
export type { LossFn, LossName } from './losses';
export { evaluate, predict, predictClasses, confusionMatrix, confusionFromLabels, countCorrect, labelIndices } from './metrics';
export type { Evaluation, EvalOptions } from './metrics';
export { batchesOf, sizeOf, eachBatch } from './data';
export { permutation } from '../data/random';
export type { Batch, BatchOptions, TensorData, BatchProvider, DataSource, EpochOptions } from './data';
export { ProgressBar, inNotebook } from './progress';
export type { ProgressMode, ProgressState } from './progress';
export { CallbackList } from './callbacks/callback';
export type { Callback, TrainContext, BatchBegin, BatchEnd } from './callbacks/callback';
export { History } from './callbacks/history';
export { Progress } from './callbacks/progress';
export { LogEvery } from './callbacks/log-every';
export { LiveChart } from './callbacks/live-chart';
export { Checkpoint } from './callbacks/checkpoint';
export type { CheckpointOptions } from './callbacks/checkpoint';
export { EarlyStopping } from './callbacks/early-stopping';
export type { EarlyStoppingOptions } from './callbacks/early-stopping';
export type { MonitorOptions } from './callbacks/monitor';
export { GradientClipping, globalNorm } from './callbacks/gradient-clipping';
export type { ClipOptions } from './callbacks/gradient-clipping';
export { GradientNormRecorder, meanGradientNorms } from './callbacks/gradient-norms';
export type { GradientNormOptions } from './callbacks/gradient-norms';
export { TerminateOnNaN } from './callbacks/terminate-on-nan';
export { onEpochCallback } from './callbacks/user';
export type { EpochFn } from './callbacks/user';
