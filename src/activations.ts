/**
 * Activation functions: each as an element-wise tensor function, its derivative (by autodiff) and a
 * serialisable layer, collected in one registry that notebooks can iterate over.
 */
import { tf } from './tf';
import type * as TF from '@tensorflow/tfjs';
import { fusedActivationOp } from './backend/kernels/activation-grads';
import { ElementwiseLayer } from './models/layers/elementwise';

/** Names of the activations the library knows. */
export type ActivationName =
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'prelu' | 'elu' | 'selu' | 'softplus'
  | 'swish' | 'silu' | 'mish' | 'gelu' | 'hardSigmoid' | 'linear';

/** Element-wise activation on a tensor. */
export type ActivationFn = (x: TF.Tensor) => TF.Tensor;

/** Options of the parametrised activations. */
export interface ActivationOptions {
  /** Slope for x < 0 (leakyRelu, default 0.01), saturation value (elu, default 1) or initial PReLU slope (default 0.25). */
  alpha?: number;
}

/** One entry of the activation registry. */
export interface ActivationInfo {
  /** Registry key, e.g. 'leakyRelu'. */
  name: ActivationName;
  /** Human label for legends and tables, e.g. 'Leaky ReLU'. */
  label: string;
  /** The formula as plain text. */
  formula: string;
  /** The formula as LaTeX (without surrounding $). */
  latex: string;
  /** Default value of α where the activation has one. */
  alpha?: number;
  /** Whether the layer has trainable parameters (PReLU). */
  learnable: boolean;
  /** The element-wise function (for PReLU: with α fixed at its initial value). */
  fn(x: TF.Tensor, options?: ActivationOptions): TF.Tensor;
  /** A layer applying the activation, for tf.sequential models. */
  layer(options?: ActivationOptions & { name?: string }): TF.layers.Layer;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

function eluWith(x: TF.Tensor, alpha: number): TF.Tensor {
  // relu(x) + α(e^min(x,0) − 1): no tf.where (its condition has no gradient in tfjs) and no exp
  // overflow for large x.
  return tf.tidy(() => tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1))));
}

function softplus(x: TF.Tensor): TF.Tensor {
  return tf.softplus(x);
}

/** `composite` as one kernel pass each way where the backend has one (wasm: TsdlActivation). */
function fused(kind: string, composite: (x: TF.Tensor, alpha: number) => TF.Tensor): (x: TF.Tensor, alpha: number) => TF.Tensor {
  return (x, alpha) => fusedActivationOp(tf, kind, x, alpha) ?? composite(x, alpha);
}

/** Element-wise implementations; `alpha` is only read by the parametrised ones. */
const impl: Record<ActivationName, (x: TF.Tensor, alpha: number) => TF.Tensor> = {
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  leakyRelu: (x, a) => tf.leakyRelu(x, a),
  prelu: (x, a) => tf.tidy(() => tf.prelu(x, tf.scalar(a))),
  elu: fused('elu', (x, a) => eluWith(x, a)),
  selu: fused('selu', (x) => tf.tidy(() => tf.mul(SELU_SCALE, eluWith(x, SELU_ALPHA)))),
  softplus: (x) => softplus(x),
  swish: fused('swish', (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)))),
  silu: fused('swish', (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)))),
  mish: fused('mish', (x) => tf.tidy(() => tf.mul(x, tf.tanh(softplus(x))))),
  gelu: fused('gelu', (x) => tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))))),
  // PyTorch's Hardsigmoid: relu6(x + 3) / 6.
  hardSigmoid: (x) => tf.tidy(() => tf.div(tf.clipByValue(tf.add(x, 3), 0, 6), 6)),
  linear: (x) => tf.clone(x),
};

const defaultAlpha: Partial<Record<ActivationName, number>> = { leakyRelu: 0.01, elu: 1, prelu: 0.25 };

/** Applies the named activation element-wise. */
export function activate(name: ActivationName, x: TF.Tensor, options: ActivationOptions = {}): TF.Tensor {
  const f = impl[name];
  if (!f) throw new Error(`Unknown activation '${name}'. Known: ${Object.keys(impl).join(', ')}.`);
  return f(x, options.alpha ?? defaultAlpha[name] ?? 0);
}

