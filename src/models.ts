/**
 * Builders for the tutorials' networks, seeded so runs reproduce, and an HTML model summary.
 */
import { tf } from './tf';
import type * as TF from '@tensorflow/tfjs';
import { escapeHtml } from './util/html';
import { activationLayer, getActivation, type ActivationName, type ActivationOptions } from './activations';

/** Options shared by the model builders. */
export interface ModelOptions {
  /** Hidden activation; 'none', null or undefined leaves the layer out (the "no activation" baseline). */
  activation?: ActivationName | 'none' | null;
  /** α for leakyRelu / elu / prelu. */
  activationOptions?: ActivationOptions;
  /** Seed of the weight initialisation (default 42); the same seed gives the same weights. */
  seed?: number;
  /** Model name shown in summaries. */
  name?: string;
}

/** Options of {@link mlp}. */
export interface MlpOptions extends ModelOptions {
  /** Input shape of one example (default [28, 28, 1]: images are flattened inside the model; [784] skips that). */
  inputShape?: number[];
  /** Hidden units (default 512). */
  hidden?: number;
  /** Output classes (default 10). */
  classes?: number;
}

/** Options of {@link cifarCnn}. */
export interface CnnOptions extends ModelOptions {
  /** Input shape (default [32, 32, 3]). */
  inputShape?: number[];
  /** Convolution filters (default 16). */
  filters?: number;
  /** Output classes (default 10). */
  classes?: number;
}

/**
 * PyTorch's default initialisation (kaiming-uniform with a = √5 for weights, U(±1/√fan_in) for
 * biases): both uniform in ±1/√fan_in, seeded per layer. Matching it keeps the tutorials' learning
 * rates meaningful.
 */
type Init = ReturnType<typeof tf.initializers.randomUniform>;
function torchInit(fanIn: number, seed: number): { kernelInitializer: Init; biasInitializer: Init } {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed + 1 }),
  };
}

function hiddenActivation(options: ModelOptions, name: string): TF.layers.Layer | null {
  const a = options.activation;
  if (a === undefined || a === null || a === 'none') return null;
  return activationLayer(a, { ...(options.activationOptions ?? {}), name });
}

let modelCounter = 0;
function uniqueName(base: string): string {
  return `${base}_${++modelCounter}`;
}

/**
 * The MNIST multilayer perceptron: [flatten] → dense(784→512) → activation → dense(512→10), output
 * logits (use a softmax cross-entropy loss). 407,050 parameters with the defaults.
 */
export function mlp(options: MlpOptions = {}): TF.Sequential {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const hidden = options.hidden ?? 512;
  const classes = options.classes ?? 10;
  const seed = options.seed ?? 42;
  const inputs = inputShape.reduce((a, b) => a * b, 1);
  const prefix = uniqueName(options.name ?? 'mlp');
  const model = tf.sequential({ name: prefix });
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape, name: `${prefix}_flatten` }));
  model.add(tf.layers.dense({
    units: hidden, name: `${prefix}_fc1`, ...(inputShape.length > 1 ? {} : { inputShape }), ...torchInit(inputs, seed),
  }));
  const act = hiddenActivation(options, `${prefix}_${options.activation ?? 'act'}`);
  if (act) model.add(act);
  model.add(tf.layers.dense({ units: classes, name: `${prefix}_fc2`, ...torchInit(hidden, seed + 10) }));
  return model;
}

/**
 * The CIFAR-10 CNN of the LeakyReLU tutorial: conv(3→16, 3×3, same padding) → activation →
 * max-pool 2×2 → flatten → dense(4096→10), output logits. 41,418 parameters with the defaults.
 */
export function cifarCnn(options: CnnOptions = {}): TF.Sequential {
  const inputShape = options.inputShape ?? [32, 32, 3];
  const filters = options.filters ?? 16;
  const classes = options.classes ?? 10;
  const seed = options.seed ?? 42;
  const prefix = uniqueName(options.name ?? 'cnn');
  const model = tf.sequential({ name: prefix });
  model.add(tf.layers.conv2d({
    inputShape, filters, kernelSize: 3, padding: 'same', name: `${prefix}_conv`,
    ...torchInit(3 * 3 * inputShape[2], seed),
  }));
  const act = hiddenActivation(options, `${prefix}_${options.activation ?? 'act'}`);
  if (act) model.add(act);
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${prefix}_pool` }));
  model.add(tf.layers.flatten({ name: `${prefix}_flatten` }));
  const flat = (inputShape[0] >> 1) * (inputShape[1] >> 1) * filters;
  model.add(tf.layers.dense({ units: classes, name: `${prefix}_fc`, ...torchInit(flat, seed + 10) }));
  return model;
}

/** Total number of parameters of a model (trainable and not). */
export function countParams(model: TF.LayersModel): number {
  return model.countParams();
}

/** One row of a {@link ModelSummary}. */
export interface SummaryRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
}

function shapeText(shape: unknown): string {
  if (Array.isArray(shape) && Array.isArray(shape[0])) return shape.map(shapeText).join(', ');
  if (Array.isArray(shape)) return `[${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
  return String(shape);
}

function layerType(l: TF.layers.Layer): string {
  const act = (l as unknown as { activation?: unknown }).activation;
  if (l.getClassName() === 'TsdlActivation' && typeof act === 'string') return getActivation(act).label;
  return l.getClassName().replace(/^Tsdl/, '');
}

/** A model's layers, output shapes and parameter counts; displays as an HTML table in notebooks. */
export class ModelSummary {
  readonly name: string;
  readonly rows: SummaryRow[];
  readonly totalParams: number;
  readonly trainableParams: number;

  constructor(model: TF.LayersModel) {
    this.name = model.name;
    this.rows = model.layers.map((l) => ({
      name: l.name,
      type: layerType(l),
      outputShape: shapeText(l.outputShape),
      params: l.countParams(),
    }));
    this.totalParams = model.countParams();
    this.trainableParams = model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  }

  /** The summary as a fixed-width text table. */
  toString(): string {
    const head = ['Layer', 'Type', 'Output shape', 'Params'];
    const body = this.rows.map((r) => [r.name, r.type, r.outputShape, r.params.toLocaleString('en-US')]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    return [
      `Model: ${this.name}`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line),
      `Total params: ${this.totalParams.toLocaleString('en-US')} (trainable ${this.trainableParams.toLocaleString('en-US')})`,
    ].join('\n');
  }

  /** The summary as an HTML table. */
  toHTML(): string {
    const rows = this.rows.map((r) =>
      `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.type)}</td><td>${escapeHtml(r.outputShape)}</td><td style="text-align:right">${r.params.toLocaleString('en-US')}</td></tr>`,
    ).join('');
    return `<table class="tsdl-summary"><caption style="text-align:left">Model: ${escapeHtml(this.name)}</caption>`
      + '<thead><tr><th>Layer</th><th>Type</th><th>Output shape</th><th>Params</th></tr></thead>'
      + `<tbody>${rows}</tbody><tfoot><tr><td colspan="3"><b>Total</b> (trainable ${this.trainableParams.toLocaleString('en-US')})</td>`
      + `<td style="text-align:right"><b>${this.totalParams.toLocaleString('en-US')}</b></td></tr></tfoot></table>`;
  }

  /** MIME bundle for Jupyter (text/html + text/plain). */
  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return { 'text/html': this.toHTML(), 'text/plain': this.toString() };
  }
}

/** Summary of a model (layers, output shapes, parameter counts), shown as an HTML table in notebooks. */
export function summary(model: TF.LayersModel): ModelSummary {
  return new ModelSummary(model);
}
