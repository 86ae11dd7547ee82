/**
 * A model's layers, output shapes and parameter counts, as a text or HTML table.
 */
import type * as TF from '@tensorflow/tfjs';
import { escapeHtml } from '../util/html';
import { getActivation } from '../activations';

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
