/**
 * The forward pass the train step records gradients through (see train-step.ts).
 *
 * Fast path, for models that are a chain of layers whose first weighted layer is Dense or Conv2D:
 * - tfjs-layers runs Dense/Conv2D through fused ops whose custom gradient always computes the
 *   gradient with respect to the layer input; for the first layer that input is the batch of
 *   images and nothing uses it (a full Conv2DBackpropInput or X·Wᵀ per step). The step applies
 *   that layer with its own gradient, which skips it.
 * - A monotone activation (ReLU, leaky ReLU, sigmoid, tanh, ...) directly before a max-pool runs
 *   after it instead: the same values and gradients on a quarter of the elements.
 * - A ReLU/LeakyReLU still right after that layer (or as its own activation) joins the same op
 *   (ReLU fused into the kernel), saving passes and saved tensors; its gradient uses the output's sign.
 * Every other layer runs through its own `apply`. Other models use `model.apply` throughout.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD, RELU_GRAD } from '../backend/kernels/activation-grads';
import { CONV2D_FILTER_BIAS_GRAD } from '../backend/kernels/conv2d-backprop-filter';

/** A forward pass from inputs to the model's output (logits). */
export type Forward = (x: TF.Tensor) => TF.Tensor;
type CustomFunc = Parameters<typeof tf.customGrad>[0];

/** The tfjs-layers internals the fast path reads (stable across tfjs 4.x). */
interface WeightedLayer {
  kernel?: { read(): TF.Tensor };
  bias?: { read(): TF.Tensor } | null;
  activation?: { apply(x: TF.Tensor): TF.Tensor; getClassName?(): string };
}

/** A rectifier fused into the first layer: y = x > 0 ? x : alpha·x (alpha 0 for ReLU). */
interface Rectifier { alpha: number }

/** The tfjs Variable behind a layers weight. */
export function variableOf(w: TF.LayerVariable): TF.Variable {
  return (w as unknown as { val: TF.Variable }).val;
}

/** Layers of a model that is a simple chain (each layer's only input is the previous layer), else null. */
export function chainOf(model: TF.LayersModel): TF.layers.Layer[] | null {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || layers.length === 0) return null;
  for (let i = 0; i < layers.length; i++) {
    const nodes = (layers[i] as unknown as { inboundNodes: { inboundLayers: TF.layers.Layer[] }[] }).inboundNodes;
    if (!nodes || nodes.length !== 1) return null;
    const from = nodes[0].inboundLayers;
    if (i === 0 ? from.length > 1 || (from.length === 1 && from[0].getClassName() !== 'InputLayer') : from.length !== 1 || from[0] !== layers[i - 1]) {
      return null;
    }
  }
  return layers;
}

/** The rectifier a layer applies, if it is only that: builtin ReLU/LeakyReLU/Activation('relu') or tsdl's. */
function rectifierLayer(layer: TF.layers.Layer | undefined): Rectifier | null {
  if (!layer) return null;
  const cfg = layer.getConfig() as Record<string, unknown>;
  switch (layer.getClassName()) {
    case 'ReLU':
      return cfg.maxValue == null ? { alpha: 0 } : null;
    case 'LeakyReLU':
      return typeof cfg.alpha === 'number' && cfg.alpha > 0 && cfg.alpha < 1 ? { alpha: cfg.alpha } : null;
    case 'Activation':
      return cfg.activation === 'relu' ? { alpha: 0 } : null;
    case 'TsdlActivation':
      if (cfg.activation === 'relu') return { alpha: 0 };
      return cfg.activation === 'leakyRelu' && typeof cfg.alpha === 'number' && cfg.alpha > 0 && cfg.alpha < 1 ? { alpha: cfg.alpha } : null;
    default:
      return null;
  }
}

/** dL/d(pre-activation) from dL/dy and the rectifier's output y (same sign as its input for alpha ≥ 0). */
function rectifierGrad(dy: TF.Tensor, y: TF.Tensor, r: Rectifier): TF.Tensor {
  if (tf.getBackend() === 'wasm' && dy.dtype === 'float32') {
    const kernel = r.alpha === 0 ? RELU_GRAD : LEAKY_RELU_GRAD;
    return tf.engine().runKernel(kernel, { dy, x: y }, { alpha: r.alpha } as unknown as TF.NamedAttrMap) as TF.Tensor;
  }
  const pos = tf.greater(y, 0);
  return r.alpha === 0 ? tf.where(pos, dy, tf.zerosLike(dy)) : tf.where(pos, dy, tf.mul(dy, r.alpha));
}

