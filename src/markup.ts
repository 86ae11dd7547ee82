/**
 * `md` and `html` tagged templates (Deno.jupyter's convention): end a notebook cell with
 * md`# Results\nTest accuracy ${acc}` to show it as Markdown (text/markdown) or HTML (text/html),
 * with a text/plain fallback.
 *
 * Interpolated values are formatted for reading: numbers to 4 significant digits (see
 * `formatNumber`; format them yourself with `pct`/`fixed`/`meanSd` for more control), arrays joined
 * with ", ", null/undefined as nothing. Markup and displayable objects with HTML (a `table(...)`,
 * another `html`/`md` value) are inserted as markup; in `html`, other values are escaped.
 */
import { inspect } from 'util';
import { escapeHtml } from './util/html';
import { formatNumber } from './util/format';
import { JUPYTER_DISPLAY, type MimeBundle } from './display';

type Kind = 'text/markdown' | 'text/html';

/** The result of {@link md} / {@link html}: its source, and a MIME bundle when displayed. */
export class Markup {
  constructor(readonly mimeType: Kind, readonly source: string) {}

  /** The markup itself (so `${md`...`}` and string concatenation keep it). */
  toString(): string {
    return this.source;
  }

  /** Plain text: the Markdown source, or the HTML with its tags removed. */
  toText(): string {
    return this.mimeType === 'text/markdown' ? this.source : htmlToText(this.source);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return { [this.mimeType]: this.source, 'text/plain': this.toText() };
  }
}

function htmlToText(s: string): string {
  return s
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr|table|caption)>/gi, '\n')
    .replace(/<\/t[dh]>/gi, '  ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** The HTML of a value that can show itself as HTML (a table, a summary, a chart), else undefined. */
function htmlOf(v: object): string | undefined {
  if (v instanceof Markup) return v.mimeType === 'text/html' ? v.source : undefined;
  const method = (v as Record<symbol, unknown>)[JUPYTER_DISPLAY];
  if (typeof method !== 'function') return undefined;
  const html = (method.call(v) as MimeBundle | undefined)?.['text/html'];
  return typeof html === 'string' ? html : undefined;
}

/** One interpolated value as text of the template's kind. */
function interpolate(v: unknown, kind: Kind): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return kind === 'text/html' ? escapeHtml(v) : v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => interpolate(x, kind)).join(', ');
  if (v instanceof Markup && v.mimeType === kind) return v.source;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const html = htmlOf(v);
    if (html !== undefined) return html; // Markdown allows inline HTML, so both kinds take it
    if (v instanceof Markup) return escapeHtml(v.source); // Markdown inside HTML: shown as its text
    const own = (v as { toString?: () => string }).toString;
    const text = own && own !== Object.prototype.toString ? String(v) : inspect(v, { depth: 2, breakLength: Infinity });
    return kind === 'text/html' ? escapeHtml(text) : text;
  }
  return kind === 'text/html' ? escapeHtml(String(v)) : String(v);
}

function template(kind: Kind, strings: TemplateStringsArray, values: unknown[]): Markup {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += interpolate(values[i], kind) + strings[i + 1];
  return new Markup(kind, out);
}

/** Markdown for the notebook: md`## Results\nBest: **${name}** at ${dl.pct(acc)}`. */
export function md(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  return template('text/markdown', strings, values);
}

/** HTML for the notebook: html`<b>${label}</b>` (interpolated strings are escaped). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  return template('text/html', strings, values);
}
