/**
 * Finding Jupyter. On Debian the `python3` on PATH may be a pyenv without Jupyter, so the system
 * interpreter is tried before PATH; TSDL_PYTHON overrides (e.g. a conda env's python).
 */
import { spawnSync } from 'child_process';

/** Debian's Python warns about frozen modules on every jupyter call; it is noise here. */
export const QUIET_ENV = { PYDEVD_DISABLE_FILE_VALIDATION: '1' };

function pythonCandidates(env: NodeJS.ProcessEnv): string[] {
  return [...new Set([env.TSDL_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((p): p is string => !!p))];
}

function probe(cmd: string, args: string[], env: NodeJS.ProcessEnv): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...env, ...QUIET_ENV } });
  if (!r.error && r.status === 0) return null;
  return r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}`;
}

/** The first Python that imports nbconvert, nbclient, jupyter_client and nbformat; throws naming what was tried. */
export function findJupyterPython(env: NodeJS.ProcessEnv = process.env): string {
  const tried: string[] = [];
  for (const py of pythonCandidates(env)) {
    const why = probe(py, ['-c', 'import nbconvert, nbclient, jupyter_client, nbformat'], env);
    if (why === null) return py;
    tried.push(`${py}: ${why}`);
  }
  throw new Error('No Python with Jupyter (nbconvert, nbclient) found. Tried:\n  ' + tried.join('\n  ') +
    "\nInstall Debian's jupyter-nbconvert and python3-nbclient (bash scripts/setup.sh in a tsdl checkout), " +
    'or point TSDL_PYTHON at an interpreter that has them (e.g. the conda env from environment.yml).');
}

/** The first command that runs `jupyter kernelspec`: `jupyter` on PATH, then `<python> -m jupyter`. */
export function findJupyterCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [['jupyter'], ...pythonCandidates(env).map((py) => [py, '-m', 'jupyter'])];
  const tried: string[] = [];
  for (const cmd of candidates) {
    const why = probe(cmd[0], [...cmd.slice(1), 'kernelspec', '--version'], env);
    if (why === null) return cmd;
    tried.push(`${cmd.join(' ')}: ${why}`);
  }
  throw new Error('No Jupyter found to register the kernel with. Tried:\n  ' + tried.join('\n  ') +
    '\nInstall Jupyter (Debian/Ubuntu: apt-get install jupyter-client jupyter-nbconvert; conda: environment.yml), ' +
    'or use `tsdl kernel install --data-dir DIR` and run Jupyter with JUPYTER_PATH=DIR.');
}
