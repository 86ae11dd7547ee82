/** `tsdl bench [options]`: runs bench/run (compiled beside the library) in its own process. */
import * as path from 'path';
import { spawnSync } from 'child_process';

export const BENCH_USAGE = `Usage: tsdl bench [options]

Trains the benchmark workloads (the MNIST MLP and the CIFAR-10 CNN of the notebooks) for a fixed
number of steps on each tfjs backend and on PyTorch (when /usr/bin/python3 or TSDL_PYTHON has torch)
in one run; prints ms/step, s/epoch, GFLOP/s beside the machine's sgemm peak, RSS and the ratio to
PyTorch, and writes reports/bench.json in the current folder.
  --steps N            steps per workload (cpu runs a tenth)
  --backends LIST      tensorflow,wasm-stock,wasm,wasm-1t,wasm+blas,wasm+blas-1t,cpu
  --workloads LIST     mlp,cnn; act (notebook 05's CNN once per activation); all
  --rounds R           repeat and keep each row's fastest round
  --quick              a few steps: a smoke run
  --no-torch           skip PyTorch
  -h, --help           this text`;

export function benchCommand(argv: string[]): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const fromSource = __filename.endsWith('.ts');
  const script = path.resolve(__dirname, '..', '..', 'bench', fromSource ? 'run.ts' : 'run.js');
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), script, ...argv], { stdio: 'inherit' });
  return r.status ?? 1;
}
