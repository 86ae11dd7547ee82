/**
 * One optimisation step for a layers model: forward, loss, gradients of the trainable weights only,
 * update. Returns the loss as a scalar tensor the caller disposes (reading it syncs the backend).
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';

export type LossFn = (yTrue: TF.Tensor, yPred: TF.Tensor) => TF.Scalar;
export type TrainStep = (x: TF.Tensor, y: TF.Tensor) => TF.Scalar;

export function makeTrainStep(model: TF.LayersModel, optimizer: TF.Optimizer, loss: LossFn): TrainStep {
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: TF.Variable }).val);
  return (x, y) =>
    optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as TF.Tensor), true, vars) as TF.Scalar;
}
