/**
 * Forward and backward of each fused stage (plan.ts) on the wasm heap: products through the BLAS,
 * element-wise work in one SIMD pass each way (the forward saves f' so the backward multiplies).
 * Offsets are bytes; `ws` is the step's workspace (one allocation, laid out by `Layout`).
 */
import { ACT } from '../../backend/simd/index';
import type { Trans } from '../../backend/blas/provider';
import type { Calls } from '../../backend/helper/calls';
import type { Parallel } from '../../backend/helper/helper';
import type { Param, Stage } from './plan';

/** Byte layout of one step's workspace, 16-byte aligned blocks. */
export class Layout {
  bytes = 0;
  take(floats: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil(floats / 4) * 16;
    return at;
  }
}

/** A stage's weights on the heap (-1: none). */
export interface Weights { w: number; b: number }

/** What a stage needs from the step while it runs. */
export interface StageContext {
  calls: Calls;
  /** This thread and the helper thread, for loops of independent jobs (each slot has its own scratch). */
  parallel: Parallel;
  batch: number;
  /** Workspace base (absolute offset). */
  ws: number;
  /** f32 view of the heap (taken now; any allocation may replace the buffer). */
  f32(offset: number, n: number): Float32Array;
  /** −lr when plain SGD may add the weight gradient to the weights inside the product (no hook). */
  fold: number | null;
  /**
   * Hands over `p`'s complete gradient (n floats at `g`): updates the weight `w` now, or, with a
   * hook, copies it to the tensor the hook will see.
   */
  gradient(p: Param, w: number, g: number): void;
}

export interface StageRun {
  /** Workspace offset of the stage's output. */
  readonly out: number;
  forward(c: StageContext, input: number, w: Weights): void;
  /** Returns the gradient of the stage's input (absolute offset), or -1 when not needed. */
  backward(c: StageContext, dOut: number, input: number, w: Weights): number;
}

const trainable = (p: Param | null): p is Param => !!p && p.index >= 0;

/**
 * A product, on both threads when the BLAS would run it on one (a skinny product, e.g. the CNN's
 * 4096×10 dense layer): C's rows, or its columns, in two halves.
 */
function gemm(c: StageContext, ta: Trans, tb: Trans, m: number, n: number, k: number, alpha: number, a: number, lda: number,
  b: number, ldb: number, beta: number, cc: number, ldc: number): void {
  if (c.parallel.threads === 1 || c.calls.threadsFor(m, n, k) > 1 || m * n * k < 1 << 20 || Math.max(m, n) < 64) {
    c.calls.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc);
    return;
  }
  if (m >= n) {
    const h = Math.ceil(m / 2);
    c.parallel.run(2, (j, calls) => {
      const r0 = j * h;
      calls.gemm(ta, tb, Math.min(h, m - r0), n, k, alpha, ta === 'N' ? a + r0 * lda * 4 : a + r0 * 4, lda, b, ldb, beta, cc + r0 * ldc * 4, ldc);
    });
  } else {
    const h = Math.ceil(n / 2);
    c.parallel.run(2, (j, calls) => {
      const c0 = j * h;
      calls.gemm(ta, tb, m, Math.min(h, n - c0), k, alpha, a, lda, tb === 'N' ? b + c0 * 4 : b + c0 * ldb * 4, ldb, beta, cc + c0 * 4, ldc);
    });
  }
}

/** Groups of blocks whose filter gradients are summed separately (jobs for the two threads). */
const GRADIENT_GROUPS = 8;

/** Images per block of a convolution followed by a pool: ~2K output pixels, whose patches (and outputs) stay in cache. */
export const CONV_BLOCK_PIXELS = 2048;

/**
 * The run of stage `s` for `batch` samples, its buffers taken from `L`. `needIn`: its input needs a
 * gradient; `fold`: plain SGD without a hook (the Dense kernel update happens in the product).
 */
