/**
 * Charts for deep networks: where gradients die (per-layer gradient norms over training, as heat
 * maps) and what each activation layer does to its inputs (spread and slope per layer).
 */
import { Figure, type Layout, type Trace } from './figure';
import type { GradientNormRecord } from '../train/records';
import type { LayerActivationStats } from '../models/inspect';
import { color } from './colors';

/** Options of {@link gradientHeatmap}. */
export interface GradientHeatmapOptions {
  /**
   * Which layers to show: 'dense' (Dense layers only, the default when there are any), 'all', a
   * list of layer names, or a predicate on (name, kind).
   */
  layers?: 'dense' | 'all' | string[] | ((name: string, kind: string) => boolean);
  /** Row labels (default: the layer's position, "1" being the input side). */
  labels?: string[];
  /** Colour range in log₁₀ units (default: the data's), e.g. another chart's, to compare two charts by colour. */
  range?: [number, number];
  title?: string;
  height?: number;
}

/** A record, or something that carries one (a fit result). */
type RecordLike = GradientNormRecord | { gradientNorms?: GradientNormRecord; name?: string };

function recordOf(r: RecordLike, what: string): GradientNormRecord {
  const rec = 'norms' in r ? r : r.gradientNorms;
  if (!rec) throw new Error(`gradientHeatmap: ${what} has no gradient-norm record; train it with fit(..., { gradientNorms: true }).`);
  return rec;
}

function pickLayers(rec: GradientNormRecord, sel: GradientHeatmapOptions['layers']): number[] {
  const all = rec.layers.map((_, i) => i);
  if (sel === 'all') return all;
  if (Array.isArray(sel)) {
    return sel.map((name) => {
      const i = rec.layers.indexOf(name);
      if (i < 0) throw new Error(`gradientHeatmap: no layer '${name}' in the record; it has ${rec.layers.join(', ')}.`);
      return i;
    });
  }
  if (typeof sel === 'function') return all.filter((i) => sel(rec.layers[i], rec.kinds[i]));
  const dense = all.filter((i) => rec.kinds[i] === 'Dense');
  return dense.length ? dense : all;
}

/**
 * Heat maps of log₁₀ of each layer's gradient norm (rows: layers, input side at the bottom;
 * columns: training steps), one panel per run, on one shared colour scale so that runs compare:
 * `gradientHeatmap({ sigmoid: fitS, relu: fitR })` or `gradientHeatmap(fit.gradientNorms)`.
 * Non-finite norms (a diverged run) are left blank.
 */
export function gradientHeatmap(runs: RecordLike | Record<string, RecordLike>, options: GradientHeatmapOptions = {}): Figure {
  const single = 'norms' in runs || 'gradientNorms' in runs;
  const named: Record<string, RecordLike> = single ? { [(runs as { name?: string }).name ?? 'run']: runs as RecordLike } : runs as Record<string, RecordLike>;
  const entries = Object.entries(named).map(([name, r]) => [name, recordOf(r, `'${name}'`)] as const);
  const panels = entries.map(([name, rec]) => {
    const rows = pickLayers(rec, options.layers);
    const z = rows.map((l) => rec.norms.map((n) => (Number.isFinite(n[l]) && n[l] > 0 ? Math.log10(n[l]) : null)));
    return { name, rec, rows, z };
  });
  const finite = panels.flatMap((p) => p.z.flat()).filter((v): v is number => v !== null);
  const [zmin, zmax] = options.range ?? (finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1]);
  const n = panels.length;
  const gap = 0.05;
  const w = (1 - gap * (n - 1)) / n;
  const data: Trace[] = panels.map((p, i) => ({
    type: 'heatmap', name: p.name, x: p.rec.steps, y: p.rows.map((_, j) => options.labels?.[j] ?? String(j + 1)), z: p.z,
    zmin, zmax, colorscale: 'Viridis', showscale: i === n - 1,
    colorbar: { title: { text: 'log₁₀ ‖∇‖' } },
    customdata: p.rows.map((l) => p.rec.norms.map(() => p.rec.layers[l])),
    hovertemplate: '%{customdata}<br>step %{x}<br>log₁₀ norm %{z:.2f}<extra>' + p.name + '</extra>',
    ...(i > 0 ? { xaxis: `x${i + 1}`, yaxis: `y${i + 1}` } : {}),
  }));
  const layout: Layout = { margin: { t: 70 }, height: options.height ?? 420 };
  panels.forEach((_, i) => {
    const s = i === 0 ? '' : String(i + 1);
    layout[`xaxis${s}`] = { domain: [i * (w + gap), i * (w + gap) + w], title: { text: 'step' }, anchor: `y${s}` };
    layout[`yaxis${s}`] = { title: { text: i === 0 ? 'layer (1 = input side)' : '' }, type: 'category', anchor: `x${s}` };
  });
  layout.annotations = panels.map((p, i) => ({
    text: `<b>${p.name}</b>`, showarrow: false, xref: 'paper', yref: 'paper', x: i * (w + gap) + w / 2, y: 1.08, xanchor: 'center',
  }));
  if (options.title) layout.title = { text: options.title };
  return new Figure(data, layout, {}, `gradient norms of ${panels.map((p) => `${p.name} (${p.rows.length} layers × ${p.rec.steps.length} samples)`).join(', ')}`);
}

/** Options of {@link activationStatsChart}. */
export interface ActivationStatsChartOptions {
  title?: string;
  height?: number;
}

/**
 * Three panels per activation layer (x: its position, 1 = input side), one line per run: the
 * spread (standard deviation) of its outputs, its mean slope f′ (log scale: the factor it applies
 * to gradients), and the share of units where it is nearly flat.
 * `activationStatsChart({ sigmoid: dl.activationStats(m1, x), relu: dl.activationStats(m2, x) })`.
 */
export function activationStatsChart(runs: Record<string, LayerActivationStats[]>, options: ActivationStatsChartOptions = {}): Figure {
  const panels: Array<[keyof LayerActivationStats, string]> = [['std', 'std of outputs'], ['slope', 'mean slope f′'], ['flat', 'share nearly flat']];
  const data: Trace[] = [];
  Object.entries(runs).forEach(([name, stats], r) => {
    panels.forEach(([key], p) => {
      data.push({
        type: 'scatter', mode: 'lines+markers', name, legendgroup: name, showlegend: p === 0,
        x: stats.map((s) => s.index), y: stats.map((s) => (Number.isFinite(s[key] as number) ? s[key] : null)),
        line: { color: color(r) },
        ...(p > 0 ? { xaxis: `x${p + 1}`, yaxis: `y${p + 1}` } : {}),
      });
    });
  });
  const w = 0.28;
  const layout: Layout = { margin: { t: 70 }, height: options.height ?? 380 };
  panels.forEach(([key], p) => {
    const s = p === 0 ? '' : String(p + 1);
    layout[`xaxis${s}`] = { domain: [p * 0.36, p * 0.36 + w], title: { text: 'activation layer' }, anchor: `y${s}` };
    layout[`yaxis${s}`] = { anchor: `x${s}`, ...(key === 'slope' ? { type: 'log' } : {}), ...(key === 'flat' ? { range: [0, 1] } : {}) };
  });
  layout.annotations = panels.map(([, title], p) => ({
    text: `<b>${title}</b>`, showarrow: false, xref: 'paper', yref: 'paper', x: p * 0.36 + w / 2, y: 1.1, xanchor: 'center',
  }));
  if (options.title) layout.title = { text: options.title };
  return new Figure(data, layout, {}, `activation statistics of ${Object.keys(runs).join(', ')}`);
}
