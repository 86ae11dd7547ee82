/**
 * The plotly.js browser bundle as text, for embedding in notebook HTML outputs so reports render
 * offline. `require('plotly.js-dist')` fails in Node (it touches `self`), so the file is read, not
 * imported; it is minified once with esbuild (a tsx dependency) and cached, 10.8 MB → ~4.8 MB.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../io/file-handler';

let cached: string | undefined;

function plotlyFile(): { file: string; version: string } {
  const pkg = require.resolve('plotly.js-dist/package.json');
  const version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  return { file: path.join(path.dirname(pkg), 'plotly.js'), version };
}

function cacheDirs(): string[] {
  const pkg = require.resolve('plotly.js-dist/package.json');
  // node_modules/.cache is the conventional, git-ignored spot; the temp dir is the fallback.
  return [path.resolve(path.dirname(pkg), '..', '.cache', 'tsdl'), path.join(os.tmpdir(), 'tsdl-cache')];
}

function minify(code: string): string | null {
  try {
    const esbuild = require('esbuild') as { transformSync(c: string, o: object): { code: string } };
    return esbuild.transformSync(code, { minify: true, legalComments: 'none' }).code;
  } catch {
    return null;
  }
}

/** The plotly.js version embedded in charts. */
export function plotlyVersion(): string {
  return plotlyFile().version;
}

/** The (minified when possible) plotly.js source. */
export function plotlySource(): string {
  if (cached) return cached;
  const { file, version } = plotlyFile();
  const name = `plotly-${version}.min.js`;
  for (const dir of cacheDirs()) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return (cached = fs.readFileSync(p, 'utf8'));
  }
  const raw = fs.readFileSync(file, 'utf8');
  const min = minify(raw);
  cached = min ?? raw;
  if (min) {
    for (const dir of cacheDirs()) {
      try {
        fs.mkdirSync(dir, { recursive: true });
        writeFileAtomic(path.join(dir, name), min);
        break;
      } catch { /* try the next cache directory */ }
    }
  }
  return cached;
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
