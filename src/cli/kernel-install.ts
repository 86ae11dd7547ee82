/**
 * `tsdl kernel install`: registers kernelspec `tsdl`, which runs THIS installation's node and
 * kernel/launch.js by absolute path (so it works from any folder and needs no global tslab).
 */
import { parseCommandLine } from './args';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findJupyterCommand, QUIET_ENV } from './jupyter';
import { packageRoot, packageVersion } from '../util/package-root';

export const KERNEL_USAGE = `Usage: tsdl kernel install [--user | --prefix DIR | --data-dir DIR] [--name NAME]

Registers the tsdl Jupyter kernel ("TypeScript (tsdl)") for this installation of tsdl.
  --user           for the current user (default; jupyter kernelspec install --user)
  --prefix DIR     into DIR/share/jupyter (jupyter kernelspec install --prefix DIR)
  --data-dir DIR   write DIR/kernels/NAME directly, no Jupyter needed (use it with JUPYTER_PATH=DIR)
  --name NAME      kernelspec name (default tsdl)
  -h, --help       this text`;

export interface KernelInstallOptions {
  name?: string;
  /** Write `<dataDir>/kernels/<name>` directly. */
  dataDir?: string;
  /** `jupyter kernelspec install --prefix`. */
  prefix?: string;
}

/** The kernel.json of this installation. */
export function kernelJson(name = 'tsdl'): Record<string, unknown> {
  const root = packageRoot();
  return {
    argv: [process.execPath, path.join(root, 'kernel', 'launch.js'), '--config-path', '{connection_file}'],
    display_name: name === 'tsdl' ? 'TypeScript (tsdl)' : `TypeScript (${name})`,
    language: 'typescript',
    interrupt_mode: 'signal',
    env: {},
    metadata: { tsdl: { root, version: packageVersion() } },
  };
}

/** Writes the kernelspec folder (kernel.json + logos) into `dir`. */
function writeSpec(dir: string, name: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(kernelJson(name), null, 2) + '\n');
  for (const logo of ['logo-32x32.png', 'logo-64x64.png', 'logo-svg.svg']) {
    const src = path.join(packageRoot(), 'kernel', 'assets', logo);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dir, logo));
  }
}

/** Registers the kernelspec; returns where it went. */
export function installKernel(options: KernelInstallOptions = {}): string {
  const name = options.name ?? 'tsdl';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`--name ${JSON.stringify(name)}: a kernelspec name may use letters, digits, '.', '_' and '-' only.`);
  try {
    require.resolve('tslab/package.json', { paths: [path.join(packageRoot(), 'kernel')] });
  } catch {
    throw new Error(`tslab (the kernel's engine) is not installed next to ${packageRoot()}: run \`npm install\` there, then try again.`);
  }
  if (options.dataDir) {
    const dir = path.join(path.resolve(options.dataDir), 'kernels', name);
    writeSpec(dir, name);
    return dir;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-kernelspec-'));
  try {
    const specDir = path.join(tmp, name);
    writeSpec(specDir, name);
    const jupyter = findJupyterCommand();
    const where = options.prefix ? ['--prefix', path.resolve(options.prefix)] : ['--user'];
    const args = [...jupyter.slice(1), 'kernelspec', 'install', ...where, '--replace', '--name', name, specDir];
    const r = spawnSync(jupyter[0], args, { encoding: 'utf8', env: { ...process.env, ...QUIET_ENV } });
    if (r.error || r.status !== 0) {
      throw new Error(`\`${jupyter.join(' ')} ${args.slice(jupyter.length - 1).join(' ')}\` failed: ${r.error ? r.error.message : (r.stderr || `exit ${r.status}`).trim()}`);
    }
    const m = /in (\S+)\s*$/.exec((r.stderr || r.stdout || '').trim());
    return m ? m[1] : `${options.prefix ? `prefix ${options.prefix}` : 'the user Jupyter directory'}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `tsdl kernel <install> [options]`. */
export function kernelCommand(argv: string[]): number {
  const parsed = parseCommandLine(argv, 'kernel install', KERNEL_USAGE, {
    user: { type: 'boolean' },
    prefix: { type: 'string' },
    'data-dir': { type: 'string' },
    name: { type: 'string' },
  });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'install') {
    throw new Error(`expected \`tsdl kernel install\`, got \`tsdl kernel ${positionals.join(' ')}\`.\n${KERNEL_USAGE}`);
  }
  const where = [values.user && '--user', values.prefix && '--prefix', values['data-dir'] && '--data-dir'].filter(Boolean);
  if (where.length > 1) throw new Error(`choose one of --user, --prefix DIR, --data-dir DIR (got ${where.join(' and ')}).`);
  const dir = installKernel({ name: values.name, prefix: values.prefix, dataDir: values['data-dir'] });
  const name = values.name ?? 'tsdl';
  console.log(`Installed kernelspec ${name} in ${dir}${values['data-dir'] ? ` (use it with JUPYTER_PATH=${path.resolve(values['data-dir'])})` : ''}.`);
  return 0;
}