/** What every tsdl layer's config may carry besides its own fields (as tfjs layers take them). */
export interface LayerBaseArgs {
  name?: string;
  inputShape?: number[];
  trainable?: boolean;
}

/** Serialised config of {@link ActivationLayer}. */
export interface ActivationLayerArgs extends LayerBaseArgs {
  activation: ActivationName;
  alpha?: number;
}

/**
 * A layer applying one of the registry's fixed activations. Registered with tfjs serialization as
 * 'TsdlActivation' so models using it save and load again.
 */
export class ActivationLayer extends ElementwiseLayer {
  /** Name under which tfjs serialization knows the class. */
  static className = 'TsdlActivation';
  readonly activation: ActivationName;
  readonly alpha: number;

  constructor(args: ActivationLayerArgs) {
    super(args as never);
    if (!impl[args.activation]) throw new Error(`Unknown activation '${args.activation}'. Known: ${Object.keys(impl).join(', ')}.`);
    this.activation = args.activation;
    this.alpha = args.alpha ?? defaultAlpha[args.activation] ?? 0;
    this.supportsMasking = true;
  }

  protected applyTo(x: TF.Tensor): TF.Tensor {
    return impl[this.activation](x, this.alpha);
  }

  getConfig(): TF.serialization.ConfigDict {
    return { ...super.getConfig(), activation: this.activation, alpha: this.alpha };
  }
}

/** Serialised config of {@link PReLULayer}. */
export interface PReLULayerArgs extends LayerBaseArgs {
  /** Initial slope for x < 0 (PyTorch's default 0.25). */
  alpha?: number;
}

/**
 * PReLU with ONE learnable slope shared by every element, like PyTorch's `nn.PReLU()` default.
 * Registered as 'TsdlPReLU'.
 */
export class PReLULayer extends ElementwiseLayer {
  /** Name under which tfjs serialization knows the class. */
  static className = 'TsdlPReLU';
  readonly initialAlpha: number;
  private alphaWeight: TF.LayerVariable | null = null;

  constructor(args: PReLULayerArgs = {}) {
    super(args as never);
    this.initialAlpha = args.alpha ?? 0.25;
  }

  build(inputShape: TF.Shape | TF.Shape[]): void {
    this.alphaWeight = this.addWeight('alpha', [1], 'float32', tf.initializers.constant({ value: this.initialAlpha }));
    this.built = true;
    void inputShape;
  }

  protected applyTo(x: TF.Tensor): TF.Tensor {
    return tf.tidy(() => {
      const a = this.alphaWeight!.read();
      // relu(x) - α·relu(-x): plain ops, differentiable in α on every backend.
      return tf.sub(tf.relu(x), tf.mul(a, tf.relu(tf.neg(x))));
    });
  }

  getConfig(): TF.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.initialAlpha };
  }
}

tf.serialization.registerClass(ActivationLayer as never);
tf.serialization.registerClass(PReLULayer as never);

function entry(name: ActivationName, label: string, formula: string, latex: string): ActivationInfo {
  const alpha = defaultAlpha[name];
  const info: ActivationInfo = {
    name, label, formula, latex, learnable: name === 'prelu',
    fn: (x, options) => activate(name, x, options),
    layer: (options = {}) => activationLayer(name, options),
  };
  if (alpha !== undefined) info.alpha = alpha;
  return info;
}

