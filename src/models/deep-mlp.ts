/**
 * A deep multilayer perceptron for experiments on depth: how many layers, how wide, which
 * activation, and the remedies for vanishing gradients (batch norm, residual connections, a
 * better initialisation) and for overfitting (dropout), each one option.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import type { ActivationName, ActivationOptions } from '../activations';
import { hiddenActivation, uniqueName } from './builders';
import { layerInit, type InitName } from './init';
import { BatchNorm } from './layers/batch-norm';
import { Dropout } from './layers/dropout';

/** Options of {@link deepMlp}. */
export interface DeepMlpOptions {
  /** Dense layers, the output layer included (default 20): depth − 1 hidden layers. */
  depth?: number;
  /** Units of every hidden layer (default 128). */
  width?: number;
  /** Hidden activation (default 'relu'). */
  activation?: ActivationName;
  /** α for leakyRelu / elu / prelu. */
  activationOptions?: ActivationOptions;
  /** Batch norm between each hidden dense layer and its activation (default false). */
  batchNorm?: boolean;
  /** Dropout rate after each hidden activation (default 0: none). */
  dropout?: number;
  /**
   * Identity skip connections (default false): every hidden layer after the first adds its input
   * to its output, h ← h + f(h), so the gradient has a path around each layer.
   */
  residual?: boolean;
  /** Weight initialisation of the dense layers (default 'torch', PyTorch's default). */
  init?: InitName;
  /** Input shape of one example (default [28, 28, 1], flattened inside the model). */
  inputShape?: number[];
  /** Output classes (default 10). */
  classes?: number;
  /** Seed of the weights and dropout masks (default 42). */
  seed?: number;
  /** Model name (a unique suffix is added). */
  name?: string;
}

/**
 * `depth` dense layers: input → [dense → (batch norm) → activation → (dropout)] × (depth − 1) →
 * dense → logits, with an identity skip around every hidden block but the first when `residual`.
 * Layer names: `<name>_fc1` … `<name>_fc<depth>` for the dense layers (the last is the output),
 * `_bn<i>`, `_act<i>`, `_drop<i>`, `_add<i>` for the rest.
 *
 * ```ts
 * const plain = dl.deepMlp({ depth: 20, activation: 'sigmoid' });
 * const fixed = dl.deepMlp({ depth: 20, activation: 'relu', init: 'he', batchNorm: true });
 * ```
 */
export function deepMlp(options: DeepMlpOptions = {}): TF.LayersModel {
  const depth = options.depth ?? 20;
  const width = options.width ?? 128;
  const activation = options.activation ?? 'relu';
  const rate = options.dropout ?? 0;
  const init = options.init ?? 'torch';
  const inputShape = options.inputShape ?? [28, 28, 1];
  const classes = options.classes ?? 10;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(depth) || depth < 2) throw new RangeError(`deepMlp: depth must be an integer ≥ 2 (dense layers, output included); got ${depth}.`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`deepMlp: width must be a positive integer; got ${width}.`);
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`deepMlp: dropout must be in [0, 1); got ${rate}.`);
  const prefix = uniqueName(options.name ?? `deep_mlp_${activation}`);
  const inputs = inputShape.reduce((a, b) => a * b, 1);

  const input = tf.input({ shape: inputShape, name: `${prefix}_input` });
  let h: TF.SymbolicTensor = inputShape.length > 1 ? tf.layers.flatten({ name: `${prefix}_flatten` }).apply(input) as TF.SymbolicTensor : input;
  const dense = (i: number, fanIn: number, units: number) => tf.layers.dense({
    units, name: `${prefix}_fc${i}`, ...layerInit(init, fanIn, units, seed + 10 * i),
  });
  for (let i = 1; i < depth; i++) {
    let f = dense(i, i === 1 ? inputs : width, width).apply(h) as TF.SymbolicTensor;
    if (options.batchNorm) f = new BatchNorm({ name: `${prefix}_bn${i}` }).apply(f) as TF.SymbolicTensor;
    f = hiddenActivation({ activation, activationOptions: options.activationOptions }, `${prefix}_act${i}`)!.apply(f) as TF.SymbolicTensor;
    if (rate > 0) f = new Dropout({ rate, seed: seed + 10 * i + 7, name: `${prefix}_drop${i}` }).apply(f) as TF.SymbolicTensor;
    h = options.residual && i > 1 ? tf.layers.add({ name: `${prefix}_add${i}` }).apply([h, f]) as TF.SymbolicTensor : f;
  }
  const out = dense(depth, width, classes).apply(h) as TF.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: prefix });
}

/** Names of a model's Dense layers in order (for a deepMlp: fc1 … fc<depth>, input side first). */
export function denseLayerNames(model: TF.LayersModel): string[] {
  return model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.name);
}
