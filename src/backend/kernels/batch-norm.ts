/**
 * Batch normalisation for training on wasm, forward and backward, one kernel each.
 *
 * tfjs-layers' BatchNormalization trains through `moments` and `batchNorm` and autodiff of both:
 * about 25 kernels per layer and step, most of them broadcasts over [batch, channels]; a 20-layer
 * MLP with it trained 7× slower than without. These kernels do the statistics, the normalisation and
 * all three gradients in two or three passes over the heap each.
 *
 * Layout: x is [..., C]; statistics are per channel (the last axis) over all other axes (M rows).
 * Forward  (x, gamma, beta, runningMean, runningVar; epsilon, momentum) → [y, mean, invStd,
 *   runningMean′, runningVar′], invStd = 1/√(var + ε) with the biased var (÷M); the running averages
 *   keep `momentum` of the old value and take the rest from the batch (the unbiased var, ÷(M − 1)),
 *   which saves the ~10 small kernels per layer and step that updating them with tfjs ops costs.
 * Backward (dy, x, gamma, mean, invStd) → [dx, dgamma, dbeta] with x̂ = (x − mean)·invStd:
 *   dbeta = Σ dy,  dgamma = Σ dy·x̂,  dx = gamma·invStd/M · (M·dy − dbeta − x̂·dgamma).
 */
import type * as TF from '@tensorflow/tfjs';
import { f32, type KernelArgs } from './wasm-util';

/** A kernel with several outputs. */
type MultiKernelFunc = (args: KernelArgs) => TF.TensorInfo[];

export const BATCH_NORM_TRAIN = 'TsdlBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'TsdlBatchNormTrainGrad';

function channelsOf(shape: number[]): { rows: number; channels: number } {
  const channels = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  return { rows: channels ? size / channels : 0, channels };
}

/** Forward in training mode: batch statistics, normalised and scaled output. */
export function batchNormTrain(): MultiKernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, gamma, beta, runningMean, runningVar } = inputs;
    const eps = attrs.epsilon as number;
    const momentum = attrs.momentum as number;
    const { rows, channels: c } = channelsOf(x.shape);
    const y = backend.makeOutput(x.shape, 'float32');
    const mean = backend.makeOutput([c], 'float32');
    const inv = backend.makeOutput([c], 'float32');
    const newMean = backend.makeOutput([c], 'float32');
    const newVar = backend.makeOutput([c], 'float32');
    // Views after every allocation (the heap may have grown).
    const xs = f32(backend, x), g = f32(backend, gamma), b = f32(backend, beta), rm = f32(backend, runningMean), rv = f32(backend, runningVar);
    const ys = f32(backend, y), ms = f32(backend, mean), is = f32(backend, inv), nm = f32(backend, newMean), nv = f32(backend, newVar);
    // One pass of sums in float64 around the first row (a shift that keeps E[x²] − E[x]² exact
    // enough when the mean is large against the spread).
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    const ref = new Float64Array(c);
    if (rows > 0) for (let j = 0; j < c; j++) ref[j] = xs[j];
    for (let r = 0, o = 0; r < rows; r++, o += c) {
      for (let j = 0; j < c; j++) { const d = xs[o + j] - ref[j]; sum[j] += d; sq[j] += d * d; }
    }
    const scale = new Float64Array(c);
    const shift = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      const dm = sum[j] / rows;
      const m = ref[j] + dm;
      const variance = Math.max(0, sq[j] / rows - dm * dm);
      const invStd = 1 / Math.sqrt(variance + eps);
      ms[j] = m;
      is[j] = invStd;
      scale[j] = g[j] * invStd;
      shift[j] = b[j] - m * scale[j];
      nm[j] = momentum * rm[j] + (1 - momentum) * m;
      nv[j] = momentum * rv[j] + (1 - momentum) * (rows > 1 ? variance * rows / (rows - 1) : variance);
    }
    for (let r = 0, o = 0; r < rows; r++, o += c) for (let j = 0; j < c; j++) ys[o + j] = xs[o + j] * scale[j] + shift[j];
    return [y, mean, inv, newMean, newVar];
  };
}

/** Backward of {@link batchNormTrain}: gradients for x, gamma and beta from the saved statistics. */
export function batchNormTrainGrad(): MultiKernelFunc {
  return ({ inputs, backend }: KernelArgs) => {
    const { dy, x, gamma, mean, invStd } = inputs;
    const { rows, channels: c } = channelsOf(x.shape);
    const dx = backend.makeOutput(x.shape, 'float32');
    const dgamma = backend.makeOutput([c], 'float32');
    const dbeta = backend.makeOutput([c], 'float32');
    const g = f32(backend, dy), xs = f32(backend, x), ga = f32(backend, gamma), ms = f32(backend, mean), is = f32(backend, invStd);
    const out = f32(backend, dx), dga = f32(backend, dgamma), dbe = f32(backend, dbeta);
    const sDy = new Float64Array(c);
    const sDyX = new Float64Array(c);
    for (let r = 0, o = 0; r < rows; r++, o += c) {
      for (let j = 0; j < c; j++) {
        const d = g[o + j];
        sDy[j] += d;
        sDyX[j] += d * (xs[o + j] - ms[j]) * is[j];
      }
    }
    const k = new Float64Array(c);
    const a = new Float64Array(c);
    const bias = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      dga[j] = sDyX[j];
      dbe[j] = sDy[j];
      // dx = k·dy − k/M·dbeta − k/M·dgamma·x̂, with x̂ = (x − mean)·invStd folded into a·x + bias.
      k[j] = ga[j] * is[j];
      a[j] = (k[j] / rows) * sDyX[j] * is[j];
      bias[j] = (k[j] / rows) * (sDy[j] - sDyX[j] * is[j] * ms[j]);
    }
    for (let r = 0, o = 0; r < rows; r++, o += c) {
      for (let j = 0; j < c; j++) out[o + j] = k[j] * g[o + j] - a[j] * xs[o + j] - bias[j];
    }
    return [dx, dgamma, dbeta];
  };
}
