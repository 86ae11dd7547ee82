/**
 * The tsdl public API for notebooks: `import * as dl from "tsdl"` (or named imports).
 *
 * - backend: `tf`, `ready()` (its answer displays as a one-line summary)
 * - display: `display`, `clearOutput`, `toMimeBundle`; `md`/`html` templates; `pct`, `fixed`, `meanSd`
 * - data: `loadMnist`, `loadFashionMnist`, `loadCifar10`, `ImageDataset` (everything as `data.*`)
 * - activations: `ACTIVATIONS`, `activations`, `activate`, `derivative`, `activationLayer`, ...
 * - models: `mlp`, `cifarCnn`, `deepMlp` (+ `BatchNorm`, `Dropout` layers, `layerInit`), `summary`, `activationStats`
 * - training: `fit` (+ callbacks: `EarlyStopping`, `Checkpoint`, ...), `trainStep`, `evaluate`, `predict`,
 *   `predictClasses`, `confusionMatrix`
 * - charts: `functionCurves`, `trainingCurves`, `histograms`, `imageGrid`, `confusionMatrixChart`,
 *   `barChart`, `lineChart`, `gradientHeatmap`, `activationStatsChart`, `plot` (everything as `charts.*`)
 * - tables: `table`, `dataFrame`, `writeCsv`, `writeJson` (everything as `tables.*`)
 * - io: `saveModel`, `loadModel`, `loadWeightsInto`
 * - params: `parameters`, `saveMetrics`
 * - widgets: `FloatSlider`, `Dropdown`, `Button`, `Output`, `interact`, comms, ... (as `widgets.*`)
 */
export { tf, ready } from './tf';
export type { BackendInfo } from './tf';
/** TensorFlow.js types for annotations in notebooks (`x: dl.Tensor`), from the one tfjs tsdl uses. */
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Scalar, Rank, LayersModel, Sequential, Optimizer } from '@tensorflow/tfjs';
export { display, clearOutput, toMimeBundle } from './display';
export type { MimeBundle, DisplayHandle, DisplayOptions } from './display';
export { md, html, Markup } from './markup';
export { pct, fixed, meanSd, mean, sd, formatNumber } from './util/format';
export type { MeanSdOptions } from './util/format';
export { input, type InputOptions } from './input';
export * as data from './data/index';
export { loadMnist, loadFashionMnist, loadCifar10, ImageDataset, MNIST_CLASSES, FASHION_MNIST_CLASSES, CIFAR10_CLASSES } from './data/index';
export * from './activations';
export * from './models/index';
export * from './train/index';
export * as charts from './charts/index';
export {
  Figure, LiveFigure, functionCurves, trainingCurves, histograms, imageGrid, confusionMatrixChart, barChart, lineChart, plot, embedPlotly,
} from './charts/index';
export { gradientHeatmap, activationStatsChart } from './charts/index';
export * as tables from './tables';
export { table, dataFrame, dfd, writeCsv, writeJson, toCsv } from './tables';
export type { DataFrame, TableData } from './tables';
export { saveModel, loadModel, loadWeightsInto, fileHandler } from './io/index';
export * from './params';
export * as widgets from './widgets/index';
export { interact } from './widgets/index';
export { StopButton } from './train/callbacks/stop-button';
