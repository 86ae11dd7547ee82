#!/usr/bin/env node
// Registers the tsdl Jupyter kernel (kernel/launch.js) as kernelspec "tsdl".
//   node scripts/kernel-install.js                 jupyter kernelspec install --user
//   node scripts/kernel-install.js --data-dir DIR  writes DIR/kernels/tsdl (use JUPYTER_PATH=DIR)
//   node scripts/kernel-install.js --prefix DIR    jupyter kernelspec install --prefix DIR
//   --name NAME                                    another kernelspec name (default tsdl)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const launcher = path.join(root, 'kernel', 'launch.js');
// Debian's Python warns about frozen modules on every jupyter call; it is noise here.
const quietEnv = { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' };

function parseArgs(argv) {
  const opts = { name: 'tsdl', dataDir: null, prefix: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (!v) throw new Error(`kernel-install: ${a} needs a value`);
      return path.resolve(v);
    };
    if (a === '--data-dir') opts.dataDir = value();
    else if (a === '--prefix') opts.prefix = value();
    else if (a === '--name') opts.name = argv[++i];
    else if (a === '--user') { /* the default */ } else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/kernel-install.js [--user | --data-dir DIR | --prefix DIR] [--name NAME]');
      process.exit(0);
    } else throw new Error(`kernel-install: unknown option ${a}; expected --user, --data-dir DIR, --prefix DIR or --name NAME`);
  }
  return opts;
}

function kernelJson(name) {
  return {
    argv: [process.execPath, launcher, '--config-path', '{connection_file}'],
    display_name: name === 'tsdl' ? 'TypeScript (tsdl)' : `TypeScript (${name})`,
    language: 'typescript',
    interrupt_mode: 'signal',
    env: {},
    metadata: { tsdl: { root } },
  };
}

/** Writes the kernelspec folder (kernel.json + logo) into dir. */
function writeSpec(dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(kernelJson(name), null, 2) + '\n');
  for (const logo of ['logo-32x32.png', 'logo-64x64.png', 'logo-svg.svg']) {
    const src = path.join(root, 'kernel', 'assets', logo);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dir, logo));
  }
}

/** The first command that runs Jupyter: `jupyter` on PATH, /usr/bin/python3 -m jupyter, python3 -m jupyter. */
function findJupyter() {
  const candidates = [['jupyter'], ['/usr/bin/python3', '-m', 'jupyter'], ['python3', '-m', 'jupyter'], ['python', '-m', 'jupyter']];
  for (const cmd of candidates) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'kernelspec', '--version'], { encoding: 'utf8', env: quietEnv });
    if (!r.error && r.status === 0) return cmd;
  }
  throw new Error('kernel-install: no Jupyter found. Tried `jupyter`, `/usr/bin/python3 -m jupyter` and '
    + '`python3 -m jupyter`; none runs `jupyter kernelspec`. Install Jupyter (Debian/Ubuntu: apt-get install '
    + 'jupyter-client jupyter-nbconvert; conda: see environment.yml), or use --data-dir DIR with JUPYTER_PATH=DIR.');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(root, 'node_modules', 'tslab', 'package.json'))) {
    throw new Error(`kernel-install: ${path.join(root, 'node_modules', 'tslab')} is missing; run \`npm install\` in ${root} first.`);
  }
  if (opts.dataDir) {
    const dir = path.join(opts.dataDir, 'kernels', opts.name);
    writeSpec(dir, opts.name);
    console.log(`Installed kernelspec ${opts.name} in ${dir} (use JUPYTER_PATH=${opts.dataDir}).`);
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-kernelspec-'));
  try {
    const specDir = path.join(tmp, opts.name);
    writeSpec(specDir, opts.name);
    const jupyter = findJupyter();
    const where = opts.prefix ? ['--prefix', opts.prefix] : ['--user'];
    const args = [...jupyter.slice(1), 'kernelspec', 'install', ...where, '--replace', '--name', opts.name, specDir];
    const r = spawnSync(jupyter[0], args, { stdio: 'inherit', env: quietEnv });
    if (r.error || r.status !== 0) throw new Error(`kernel-install: \`${jupyter[0]} ${args.join(' ')}\` failed (${r.error ? r.error.message : `exit ${r.status}`}).`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