export function stageRun(s: Stage, batch: number, L: Layout, needIn: boolean, fold: boolean): StageRun {
  switch (s.op) {
    case 'dense': return denseRun(s, batch, L, needIn, fold);
    case 'conv': return s.pool ? convPoolRun(s, batch, L, needIn) : convRun(s, batch, L, needIn);
    case 'pool': {
      const n = batch * Math.floor(s.h / 2) * Math.floor(s.w / 2) * s.c;
      const out = L.take(n);
      const d = L.take(n);
      const idx = L.take(Math.ceil(n / 4));
      const dIn = needIn ? L.take(batch * s.h * s.w * s.c) : -1;
      return {
        out,
        forward: (c, input) => c.calls.simd.act_pool_fwd(s.act.kind, input, c.ws + out, c.ws + d, c.ws + idx, c.batch, s.h, s.w, s.c, s.act.alpha),
        backward: (c, dOut) => {
          if (dIn < 0) return -1;
          c.calls.simd.act_pool_bwd(dOut, c.ws + d, c.ws + idx, c.ws + dIn, c.batch, s.h, s.w, s.c);
          return c.ws + dIn;
        },
      };
    }
    case 'act': {
      const n = batch * s.size;
      const out = L.take(n);
      const d = L.take(n);
      return {
        out,
        forward: (c, input) => c.calls.simd.act_forward_grad(s.act.kind, input, c.ws + out, c.ws + d, n, s.act.alpha),
        backward: (c, dOut) => {
          if (!needIn) return -1;
          c.calls.simd.vmul(dOut, c.ws + d, dOut, n); // in place on the output's gradient
          return dOut;
        },
      };
    }
  }
}

function denseRun(s: Extract<Stage, { op: 'dense' }>, batch: number, L: Layout, needIn: boolean, fold: boolean): StageRun {
  const { inF, outF, act } = s;
  const out = L.take(batch * outF);
  const d = act ? L.take(batch * outF) : -1;
  const gw = trainable(s.kernel) && !fold ? L.take(s.kernel.size) : -1;
  const gb = trainable(s.bias) ? L.take(outF) : -1;
  const dIn = needIn ? L.take(batch * inF) : -1;
  return {
    out,
    forward(c, input, w) {
      const o = c.ws + out;
      gemm(c, 'N', 'N', batch, outF, inF, 1, input, inF, w.w, outF, 0, o, outF);
      if (act) c.calls.simd.bias_act_grad(o, Math.max(0, w.b), c.ws + d, batch, outF, act.kind, act.alpha);
      else if (w.b >= 0) c.calls.simd.bias_act(o, w.b, batch, outF, ACT.linear, 0);
    },
    backward(c, dOut, input, w) {
      // dZ = dY·f' in place, and with it the bias gradient (one pass).
      if (trainable(s.bias)) c.calls.simd.mul_col_sum(dOut, act ? c.ws + d : 0, c.ws + gb, batch, outF);
      else if (act) c.calls.simd.vmul(dOut, c.ws + d, dOut, batch * outF);
      // The input gradient first: it needs the weights before their update.
      if (dIn >= 0) gemm(c, 'N', 'T', batch, inF, outF, 1, dOut, outF, w.w, outF, 0, c.ws + dIn, inF);
      if (trainable(s.kernel)) {
        if (c.fold !== null) {
          // Plain SGD: W += −lr·Xᵀ·dZ inside the product.
          gemm(c, 'T', 'N', inF, outF, batch, c.fold, input, inF, dOut, outF, 1, w.w, outF);
        } else {
          gemm(c, 'T', 'N', inF, outF, batch, 1, input, inF, dOut, outF, 0, c.ws + gw, outF);
          c.gradient(s.kernel, w.w, c.ws + gw);
        }
      }
      if (trainable(s.bias)) c.gradient(s.bias, w.b, c.ws + gb);
      return dIn >= 0 ? c.ws + dIn : -1;
    },
  };
}

type Conv = Extract<Stage, { op: 'conv' }>;

