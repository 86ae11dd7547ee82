/**
 * Which models the fused train step can run, and how: a model that is a chain of Dense, Conv2D,
 * MaxPooling2D 2×2, Flatten and element-wise activation layers becomes a list of stages, each a
 * few BLAS/SIMD calls on the wasm heap (step.ts). Activations join the stage before them (bias and
 * activation after a product in one pass, saving the derivative for the backward), or the max-pool
 * after them (one pass: activation, pooling, and what the backward needs). Anything else — other
 * layers, activations without a SIMD form, a model that is not a chain — gives the reason instead,
 * and the step runs through tfjs as before.
 */
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../tf';
import { ACT } from '../../backend/simd/index';
import { chainOf, variableOf } from '../fast-forward';

/** An activation as the SIMD kernels know it. */
export interface ActSpec { kind: number; alpha: number }

/** A weight of a stage and its place in the step's list of trainable variables (-1: frozen). */
export interface Param { variable: TF.LayerVariable; index: number; size: number }

export interface ConvGeometry {
  inH: number; inW: number; inC: number; kh: number; kw: number; sh: number; sw: number;
  top: number; left: number; outH: number; outW: number; outC: number;
}

export type Stage =
  | { op: 'dense'; name: string; inF: number; outF: number; kernel: Param; bias: Param | null; act: ActSpec | null }
  /**
   * A convolution; with `pool`, directly followed by a 2×2 max-pool that applies `pool` (the
   * activation between them) first: then the two run image block by image block, in cache.
   */
  | { op: 'conv'; name: string; g: ConvGeometry; kernel: Param; bias: Param | null; act: ActSpec | null; pool?: ActSpec }
  /** Activation (linear when none) then 2×2 stride-2 max-pool of an [h, w, c] input. */
  | { op: 'pool'; name: string; h: number; w: number; c: number; act: ActSpec }
  | { op: 'act'; name: string; size: number; act: ActSpec };

export interface Plan {
  stages: Stage[];
  /** Per-sample input size (floats) and the logits' width. */
  inSize: number;
  classes: number;
}

const LINEAR: ActSpec = { kind: ACT.linear, alpha: 0 };

/** Choices of the planner (the bench compares them). */
export const planOptions = { convPool: true };

/** Activations by the names tfjs-layers serialises (Dense/Conv2D `activation`, the Activation layer). */
function kerasActivation(name: unknown): ActSpec | null {
  switch (name ?? 'linear') {
    case 'linear': return LINEAR;
    case 'relu': return { kind: ACT.relu, alpha: 0 };
    case 'relu6': return { kind: ACT.relu6, alpha: 0 };
    case 'sigmoid': return { kind: ACT.sigmoid, alpha: 0 };
    case 'tanh': return { kind: ACT.tanh, alpha: 0 };
    case 'elu': return { kind: ACT.elu, alpha: 1 };
    case 'selu': return { kind: ACT.selu, alpha: 0 };
    default: return null;
  }
}

/** tsdl's TsdlActivation names (src/activations.ts) with a SIMD form. */
const TSDL_KINDS: Record<string, number> = {
  linear: ACT.linear, relu: ACT.relu, leakyRelu: ACT.leakyRelu, elu: ACT.elu, selu: ACT.selu, swish: ACT.swish,
  silu: ACT.swish, mish: ACT.mish, gelu: ACT.gelu, tanh: ACT.tanh, sigmoid: ACT.sigmoid,
};

/** The activation an element-wise layer applies, undefined when the layer is not one, null when it has no SIMD form. */
function activationLayer(layer: TF.layers.Layer): ActSpec | null | undefined {
  const cfg = layer.getConfig() as Record<string, unknown>;
  switch (layer.getClassName()) {
    case 'ReLU':
      if (cfg.maxValue == null) return { kind: ACT.relu, alpha: 0 };
      return cfg.maxValue === 6 ? { kind: ACT.relu6, alpha: 0 } : null;
    case 'LeakyReLU':
      return typeof cfg.alpha === 'number' ? { kind: ACT.leakyRelu, alpha: cfg.alpha } : null;
    case 'ELU':
      return { kind: ACT.elu, alpha: typeof cfg.alpha === 'number' ? cfg.alpha : 1 };
    case 'Activation':
      return kerasActivation(cfg.activation);
    case 'TsdlActivation': {
      const kind = TSDL_KINDS[String(cfg.activation)];
      return kind === undefined ? null : { kind, alpha: typeof cfg.alpha === 'number' ? cfg.alpha : 0 };
    }
    default:
      return undefined;
  }
}

