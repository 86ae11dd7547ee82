/**
 * Times one workload on one backend in this process and prints one `RESULT {json}` line.
 * Usage: tsx bench/worker.ts --backend wasm|wasm-1t|wasm+blas|wasm+blas-1t|wasm-stock|cpu|tensorflow --workload mlp|cnn|cnn05-<act> --steps N
 * `wasm-stock` is tfjs-backend-wasm as shipped, trained through tfjs-layers (the "before" column).
 * `wasm-1t` is tsdl's wasm single-threaded. The backend comes from TSDL_BACKEND (and
 * TSDL_WASM_THREADS, TSDL_BLAS, TSDL_BLAS_THREADS, TSDL_FUSED_STEP), which bench/run.ts sets.
 * The loss is tsdl's crossEntropy (the tutorials' loss), so where the model, optimizer and backend
 * allow, the step is the fused one (src/train/fused/); `fused` in the result says whether, or why not.
 */
import { tf, ready } from '../src/tf';
import { fusedStepEnabled, makeLayersTrainStep, makeTrainStep } from '../src/train/train-step';
import { makeFusedStep } from '../src/train/fused/step';
import { logitsLossSpec } from '../src/train/loss-spec';
import { crossEntropy } from '../src/train/losses';
import { variableOf } from '../src/train/fast-forward';
import { WORKLOADS, randomBatches, type WorkloadName } from './workloads';

export interface WorkerResult {
  workload: WorkloadName;
  backend: string;
  steps: number;
  ms_per_step: number | null;
  rss_mib: number;
  /** RSS after the warm-up steps; rss_mib is after the timed steps (stable RSS: no growth). */
  rss_start_mib?: number;
  tensors_before: number;
  tensors_after: number;
  first_loss: number | null;
  last_loss: number | null;
  threads?: number;
  /** BLAS threads (wasm+blas rows). */
  blas_threads?: number;
  /** 'yes' when the step was the fused one, else why not. */
  fused?: string;
  error?: string;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm');
  const w = WORKLOADS[arg('workload', 'mlp') as WorkloadName];
  const steps = Number(arg('steps', '50'));
  const warmup = Math.min(3, steps);
  const result: WorkerResult = {
    workload: w.name, backend, steps, ms_per_step: null, rss_mib: 0, tensors_before: 0, tensors_after: 0, first_loss: null, last_loss: null,
  };
  try {
    if (backend === 'wasm-stock') {
      require('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start');
    } else {
      const info = await ready();
      if (info.name !== backend.split(/[-+]/)[0]) throw new Error(`asked for ${backend}, got ${info.name} (${info.skipped.join('; ')})`);
      result.threads = info.threads;
      if (info.blas && 'threads' in info.blas) result.blas_threads = info.blas.threads;
      if (backend.startsWith('wasm+blas') && !(info.blas && 'threads' in info.blas)) {
        throw new Error(`no BLAS: ${info.blas && 'reason' in info.blas ? info.blas.reason : 'not reported'}`);
      }
    }
    const model = w.build();
    const opt = w.optimizer();
    const step = backend === 'wasm-stock' ? makeLayersTrainStep(model, opt, crossEntropy) : makeTrainStep(model, opt, crossEntropy);
    if (backend === 'wasm-stock') result.fused = 'no: tfjs-layers step';
    else if (!fusedStepEnabled()) result.fused = 'no: TSDL_FUSED_STEP=off';
    else {
      const f = tf.getBackend() === 'wasm' ? makeFusedStep(model, opt, logitsLossSpec(crossEntropy)!, model.trainableWeights.map(variableOf)) : { why: `backend ${tf.getBackend()}` };
      result.fused = f.step ? 'yes' : `no: ${f.why}`;
    }
    const data = randomBatches(w, 4);
    const run = (i: number) => { const b = data[i % data.length]; return step(b.x, b.y); };
    for (let i = 0; i < warmup; i++) {
      const l = run(i);
      if (i === 0) result.first_loss = l.dataSync()[0];
      l.dispose();
    }
    result.tensors_before = tf.memory().numTensors;
    result.rss_start_mib = process.memoryUsage().rss / 2 ** 20;
    const t0 = performance.now();
    let last: TF_Scalar | undefined;
    for (let i = 0; i < steps; i++) {
      last?.dispose();
      last = run(i);
    }
    result.last_loss = last ? last.dataSync()[0] : null; // the one sync: waits for all queued work
    result.ms_per_step = (performance.now() - t0) / steps;
    last?.dispose();
    result.tensors_after = tf.memory().numTensors;
  } catch (err) {
    result.error = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 300);
  }
  result.rss_mib = process.memoryUsage().rss / 2 ** 20;
  console.log(`RESULT ${JSON.stringify(result)}`);
}
type TF_Scalar = import('@tensorflow/tfjs').Scalar;

if (require.main === module) void main();
