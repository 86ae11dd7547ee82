/**
 * One-call Plotly charts for the tutorials. Each returns a {@link Figure}: end a cell with it (or
 * `display(fig)`) to draw it; `fig.figure` / `JSON.stringify(fig)` give the figure JSON.
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import { activate, derivative, getActivation, linspace, type ActivationName, type ActivationOptions } from '../activations';
import { Figure, type Trace, type Layout } from './figure';
import { gridPng, type GridOptions } from './png';
import { toRecords, type TableData } from '../util/table-data';

export { Figure, LiveFigure, embedPlotly, setPlotlyEmbedding, resetPlotlyEmbedding, plotlyEmbedState } from './figure';
export type { Trace, Layout, PlotConfig, FigureJSON, EmbedPolicy } from './figure';
export type { TableData } from '../util/table-data';
export { gridPng } from './png';
export type { GridOptions, GridImage, PixelScale } from './png';
export { plotlySource, plotlyScriptTag, plotlyVersion } from './plotly-bundle';

import { COLORS, color } from './colors';
export { COLORS };
export { gradientHeatmap, activationStatsChart } from './deep';
export type { GradientHeatmapOptions, ActivationStatsChartOptions } from './deep';

/** Any figure from raw Plotly traces and layout. */
export function plot(data: Trace[], layout: Layout = {}): Figure {
  return new Figure(data, layout);
}

/** Two side-by-side panels' axis layout. */
function twoPanels(titles: [string, string], xTitle: string, yTitles: [string, string]): Layout {
  return {
    grid: { rows: 1, columns: 2, pattern: 'independent' },
    xaxis: { title: { text: xTitle }, domain: [0, 0.45] },
    xaxis2: { title: { text: xTitle }, domain: [0.55, 1] },
    yaxis: { title: { text: yTitles[0] } },
    yaxis2: { title: { text: yTitles[1] }, anchor: 'x2' },
    annotations: titles.map((t, i) => ({
      text: `<b>${t}</b>`, xref: 'paper', yref: 'paper', x: i === 0 ? 0.225 : 0.775, y: 1.08, xanchor: 'center', showarrow: false,
    })),
    margin: { t: 60 },
  };
}

// ---------------------------------------------------------------- function curves

/** A curve to draw: a registry name, or a custom function with its label. */
export type CurveSpec = ActivationName | { name?: ActivationName; label?: string; fn?: (x: TF.Tensor) => TF.Tensor; options?: ActivationOptions };

/** Options of {@link functionCurves}. */
export interface FunctionCurveOptions {
  /** x range (default [-5, 5]). */
  range?: [number, number];
  /** Sample points (default 401). */
  points?: number;
  /** Draw the derivatives in a second panel (default true). */
  derivatives?: boolean;
  title?: string;
  height?: number;
}

/**
 * Activation functions (left) and their derivatives by autodiff (right, dashed), one colour each.
 * `functionCurves(['sigmoid', 'tanh', 'relu', {name: 'leakyRelu', options: {alpha: 0.01}}])`.
 */
export function functionCurves(specs: CurveSpec[], options: FunctionCurveOptions = {}): Figure {
  const [a, b] = options.range ?? [-5, 5];
  const xs = linspace(a, b, options.points ?? 401);
  const withD = options.derivatives ?? true;
  const data: Trace[] = [];
  specs.forEach((spec, i) => {
    const s = typeof spec === 'string' ? { name: spec } : spec;
    const label = s.label ?? (s.name ? getActivation(s.name).label : `f${i + 1}`);
    const f = s.fn ?? ((x: TF.Tensor) => activate(s.name as ActivationName, x, s.options));
    const { y, dy } = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return {
        y: Array.from(f(x).dataSync()),
        dy: withD ? Array.from(derivative(f)(x).dataSync()) : [],
      };
    });
    data.push({ type: 'scatter', mode: 'lines', name: label, legendgroup: label, x: xs, y, line: { color: color(i) } });
    if (withD) {
      data.push({
        type: 'scatter', mode: 'lines', name: `${label}′`, legendgroup: label, showlegend: false,
        x: xs, y: dy, xaxis: 'x2', yaxis: 'y2', line: { color: color(i), dash: 'dash' },
      });
    }
  });
  const layout: Layout = withD
    ? twoPanels(['f(x)', 'f′(x) (autodiff)'], 'x', ['f(x)', 'f′(x)'])
    : { xaxis: { title: { text: 'x' } }, yaxis: { title: { text: 'f(x)' } } };
  if (options.title) layout.title = { text: options.title };
  layout.height = options.height ?? 420;
  return new Figure(data, layout, {}, `${specs.length} functions on [${a}, ${b}]`);
}

