/** `tsdl bench [options]`: runs bench/run (compiled beside the library) in this process. */
import * as path from 'path';
import { spawnSync } from 'child_process';

export function benchCommand(argv: string[]): number {
  // bench/run.ts prints its own usage for --help; it spawns one worker process per measurement.
  const here = __filename.endsWith('.ts');
  const script = path.resolve(__dirname, '..', '..', 'bench', here ? 'run.ts' : 'run.js');
  const r = spawnSync(process.execPath, [...(here ? ['--import', 'tsx'] : []), script, ...argv], { stdio: 'inherit' });
  return r.status ?? 1;
}
