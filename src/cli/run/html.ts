/**
 * Makes nbconvert's HTML report self-contained for the charts. The library's figures normally embed
 * plotly.js in the first chart of a kernel session; when a report draws charts without carrying the
 * bundle (e.g. the embedding policy was 'never'), it is inlined once at the top of <head>, with the
 * AMD/CommonJS globals shadowed so it always defines window.Plotly, even next to require.js.
 */
import { plotlySource } from '../../charts/plotly-bundle';

export const MARKER = '<!-- tsdl: inlined plotly.js -->';

/** Whether the HTML draws Plotly charts but carries no plotly.js bundle. */
export function needsPlotly(html: string): boolean {
  const draws = /Plotly\.(newPlot|react)\s*\(/.test(html);
  const carries = /\/\*[\s*]*plotly\.js v\d/.test(html) || html.includes(MARKER);
  return draws && !carries;
}

/** Inlines plotly.js into `html` (once). `</script` inside the bundle is escaped for the HTML parser. */
export function inlinePlotly(html: string, bundle?: string): string {
  if (html.includes(MARKER) || !needsPlotly(html)) return html;
  const safe = (bundle ?? plotlySource()).replace(/<\/script/gi, '<\\/script');
  const tag = `${MARKER}\n<script type="text/javascript">if (!window.Plotly) { (function (define, module, exports) {\n${safe}\n}).call(window); }</script>\n`;
  const m = /<head[^>]*>/i.exec(html);
  if (!m) return tag + html;
  const at = m.index + m[0].length;
  return html.slice(0, at) + '\n' + tag + html.slice(at);
}