interface Weighted { kernel?: TF.LayerVariable; bias?: TF.LayerVariable | null }

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v as number, v as number]);
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The stages for `model` on samples of `sampleShape`, updating `vars` (the step's trainable
 * variables, in the optimizer's order), or why the model has no fused form.
 */
export function planFor(model: TF.LayersModel, vars: TF.Variable[], sampleShape: number[]): Plan | { why: string } {
  const layers = chainOf(model);
  if (!layers) return { why: 'the model is not a single chain of layers' };
  const stages: Stage[] = [];
  const covered = new Set<TF.Variable>();
  const param = (w: TF.LayerVariable | null | undefined): Param | null => {
    if (!w) return null;
    const v = variableOf(w);
    covered.add(v);
    return { variable: w, index: vars.indexOf(v), size: size(v.shape) };
  };
  let shape = [...sampleShape];
  for (const layer of layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const name = layer.name;
    const last = stages[stages.length - 1];
    const act = activationLayer(layer);
    if (act === null) return { why: `layer ${name} (${cls}, ${String(cfg.activation ?? '')}) has no fused activation` };
    if (act) {
      if (act.kind === ACT.linear) continue;
      if (last && (last.op === 'dense' || (last.op === 'conv' && !last.pool)) && !last.act) last.act = act;
      else stages.push({ op: 'act', name, size: size(shape), act });
      continue;
    }
    const l = layer as unknown as Weighted;
    switch (cls) {
      case 'Flatten':
        if (cfg.dataFormat === 'channelsFirst' && shape.length > 1) return { why: `layer ${name} flattens channels-first` };
        shape = [size(shape)];
        break;
      case 'Dense': {
        const a = kerasActivation(cfg.activation);
        const kernel = param(l.kernel);
        if (!a || !kernel) return { why: `layer ${name} (Dense, activation ${String(cfg.activation)}) has no fused form` };
        const [inF, outF] = kernel.variable.shape as number[];
        if (shape.length !== 1 || shape[0] !== inF) return { why: `layer ${name} (Dense) gets input [${shape}], not [${inF}]` };
        stages.push({ op: 'dense', name, inF, outF, kernel, bias: param(l.bias), act: a.kind === ACT.linear ? null : a });
        shape = [outF];
        break;
      }
      case 'Conv2D': {
        const a = kerasActivation(cfg.activation);
        const kernel = param(l.kernel);
        const [dh, dw] = pair(cfg.dilationRate ?? 1);
        if (!a || !kernel || (cfg.dataFormat ?? 'channelsLast') !== 'channelsLast' || dh !== 1 || dw !== 1 || shape.length !== 3) {
          return { why: `layer ${name} (Conv2D: channels-last, no dilation, activation ${String(cfg.activation)}) has no fused form` };
        }
        const [kh, kw, cin, cout] = kernel.variable.shape as number[];
        if (cin !== shape[2]) return { why: `layer ${name} (Conv2D) gets ${shape[2]} channels, its kernel ${cin}` };
        const [sh, sw] = pair(cfg.strides ?? 1);
        const pad = cfg.padding as string;
        if (pad !== 'same' && pad !== 'valid') return { why: `layer ${name} (Conv2D) pads '${pad}'` };
        const info = tf.backend_util.computeConv2DInfo([1, shape[0], shape[1], cin], [kh, kw, cin, cout], [sh, sw], 1, pad, undefined, false, 'channelsLast');
        const { outHeight: outH, outWidth: outW } = info;
        const { top, left } = info.padInfo;
        const [h, w] = shape;
        if (outH <= 0 || outW <= 0) return { why: `layer ${name} (Conv2D) has an empty output` };
        stages.push({ op: 'conv', name, g: { inH: h, inW: w, inC: cin, kh, kw, sh, sw, top, left, outH, outW, outC: cout }, kernel, bias: param(l.bias), act: a.kind === ACT.linear ? null : a });
        shape = [outH, outW, cout];
        break;
      }
      case 'MaxPooling2D': {
        const [ph, pw] = pair(cfg.poolSize);
        const [sh, sw] = pair(cfg.strides ?? cfg.poolSize);
        const pad = cfg.padding ?? 'valid';
        if (shape.length !== 3 || ph !== 2 || pw !== 2 || sh !== 2 || sw !== 2 || (cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') {
          return { why: `layer ${name} (MaxPooling2D) is not a 2×2, stride-2, channels-last pool` };
        }
        const [h, w, c] = shape;
        if (pad !== 'valid' && !(pad === 'same' && h % 2 === 0 && w % 2 === 0)) return { why: `layer ${name} (MaxPooling2D) pads an odd size` };
        // The activation just before the pool runs inside it.
        let pact = LINEAR;
        if (last && last.op === 'act') {
          pact = last.act;
          stages.pop();
        } else if (last && (last.op === 'dense' || (last.op === 'conv' && !last.pool)) && last.act) {
          pact = last.act;
          last.act = null;
        }
        const conv = stages[stages.length - 1];
        if (planOptions.convPool && conv && conv.op === 'conv' && !conv.act && !conv.pool) conv.pool = pact;
        else stages.push({ op: 'pool', name, h, w, c, act: pact });
        shape = [Math.floor(h / 2), Math.floor(w / 2), c];
        break;
      }
      default:
        return { why: `layer ${name} (${cls}) has no fused form` };
    }
  }
  if (shape.length !== 1) return { why: `the model's output per sample is [${shape}], not a vector of logits` };
  const missing = vars.filter((v) => !covered.has(v));
  if (missing.length) return { why: `the fused stages do not cover variable ${missing[0].name}` };
  if (!stages.some((s) => s.op === 'dense' || s.op === 'conv')) return { why: 'the model has no Dense or Conv2D layer' };
  return { stages, inSize: size(sampleShape), classes: shape[0] };
}
