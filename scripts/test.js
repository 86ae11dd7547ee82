#!/usr/bin/env node
// Runs every tests/**/*.test.ts file with Node's built-in test runner (TypeScript through tsx),
// one file at a time: the machine has 2 cores and several suites start Jupyter kernels.
// Extra arguments are substrings that select test files, e.g. `npm test -- kernel`.
// `--unit` (npm run test:unit) runs only the files that need no Jupyter, browser, npm registry,
// mount or real data set download: seconds, for the edit-test loop.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : walk(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}
/** Files that start kernels, Jupyter servers, Chromium, npm installs, mounts or fetch real data. */
const INTEGRATION = [
  /^tests\/kernel\/(?!units\.)/, /^tests\/notebooks\/(?!params\.)/, /^tests\/package\//, /^tests\/widgets\/(?!units\.)/,
  /^tests\/lib\/(charts-browser|train-notebook|io-checkpoint)\./, /^tests\/data\/(faults|real|script)\./,
];
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const filters = args.filter((a) => a !== '--unit');
const files = walk(path.join(root, 'tests'))
  .map((f) => path.relative(root, f).split(path.sep).join('/'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !unit || !INTEGRATION.some((re) => re.test(f)))
  .sort();
if (files.length === 0) {
  console.error(`No test files matched ${filters.join(', ') || 'tests/**/*.test.ts'}.`);
  process.exit(1);
}
const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, nodeArgs, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
