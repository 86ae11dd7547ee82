/**
 * The fused train step: forward, softmax cross-entropy, backward and the optimizer update of a
 * planned model (plan.ts) as BLAS products and SIMD passes directly on the wasm heap, with the
 * weights and optimizer state updated in place — no tfjs kernels, tape or intermediate tensors,
 * whose bookkeeping (~10-20 µs per kernel, ~70 kernels) cost more than the MLP's products.
 *
 * Same arithmetic as the tfjs path (the same SIMD activation code, products through the same BLAS,
 * tfjs's update rules), so the numbers agree within float rounding; tests/backend/fused-step.test.ts
 * checks losses, weights and optimizer state against it. Per call it returns null when the input
 * does not fit (another backend, dtype or shape); the caller then runs the tfjs step.
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import { loadBlas, type Blas } from '../../backend/blas/provider';
import type { WasmBackend } from '../../backend/kernels/wasm-util';
import { variableOf } from '../fast-forward';
import type { LogitsLossSpec } from '../loss-spec';
import type { GradientHook, Gradients } from '../train-step';
import { heapOfBackend, ownedOffset, type Heap } from './heap';
import { fusedUpdate, type FusedUpdate } from './optimizers';
import { directCalls } from '../../backend/helper/calls';
import { parallelFor } from '../../backend/helper/helper';
import { planFor, type Param, type Plan } from './plan';
import { Layout, stageRun, type StageContext, type StageRun, type Weights } from './stages';

/** Why a model cannot take the fused step, or the step. */
export type FusedStepResult = { step: FusedStep; why?: undefined } | { step?: undefined; why: string };

/** `(x, y) => loss`, or null when this call's inputs need the tfjs step. */
export type FusedStep = (x: TF.Tensor, y: TF.Tensor) => TF.Scalar | null;

/** Labels: class indices [B] (int32, or float32 truncated as tfjs's toInt does) or one-hot/soft rows [B, K]. */
type Labels = { offset: number; indices: 'int32' | 'float32' } | { offset: number; rows: true };

function labelsOf(heap: Heap, y: TF.Tensor, batch: number, classes: number): Labels | null {
  if (y.shape[0] !== batch) return null;
  if (y.rank === 1 && (y.dtype === 'int32' || y.dtype === 'float32')) return { offset: heap.offset(y), indices: y.dtype };
  if (y.rank === 2 && y.shape[1] === classes && y.dtype === 'float32') return { offset: heap.offset(y), rows: true };
  return null;
}

/**
 * Mean softmax cross-entropy of `logits` [B, K] (at `zOff`) against the labels, and its gradient
 * (T·softmax − t)/B into `gOff` (T = the row's label sum: 1 for one-hot). Double precision.
 */
function softmaxCrossEntropy(heap: Heap, zOff: number, gOff: number, batch: number, classes: number, labels: Labels): number {
  const z = heap.f32(zOff, batch * classes);
  const g = heap.f32(gOff, batch * classes);
  const idx = 'indices' in labels ? (labels.indices === 'int32' ? heap.i32(labels.offset, batch) : heap.f32(labels.offset, batch)) : null;
  const t = 'rows' in labels ? heap.f32(labels.offset, batch * classes) : null;
  let total = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * classes;
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) if (z[o + c] > mx) mx = z[o + c];
    let se = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(z[o + c] - mx);
      g[o + c] = e; // e^(z − max), for the softmax below
      se += e;
    }
    const lse = mx + Math.log(se);
    if (idx) {
      const i = Math.trunc(idx[r]);
      const hit = i >= 0 && i < classes ? i : -1; // tfjs's oneHot: zeros out of range
      if (hit < 0) {
        for (let c = 0; c < classes; c++) g[o + c] = 0;
        continue;
      }
      total += lse - z[o + hit];
      const k = 1 / (se * batch);
      for (let c = 0; c < classes; c++) g[o + c] *= k;
      g[o + hit] -= 1 / batch;
    } else {
      let tsum = 0;
      let tz = 0;
      for (let c = 0; c < classes; c++) { tsum += t![o + c]; tz += t![o + c] * z[o + c]; }
      total += lse * tsum - tz;
      for (let c = 0; c < classes; c++) g[o + c] = (tsum * (g[o + c] / se) - t![o + c]) / batch;
    }
  }
  return total / batch;
}

/** Time per part of the fused step, summed while `profile.on` (bench/profile-fused.ts); off by default. */
export const fusedProfile = { on: false, ms: new Map<string, number>() };
let mark = 0;
function lap(label: string): void {
  const now = performance.now();
  fusedProfile.ms.set(label, (fusedProfile.ms.get(label) ?? 0) + now - mark);
  mark = now;
}

/**
 * The fused step for `model` trained by `optimizer` on `loss` (a softmax cross-entropy), or why
 * there is none. `vars` are the trainable variables in the optimizer's order.
 */
export function makeFusedStep(model: TF.LayersModel, optimizer: TF.Optimizer, loss: LogitsLossSpec, vars: TF.Variable[], hook?: GradientHook): FusedStepResult {
  if (loss.kind !== 'softmaxCrossEntropy') return { why: `loss ${String(loss.kind)} has no fused form` };
  const blas = loadBlas().blas;
  if (!blas) return { why: 'no BLAS' };
  const sample = model.inputs[0]?.shape.slice(1);
  if (!sample || sample.some((d) => d == null)) return { why: 'the model input has no fixed per-sample shape' };
  const first = planFor(model, vars, sample as number[]);
  if ('why' in first) return { why: first.why };
  const plan: Plan = first;
  let update: FusedUpdate | null | undefined;
  const layouts = new Map<string, Laid>();

  const step: FusedStep = (x, y) => {
    if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || x.size !== x.shape[0] * plan.inSize || x.shape[0] === 0) return null;
    const heap = heapOfBackend(tf.backend() as unknown as WasmBackend);
    update ??= fusedUpdate(optimizer, heap, heap.simd);
    if (!update) return null;
    const batch = x.shape[0];
    const labels = labelsOf(heap, y, batch, plan.classes);
    if (!labels) return null;
    return run(heap, blas, plan, update, x, y, batch, labels, loss, vars, hook, layouts);
  };
  return { step };
}

