// Finds a Python that can run Jupyter's nbconvert/nbclient. On Debian the `python3` on PATH may be
// a pyenv without Jupyter, so the system interpreter is tried before PATH.
'use strict';
const { spawnSync } = require('child_process');

const PROBE = 'import nbconvert, nbclient, jupyter_client, nbformat';

function candidates(env = process.env) {
  const list = [];
  if (env.TSDL_PYTHON) list.push(env.TSDL_PYTHON);
  list.push('/usr/bin/python3', 'python3', 'python');
  return [...new Set(list)];
}

/** Returns the first interpreter that imports nbconvert and nbclient, or throws naming what was tried. */
function findJupyterPython(env = process.env) {
  const tried = [];
  for (const py of candidates(env)) {
    const r = spawnSync(py, ['-c', PROBE], { encoding: 'utf8' });
    if (r.status === 0) return py;
    const why = r.error ? r.error.code || r.error.message : (r.stderr || '').trim().split('\n').pop();
    tried.push(`${py}: ${why}`);
  }
  throw new Error('No Python with Jupyter (nbconvert, nbclient) found. Tried:\n  ' + tried.join('\n  ') +
    '\nInstall Debian\'s jupyter-nbconvert and python3-nbclient (bash scripts/setup.sh), or point ' +
    'TSDL_PYTHON at an interpreter that has them (e.g. the conda env from environment.yml).');
}

module.exports = { findJupyterPython, candidates };
