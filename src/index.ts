/**
// Directory modules are imported as './x/index': tslab resolves a local import only as <id>.js.
 * The tsdl public API for notebooks: `import * as dl from "tsdl"` (or named imports).
 *
 * - backend: `tf`, `ready()`
 * - display: `display`, `clearOutput`, `toMimeBundle`
 * - data: `loadMnist`, `loadFashionMnist`, `loadCifar10`, `ImageDataset` (everything as `data.*`)
 * - activations: `ACTIVATIONS`, `activations`, `activate`, `derivative`, `activationLayer`, ...
 * - models: `mlp`, `cifarCnn`, `summary`
 * - training: `fit`, `evaluate`, `predict`, `predictClasses`, `confusionMatrix`
 * - charts: `functionCurves`, `trainingCurves`, `histograms`, `imageGrid`, `confusionMatrixChart`,
 *   `barChart`, `lineChart`, `plot` (everything as `charts.*`)
 * - tables: `table`, `dataFrame`, `writeCsv`, `writeJson` (everything as `tables.*`)
 * - io: `saveModel`, `loadModel`, `loadWeightsInto`
 * - params: `parameters`, `saveMetrics`
 */
export { tf, ready } from './tf';
export type { BackendInfo } from './tf';
export { display, clearOutput, toMimeBundle } from './display';
export type { MimeBundle, DisplayHandle, DisplayOptions } from './display';
export * as data from './data/index';
export { loadMnist, loadFashionMnist, loadCifar10, ImageDataset, MNIST_CLASSES, FASHION_MNIST_CLASSES, CIFAR10_CLASSES } from './data/index';
export * from './activations';
export * from './models';
export * from './train/index';
/** One optimisation step of a layers model: `const step = dl.trainStep(model, optimizer, loss); step(x, y)`. */
export { makeTrainStep as trainStep } from './backend/train-step';
export type { LossFn, TrainStep } from './backend/train-step';
export * as charts from './charts/index';
export {
  Figure, functionCurves, trainingCurves, histograms, imageGrid, confusionMatrixChart, barChart, lineChart, plot, embedPlotly,
} from './charts/index';
export * as tables from './tables';
export { table, dataFrame, dfd, writeCsv, writeJson, toCsv } from './tables';
export type { DataFrame } from './tables';
export { saveModel, loadModel, loadWeightsInto, fileHandler } from './io/index';
export * from './params';
