/**
 * Builders for the seed tutorials' networks (the MNIST MLP, the CIFAR-10 CNN), seeded so runs
 * reproduce.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { activationLayer, type ActivationName, type ActivationOptions } from '../activations';
import { torchInit } from './init';

/** Options shared by the model builders. */
export interface ModelOptions {
  /** Hidden activation; 'none', null or undefined leaves the layer out (the "no activation" baseline). */
  activation?: ActivationName | 'none' | null;
  /** α for leakyRelu / elu / prelu. */
  activationOptions?: ActivationOptions;
  /** Seed of the weight initialisation (default 42); the same seed gives the same weights. */
  seed?: number;
  /** Model name shown in summaries. */
  name?: string;
}

/** Options of {@link mlp}. */
export interface MlpOptions extends ModelOptions {
  /** Input shape of one example (default [28, 28, 1]: images are flattened inside the model; [784] skips that). */
  inputShape?: number[];
  /** Hidden units (default 512). */
  hidden?: number;
  /** Output classes (default 10). */
  classes?: number;
}

/** Options of {@link cifarCnn}. */
export interface CnnOptions extends ModelOptions {
  /** Input shape (default [32, 32, 3]). */
  inputShape?: number[];
  /** Convolution filters (default 16). */
  filters?: number;
  /** Output classes (default 10). */
  classes?: number;
}

/** The hidden activation layer the options ask for (null for none). */
export function hiddenActivation(options: ModelOptions, name: string): TF.layers.Layer | null {
  const a = options.activation;
  if (a === undefined || a === null || a === 'none') return null;
  return activationLayer(a, { ...(options.activationOptions ?? {}), name });
}

let modelCounter = 0;
/** A model name unique in this process (tfjs layer names must not repeat across models). */
export function uniqueName(base: string): string {
  return `${base}_${++modelCounter}`;
}

/**
 * The MNIST multilayer perceptron: [flatten] → dense(784→512) → activation → dense(512→10), output
 * logits (use a softmax cross-entropy loss). 407,050 parameters with the defaults.
 */
export function mlp(options: MlpOptions = {}): TF.Sequential {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const hidden = options.hidden ?? 512;
  const classes = options.classes ?? 10;
  const seed = options.seed ?? 42;
  const inputs = inputShape.reduce((a, b) => a * b, 1);
  const prefix = uniqueName(options.name ?? 'mlp');
  const model = tf.sequential({ name: prefix });
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape, name: `${prefix}_flatten` }));
  model.add(tf.layers.dense({
    units: hidden, name: `${prefix}_fc1`, ...(inputShape.length > 1 ? {} : { inputShape }), ...torchInit(inputs, seed),
  }));
  const act = hiddenActivation(options, `${prefix}_${options.activation ?? 'act'}`);
  if (act) model.add(act);
  model.add(tf.layers.dense({ units: classes, name: `${prefix}_fc2`, ...torchInit(hidden, seed + 10) }));
  return model;
}

/**
 * The CIFAR-10 CNN of the LeakyReLU tutorial: conv(3→16, 3×3, same padding) → activation →
 * max-pool 2×2 → flatten → dense(4096→10), output logits. 41,418 parameters with the defaults.
 */
export function cifarCnn(options: CnnOptions = {}): TF.Sequential {
  const inputShape = options.inputShape ?? [32, 32, 3];
  const filters = options.filters ?? 16;
  const classes = options.classes ?? 10;
  const seed = options.seed ?? 42;
  const prefix = uniqueName(options.name ?? 'cnn');
  const model = tf.sequential({ name: prefix });
  model.add(tf.layers.conv2d({
    inputShape, filters, kernelSize: 3, padding: 'same', name: `${prefix}_conv`,
    ...torchInit(3 * 3 * inputShape[2], seed),
  }));
  const act = hiddenActivation(options, `${prefix}_${options.activation ?? 'act'}`);
  if (act) model.add(act);
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${prefix}_pool` }));
  model.add(tf.layers.flatten({ name: `${prefix}_flatten` }));
  const flat = (inputShape[0] >> 1) * (inputShape[1] >> 1) * filters;
  model.add(tf.layers.dense({ units: classes, name: `${prefix}_fc`, ...torchInit(flat, seed + 10) }));
  return model;
}

