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
import { gemmThreads } from '../../backend/kernels/blas-matmul';
import type { WasmBackend } from '../../backend/kernels/wasm-util';
import { variableOf } from '../fast-forward';
import type { LogitsLossSpec } from '../loss-spec';
import type { GradientHook, Gradients } from '../train-step';
import { heapOfBackend, ownedOffset, type Heap } from './heap';
import { fusedUpdate, type FusedUpdate } from './optimizers';
import { planFor, type Param, type Plan, type Stage } from './plan';

/** Why a model cannot take the fused step, or the step. */
export type FusedStepResult = { step: FusedStep; why?: undefined } | { step?: undefined; why: string };

/** `(x, y) => loss`, or null when this call's inputs need the tfjs step. */
export type FusedStep = (x: TF.Tensor, y: TF.Tensor) => TF.Scalar | null;

/** Byte layout of one step's scratch memory. */
class Layout {
  bytes = 0;
  take(floats: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil(floats / 4) * 16; // 16-byte aligned for the SIMD loads
    return at;
  }
}

/** Where a stage keeps its output, what the backward needs, and its input gradient. */
interface Buffers { out: number; d: number; idx: number; p: number; wp: number; dIn: number; dp: number; gw: number; gb: number }

const floatsOut = (s: Stage, batch: number): number => {
  switch (s.op) {
    case 'dense': return batch * s.outF;
    case 'conv': return batch * s.g.outH * s.g.outW * s.g.outC;
    case 'pool': return batch * Math.floor(s.h / 2) * Math.floor(s.w / 2) * s.c;
    case 'act': return batch * s.size;
  }
};

function layoutFor(plan: Plan, batch: number, gradsInWorkspace: boolean, fold: boolean): { layout: Layout; bufs: Buffers[]; dLogits: number } {
  const L = new Layout();
  const bufs: Buffers[] = [];
  const firstWeighted = plan.stages.findIndex((s) => s.op === 'dense' || s.op === 'conv');
  let inFloats = batch * plan.inSize;
  plan.stages.forEach((s, i) => {
    const b: Buffers = { out: L.take(floatsOut(s, batch)), d: -1, idx: -1, p: -1, wp: -1, dIn: -1, dp: -1, gw: -1, gb: -1 };
    const needIn = i > firstWeighted; // gradients flow back through this stage's input
    switch (s.op) {
      case 'dense':
        if (s.act) b.d = L.take(batch * s.outF);
        if (gradsInWorkspace && s.kernel.index >= 0 && !fold) b.gw = L.take(s.kernel.size);
        if (gradsInWorkspace && s.bias && s.bias.index >= 0) b.gb = L.take(s.bias.size);
        break;
      case 'conv': {
        const m = batch * s.g.outH * s.g.outW;
        const k = s.g.kh * s.g.kw * s.g.inC;
        const kk = k + (s.bias ? 1 : 0);
        b.p = L.take(m * kk);
        if (s.bias) b.wp = L.take(kk * s.g.outC);
        if (s.act) b.d = L.take(m * s.g.outC);
        b.gw = L.take(kk * s.g.outC); // [dW; db] from one product
        if (needIn) b.dp = L.take(m * k);
        break;
      }
      case 'pool':
        b.d = L.take(floatsOut(s, batch));
        b.idx = L.take(Math.ceil(floatsOut(s, batch) / 4));
        break;
      case 'act':
        b.d = L.take(batch * s.size);
        break;
    }
    if (needIn && s.op !== 'act') b.dIn = L.take(inFloats); // act: in place on its output gradient
    inFloats = floatsOut(s, batch);
    bufs.push(b);
  });
  return { layout: L, bufs, dLogits: L.take(batch * plan.classes) };
}

