/**
 * Models: builders for the tutorials' networks (the seed MLP and CNN, a configurable deep MLP),
 * weight initialisations, tsdl's batch-norm and dropout layers, a summary table, and per-layer
 * activation statistics.
 */
export { mlp, cifarCnn } from './builders';
export type { ModelOptions, MlpOptions, CnnOptions } from './builders';
export { deepMlp, denseLayerNames } from './deep-mlp';
export type { DeepMlpOptions } from './deep-mlp';
export { layerInit, torchInit, initBound } from './init';
export type { InitName, LayerInit } from './init';
export { BatchNorm, batchNorm, batchNormTraining } from './layers/batch-norm';
export type { BatchNormArgs, RunningStats } from './layers/batch-norm';
export { Dropout, dropout, dropoutMask } from './layers/dropout';
export type { DropoutArgs } from './layers/dropout';
export { activationStats } from './inspect';
export type { LayerActivationStats, ActivationStatsOptions } from './inspect';
export { summary, countParams, ModelSummary } from './summary';
export type { SummaryRow } from './summary';
