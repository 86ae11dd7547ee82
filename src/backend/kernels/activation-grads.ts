/**
 * Activations and their gradients on wasm as single SIMD passes (tsdl's SIMD module, kernels.c).
 *
 * - tfjs composes the ReLU/LeakyReLU gradients from 3-4 kernels (Step/Greater, Cast, Multiply,
 *   Select), each a full pass with an intermediate tensor; Tanh's and Sigmoid's from three
 *   (Square/Sub/Multiply). Here each gradient is one pass, re-registered for wasm only.
 * - Stock wasm's Tanh is a scalar libm loop ~10× slower than its Sigmoid; replaced.
 * - `TsdlActivation` computes swish, mish, GELU, ELU, SELU (and the rest) in one pass forward and
 *   one backward, instead of 3-6 kernels each way; src/activations.ts uses it where registered.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';
import { ACT, type ActKind } from '../simd/index';
import { offsetOf, simd } from './heap';
import type { KernelArgs, WasmKernelFunc } from './wasm-util';

export const RELU_GRAD = 'TsdlReluGrad';
export const LEAKY_RELU_GRAD = 'TsdlLeakyReluGrad';
export const TANH_GRAD = 'TsdlTanhGrad';
export const SIGMOID_GRAD = 'TsdlSigmoidGrad';
/** One-pass activation: inputs {x}, attrs {activation: ActKind, alpha}. */
export const FUSED_ACTIVATION = 'TsdlActivation';
export const FUSED_ACTIVATION_GRAD = 'TsdlActivationGrad';

/** Activations `TsdlActivation` computes (names as in src/activations.ts). */
export const FUSED_ACTIVATIONS: readonly ActKind[] = ['relu', 'leakyRelu', 'elu', 'selu', 'swish', 'mish', 'gelu', 'tanh', 'sigmoid'];

function kindOf(name: unknown): number {
  const k = ACT[name as ActKind];
  if (k === undefined) throw new Error(`tsdl ${FUSED_ACTIVATION}: unknown activation '${String(name)}'; known: ${FUSED_ACTIVATIONS.join(', ')}.`);
  return k;
}

/** y = f(x) for a float32 x, one pass. */
function forward(kind: number, alpha: (attrs: Record<string, unknown>) => number): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x } = inputs;
    const out = backend.makeOutput(x.shape, 'float32');
    simd(backend).act_forward(kind, offsetOf(backend, x), offsetOf(backend, out), out.shape.reduce((a, b) => a * b, 1), alpha(attrs));
    return out;
  };
}

/** dx = dy · f'(x), one pass (the ReLU/leaky kernels read the sign of x or of y alike). */
function backward(kind: number, alpha: (attrs: Record<string, unknown>) => number): WasmKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, x } = inputs;
    const out = backend.makeOutput(x.shape, 'float32');
    simd(backend).act_backward(kind, offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), out.shape.reduce((a, b) => a * b, 1), alpha(attrs));
    return out;
  };
}

/** Gradient from the saved output y (Tanh, Sigmoid). */
function fromOutput(which: 'tanh_grad_from_y' | 'sigmoid_grad_from_y'): WasmKernelFunc {
  return ({ inputs, backend }: KernelArgs) => {
    const { dy, y } = inputs;
    const out = backend.makeOutput(y.shape, 'float32');
    simd(backend)[which](offsetOf(backend, y), offsetOf(backend, dy), offsetOf(backend, out), out.shape.reduce((a, b) => a * b, 1));
    return out;
  };
}

const attrAlpha = (attrs: Record<string, unknown>) => (typeof attrs.alpha === 'number' ? attrs.alpha : 0);
const none = () => 0;

export const reluGrad = (): WasmKernelFunc => backward(ACT.relu, none);
export const leakyReluGrad = (): WasmKernelFunc => backward(ACT.leakyRelu, attrAlpha);
export const leakyRelu = (): WasmKernelFunc => forward(ACT.leakyRelu, attrAlpha);
export const tanh = (): WasmKernelFunc => forward(ACT.tanh, none);
export const tanhGrad = (): WasmKernelFunc => fromOutput('tanh_grad_from_y');
export const sigmoidGrad = (): WasmKernelFunc => fromOutput('sigmoid_grad_from_y');

export function fusedActivation(): WasmKernelFunc {
  return (args: KernelArgs) => forward(kindOf(args.attrs.activation), attrAlpha)(args);
}
export function fusedActivationGrad(): WasmKernelFunc {
  return (args: KernelArgs) => backward(kindOf(args.attrs.activation), attrAlpha)(args);
}

const onWasm = (tf: Tf, ...ts: TF.Tensor[]) => tf.getBackend() === 'wasm' && ts.every((t) => t.dtype === 'float32');

/**
 * Re-registers the Relu/LeakyRelu/Tanh/Sigmoid gradients so that on wasm they run the one-pass
 * kernels (other backends keep tfjs's formulas), and registers TsdlActivation's gradient.
 */
export function registerActivationGradients(tf: Tf): void {
  const rewire = (kernelName: string, gradKernel: string, save: 'x' | 'y') => {
    const stock = tf.getGradient(kernelName);
    if (!stock || (stock as { tsdl?: boolean }).tsdl) return;
    const config: TF.GradConfig & { tsdl: boolean } = {
      kernelName,
      ...(save === 'x' ? { inputsToSave: ['x'] } : { outputsToSave: [true] }),
      tsdl: true,
      gradFunc: (dy, saved, attrs) => {
        const [s] = saved;
        if (!onWasm(tf, s, dy as TF.Tensor)) return stock.gradFunc(dy, saved, attrs);
        const inputs: TF.NamedTensorMap = save === 'x' ? { dy: dy as TF.Tensor, x: s } : { dy: dy as TF.Tensor, y: s };
        return { x: () => tf.engine().runKernel(gradKernel, inputs, (attrs ?? {}) as TF.NamedAttrMap) as TF.Tensor };
      },
    };
    tf.registerGradient(config);
  };
  rewire('Relu', RELU_GRAD, 'x');
  rewire('LeakyRelu', LEAKY_RELU_GRAD, 'x');
  rewire('Tanh', TANH_GRAD, 'y');
  rewire('Sigmoid', SIGMOID_GRAD, 'y');
  if (!tf.getGradient(FUSED_ACTIVATION)) {
    tf.registerGradient({
      kernelName: FUSED_ACTIVATION,
      inputsToSave: ['x'],
      gradFunc: (dy, [x], attrs) => ({
        x: () => tf.engine().runKernel(FUSED_ACTIVATION_GRAD, { dy: dy as TF.Tensor, x }, (attrs ?? {}) as TF.NamedAttrMap) as TF.Tensor,
      }),
    });
  }
}

/**
 * f(x) through TsdlActivation when the active backend has it (wasm, float32), else null (the
 * caller composes f from tfjs ops). For src/activations.ts.
 */
export function fusedActivationOp(tf: Tf, name: string, x: TF.Tensor, alpha = 0): TF.Tensor | null {
  if (x.dtype !== 'float32' || !(FUSED_ACTIVATIONS as readonly string[]).includes(name)) return null;
  if (!tf.getKernel(FUSED_ACTIVATION, tf.getBackend())) return null;
  return tf.engine().runKernel(FUSED_ACTIVATION, { x }, { activation: name, alpha } as unknown as TF.NamedAttrMap) as TF.Tensor;
}