// ---------------------------------------------------------------- training curves

/** One epoch's metrics, as a fit result's records hold them. */
export interface EpochMetrics { epoch?: number; loss?: number; acc?: number; valLoss?: number; valAcc?: number }

/** Per-epoch metrics: plain arrays (a fit result has them) or one record per epoch. */
export type HistoryLike =
  | { epoch?: number[]; loss?: number[]; acc?: number[]; valLoss?: number[]; valAcc?: number[] }
  | ReadonlyArray<EpochMetrics>;

// Array.isArray does not narrow readonly arrays.
const isRecordList = (h: HistoryLike): h is ReadonlyArray<EpochMetrics> => Array.isArray(h);

function columns(h: HistoryLike): { epoch: number[]; loss: number[]; acc: number[]; valLoss: number[]; valAcc: number[] } {
  if (isRecordList(h)) {
    const col = (k: 'loss' | 'acc' | 'valLoss' | 'valAcc') => h.map((r) => (r[k] ?? NaN));
    return { epoch: h.map((r, i) => r.epoch ?? i + 1), loss: col('loss'), acc: col('acc'), valLoss: col('valLoss'), valAcc: col('valAcc') };
  }
  const n = Math.max(h.loss?.length ?? 0, h.acc?.length ?? 0, h.valLoss?.length ?? 0, h.valAcc?.length ?? 0);
  return {
    epoch: h.epoch ?? Array.from({ length: n }, (_, i) => i + 1),
    loss: h.loss ?? [], acc: h.acc ?? [], valLoss: h.valLoss ?? [], valAcc: h.valAcc ?? [],
  };
}

const hasValues = (v: number[]) => v.some((x) => Number.isFinite(x));

/**
 * Accuracy (left) and loss (right) per epoch; one colour per run, train solid and validation dashed.
 * `trainingCurves({ relu: fitA, none: fitB })` or `trainingCurves(fitA)`.
 */
export function trainingCurves(runs: HistoryLike | Record<string, HistoryLike>, options: { title?: string; height?: number } = {}): Figure {
  const isSingle = Array.isArray(runs) || ['loss', 'acc', 'valLoss', 'valAcc'].some((k) => Array.isArray((runs as Record<string, unknown>)[k]));
  const named: Record<string, HistoryLike> = isSingle ? { run: runs as HistoryLike } : (runs as Record<string, HistoryLike>);
  const data: Trace[] = [];
  Object.entries(named).forEach(([name, h], i) => {
    const c = columns(h);
    const add = (y: number[], split: 'train' | 'val', panel: 1 | 2) => {
      if (!hasValues(y)) return;
      data.push({
        type: 'scatter', mode: 'lines+markers', name: isSingle ? split : `${name} ${split}`, legendgroup: `${name} ${split}`,
        showlegend: panel === 1, x: c.epoch.slice(0, y.length), y,
        line: { color: isSingle ? color(split === 'train' ? 0 : 1) : color(i), dash: split === 'val' && !isSingle ? 'dash' : 'solid' },
        ...(panel === 2 ? { xaxis: 'x2', yaxis: 'y2' } : {}),
      });
    };
    add(c.acc, 'train', 1); add(c.valAcc, 'val', 1); add(c.loss, 'train', 2); add(c.valLoss, 'val', 2);
  });
  const layout = twoPanels(['Accuracy', 'Loss'], 'epoch', ['accuracy', 'loss']);
  if (options.title) layout.title = { text: options.title };
  layout.height = options.height ?? 400;
  return new Figure(data, layout, {}, `${Object.keys(named).length} run(s)`);
}

// ---------------------------------------------------------------- histograms

type Numbers = TF.Tensor | ArrayLike<number>;
function toNumbers(v: Numbers): number[] {
  if (v && typeof (v as TF.Tensor).dataSync === 'function') return Array.from((v as TF.Tensor).dataSync());
  return Array.from(v as ArrayLike<number>);
}

