// Browser entry (bundled by scripts/build.js into dist/vendor/widgets-embed.js, inlined into HTML
// reports by src/cli/run/html.ts): renders the widget state nbclient saved in a notebook
// (application/vnd.jupyter.widget-state+json, one view per application/vnd.jupyter.widget-view+json
// output) with @jupyter-widgets/html-manager, offline. Only the core widget modules are available:
// nothing is ever loaded from a CDN.
import { HTMLManager } from '@jupyter-widgets/html-manager/lib/htmlmanager';
import { renderWidgets } from '@jupyter-widgets/html-manager/lib/libembed';

function render() {
  if (window.__tsdlWidgetsRendered) return;
  window.__tsdlWidgetsRendered = true;
  renderWidgets(() => new HTMLManager({ loader: (name, version) => Promise.reject(new Error(`widget module ${name}@${version} is not bundled in this report (only the core widgets are)`)) }))
    .then(() => { document.documentElement.dataset.tsdlWidgets = 'rendered'; })
    .catch((err) => {
      document.documentElement.dataset.tsdlWidgets = 'failed';
      console.error('tsdl: rendering the saved widgets failed:', err);
    });
}

if (document.readyState === 'complete') render();
else window.addEventListener('load', render);
