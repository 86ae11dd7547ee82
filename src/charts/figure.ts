/**
 * A Plotly figure that displays itself in notebooks as a full MIME bundle:
 * application/vnd.plotly.v1+json (for front ends with a Plotly renderer), text/html (a div plus a
 * script drawing it with window.Plotly; what nbconvert reports use) and text/plain.
 *
 * The plotly.js bundle is embedded ONCE per kernel session, in the first figure shown; later
 * figures reuse window.Plotly. Updates of the figure that carried it (same display id) carry it
 * again, so replacing that output never loses the bundle. `embedPlotly()` shows the bundle on its own
 * (e.g. after re-running the cell whose output carried it), and TSDL_PLOTLY_EMBED=always|once|never
 * or `setPlotlyEmbedding()` change the policy. A figure redrawn in place ({@link LiveFigure}) shows
 * the bundle in an output of its own first, so its updates stay small.
 */
import { display, type DisplayHandle } from '../display';
import { uniqueId } from '../util/ids';
import { plotlyScriptTag } from './plotly-bundle';

/** Plotly trace (loosely typed: any Plotly attribute is allowed). */
export type Trace = Record<string, unknown>;
/** Plotly layout. */
export type Layout = Record<string, unknown>;
/** Plotly config. */
export type PlotConfig = Record<string, unknown>;

/** The JSON of a figure, as Plotly's `newPlot(div, data, layout, config)` takes it. */
export interface FigureJSON {
  data: Trace[];
  layout: Layout;
  config: PlotConfig;
}

/** When to embed the plotly.js bundle in a figure's HTML. */
export type EmbedPolicy = 'once' | 'always' | 'never';

const state: { policy: EmbedPolicy; carrier: string | null } = {
  policy: (['once', 'always', 'never'] as const).find((p) => p === process.env.TSDL_PLOTLY_EMBED) ?? 'once',
  carrier: null,
};

/** Sets when the plotly.js bundle is embedded: once per session (default), in every figure, or never. */
export function setPlotlyEmbedding(policy: EmbedPolicy): void {
  state.policy = policy;
}

/** Forgets that the bundle was embedded, so the next figure carries it again. */
export function resetPlotlyEmbedding(): void {
  state.carrier = null;
}

function takeBundle(key: string): boolean {
  if (state.policy === 'never') return false;
  if (state.policy === 'always') return true;
  if (state.carrier === null || state.carrier === key) {
    state.carrier = key;
    return true;
  }
  return false;
}

/**
 * JSON for inline <script>: `<` escaped so the data cannot end the script early, and every
 * non-ASCII character as \uXXXX so labels like f′ survive pages served without a UTF-8 charset.
 */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const DEFAULT_CONFIG: PlotConfig = { responsive: true, displaylogo: false };

/** A Plotly figure. Show it with `display(fig)` or by ending a notebook cell with it. */
export class Figure {
  data: Trace[];
  layout: Layout;
  config: PlotConfig;
  /** Key deciding which outputs carry the plotly.js bundle: the display id for live figures. */
  embedKey: string;
  /** One-line description used as the text/plain form. */
  description: string;

  constructor(data: Trace[], layout: Layout = {}, config: PlotConfig = {}, description = '') {
    this.data = data;
    this.layout = { ...layout };
    this.config = { ...DEFAULT_CONFIG, ...config };
    this.embedKey = uniqueId('fig');
    this.description = description;
  }

  /** The figure JSON (data, layout, config). */
  get figure(): FigureJSON {
    return { data: this.data, layout: this.layout, config: this.config };
  }

  /** The figure JSON, so JSON.stringify(fig) works. */
  toJSON(): FigureJSON {
    return this.figure;
  }

  /** Text form: title and trace count. */
  toString(): string {
    const title = (this.layout.title as { text?: string } | string | undefined);
    const t = typeof title === 'string' ? title : title?.text;
    return `<Figure${t ? ` '${t}'` : ''}: ${this.data.length} trace${this.data.length === 1 ? '' : 's'}${this.description ? `; ${this.description}` : ''}>`;
  }

  /** HTML drawing the figure; embeds plotly.js when `withBundle`. */
  toHTML(withBundle = false): string {
    const id = uniqueId('tsdl-plot');
    const height = typeof this.layout.height === 'number' ? this.layout.height : 450;
    const fig = scriptJson(this.figure);
    const draw = `(function () {
  var fig = ${fig};
  var el = document.getElementById(${JSON.stringify(id)});
  if (!el) return;
  function draw() { window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }
  if (window.Plotly) { draw(); return; }
  var tries = 0, timer = setInterval(function () {
    if (window.Plotly) { clearInterval(timer); draw(); }
    else if (++tries > 100) { clearInterval(timer); el.textContent = 'plotly.js is not loaded in this page: run charts.embedPlotly() in a cell above (or re-run the first chart cell), then re-run this cell.'; }
  }, 100);
})();`;
    return `<div id="${id}" class="tsdl-plot" style="width:100%;height:${height}px"></div>\n`
      + (withBundle ? `${plotlyScriptTag()}\n` : '')
      + `<script type="text/javascript">${draw}</script>`;
  }

  /** The MIME bundle Jupyter displays. */
  mimeBundle(): Record<string, unknown> {
    return {
      'application/vnd.plotly.v1+json': this.figure,
      'text/html': this.toHTML(takeBundle(this.embedKey)),
      'text/plain': this.toString(),
    };
  }

  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return this.mimeBundle();
  }

  /** Displays the figure now; returns the display handle. */
  show(options: { displayId?: string } = {}): DisplayHandle {
    return display(this, options);
  }
}

/** A displayable output holding only the plotly.js bundle (use once after re-running cells). */
export function embedPlotly(): { [k: symbol]: () => Record<string, unknown> } {
  state.carrier = uniqueId('bundle');
  return {
    [Symbol.for('Jupyter.display')]: () => ({
      'text/html': plotlyScriptTag(),
      'text/plain': '<plotly.js loaded>',
    }),
  };
}

/**
 * A figure redrawn in place: the first `show(fig)` displays it (after the plotly.js bundle in an
 * output of its own, when no output carries the bundle yet), later calls replace that output.
 * Training's live chart is one.
 */
export class LiveFigure {
  readonly displayId = uniqueId('tsdl-live-chart');
  private handle: DisplayHandle | null = null;

  /** Shows `fig` (first call) or replaces the figure shown before. */
  show(fig: Figure): void {
    fig.embedKey = this.displayId; // under 'always', every update carries the bundle again
    if (this.handle) {
      this.handle.update(fig);
      return;
    }
    if (state.policy === 'once' && state.carrier === null) display(embedPlotly());
    this.handle = display(fig, { displayId: this.displayId });
  }
}

/** Whether the next figure shown will carry the bundle (for tests). */
export function plotlyEmbedState(): { policy: EmbedPolicy; embedded: boolean } {
  return { policy: state.policy, embedded: state.carrier !== null };
}