/** Options of {@link histograms}. */
export interface HistogramOptions {
  /** Bins per histogram (default 50). */
  bins?: number;
  /** 'overlay' (default) draws all on one axis; 'grid' gives each its own panel. */
  layout?: 'overlay' | 'grid';
  /** Normalise to probability density (default false: counts). */
  density?: boolean;
  title?: string;
  /** Panels per row in grid layout (default 3). */
  columns?: number;
  height?: number;
}

/**
 * Histograms of values (e.g. activation outputs), one per entry:
 * `histograms({ sigmoid: outS, relu: outR })`. Values are binned in Node, so only the bin
 * counts travel to the notebook, not every sample.
 */
export function histograms(samples: Record<string, Numbers>, options: HistogramOptions = {}): Figure {
  const bins = options.bins ?? 50;
  const entries = Object.entries(samples).map(([k, v]) => [k, toNumbers(v)] as const);
  const grid = options.layout === 'grid';
  const cols = Math.min(options.columns ?? 3, entries.length || 1);
  const rows = Math.ceil(entries.length / cols);
  const data: Trace[] = entries.map(([name, vals], i) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of vals) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    const width = (hi - lo) / bins || 1;
    const counts = new Array<number>(bins).fill(0);
    for (const v of vals) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))] += 1;
    const y = options.density ? counts.map((c) => c / (vals.length * width)) : counts;
    const axis = grid && i > 0 ? String(i + 1) : '';
    return {
      type: 'bar', name, x: counts.map((_, j) => lo + (j + 0.5) * width), y, width,
      marker: { color: color(i) }, opacity: grid ? 1 : 0.6,
      ...(axis ? { xaxis: `x${axis}`, yaxis: `y${axis}` } : {}),
    };
  });
  const layout: Layout = grid
    ? { grid: { rows, columns: cols, pattern: 'independent' }, showlegend: false,
      annotations: entries.map(([name], i) => ({
        text: `<b>${name}</b>`, showarrow: false, xref: `x${i ? i + 1 : ''} domain`, yref: `y${i ? i + 1 : ''} domain`, x: 0.5, y: 1.12, xanchor: 'center',
      })) }
    : { barmode: 'overlay', xaxis: { title: { text: 'value' } }, yaxis: { title: { text: options.density ? 'density' : 'count' } } };
  if (options.title) layout.title = { text: options.title };
  layout.height = options.height ?? (grid ? 280 * rows : 400);
  return new Figure(data, layout, {}, `${entries.length} histogram(s), ${bins} bins`);
}

// ---------------------------------------------------------------- image grids

/** Options of {@link imageGrid}. */
export interface ImageGridOptions extends GridOptions {
  title?: string;
  /** Pixel height of the figure (default from the grid's aspect ratio). */
  height?: number;
}

/**
 * Batches of images side by side, one panel per entry, each tiled like make_grid:
 * `imageGrid({ input: x, relu: tf.relu(x), sigmoid: tf.sigmoid(x) })` with x shaped [N,H,W,C].
 * Panels are Plotly image traces of PNG data URIs, so they render offline.
 */
export function imageGrid(panels: Record<string, TF.Tensor>, options: ImageGridOptions = {}): Figure {
  const entries = Object.entries(panels);
  const images = entries.map(([, t]) => gridPng(t, options));
  const n = entries.length;
  const gap = 0.04;
  const w = (1 - gap * (n - 1)) / n;
  const data: Trace[] = images.map((img, i) => ({
    type: 'image', source: img.dataUri, name: entries[i][0], hoverinfo: 'skip',
    ...(i > 0 ? { xaxis: `x${i + 1}`, yaxis: `y${i + 1}` } : {}),
  }));
  const layout: Layout = { margin: { l: 10, r: 10, t: 60, b: 10 }, showlegend: false };
  images.forEach((img, i) => {
    const s = i === 0 ? '' : String(i + 1);
    layout[`xaxis${s}`] = { domain: [i * (w + gap), i * (w + gap) + w], visible: false, range: [0, img.width] };
    layout[`yaxis${s}`] = { visible: false, range: [img.height, 0], scaleanchor: `x${s}`, anchor: `x${s}` };
  });
  layout.annotations = entries.map(([name], i) => ({
    text: `<b>${name}</b>`, showarrow: false, xref: 'paper', yref: 'paper', x: i * (w + gap) + w / 2, y: 1.06, xanchor: 'center',
  }));
  if (options.title) layout.title = { text: options.title };
  const aspect = images.length ? images[0].height / images[0].width : 1;
  layout.height = options.height ?? Math.round(Math.min(900, Math.max(250, 1000 * w * aspect + 80)));
  return new Figure(data, layout, {}, `${n} image panel(s)`);
}