/**
 * The activation to fuse into the kernel, and the rectifier to apply after it: on wasm only ReLU is
 * fused (XNNPACK clamps in the GEMM); wasm's fused leaky ReLU is a slow scalar pass, slower than
 * tsdl's LeakyRelu kernel after a linear op.
 */
function fusedActivation(r: Rectifier | null): { attrs: { activation: 'linear' | 'relu' | 'leakyrelu'; leakyreluAlpha?: number }; after: Rectifier | null } {
  if (!r) return { attrs: { activation: 'linear' }, after: null };
  if (r.alpha === 0) return { attrs: { activation: 'relu' }, after: null };
  if (tf.getBackend() === 'wasm') return { attrs: { activation: 'linear' }, after: r };
  return { attrs: { activation: 'leakyrelu', leakyreluAlpha: r.alpha }, after: null };
}

function rectify(y: TF.Tensor, r: Rectifier | null): TF.Tensor {
  return r ? tf.leakyRelu(y, r.alpha) : y;
}

/**
 * Dense/Conv2D applied to a tensor that needs no gradient (the input batch), optionally with a
 * rectifier fused in: one fused op forward; backward gives the kernel and bias gradients and a zero
 * input gradient (a cheap fill) instead of a full backprop. Null when the layer is not supported.
 */
function firstLayer(layer: TF.layers.Layer, rect: Rectifier | null): Forward | null {
  const l = layer as unknown as WeightedLayer;
  const cfg = layer.getConfig();
  if (!l.kernel || !l.activation) return null;
  const kernel = l.kernel;
  const bias = l.bias ?? null;
  // The layer's own activation: applied after, unless it is the fused rectifier or linear.
  const ownRect = cfg.activation === 'relu' ? { alpha: 0 } : null;
  const fused = rect ?? ownRect;
  const after = ownRect || cfg.activation === 'linear' ? null : l.activation;
  if (rect && cfg.activation !== 'linear') return null; // a rectifier after a non-linear layer: don't fuse
  const float = (x: TF.Tensor) => (x.dtype === 'float32' ? x : tf.cast(x, 'float32'));
  const finish = (y: TF.Tensor) => (after ? after.apply(y) : y);

  type Grads = (x: TF.Tensor, dy: TF.Tensor, w: TF.Tensor, withBias: boolean) => TF.Tensor[];
  const custom = (forward: (x: TF.Tensor, w: TF.Tensor, b: TF.Tensor | undefined) => TF.Tensor, weightGrads: Grads) =>
    tf.customGrad(((...args: unknown[]) => {
      // customGrad passes (...inputs, save): the bias is absent for layers without one.
      const save = args.pop() as TF.GradSaveFunc;
      const [x, w, b] = args as [TF.Tensor, TF.Tensor, TF.Tensor | undefined];
      const y = forward(x, w, b);
      save([x, y]);
      return {
        value: y,
        gradFunc: (dy: TF.Tensor, [xs, ys]: TF.Tensor[]) => {
          const g = fused ? rectifierGrad(dy, ys, fused) : dy;
          return [tf.zerosLike(xs), ...weightGrads(xs, g, w, b !== undefined)];
        },
      };
    }) as unknown as CustomFunc) as unknown as (...args: TF.Tensor[]) => TF.Tensor;

  const call = (op: (...args: TF.Tensor[]) => TF.Tensor) => (x: TF.Tensor) => {
    const args = [float(x), kernel.read()];
    if (bias) args.push(bias.read());
    return finish(op(...args));
  };

  if (layer.getClassName() === 'Dense') {
    const op = custom(
      // The kernels directly: tfjs's fused ops fall back to separate ops while recording gradients.
      (x, w, b) => {
        const inputs: TF.NamedTensorMap = { a: tf.reshape(x, [1, ...x.shape]), b: tf.reshape(w, [1, ...w.shape]) };
        if (b) inputs.bias = b;
        const act = fusedActivation(fused);
        const y = tf.engine().runKernel('_FusedMatMul', inputs, {
          transposeA: false, transposeB: false, ...act.attrs,
        } as unknown as TF.NamedAttrMap) as TF.Tensor;
        return rectify(tf.reshape(y, [x.shape[0], w.shape[1] as number]), act.after);
      },
      (x, dy, _w, withBias) => (withBias ? [tf.matMul(x, dy, true, false), tf.sum(dy, 0)] : [tf.matMul(x, dy, true, false)]),
    );
    const run = call(op);
    return (x) => (x.rank === 2 ? run(x) : (layer.apply(x) as TF.Tensor));
  }
  const dilation = cfg.dilationRate as number | [number, number];
  const dilated = Array.isArray(dilation) ? dilation.some((d) => d !== 1) : dilation !== 1;
  if (layer.getClassName() === 'Conv2D' && (cfg.dataFormat ?? 'channelsLast') === 'channelsLast' && !dilated) {
    const strides = cfg.strides as [number, number];
    const pad = cfg.padding as 'same' | 'valid';
    const op = custom(
      (x, w, b) => {
        const inputs: TF.NamedTensorMap = { x, filter: w };
        if (b) inputs.bias = b;
        const act = fusedActivation(fused);
        return rectify(tf.engine().runKernel('FusedConv2D', inputs, {
          strides, pad, dataFormat: 'NHWC', dilations: [1, 1], ...act.attrs,
        } as unknown as TF.NamedAttrMap) as TF.Tensor, act.after);
      },
      (x, dy, w, withBias) => {
        const attrs = { strides, pad, dataFormat: 'NHWC', filterShape: w.shape } as unknown as TF.NamedAttrMap;
        // On wasm one GEMM gives both (see conv2d-backprop-filter.ts).
        if (withBias && tf.getBackend() === 'wasm') return tf.engine().runKernel(CONV2D_FILTER_BIAS_GRAD, { x, dy }, attrs) as TF.Tensor[];
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as TF.Tensor;
        return withBias ? [dw, tf.sum(dy, [0, 1, 2])] : [dw];
      },
    );
    return call(op);
  }
  return null;
}

