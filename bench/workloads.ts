/**
 * The workloads the benchmark (and the backend tests) train: the MNIST-sized MLP and the CIFAR-sized
 * CNN of the seed tutorials, and notebook 05's CNN (the library's `cifarCnn`) once per activation it
 * compares, with the optimizers and batch sizes of the tutorials. Data is random with the right
 * shapes: speed does not depend on the pixel values.
 */
import { tf } from '../src/tf';
import type * as TF from '@tensorflow/tfjs';
import { cifarCnn } from '../src/models';
import type { ActivationName } from '../src/activations';

/** Notebook 05's activations ('none' = no activation layer). */
export const NB05_ACTIVATIONS = ['relu', 'leakyRelu', 'elu', 'swish', 'mish', 'gelu', 'none'] as const;
export type Nb05Activation = (typeof NB05_ACTIVATIONS)[number];
export type WorkloadName = 'mlp' | 'cnn' | `cnn05-${Nb05Activation}`;

export interface Workload {
  name: WorkloadName;
  description: string;
  batchSize: number;
  inputShape: number[];
  classes: number;
  /** Multiply-add FLOPs (2 per MAC) of the matrix products and convolutions of one training step as tsdl and PyTorch run it (no input gradient for the first layer). */
  flops: number;
  build(seed?: number): TF.Sequential;
  optimizer(): TF.Optimizer;
}

// The CNN step: conv forward + filter gradient (2 × B·32·32·16·27 MACs), dense forward, weight and input gradients (3 × B·4096·10).
const CNN_FLOPS = 2 * (2 * 100 * 32 * 32 * 16 * 27 + 3 * 100 * 4096 * 10);

export const WORKLOADS: Record<WorkloadName, Workload> = {
  mlp: {
    name: 'mlp',
    description: 'MLP 784→512→ReLU→10, batch 128, SGD lr 0.15',
    batchSize: 128,
    inputShape: [784],
    classes: 10,
    // Forward 784→512 and 512→10, weight gradients of both, input gradient of the second.
    flops: 2 * (2 * 128 * 784 * 512 + 3 * 128 * 512 * 10),
    build: (seed = 1) =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
          tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      }),
    optimizer: () => tf.train.sgd(0.15),
  },
  cnn: {
    name: 'cnn',
    description: 'CNN conv3×3(3→16, same)→LeakyReLU(0.01)→maxpool 2×2→dense(4096→10), batch 100, Adam lr 1e-3',
    batchSize: 100,
    inputShape: [32, 32, 3],
    classes: 10,
    flops: CNN_FLOPS,
    build: (seed = 1) =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
          tf.layers.leakyReLU({ alpha: 0.01 }),
          tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      }),
    optimizer: () => tf.train.adam(1e-3),
  },
  ...(Object.fromEntries(NB05_ACTIVATIONS.map((a) => [`cnn05-${a}`, {
    name: `cnn05-${a}`,
    description: `notebook 05's CNN (cifarCnn) with ${a}, batch 100, Adam lr 1e-3`,
    batchSize: 100,
    inputShape: [32, 32, 3],
    classes: 10,
    flops: CNN_FLOPS,
    build: (seed = 1) => cifarCnn({ activation: a === 'none' ? 'none' : (a as ActivationName), seed }),
    optimizer: () => tf.train.adam(1e-3),
  } satisfies Workload])) as unknown as Record<`cnn05-${Nb05Activation}`, Workload>),
};

/**
 * tfjs's own softmax cross-entropy on logits against one-hot labels. An opaque function to tsdl:
 * the tests use it for tfjs's step; the bench trains with tsdl's `crossEntropy` (the tutorials'
 * loss, which the fused step computes itself).
 */
export function softmaxCrossEntropy(yTrue: TF.Tensor, logits: TF.Tensor): TF.Scalar {
  return tf.losses.softmaxCrossEntropy(yTrue, logits) as TF.Scalar;
}

/** `count` random batches (images in [0,1), one-hot labels), kept on the backend. */
export function randomBatches(w: Workload, count: number, seed = 7): { x: TF.Tensor; y: TF.Tensor }[] {
  return Array.from({ length: count }, (_, i) =>
    tf.tidy(() => ({
      x: tf.randomUniform([w.batchSize, ...w.inputShape], 0, 1, 'float32', seed + i),
      y: tf.oneHot(tf.randomUniform([w.batchSize], 0, w.classes, 'int32', seed + 100 + i) as TF.Tensor1D, w.classes).toFloat(),
    })),
  );
}
