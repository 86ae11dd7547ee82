/**
 * One optimisation step for a layers model: forward, loss, gradients of the trainable weights only,
 * update. `trainStep(model, optimizer, loss)` returns a function `(x, y) => loss` whose result is a
 * scalar tensor the caller disposes (reading it waits for the backend).
 *
 * On wasm with a BLAS, chains of Dense/Conv2D/max-pool/activation layers trained on softmax
 * cross-entropy with SGD, momentum or Adam take the fused step (fused/): the whole step as BLAS
 * products and SIMD passes on the wasm heap, the same numbers without tfjs's per-kernel cost.
 * Otherwise the forward pass is tsdl's fast path where the model allows (fast-forward.ts), and
 * tfjs computes the gradients. Between the gradients and the update an optional hook sees — and
 * may replace — the gradients (both steps): that is where gradient clipping and gradient
 * statistics go, without another forward or backward pass.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { fastForward, variableOf } from './fast-forward';
import { makeFusedStep } from './fused/step';
import { logitsLossSpec } from './loss-spec';
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
  /**
   * Use the fused step where the model, loss, optimizer and backend allow it (default true, unless
   * the environment sets TSDL_FUSED_STEP=off); false: always tfjs's gradients.
   */
  fused?: boolean;
}

/** Whether the fused step is allowed (TSDL_FUSED_STEP=off turns it off everywhere, e.g. to compare). */
export function fusedStepEnabled(): boolean {
  const v = process.env.TSDL_FUSED_STEP;
  return !(v === 'off' || v === '0' || v === 'false');
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
  const tfjsStep = tfjsTrainStep(optimizer, lossFn, vars, forward, hook);
  const spec = fast && (options.fused ?? true) && fusedStepEnabled() ? logitsLossSpec(lossFn) : undefined;
  const fused = spec ? makeFusedStep(model, optimizer, spec, vars, hook).step : undefined;
  // Per call: the fused step declines inputs it cannot take (another backend, dtype, shape).
  return fused ? (x, y) => fused(x, y) ?? tfjsStep(x, y) : tfjsStep;
}

/** The step through tfjs's autodiff and optimizer. */
function tfjsTrainStep(optimizer: TF.Optimizer, lossFn: LossFn, vars: TF.Variable[], forward: (x: TF.Tensor) => TF.Tensor, hook?: GradientHook): TrainStep {
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

/** The step tfjs-layers gives by itself (every layer through `apply`, tfjs's gradients); kept for comparisons. */
export function makeLayersTrainStep(model: TF.LayersModel, optimizer: TF.Optimizer, loss: LossFn): TrainStep {
  return trainStep(model, optimizer, loss, { fast: false });
}
