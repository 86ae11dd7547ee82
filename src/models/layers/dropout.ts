/**
 * Seeded dropout as a serialisable layer ('TsdlDropout'): in training each element is zeroed with
 * probability `rate` and the rest scaled by 1/(1 − rate); in inference it passes its input through.
 *
 * Each training call draws a new mask from (seed, call number), so a seeded run reproduces while its
 * steps still drop different units (tfjs's own Dropout with a seed drops the same units every step).
 * On wasm the mask is written in place by one kernel (backend/kernels/dropout.ts); elsewhere the same
 * function fills it in JavaScript, so both backends draw identical masks.
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import { ElementwiseLayer } from './elementwise';
import { DROPOUT_MASK, fillDropoutMask } from '../../backend/kernels/dropout';

/** The mask for one call: 0 with probability `rate`, else 1/(1 − rate). */
export function dropoutMask(shape: number[], rate: number, seed: number): TF.Tensor {
  if (tf.getBackend() === 'wasm') return tf.engine().runKernel(DROPOUT_MASK, {}, { shape, rate, seed } as unknown as TF.NamedAttrMap) as TF.Tensor;
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(fillDropoutMask(new Float32Array(n), rate, seed), shape, 'float32');
}

/** Mixes a layer's seed and its call number into the seed of one mask. */
function callSeed(seed: number, call: number): number {
  let h = (seed ^ Math.imul(call + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Serialised config of {@link Dropout}. */
export interface DropoutArgs {
  /** Share of elements zeroed in training, in [0, 1). */
  rate: number;
  /** Seed of the masks (default: a random one). */
  seed?: number;
  name?: string;
  inputShape?: number[];
  trainable?: boolean;
}

/** Dropout with a new, seeded mask at every training call (see the module comment). */
export class Dropout extends ElementwiseLayer {
  /** Name under which tfjs serialization knows the class. */
  static className = 'TsdlDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: DropoutArgs) {
    super(args as never);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`Dropout rate must be in [0, 1) (the share of units dropped); got ${args.rate}.`);
    this.rate = args.rate;
    this.seed = (args.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  }

  protected applyTo(x: TF.Tensor, training: boolean): TF.Tensor {
    if (!training || this.rate === 0) return tf.clone(x);
    const seed = callSeed(this.seed, this.calls++);
    return tf.tidy(() => tf.mul(x, dropoutMask(x.shape, this.rate, seed)));
  }

  getConfig(): TF.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(Dropout as never);

/** A {@link Dropout} layer. */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}
