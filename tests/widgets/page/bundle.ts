// Bundles the live test page (live.ts: @jupyterlab/services + @jupyter-widgets/html-manager) with
// esbuild into `dir`/tsdl-live.js + tsdl-live.html; CSS becomes <style> elements, fonts are inlined.
import * as fs from 'fs';
import * as path from 'path';

export async function bundleLivePage(dir: string): Promise<string> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const css: import('esbuild').Plugin = {
    name: 'css-as-style',
    setup(build) {
      build.onLoad({ filter: /\.css$/ }, async (args) => {
        const r = await esbuild.build({ entryPoints: [args.path], bundle: true, write: false, minify: true, logLevel: 'error',
          loader: { '.woff2': 'dataurl', '.woff': 'empty', '.ttf': 'empty', '.eot': 'empty', '.svg': 'empty', '.png': 'dataurl', '.gif': 'dataurl' } });
        return { contents: `var s=document.createElement('style');s.textContent=${JSON.stringify(r.outputFiles[0].text)};document.head.appendChild(s);`, loader: 'js' };
      });
    },
  };
  fs.mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'live.ts')], outfile: path.join(dir, 'tsdl-live.js'), bundle: true, format: 'iife', platform: 'browser',
    target: 'es2020', loader: { '.svg': 'text' }, plugins: [css], logLevel: 'error', sourcemap: false,
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' }, banner: { js: 'var __webpack_public_path__ = "";' },
  });
  const html = path.join(dir, 'tsdl-live.html');
  fs.writeFileSync(html, '<!doctype html><html><head><meta charset="utf-8"><title>tsdl live widgets</title>'
    + '<style>body{font-family:sans-serif;margin:16px;max-width:1000px} .output{margin:8px 0}</style></head>'
    + '<body><div id="outputs"></div><script src="tsdl-live.js"></script></body></html>');
  return html;
}
