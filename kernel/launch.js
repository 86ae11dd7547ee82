#!/usr/bin/env node
'use strict';
// Launcher of the tsdl Jupyter kernel: `node kernel/launch.js --config-path <connection file>`.
// It loads tsdl's own tslab (resolved from this file's real location, never from PATH or a global
// install) and serves Jupyter with the fixes in kernel/lib. Imports resolve from the notebook's
// folder (the kernel's working directory), see lib/modules.js.
const fs = require('fs');
const path = require('path');

const TSLAB_VERSION = '1.0.22'; // kernel/lib relies on this version's internals (tests/kernel checks it)

function fail(message) {
  process.stderr.write(`tsdl kernel: ${message}\n`);
  process.exit(1);
}

function main(argv) {
  const i = argv.indexOf('--config-path');
  const connectionFile = i >= 0 ? argv[i + 1] : argv.find((a) => a.endsWith('.json'));
  if (!connectionFile) fail('expected --config-path <connection file> (Jupyter passes {connection_file})');
  const kernelDir = path.dirname(fs.realpathSync(__filename));
  const root = path.dirname(kernelDir);
  // tslab is tsdl's dependency: beside this file in a checkout (node_modules/tslab), or hoisted into
  // the project that installed tsdl. Resolved from this file, never from PATH or a global install.
  let tslabDir;
  try {
    tslabDir = path.dirname(require.resolve('tslab/package.json', { paths: [kernelDir] }));
  } catch (e) {
    fail(`cannot find tslab (tsdl's kernel engine) from ${kernelDir}: ${e.message.split('\n')[0]}. Run \`npm install\` in ${root}.`);
  }
  const version = JSON.parse(fs.readFileSync(path.join(tslabDir, 'package.json'), 'utf8')).version;
  if (version !== TSLAB_VERSION) {
    process.stderr.write(`tsdl kernel: warning: expected tslab ${TSLAB_VERSION} in ${tslabDir}, found ${version}; patches may not fit.\n`);
  }
  const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));
  const { Kernel } = require('./lib/server');
  const typescriptVersion = readVersion(path.dirname(require.resolve('@tslab/typescript-for-tslab/package.json', { paths: [tslabDir] })));
  const kernel = new Kernel({
    connectionFile,
    // Loaded on first use (TypeScript takes ~1 s to load): sockets answer before that.
    createRunner: () => require('./lib/cell-runner').createCellRunner({ tslabDir, cwd: process.cwd() }),
    tslabDir,
    zmq,
    implementationVersion: readVersion(root),
    typescriptVersion,
    banner: `TypeScript (tsdl) - tslab ${version}, TypeScript ${typescriptVersion}, Node ${process.version}`,
  });
  kernel.start().catch((e) => fail(`could not start: ${e && e.stack || e}`));
}

function readVersion(root) {
  try { return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version || '0.0.0'; } catch { return '0.0.0'; }
}

main(process.argv.slice(2));