/** Every activation, in the order the tutorials introduce them. */
export const ACTIVATIONS: ActivationInfo[] = [
  entry('sigmoid', 'Sigmoid', 'σ(x) = 1 / (1 + e^(−x))', '\\sigma(x) = \\frac{1}{1 + e^{-x}}'),
  entry('tanh', 'Tanh', 'tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))', '\\tanh(x) = \\frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}'),
  entry('relu', 'ReLU', 'ReLU(x) = max(0, x)', '\\mathrm{ReLU}(x) = \\max(0, x)'),
  entry('leakyRelu', 'Leaky ReLU', 'LeakyReLU(x) = x if x > 0 else αx (α = 0.01)', '\\mathrm{LeakyReLU}(x) = \\begin{cases} x & x > 0 \\\\ \\alpha x & x \\le 0 \\end{cases}'),
  entry('prelu', 'PReLU', 'PReLU(x) = x if x > 0 else αx, α learned (init 0.25)', '\\mathrm{PReLU}(x) = \\begin{cases} x & x > 0 \\\\ a x & x \\le 0 \\end{cases},\\ a \\text{ learned}'),
  entry('elu', 'ELU', 'ELU(x) = x if x > 0 else α(e^x − 1) (α = 1)', '\\mathrm{ELU}(x) = \\begin{cases} x & x > 0 \\\\ \\alpha (e^{x} - 1) & x \\le 0 \\end{cases}'),
  entry('selu', 'SELU', 'SELU(x) = λ·ELU_α(x), λ ≈ 1.0507, α ≈ 1.6733', '\\mathrm{SELU}(x) = \\lambda \\begin{cases} x & x > 0 \\\\ \\alpha (e^{x} - 1) & x \\le 0 \\end{cases}'),
  entry('softplus', 'Softplus', 'softplus(x) = ln(1 + e^x)', '\\mathrm{softplus}(x) = \\ln(1 + e^{x})'),
  entry('swish', 'Swish', 'swish(x) = x·σ(x)', '\\mathrm{swish}(x) = x \\, \\sigma(x)'),
  entry('silu', 'SiLU', 'SiLU(x) = x·σ(x) (Swish with β = 1)', '\\mathrm{SiLU}(x) = x \\, \\sigma(x)'),
  entry('mish', 'Mish', 'mish(x) = x·tanh(softplus(x))', '\\mathrm{mish}(x) = x \\tanh(\\ln(1 + e^{x}))'),
  entry('gelu', 'GELU', 'GELU(x) = x·Φ(x) = x/2·(1 + erf(x/√2))', '\\mathrm{GELU}(x) = x \\, \\Phi(x) = \\frac{x}{2}\\left(1 + \\mathrm{erf}\\left(\\frac{x}{\\sqrt{2}}\\right)\\right)'),
  entry('hardSigmoid', 'Hard Sigmoid', 'hardsigmoid(x) = min(max((x + 3)/6, 0), 1)', '\\mathrm{hardsigmoid}(x) = \\min\\left(\\max\\left(\\frac{x + 3}{6}, 0\\right), 1\\right)'),
  entry('linear', 'Linear (none)', 'f(x) = x', 'f(x) = x'),
];

/** The registry keyed by name. */
export const activations: Record<ActivationName, ActivationInfo> =
  Object.fromEntries(ACTIVATIONS.map((a) => [a.name, a])) as Record<ActivationName, ActivationInfo>;

/** Looks an activation up by name, with an error listing the known names. */
export function getActivation(name: string): ActivationInfo {
  const a = (activations as Record<string, ActivationInfo>)[name];
  if (!a) throw new Error(`Unknown activation '${name}'. Known: ${ACTIVATIONS.map((x) => x.name).join(', ')}.`);
  return a;
}

/** A layer for the named activation: PReLU gets its learnable layer, the rest an {@link ActivationLayer}. */
export function activationLayer(name: ActivationName, options: ActivationOptions & { name?: string } = {}): TF.layers.Layer {
  getActivation(name);
  if (name === 'prelu') return new PReLULayer({ alpha: options.alpha, name: options.name });
  const args: ActivationLayerArgs = { activation: name };
  if (options.alpha !== undefined) args.alpha = options.alpha;
  if (options.name !== undefined) args.name = options.name;
  return new ActivationLayer(args);
}

/** The derivative of an activation, by autodiff (`tf.grad`), element-wise. */
export function derivative(name: ActivationName | ActivationFn, options: ActivationOptions = {}): ActivationFn {
  const f: ActivationFn = typeof name === 'function' ? name : (x) => activate(name, x, options);
  return tf.grad((x: TF.Tensor) => f(x)) as ActivationFn;
}

/** Evaluates f and f′ on plain numbers (for charts and tables); no tensors are left behind. */
export function evaluateCurve(name: ActivationName, xs: number[], options: ActivationOptions = {}): { x: number[]; y: number[]; dy: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor1d(xs);
    const y = Array.from(activate(name, x, options).dataSync());
    const dy = Array.from(derivative(name, options)(x).dataSync());
    return { x: xs.slice(), y, dy };
  });
}

/** `n` evenly spaced numbers from `a` to `b` inclusive. */
export function linspace(a: number, b: number, n: number): number[] {
  if (n < 2) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}