// ---------------------------------------------------------------- confusion matrix

/** Options of {@link confusionMatrixChart}. */
export interface ConfusionChartOptions {
  /** Class names (default 0..k-1). */
  labels?: string[];
  /** Show row-normalised rates instead of counts (default false). */
  normalize?: boolean;
  title?: string;
  height?: number;
}

/** Confusion-matrix heatmap (rows: true class, columns: predicted), with the numbers in the cells. */
export function confusionMatrixChart(matrix: number[][] | TF.Tensor, options: ConfusionChartOptions = {}): Figure {
  const m: number[][] = Array.isArray(matrix) ? matrix : (matrix.arraySync() as number[][]);
  const k = m.length;
  const labels = options.labels ?? Array.from({ length: k }, (_, i) => String(i));
  const z = options.normalize ? m.map((row) => { const s = row.reduce((a, b) => a + b, 0) || 1; return row.map((v) => v / s); }) : m;
  const data: Trace[] = [{
    type: 'heatmap', z, x: labels, y: labels, colorscale: 'Blues', reversescale: true, text: m,
    texttemplate: options.normalize ? '%{z:.2f}' : '%{text}',
    hovertemplate: 'true %{y}<br>predicted %{x}<br>%{text}<extra></extra>',
  }];
  const layout: Layout = {
    xaxis: { title: { text: 'predicted' }, type: 'category' },
    yaxis: { title: { text: 'true' }, type: 'category', autorange: 'reversed' },
    height: options.height ?? 520,
    margin: { t: options.title ? 60 : 30 },
  };
  if (options.title) layout.title = { text: options.title };
  return new Figure(data, layout, {}, `${k}×${k} confusion matrix`);
}

// ---------------------------------------------------------------- bar charts

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** Column with the categories on the x axis. */
  x: string;
  /** Column(s) with the bar heights; several give grouped bars. */
  y: string | string[];
  /** Column(s) with ± error bar sizes, matching `y` (e.g. standard deviations over seeds). */
  error?: string | string[];
  title?: string;
  yTitle?: string;
  height?: number;
}

/** @deprecated The library's one table-data type is `TableData` (records or a DataFrame); this is an alias. */
export type Rows = TableData;

/**
 * Bar chart of a comparison table, grouped when several `y` columns are given, with error bars:
 * `barChart(rows, { x: 'activation', y: ['trainAcc', 'testAcc'], error: ['trainStd', 'testStd'] })`.
 */
export function barChart(rows: TableData, options: BarChartOptions): Figure {
  const recs = toRecords(rows);
  const ys = Array.isArray(options.y) ? options.y : [options.y];
  const errs = options.error === undefined ? [] : Array.isArray(options.error) ? options.error : [options.error];
  const data: Trace[] = ys.map((col, i) => {
    const t: Trace = {
      type: 'bar', name: col, x: recs.map((r) => String(r[options.x])), y: recs.map((r) => Number(r[col])),
      marker: { color: color(i) },
    };
    if (errs[i]) t.error_y = { type: 'data', array: recs.map((r) => Number(r[errs[i]])), visible: true };
    return t;
  });
  const layout: Layout = {
    barmode: 'group', xaxis: { title: { text: options.x }, type: 'category' },
    yaxis: { title: { text: options.yTitle ?? (ys.length === 1 ? ys[0] : '') } }, height: options.height ?? 420,
    margin: { t: options.title ? 60 : 30 },
  };
  if (options.title) layout.title = { text: options.title };
  return new Figure(data, layout, {}, `${recs.length} categories × ${ys.length} series`);
}

/** Line chart of y columns against x from records/DataFrame (a small general helper). */
export function lineChart(rows: TableData, options: { x: string; y: string | string[]; title?: string; height?: number }): Figure {
  const recs = toRecords(rows);
  const ys = Array.isArray(options.y) ? options.y : [options.y];
  const data: Trace[] = ys.map((col, i) => ({
    type: 'scatter', mode: 'lines+markers', name: col, x: recs.map((r) => r[options.x]), y: recs.map((r) => Number(r[col])), line: { color: color(i) },
  }));
  const layout: Layout = { xaxis: { title: { text: options.x } }, height: options.height ?? 400 };
  if (options.title) layout.title = { text: options.title };
  return new Figure(data, layout);
}
