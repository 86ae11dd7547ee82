/** The base of tsdl's shape-keeping layers (activations, batch norm, dropout). */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';

/** A layer whose output has its input's shape: subclasses only say what it does to one tensor. */
export abstract class ElementwiseLayer extends tf.layers.Layer {
  computeOutputShape(inputShape: TF.Shape | TF.Shape[]): TF.Shape | TF.Shape[] {
    return inputShape;
  }

  call(inputs: TF.Tensor | TF.Tensor[], kwargs: { training?: boolean } = {}): TF.Tensor {
    return this.applyTo(Array.isArray(inputs) ? inputs[0] : inputs, kwargs.training === true);
  }

  /** The layer on one input; `training` is true in a training step (fit, trainStep). */
  protected abstract applyTo(x: TF.Tensor, training: boolean): TF.Tensor;
}