/** Dimensions of a convolution stage. */
function convDims(s: Conv) {
  const g = s.g;
  const kdim = g.kh * g.kw * g.inC;
  return { g, kdim, kk: kdim + (s.bias ? 1 : 0), pix: g.outH * g.outW, inImg: g.inH * g.inW * g.inC };
}

/** W' = [W; b] ((K+1) × Cout): with the patches' ones column, the product adds the bias. */
function weightsWithBias(c: StageContext, s: Conv, w: Weights, wp: number): number {
  if (!s.bias) return w.w;
  const { g, kdim, kk } = convDims(s);
  const v = c.f32(c.ws + wp, kk * g.outC);
  v.set(c.f32(w.w, kdim * g.outC));
  v.set(c.f32(w.b, g.outC), kdim * g.outC);
  return c.ws + wp;
}

/** The kernel and bias gradients from [dW; db] (kk × Cout at `gwp`). */
function convGradients(c: StageContext, s: Conv, w: Weights, gwp: number): void {
  const { g, kdim } = convDims(s);
  if (trainable(s.kernel)) c.gradient(s.kernel, w.w, gwp);
  if (trainable(s.bias)) c.gradient(s.bias, w.b, gwp + kdim * g.outC * 4);
}

function im2col(c: StageContext, s: Conv, input: number, p: number, images: number): void {
  const { g, kk } = convDims(s);
  c.calls.simd.im2col(input, p, kk, s.bias ? 1 : 0, images, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
}

function col2im(c: StageContext, s: Conv, dp: number, dx: number, images: number): void {
  const g = s.g;
  c.calls.simd.col2im(dp, dx, images, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
}

/** A convolution over the whole batch: patches (im2col), one product, the activation. */
function convRun(s: Conv, batch: number, L: Layout, needIn: boolean): StageRun {
  const { g, kdim, kk, pix, inImg } = convDims(s);
  const m = batch * pix;
  const out = L.take(m * g.outC);
  const p = L.take(m * kk);
  const wp = s.bias ? L.take(kk * g.outC) : -1;
  const d = s.act ? L.take(m * g.outC) : -1;
  const gwp = trainable(s.kernel) || trainable(s.bias) ? L.take(kk * g.outC) : -1;
  const dp = needIn ? L.take(m * kdim) : -1;
  const dIn = needIn ? L.take(batch * inImg) : -1;
  return {
    out,
    forward(c, input, w) {
      im2col(c, s, input, c.ws + p, batch);
      gemm(c, 'N', 'N', m, g.outC, kk, 1, c.ws + p, kk, weightsWithBias(c, s, w, wp), g.outC, 0, c.ws + out, g.outC);
      if (s.act) c.calls.simd.act_forward_grad(s.act.kind, c.ws + out, c.ws + out, c.ws + d, m * g.outC, s.act.alpha);
    },
    backward(c, dOut, _input, w) {
      if (s.act) c.calls.simd.vmul(dOut, c.ws + d, dOut, m * g.outC);
      if (dIn >= 0) {
        gemm(c, 'N', 'T', m, kdim, g.outC, 1, dOut, g.outC, w.w, g.outC, 0, c.ws + dp, kdim);
        col2im(c, s, c.ws + dp, c.ws + dIn, batch);
      }
      if (gwp >= 0) {
        // [dW; db] = P'ᵀ·dY over the patches (with their ones column).
        gemm(c, 'T', 'N', kk, g.outC, m, 1, c.ws + p, kk, dOut, g.outC, 0, c.ws + gwp, g.outC);
        convGradients(c, s, w, c.ws + gwp);
      }
      return dIn >= 0 ? c.ws + dIn : -1;
    },
  };
}

/**
 * A convolution followed by activation + 2×2 max-pool, a block of images at a time: the block's
 * patches and pre-pool outputs (and, backward, their gradients) stay in cache and never exist for
 * the whole batch; the backward rebuilds each block's patches (cheaper than keeping them).
 */
function convPoolRun(s: Conv, batch: number, L: Layout, needIn: boolean): StageRun {
  const { g, kdim, kk, pix, inImg } = convDims(s);
  const act = s.pool!;
  const ph = Math.floor(g.outH / 2);
  const pw = Math.floor(g.outW / 2);
  const poolImg = ph * pw * g.outC;
  const images = Math.max(1, Math.min(batch, Math.floor(CONV_BLOCK_PIXELS / pix)));
  const blockRows = images * pix;
  const blocks = Math.ceil(batch / images);
  const out = L.take(batch * poolImg);
  const d = L.take(batch * poolImg);
  const idx = L.take(Math.ceil((batch * poolImg) / 4));
  const wp = s.bias ? L.take(kk * g.outC) : -1;
  const grads = trainable(s.kernel) || trainable(s.bias);
  // Per thread (slot): the block's patches, its pre-pool output (backward: its gradient) and the
  // patch gradient.
  const slot = [0, 1].map(() => ({
    p: L.take(blockRows * kk),
    y: L.take(blockRows * g.outC),
    dp: needIn ? L.take(blockRows * kdim) : -1,
  }));
  // [dW; db] is summed per group of consecutive blocks, then the groups in order: the same sums
  // in the same order whichever thread ran which group, so a seeded run reproduces exactly.
  const groups = Math.min(blocks, GRADIENT_GROUPS);
  const perGroup = Math.ceil(blocks / groups);
  const gsize = kk * g.outC;
  const gw = grads ? L.take(groups * gsize) : -1;
  const total = grads ? L.take(gsize) : -1;
  const dIn = needIn ? L.take(batch * inImg) : -1;
  const block = (j: number) => ({ i0: j * images, n: Math.min(images, batch - j * images) });
  return {
    out,
    forward(c, input, w) {
      const wgt = weightsWithBias(c, s, w, wp);
      c.parallel.run(blocks, (j, calls, t) => {
        const { i0, n } = block(j);
        const b = slot[t];
        calls.simd.im2col(input + i0 * inImg * 4, c.ws + b.p, kk, s.bias ? 1 : 0, n, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
        calls.gemm('N', 'N', n * pix, g.outC, kk, 1, c.ws + b.p, kk, wgt, g.outC, 0, c.ws + b.y, g.outC);
        calls.simd.act_pool_fwd(act.kind, c.ws + b.y, c.ws + out + i0 * poolImg * 4, c.ws + d + i0 * poolImg * 4, c.ws + idx + i0 * poolImg,
          n, g.outH, g.outW, g.outC, act.alpha);
      });
    },
    backward(c, dOut, input, w) {
      c.parallel.run(groups, (gi, calls, t) => {
        const b = slot[t];
        const j1 = Math.min(blocks, (gi + 1) * perGroup);
        for (let j = gi * perGroup; j < j1; j++) {
          const { i0, n } = block(j);
          calls.simd.act_pool_bwd(dOut + i0 * poolImg * 4, c.ws + d + i0 * poolImg * 4, c.ws + idx + i0 * poolImg, c.ws + b.y, n, g.outH, g.outW, g.outC);
          if (dIn >= 0) {
            calls.gemm('N', 'T', n * pix, kdim, g.outC, 1, c.ws + b.y, g.outC, w.w, g.outC, 0, c.ws + b.dp, kdim);
            calls.simd.col2im(c.ws + b.dp, c.ws + dIn + i0 * inImg * 4, n, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
          }
          if (grads) {
            calls.simd.im2col(input + i0 * inImg * 4, c.ws + b.p, kk, s.bias ? 1 : 0, n, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, 1, 1, g.top, g.left, g.outH, g.outW);
            calls.gemm('T', 'N', kk, g.outC, n * pix, 1, c.ws + b.p, kk, c.ws + b.y, g.outC, j === gi * perGroup ? 0 : 1, c.ws + gw + gi * gsize * 4, g.outC);
          }
        }
      });
      if (grads) {
        c.calls.simd.col_sum(c.ws + gw, c.ws + total, groups, gsize);
        convGradients(c, s, w, c.ws + total);
      }
      return dIn >= 0 ? c.ws + dIn : -1;
    },
  };
}
