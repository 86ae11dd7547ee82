/**
 * The plotly.js browser bundle as text, for embedding in notebook HTML outputs so reports render
 * offline. It is the published minified build (`plotly.js-dist-min`, 4.6 MB), read as a file:
 * requiring it in Node fails (it touches `self`).
 */
import * as fs from 'fs';
import * as path from 'path';

let cached: { source: string; version: string } | undefined;

function bundle(): { source: string; version: string } {
  if (!cached) {
    const pkg = require.resolve('plotly.js-dist-min/package.json');
    const version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
    cached = { source: fs.readFileSync(path.join(path.dirname(pkg), 'plotly.min.js'), 'utf8'), version };
  }
  return cached;
}

/** The plotly.js version embedded in charts. */
export function plotlyVersion(): string {
  return bundle().version;
}

/** The minified plotly.js source. */
export function plotlySource(): string {
  return bundle().source;
}

/**
 * A <script> element defining `window.Plotly`. AMD/CommonJS globals are shadowed so the bundle
 * always sets `window.Plotly`, even in pages that load require.js (classic notebook, some reports).
 */
export function plotlyScriptTag(): string {
  const src = plotlySource().replace(/<\/script/gi, '<\\/script');
  return `<script type="text/javascript">/* plotly.js v${plotlyVersion()} (MIT License, (c) Plotly, Inc.) */\n`
    + `if (!window.Plotly) { (function (define, module, exports) {\n${src}\n}).call(window); }</script>`;
}