/** A plan laid out for one batch size. */
interface Laid { runs: StageRun[]; bytes: number; dLogits: number; firstWeighted: number }

function layOut(plan: Plan, batch: number, fold: boolean): Laid {
  const L = new Layout();
  const firstWeighted = plan.stages.findIndex((s) => s.op === 'dense' || s.op === 'conv');
  const runs = plan.stages.map((s, i) => stageRun(s, batch, L, i > firstWeighted, fold));
  const dLogits = L.take(batch * plan.classes);
  return { runs, bytes: L.bytes, dLogits, firstWeighted };
}

function run(heap: Heap, blas: Blas, plan: Plan, update: FusedUpdate, x: TF.Tensor, y: TF.Tensor, batch: number,
  labels: Labels, loss: LogitsLossSpec, vars: TF.Variable[], hook: GradientHook | undefined,
  layouts: Map<string, Laid>): TF.Scalar {
  const fold = !hook ? update.sgdScale : null;
  const key = `${batch}/${fold !== null}`;
  let laid = layouts.get(key);
  if (!laid) {
    laid = layOut(plan, batch, fold !== null);
    layouts.set(key, laid);
  }
  // Weights first: making one private may allocate; offsets stay valid after that.
  update.begin(vars);
  const weights: Weights[] = plan.stages.map((s) => {
    if (s.op !== 'dense' && s.op !== 'conv') return { w: -1, b: -1 };
    return { w: ownedOffset(heap, variableOf(s.kernel.variable)), b: s.bias ? ownedOffset(heap, variableOf(s.bias.variable)) : -1 };
  });
  // With a hook the gradients are tensors it can see (and replace), in the variables' order.
  const gradTensors: Gradients = {};
  const gradAt: number[] = [];
  if (hook) {
    for (const v of vars) {
      const g = heap.tensor([...v.shape]);
      gradTensors[v.name] = g.t;
      gradAt.push(g.offset);
    }
  }
  const ws = heap.alloc(laid.bytes);
  if (fusedProfile.on) mark = performance.now();
  try {
    const calls = directCalls(heap, blas);
    const ctx: StageContext = {
      calls, parallel: parallelFor(heap.memory, calls, blas), batch, ws, fold, f32: heap.f32,
      gradient(p, w, g) {
        if (hook) heap.f32(gradAt[p.index], p.size).set(heap.f32(g, p.size));
        else update.update(p.index, w, g, p.size);
      },
    };
    // Forward.
    const inputs: number[] = [];
    let input = heap.offset(x);
    plan.stages.forEach((s, i) => {
      inputs.push(input);
      laid!.runs[i].forward(ctx, input, weights[i]);
      input = ws + laid!.runs[i].out;
      if (fusedProfile.on) lap(`fwd ${s.op}${s.op === 'conv' && s.pool ? '+pool' : ''} ${s.name}`);
    });
    const logits = input;
    const value = softmaxCrossEntropy(heap, logits, ws + laid.dLogits, batch, plan.classes, labels);
    if (loss.observe) {
      const t = heap.tensor([batch, plan.classes]);
      heap.f32(t.offset, batch * plan.classes).set(heap.f32(logits, batch * plan.classes));
      try {
        tf.tidy(() => loss.observe!(y, t.t));
      } finally {
        t.t.dispose();
      }
    }
    if (fusedProfile.on) lap('loss');
    // Backward, last stage first; without a hook each weight is updated as soon as its gradient is complete.
    let dOut = ws + laid.dLogits;
    for (let i = plan.stages.length - 1; i >= laid.firstWeighted; i--) {
      dOut = laid.runs[i].backward(ctx, dOut, inputs[i], weights[i]);
      if (fusedProfile.on) lap(`bwd ${plan.stages[i].op} ${plan.stages[i].name}`);
    }
    if (hook) applyWithHook(heap, update, vars, gradTensors, plan, weights, hook);
    update.end();
    if (fusedProfile.on) lap('update/end');
    return tf.scalar(value);
  } finally {
    heap.free(ws);
    tf.dispose(Object.values(gradTensors));
  }
}

/** The hook sees every gradient (as tensors) and may replace some; then every update runs. */
function applyWithHook(heap: Heap, update: FusedUpdate, vars: TF.Variable[], grads: Gradients, plan: Plan, at: Weights[], hook: GradientHook): void {
  let used: Gradients = grads;
  try {
    used = tf.tidy(() => ({ ...grads, ...(hook(grads) ?? {}) }));
    plan.stages.forEach((s, i) => {
      if (s.op !== 'dense' && s.op !== 'conv') return;
      for (const [p, w] of [[s.kernel, at[i].w], [s.bias, at[i].b]] as [Param | null, number][]) {
        if (!p || p.index < 0) continue;
        const v = vars[p.index];
        const g = used[v.name];
        if (!g || g.dtype !== 'float32' || g.size !== v.size) {
          throw new Error(`onGradients returned ${g ? `a ${g.dtype} tensor of shape [${g.shape}]` : 'nothing'} for ${v.name}; it must return float32 [${v.shape}] (or leave the entry out).`);
        }
        update.update(p.index, w, heap.offset(g), v.size);
      }
    });
  } finally {
    for (const name of Object.keys(used)) if (used[name] !== grads[name]) used[name].dispose();
  }
}
