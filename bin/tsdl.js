#!/usr/bin/env node
'use strict';
// The `tsdl` command (src/cli/main.ts, compiled to dist/ by `npm run build` / npm's prepare).
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli[\\/]main/.test(err.message)) {
    console.error(`tsdl: ${require('path').resolve(__dirname, '..', 'dist')} is missing: run \`npm run build\` in ${require('path').resolve(__dirname, '..')}.`);
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
