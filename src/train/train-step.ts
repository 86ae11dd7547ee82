/**
 * One optimisation step for a layers model: forward, loss, gradients of the trainable weights only,
 * update. `trainStep(model, optimizer, loss)` returns a function `(x, y) => loss` whose result is a
 * scalar tensor the caller disposes (reading it waits for the backend).
 *
 * The forward pass is tsdl's fast path where the model allows (fast-forward.ts). Between the
 * gradients and the update an optional hook sees — and may replace — the gradients: that is where
 * gradient clipping and gradient statistics go, without another forward or backward pass.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { fastForward, variableOf } from './fast-forward';
import { resolveLoss, type LossFn, type LossName } from './losses';

/** One step: inputs and labels in, the batch's mean loss out (a scalar the caller disposes). */
export type TrainStep = (x: TF.Tensor, y: TF.Tensor) => TF.Scalar;

/** Gradients of one step, by variable name (a layer weight's `name`, e.g. "mlp_1_fc1/kernel"). */
export type Gradients = TF.NamedTensorMap;

/**
 * Sees each step's gradients before the optimizer applies them, and may return replacements (e.g.
 * clipped ones) — only the entries it returns change. It runs synchronously inside `tf.tidy`:
 * tensors it creates and does not return are released; keep (`tf.keep`) what it stores for later
 * (e.g. running sums of gradient norms, read every N steps). It must not dispose the gradients.
 */
export type GradientHook = (grads: Gradients) => Gradients | void;

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** Sees (and may replace) each step's gradients before the update. */
  onGradients?: GradientHook;
  /** Use tsdl's fast forward pass where the model allows it (default true); false: tfjs-layers' own `apply`. */
  fast?: boolean;
}

/**
 * A train step for `model` with `optimizer` and `loss` (a name or a function; default
 * 'crossEntropy' on logits). Only the model's trainable weights are updated.
 *
 * ```ts
 * const step = dl.trainStep(model, tf.train.adam(1e-3), 'crossEntropy');
 * const loss = step(x, y); // scalar tensor; dispose it (or sum it on the device)
 * ```
 */
export function trainStep(model: TF.LayersModel, optimizer: TF.Optimizer, loss: LossName | LossFn = 'crossEntropy', options: TrainStepOptions = {}): TrainStep {
  const lossFn = resolveLoss(loss);
  const vars = model.trainableWeights.map(variableOf);
  const fast = options.fast ?? true;
  const forward = (fast ? fastForward(model) : null) ?? ((x: TF.Tensor) => model.apply(x, { training: true }) as TF.Tensor);
  const hook = options.onGradients;
  if (!hook) return (x, y) => optimizer.minimize(() => lossFn(y, forward(x)), true, vars) as TF.Scalar;
  // What optimizer.minimize does, with the hook between the gradients and the update.
  return (x, y) => {
    const { value, grads } = optimizer.computeGradients(() => lossFn(y, forward(x)), vars);
    let used: Gradients = grads;
    try {
      used = tf.tidy(() => ({ ...grads, ...(hook(grads) ?? {}) }));
      optimizer.applyGradients(vars.map((v) => ({ name: v.name, tensor: used[v.name] })));
    } finally {
      tf.dispose(grads);
      tf.dispose(used);
    }
    return value;
  };
}

/** The fast train step with a loss function (what `fit` uses). */
export function makeTrainStep(model: TF.LayersModel, optimizer: TF.Optimizer, loss: LossFn, options: Omit<TrainStepOptions, 'fast'> = {}): TrainStep {
  return trainStep(model, optimizer, loss, options);
}

/** The step tfjs-layers gives by itself (every layer through `apply`); kept for comparisons. */
export function makeLayersTrainStep(model: TF.LayersModel, optimizer: TF.Optimizer, loss: LossFn): TrainStep {
  return trainStep(model, optimizer, loss, { fast: false });
}
