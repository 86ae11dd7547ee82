/**
 * Weight initialisations by name, seeded per layer: PyTorch's default, Glorot (Xavier) and He
 * (Kaiming). All three are uniform distributions, so their variances are exactly the ones named
 * (tfjs's `heNormal`/`glorotNormal` draw from a truncated normal without correcting its variance).
 */
import { tf } from '../tf';

/** How a layer's weights start: 'torch' (PyTorch's default), 'glorot' (Xavier) or 'he' (Kaiming). */
export type InitName = 'torch' | 'glorot' | 'he';

type Initializer = ReturnType<typeof tf.initializers.randomUniform>;

/** Kernel and bias initialisers for a layer. */
export interface LayerInit {
  kernelInitializer: Initializer;
  biasInitializer: Initializer | ReturnType<typeof tf.initializers.zeros>;
}

/**
 * PyTorch's default initialisation (kaiming-uniform with a = √5 for weights, U(±1/√fan_in) for
 * biases): both uniform in ±1/√fan_in, seeded per layer. Matching it keeps the tutorials' learning
 * rates meaningful. Weight variance 1/(3·fan_in).
 */
export function torchInit(fanIn: number, seed: number): LayerInit {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed + 1 }),
  };
}

/** The uniform bound giving each initialisation's weight variance (bound²/3 = variance). */
export function initBound(init: InitName, fanIn: number, fanOut: number): number {
  switch (init) {
    case 'torch': return 1 / Math.sqrt(fanIn);
    case 'glorot': return Math.sqrt(6 / (fanIn + fanOut)); // variance 2/(fan_in + fan_out)
    case 'he': return Math.sqrt(6 / fanIn); // variance 2/fan_in: keeps ReLU activations' scale
    default: throw new Error(`Unknown initialisation '${String(init)}'; use 'torch', 'glorot' or 'he'.`);
  }
}

/**
 * Initialisers for a dense or convolutional layer: 'torch' as {@link torchInit}; 'glorot' and
 * 'he' uniform with the variances above and zero biases (how PyTorch's `nn.init` users and Keras
 * set them).
 */
export function layerInit(init: InitName, fanIn: number, fanOut: number, seed: number): LayerInit {
  if (init === 'torch') return torchInit(fanIn, seed);
  const bound = initBound(init, fanIn, fanOut);
  return {
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed }),
    biasInitializer: tf.initializers.zeros(),
  };
}
