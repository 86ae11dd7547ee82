/**
 * Makes nbconvert's HTML report self-contained for the charts and the saved widgets. The library's figures normally embed
 * plotly.js in the first chart of a kernel session; when a report draws charts without carrying the
 * bundle (e.g. the embedding policy was 'never'), it is inlined once at the top of <head>, with the
 * AMD/CommonJS globals shadowed so it always defines window.Plotly, even next to require.js.
 */
import * as fs from 'fs';
import * as path from 'path';
import { plotlySource } from '../../charts/plotly-bundle';
import { packageRoot } from '../../util/package-root';

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

export const WIDGETS_MARKER = '<!-- tsdl: inlined widget renderer -->';
const WIDGET_STATE = 'application/vnd.jupyter.widget-state+json';
/** nbconvert's loader: a script that adds html-manager's embed-amd.js from a CDN at DOMContentLoaded. */
const CDN_LOADER = /<script>\s*\(function\(\)\s*\{\s*function addWidgetsRenderer\(\)[\s\S]*?<\/script>/;

/** The widget renderer bundled at build time (dist/vendor/widgets-embed.js, see scripts/build.js). */
export function widgetsBundle(): string {
  const file = path.join(packageRoot(), 'dist', 'vendor', 'widgets-embed.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` in ${packageRoot()} (it bundles the widget renderer for reports).`);
  return fs.readFileSync(file, 'utf8');
}

/** Whether the HTML carries saved widget state (nbclient's store_widget_state). */
export function hasWidgetState(html: string): boolean {
  return html.includes(`type="${WIDGET_STATE}"`);
}

/**
 * nbconvert 6.5 (Debian 12's) HTML-escapes the widget JSON inside its <script> tags (nbconvert issue
 * #1900, fixed in 7.2.8): script text is not HTML-decoded, so html-manager would show "&lt;div"
 * literally. Decode it where the JSON was escaped (no raw < or > left), keeping `</` harmless.
 */
export function unescapeWidgetJson(html: string): string {
  return html.replace(/(<script type="application\/vnd\.jupyter\.widget-(?:state|view)\+json">)([\s\S]*?)(<\/script>)/g, (all, open: string, body: string, close: string) => {
    if (/[<>]/.test(body) || !/&(lt|gt|amp);/.test(body)) return all;
    const json = body.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/<\//g, '<\\/');
    return open + json + close;
  });
}

/**
 * Replaces nbconvert's CDN loader of the widget renderer by the bundled renderer, inline, so saved
 * widgets render offline; reports without widget state are returned unchanged.
 */
export function inlineWidgets(html: string, bundle?: string): string {
  if (html.includes(WIDGETS_MARKER) || !hasWidgetState(html)) return html;
  html = unescapeWidgetJson(html);
  const safe = (bundle ?? widgetsBundle()).replace(/<\/script/gi, '<\\/script');
  // As for plotly.js: AMD/CommonJS globals shadowed, or the bundled UMD modules (Backbone, jQuery)
  // would register with the report's require.js instead of the bundle.
  const tag = `${WIDGETS_MARKER}\n<script type="text/javascript">(function (define, module, exports) {\n${safe}\n}).call(window);</script>\n`;
  if (CDN_LOADER.test(html)) return html.replace(CDN_LOADER, () => tag);
  const end = html.lastIndexOf('</body>');
  return end < 0 ? html + tag : html.slice(0, end) + tag + html.slice(end);
}
