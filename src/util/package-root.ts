/** Where this installation of tsdl lives (a checkout, or node_modules/tsdl in a user's project). */
import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/** The folder of tsdl's own package.json, found upwards from this file (src/util or dist/src/util). */
export function packageRoot(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tsdl') return (cached = dir);
    if (path.dirname(dir) === dir) throw new Error(`tsdl: no package.json named "tsdl" above ${__dirname}; the installation is damaged, reinstall tsdl.`);
  }
}

/** tsdl's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
