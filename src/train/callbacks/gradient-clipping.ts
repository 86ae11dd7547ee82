/**
 * Gradient clipping between the backward pass and the update (`fit` options `clipNorm`,
 * `clipValue`): by value, each element into [−v, v] (Keras' `clipvalue`, PyTorch's
 * `clip_grad_value_`); by norm, all gradients scaled together so that their global L2 norm is at
 * most n (PyTorch's `clip_grad_norm_`, Keras' `global_clipnorm`), which keeps the update's
 * direction. With both, values are clipped first, so the norm bound holds for the result.
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import type { Gradients } from '../train-step';
import type { Callback } from './callback';

/** Clipping settings (at least one). */
export interface ClipOptions {
  clipNorm?: number;
  clipValue?: number;
}

function checkBound(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
    throw new RangeError(`fit option ${name} must be a finite number > 0 (the largest gradient ${name === 'clipNorm' ? 'norm' : 'element'} allowed); got ${v}. Leave it out to train without clipping.`);
  }
}

/** The global L2 norm of a set of gradients (a scalar on the device). */
export function globalNorm(grads: Gradients): TF.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as TF.Scalar);
}

export class GradientClipping implements Callback {
  readonly clipNorm?: number;
  readonly clipValue?: number;

  constructor(options: ClipOptions) {
    checkBound('clipNorm', options.clipNorm);
    checkBound('clipValue', options.clipValue);
    if (options.clipNorm === undefined && options.clipValue === undefined) throw new Error('GradientClipping needs clipNorm or clipValue.');
    this.clipNorm = options.clipNorm;
    this.clipValue = options.clipValue;
  }

  onGradients(grads: Gradients): Gradients {
    let g = grads;
    const v = this.clipValue;
    if (v !== undefined) g = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, tf.clipByValue(t, -v, v)]));
    const n = this.clipNorm;
    if (n !== undefined) {
      // scale = n / max(norm, n): 1 while the norm is within the bound, so small steps pass unchanged.
      const scale = tf.div(n, tf.maximum(globalNorm(g), n));
      g = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, tf.mul(t, scale)]));
    }
    return g;
  }
}
