/**
 * What a loss function *is*, for train steps that compute it themselves.
 *
 * A loss is an opaque `(yTrue, yPred) => scalar`; a fused train step (fused/) can compute softmax
 * cross-entropy and its gradient in one pass over the logits, but only when it knows that is the
 * loss. `crossEntropy` is tagged here as such; a wrapper that watches the logits on the way (fit's
 * training accuracy) keeps the tag with {@link observedLoss}, so the fused step still qualifies and
 * calls the wrapper's observer with the logits instead. Untagged functions run as they are.
 */
import type * as TF from '@tensorflow/tfjs';
import { crossEntropy, type LossFn } from './losses';

/** A loss the fused step can compute from logits itself. */
export interface LogitsLossSpec {
  /** Mean softmax cross-entropy over the batch, labels as class indices [B] or (soft) one-hot [B, K]. */
  kind: 'softmaxCrossEntropy';
  /** Called with each step's labels and logits (a tensor the caller disposes after the call). */
  observe?: (yTrue: TF.Tensor, logits: TF.Tensor) => void;
}

const SPEC = Symbol.for('tsdl.logitsLossSpec');
type Tagged = LossFn & { [SPEC]?: LogitsLossSpec };

/** The spec of a tagged loss, or undefined for any other function. */
export function logitsLossSpec(loss: LossFn): LogitsLossSpec | undefined {
  return (loss as Tagged)[SPEC];
}

/** Tags `loss` as computing what `spec` says (it must: a fused step trusts the tag). */
export function tagLogitsLoss<F extends LossFn>(loss: F, spec: LogitsLossSpec): F {
  Object.defineProperty(loss, SPEC, { value: spec, enumerable: false, configurable: true });
  return loss;
}

/**
 * `loss`, calling `observe(yTrue, yPred)` first on every call; it keeps `loss`'s tag (with
 * `observe` added), so a fused step that computes the loss itself still calls `observe`.
 */
export function observedLoss(loss: LossFn, observe: (yTrue: TF.Tensor, yPred: TF.Tensor) => void): LossFn {
  const wrapped: LossFn = (yTrue, yPred) => {
    observe(yTrue, yPred);
    return loss(yTrue, yPred);
  };
  const spec = logitsLossSpec(loss);
  if (spec) {
    const inner = spec.observe;
    tagLogitsLoss(wrapped, { ...spec, observe: (y, logits) => { inner?.(y, logits); observe(y, logits); } });
  }
  return wrapped;
}

tagLogitsLoss(crossEntropy, { kind: 'softmaxCrossEntropy' });
