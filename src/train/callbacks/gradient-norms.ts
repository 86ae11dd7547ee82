/**
 * Per-layer gradient norms during training (`fit` option `gradientNorms`), cheaply: every N-th
 * step the norms are computed from the gradients the step already has (inside the train step's
 * gradient hook, a few reductions per layer), stacked into one small tensor and kept on the device;
 * all of an epoch's samples are read in one go when the epoch ends. The loop never waits for them.
 *
 * It records the gradients as the backward pass computed them: placed before clipping, it shows the
 * norms that clipping then bounds.
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import type { GradientNormRecord } from '../records';
import type { Gradients } from '../train-step';
import type { Callback, TrainContext } from './callback';

/** Settings of the gradient-norm record. */
export interface GradientNormOptions {
  /** Sample every N-th step, starting with the first (default 10). */
  every?: number;
}

interface Pending { step: number; epoch: number; norms: TF.Tensor1D }

export class GradientNormRecorder implements Callback {
  readonly every: number;
  readonly record: GradientNormRecord = { layers: [], kinds: [], steps: [], epochs: [], norms: [] };
  /** Variable names of each recorded layer's trainable weights. */
  private groups: string[][] = [];
  private pending: Pending[] = [];

  constructor(options: GradientNormOptions = {}) {
    const every = options.every ?? 10;
    if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`fit option gradientNorms.every must be an integer ≥ 1 (sample every N-th step); got ${every}.`);
    this.every = every;
  }

  onTrainBegin(ctx: TrainContext): void {
    const layers = ctx.model.layers.filter((l) => l.trainableWeights.length > 0);
    this.record.layers = layers.map((l) => l.name);
    this.record.kinds = layers.map((l) => l.getClassName());
    this.groups = layers.map((l) => l.trainableWeights.map((w) => w.name));
    ctx.gradientNorms = this.record;
  }

  onGradients(grads: Gradients, ctx: TrainContext): void {
    // The step now running is number totalSteps + 1; sample steps 1, N + 1, 2N + 1, ...
    if (ctx.totalSteps % this.every !== 0) return;
    const norms = tf.stack(this.groups.map((names) => {
      const present = names.map((n) => grads[n]).filter((g): g is TF.Tensor => !!g);
      return present.length ? tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))) : tf.scalar(NaN);
    })) as TF.Tensor1D;
    this.pending.push({ step: ctx.totalSteps + 1, epoch: ctx.epoch, norms: tf.keep(norms) });
  }

  async onEpochEnd(): Promise<void> {
    await this.flush();
  }

  async onTrainEnd(): Promise<void> {
    await this.flush();
  }

  cleanup(): void {
    tf.dispose(this.pending.map((p) => p.norms));
    this.pending = [];
  }

  /** Reads the samples kept on the device (one read for all of them) into the record. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    const all = tf.concat(pending.map((p) => p.norms));
    tf.dispose(pending.map((p) => p.norms));
    const data = await all.data();
    all.dispose();
    const l = this.record.layers.length;
    pending.forEach((p, t) => {
      this.record.steps.push(p.step);
      this.record.epochs.push(p.epoch);
      this.record.norms.push(Array.from(data.subarray(t * l, (t + 1) * l)));
    });
  }
}

/**
 * Each layer's typical gradient norm over a record's samples (optionally of some epochs only): the
 * geometric mean, as norms span orders of magnitude; non-finite and zero samples are left out
 * (NaN where none is left).
 */
export function meanGradientNorms(record: GradientNormRecord, options: { epochs?: number[] } = {}): Record<string, number> {
  const rows = record.norms.filter((_, t) => !options.epochs || options.epochs.includes(record.epochs[t]));
  return Object.fromEntries(record.layers.map((name, l) => {
    const logs = rows.map((r) => r[l]).filter((v) => Number.isFinite(v) && v > 0).map(Math.log);
    return [name, logs.length ? Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length) : NaN];
  }));
}
