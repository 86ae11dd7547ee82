/**
 * The kernels tsdl's batch-norm and dropout layers train through on wasm, by name, for
 * registration in one loop (wasm.ts).
 */
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, batchNormTrain, batchNormTrainGrad } from './batch-norm';
import { DROPOUT_MASK, dropoutMask } from './dropout';

export const LAYER_KERNELS: Record<string, () => unknown> = {
  [BATCH_NORM_TRAIN]: batchNormTrain,
  [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGrad,
  [DROPOUT_MASK]: dropoutMask,
};
