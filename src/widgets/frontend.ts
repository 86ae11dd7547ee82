/**
 * Whether a frontend that renders widgets is attached: widget managers (JupyterLab 4, Notebook 7,
 * VS Code, Voilà-style pages) ask `comm_info` for `jupyter.widget` comms and open the
 * `jupyter.widget.control` comm when they connect. Headless runs (nbclient, nbconvert, scripts)
 * do neither, so options like fit's Stop button stay off there.
 */
import { commBridge } from './comm';

export function widgetFrontend(): boolean {
  const f = commBridge()?.frontend();
  if (!f) return false;
  // ipywidgets 6 frontends (widget protocol 1, e.g. Debian's classic Notebook extension) announce
  // themselves on jupyter.widget.version; they cannot show protocol 2 widgets.
  if (f.openedTargets.includes('jupyter.widget.version')) return false;
  return f.commInfoRequests > 0 || f.openedTargets.includes('jupyter.widget.control');
}