const MONOTONE_TSDL = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'selu', 'softplus', 'hardSigmoid', 'linear'];
const MONOTONE_KERAS = ['sigmoid', 'tanh', 'relu', 'relu6', 'elu', 'selu', 'softplus', 'hardSigmoid', 'linear'];

/**
 * Whether a layer only applies a non-decreasing element-wise function. Then max-pooling commutes
 * with it, values and gradients alike (the pooled cell is the same; where a flat region makes
 * cells tie, the slope there is 0 either way), so it can run after the pool on 4× fewer values.
 */
function monotoneLayer(layer: TF.layers.Layer | undefined): boolean {
  if (!layer) return false;
  const cfg = layer.getConfig() as Record<string, unknown>;
  const alphaOk = cfg.alpha === undefined || (typeof cfg.alpha === 'number' && cfg.alpha >= 0);
  switch (layer.getClassName()) {
    case 'ReLU':
      return true;
    case 'LeakyReLU':
    case 'ELU':
      return alphaOk;
    case 'Activation':
      return MONOTONE_KERAS.includes(String(cfg.activation));
    case 'TsdlActivation':
      return MONOTONE_TSDL.includes(String(cfg.activation)) && alphaOk;
    default:
      return false;
  }
}

/** Forward pass for chains whose first weighted layer can run the fast way; null means use model.apply. */
export function fastForward(model: TF.LayersModel): Forward | null {
  const layers = chainOf(model);
  if (!layers) return null;
  const first = layers.findIndex((l) => l.trainableWeights.length > 0);
  if (first < 0) return null;
  // Order of application: a monotone activation directly before a max-pool runs after it.
  const order = layers.map((_, i) => i);
  for (let i = 0; i + 1 < order.length; i++) {
    if (monotoneLayer(layers[order[i]]) && layers[order[i + 1]].getClassName() === 'MaxPooling2D') {
      [order[i], order[i + 1]] = [order[i + 1], order[i]];
      i++;
    }
  }
  // A rectifier that still directly follows the first layer joins its op.
  const nextAt = order.indexOf(first) + 1;
  const next = nextAt < order.length ? rectifierLayer(layers[order[nextAt]]) : null;
  const fusedNext = next ? firstLayer(layers[first], next) : null;
  const fast = fusedNext ?? firstLayer(layers[first], null);
  if (!fast) return null;
  if (fusedNext) order.splice(nextAt, 1);
  return (x) => {
    let h = x;
    for (const i of order) h = i === first ? fast(h) : (layers[i].apply(h, { training: true }) as TF.Tensor);
    return h;
  };
}