/** Labels [B] (indices, int32 or float32) or [B, K] (one-hot or soft), as a function of (row, class). */
function labelReader(heap: Heap, y: TF.Tensor, batch: number, classes: number): ((r: number) => { index: number } | { row: Float32Array }) | null {
  if (y.shape[0] !== batch) return null;
  if (y.rank === 1 && (y.dtype === 'int32' || y.dtype === 'float32')) {
    const off = heap.offset(y);
    return y.dtype === 'int32'
      ? (r) => ({ index: heap.i32(off, batch)[r] })
      : (r) => ({ index: Math.trunc(heap.f32(off, batch)[r]) });
  }
  if (y.rank === 2 && y.shape[1] === classes && y.dtype === 'float32') {
    const off = heap.offset(y);
    return (r) => ({ row: heap.f32(off + r * classes * 4, classes) });
  }
  return null;
}

/**
 * Mean softmax cross-entropy of `logits` [B, K] (at `zOff`) against the labels, and its gradient
 * (T·softmax − t)/B into `gOff` (T = the row's label sum: 1 for one-hot). Double precision.
 */
function softmaxCrossEntropy(heap: Heap, zOff: number, gOff: number, batch: number, classes: number, label: NonNullable<ReturnType<typeof labelReader>>): number {
  const z = heap.f32(zOff, batch * classes);
  const g = heap.f32(gOff, batch * classes);
  let total = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * classes;
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) if (z[o + c] > mx) mx = z[o + c];
    let se = 0;
    for (let c = 0; c < classes; c++) se += Math.exp(z[o + c] - mx);
    const lse = mx + Math.log(se);
    const l = label(r);
    if ('index' in l) {
      const hit = l.index >= 0 && l.index < classes ? l.index : -1; // tfjs's oneHot: zeros out of range
      if (hit >= 0) total += lse - z[o + hit];
      for (let c = 0; c < classes; c++) g[o + c] = hit < 0 ? 0 : (Math.exp(z[o + c] - lse) - (c === hit ? 1 : 0)) / batch;
    } else {
      let tsum = 0;
      let tz = 0;
      for (let c = 0; c < classes; c++) { tsum += l.row[c]; tz += l.row[c] * z[o + c]; }
      total += lse * tsum - tz;
      for (let c = 0; c < classes; c++) g[o + c] = (tsum * Math.exp(z[o + c] - lse) - l.row[c]) / batch;
    }
  }
  return total / batch;
}

interface Offsets { w: number; b: number }

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

  const step: FusedStep = (x, y) => {
    if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || x.size !== x.shape[0] * plan.inSize || x.shape[0] === 0) return null;
    const heap = heapOfBackend(tf.backend() as unknown as WasmBackend);
    update ??= fusedUpdate(optimizer, heap, heap.simd);
    if (!update) return null;
    const batch = x.shape[0];
    const label = labelReader(heap, y, batch, plan.classes);
    if (!label) return null;
    return run(heap, blas, plan, update, x, y, batch, label, loss, vars, hook);
  };
  return { step };
}

