/**
 * Training and evaluation: `fit`, `evaluate`, `predict`, `confusionMatrix`, progress bars.
 */
export { fit, FitResult, progressMode } from './fit';
export type { FitOptions, EpochRecord, CheckpointOptions, BestCheckpoint, Monitor, OptimizerName } from './fit';
export { evaluate, predict, predictClasses, confusionMatrix, confusionFromLabels, crossEntropy, mse, countCorrect, labelIndices, resolveLoss } from './metrics';
export type { Evaluation, EvalOptions, LossName } from './metrics';
export { batchesOf, sizeOf } from './data';
export { permutation } from '../data/random';
export type { Batch, TensorData, BatchProvider, DataSource, BatchOptions } from './data';
export { ProgressBar, inNotebook } from './progress';
export type { ProgressMode, ProgressState } from './progress';