function run(heap: Heap, blas: Blas, plan: Plan, update: FusedUpdate, x: TF.Tensor, y: TF.Tensor, batch: number,
  label: NonNullable<ReturnType<typeof labelReader>>, loss: LogitsLossSpec, vars: TF.Variable[], hook?: GradientHook): TF.Scalar {
  const k = heap.simd;
  const fold = !hook ? update.sgdScale : null;
  // Weights first: making one private may allocate; offsets stay valid after that.
  update.begin(vars);
  const at: Offsets[] = plan.stages.map((s) => {
    if (s.op !== 'dense' && s.op !== 'conv') return { w: -1, b: -1 };
    return { w: ownedOffset(heap, variableOf(s.kernel.variable)), b: s.bias ? ownedOffset(heap, variableOf(s.bias.variable)) : -1 };
  });
  // With a hook the gradients are tensors it can see (and replace), in the variables' order; else scratch.
  const gradTensors: Gradients = {};
  const gradAt: number[] = [];
  if (hook) {
    for (const v of vars) {
      const g = heap.tensor([...v.shape]);
      gradTensors[v.name] = g.t;
      gradAt.push(g.offset);
    }
  }
  const gradFor = (p: Param | null, workspace: number, ws: number): number => {
    if (!p || p.index < 0) return -1;
    return hook ? gradAt[p.index] : ws + workspace;
  };
  const { layout, bufs, dLogits } = layoutFor(plan, batch, !hook, fold !== null);
  const ws = heap.alloc(layout.bytes);
  if (fusedProfile.on) { mark = performance.now(); }
  try {
    const xOff = heap.offset(x);
    const V = (off: number, n: number) => heap.f32(off, n);
    // Forward.
    let input = xOff;
    const inputs: number[] = [];
    plan.stages.forEach((s, i) => {
      const b = bufs[i];
      const out = ws + b.out;
      inputs.push(input);
      switch (s.op) {
        case 'dense': {
          const { inF, outF } = s;
          blas.sgemm('N', 'N', batch, outF, inF, 1, V(input, batch * inF), inF, V(at[i].w, inF * outF), outF, 0, V(out, batch * outF), outF, gemmThreads(blas, batch, outF, inF));
          if (s.bias) k.bias_act(out, at[i].b, batch, outF, 0, 0);
          if (s.act) k.act_forward_grad(s.act.kind, out, out, ws + b.d, batch * outF, s.act.alpha);
          break;
        }
        case 'conv': {
          const g = s.g;
          const m = batch * g.outH * g.outW;
          const kdim = g.kh * g.kw * g.inC;
          const kk = kdim + (s.bias ? 1 : 0);
          k.im2col(input, ws + b.p, kk, s.bias ? 1 : 0, batch, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
          let w = at[i].w;
          if (s.bias) {
            // W' = [W; b]: the ones column of the patches adds the bias inside the product.
            const wp = V(ws + b.wp, kk * g.outC);
            wp.set(V(at[i].w, kdim * g.outC));
            wp.set(V(at[i].b, g.outC), kdim * g.outC);
            w = ws + b.wp;
          }
          blas.sgemm('N', 'N', m, g.outC, kk, 1, V(ws + b.p, m * kk), kk, V(w, kk * g.outC), g.outC, 0, V(out, m * g.outC), g.outC, gemmThreads(blas, m, g.outC, kk));
          if (s.act) k.act_forward_grad(s.act.kind, out, out, ws + b.d, m * g.outC, s.act.alpha);
          break;
        }
        case 'pool':
          k.act_pool_fwd(s.act.kind, input, out, ws + b.d, ws + b.idx, batch, s.h, s.w, s.c, s.act.alpha);
          break;
        case 'act':
          k.act_forward_grad(s.act.kind, input, out, ws + b.d, batch * s.size, s.act.alpha);
          break;
      }
      input = out;
      if (fusedProfile.on) lap(`fwd ${s.op} ${s.name}`);
    });
    const logits = input;
    const value = softmaxCrossEntropy(heap, logits, ws + dLogits, batch, plan.classes, label);
    if (fusedProfile.on) lap('loss');
    if (loss.observe) {
      const t = heap.tensor([batch, plan.classes]);
      heap.f32(t.offset, batch * plan.classes).set(V(logits, batch * plan.classes));
      try {
        tf.tidy(() => loss.observe!(y, t.t));
      } finally {
        t.t.dispose();
      }
    }
    // Backward, last stage first; updates as soon as a stage's gradients are complete (no hook).
    let dOut = ws + dLogits;
    const firstWeighted = plan.stages.findIndex((s) => s.op === 'dense' || s.op === 'conv');
    for (let i = plan.stages.length - 1; i >= firstWeighted; i--) {
      const s = plan.stages[i];
      const b = bufs[i];
      const dIn = b.dIn >= 0 ? ws + b.dIn : -1;
      const xin = inputs[i];
      switch (s.op) {
        case 'act':
          k.vmul(dOut, ws + b.d, dOut, batch * s.size);
          break;
        case 'pool':
          k.act_pool_bwd(dOut, ws + b.d, ws + b.idx, dIn, batch, s.h, s.w, s.c);
          dOut = dIn;
          break;
        case 'dense': {
          const { inF, outF } = s;
          if (s.act) k.vmul(dOut, ws + b.d, dOut, batch * outF);
          if (dIn >= 0) {
            blas.sgemm('N', 'T', batch, inF, outF, 1, V(dOut, batch * outF), outF, V(at[i].w, inF * outF), outF, 0, V(dIn, batch * inF), inF, gemmThreads(blas, batch, inF, outF));
          }
          if (s.kernel.index >= 0) {
            const threads = gemmThreads(blas, inF, outF, batch);
            if (fold !== null) {
              // Plain SGD: W += −lr·Xᵀ·dZ in the product itself.
              blas.sgemm('T', 'N', inF, outF, batch, fold, V(xin, batch * inF), inF, V(dOut, batch * outF), outF, 1, V(at[i].w, inF * outF), outF, threads);
            } else {
              const gw = gradFor(s.kernel, b.gw, ws);
              blas.sgemm('T', 'N', inF, outF, batch, 1, V(xin, batch * inF), inF, V(dOut, batch * outF), outF, 0, V(gw, inF * outF), outF, threads);
              if (!hook) update.update(s.kernel.index, at[i].w, gw, s.kernel.size);
            }
          }
          if (s.bias && s.bias.index >= 0) {
            const gb = gradFor(s.bias, b.gb, ws);
            k.col_sum(dOut, gb, batch, outF);
            if (!hook) update.update(s.bias.index, at[i].b, gb, outF);
          }
          if (dIn >= 0) dOut = dIn;
          break;
        }
        case 'conv': {
          const g = s.g;
          const m = batch * g.outH * g.outW;
          const kdim = g.kh * g.kw * g.inC;
          const kk = kdim + (s.bias ? 1 : 0);
          if (s.act) k.vmul(dOut, ws + b.d, dOut, m * g.outC);
          if (dIn >= 0) {
            blas.sgemm('N', 'T', m, kdim, g.outC, 1, V(dOut, m * g.outC), g.outC, V(at[i].w, kdim * g.outC), g.outC, 0, V(ws + b.dp, m * kdim), kdim, gemmThreads(blas, m, kdim, g.outC));
            k.col2im(ws + b.dp, dIn, batch, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
          }
          const wantW = s.kernel.index >= 0;
          const wantB = !!s.bias && s.bias.index >= 0;
          if (wantW || wantB) {
            // [dW; db] = P'ᵀ·dY over the patches (with their ones column).
            const gwp = ws + b.gw;
            blas.sgemm('T', 'N', kk, g.outC, m, 1, V(ws + b.p, m * kk), kk, V(dOut, m * g.outC), g.outC, 0, V(gwp, kk * g.outC), g.outC, gemmThreads(blas, kk, g.outC, m));
            if (wantW) {
              const gw = hook ? gradFor(s.kernel, 0, 0) : gwp;
              if (hook) V(gw, kdim * g.outC).set(V(gwp, kdim * g.outC));
              else update.update(s.kernel.index, at[i].w, gw, s.kernel.size);
            }
            if (wantB) {
              const gb = hook ? gradFor(s.bias, 0, 0) : gwp + kdim * g.outC * 4;
              if (hook) V(gb, g.outC).set(V(gwp + kdim * g.outC * 4, g.outC));
              else update.update(s.bias!.index, at[i].b, gb, g.outC);
            }
          }
          if (dIn >= 0) dOut = dIn;
          break;
        }
      }
      if (fusedProfile.on) lap(`bwd ${s.op} ${s.name}`);
    }
    if (hook) applyWithHook(heap, update, vars, gradTensors, plan, at, hook);
    update.end();
    if (fusedProfile.on) lap('update/end');
    return tf.scalar(value);
  } finally {
    heap.free(ws);
    tf.dispose(Object.values(gradTensors));
  }
}

/** The hook sees every gradient (as tensors) and may replace some; then every update runs. */
function applyWithHook(heap: Heap, update: FusedUpdate, vars: TF.Variable[], grads: Gradients, plan: Plan, at: Offsets[], hook: GradientHook): void {
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
