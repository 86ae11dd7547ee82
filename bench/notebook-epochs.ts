/**
 * Seconds per epoch of the notebooks' own training runs on the real data sets, through `dl.fit`
 * exactly as the notebooks call it: notebook 03's MLP (MNIST, 50,000 images, SGD lr 0.15, batch
 * 128, validation on 10,000 each epoch; ReLU and no activation) and notebook 04/05's CNN (CIFAR-10,
 * 50,000 images, Adam 1e-3, batch 100) once per activation of notebook 05. Prints one
 * `EPOCH {json}` line per run and a table.
 *
 *   tsx bench/notebook-epochs.ts [--runs mlp-relu,cnn-mish,...] [--epochs 1] [--root DIR]
 *
 * `--root DIR` trains with another checkout's library (e.g. an export of the last release, for a
 * before/after in one session); TSDL_FUSED_STEP=off runs tfjs's step instead of the fused one.
 * Data come from the library's offline loaders (cached in ~/.cache/tsdl).
 */
import * as path from 'node:path';

type Dl = typeof import('../src/index');

const ACTS = ['relu', 'leakyRelu', 'elu', 'swish', 'mish', 'gelu', 'none'] as const;
const ALL = ['mlp-relu', 'mlp-none', ...ACTS.map((a) => `cnn-${a}`)];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const root = path.resolve(flag('root') ?? path.join(__dirname, '..'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dl = require(path.join(root, 'src', 'index')) as Dl;
  const info = await dl.ready();
  const runs = (flag('runs') ?? ALL.join(',')).split(',').filter(Boolean);
  const epochs = Number(flag('epochs') ?? 1);
  const rows: Record<string, unknown>[] = [];
  let mnist: [InstanceType<Dl['ImageDataset']>, InstanceType<Dl['ImageDataset']>] | undefined;
  let cifar: InstanceType<Dl['ImageDataset']> | undefined;
  for (const run of runs) {
    const [kind, act] = run.split('-') as ['mlp' | 'cnn', string];
    const activation = (act === 'none' ? 'none' : act) as Parameters<Dl['mlp']>[0] extends infer O ? O extends { activation?: infer A } ? A : never : never;
    const t0 = Date.now();
    let result: Awaited<ReturnType<Dl['fit']>>;
    if (kind === 'mlp') {
      if (!mnist) {
        const [train, pool] = (await dl.loadMnist('train')).randomSplit(50000, 1);
        mnist = [train, pool.subset(10000)];
      }
      const model = dl.mlp({ activation, hidden: 512, seed: 1 });
      result = await dl.fit(model, mnist[0], { epochs, batchSize: 128, optimizer: 'sgd', lr: 0.15, seed: 1, validationData: mnist[1], progress: false, liveChart: false });
      model.dispose();
    } else {
      cifar ??= (await dl.loadCifar10('train')).subset(50000);
      const model = dl.cifarCnn({ activation, seed: 1 });
      result = await dl.fit(model, cifar, { epochs, batchSize: 100, optimizer: 'adam', lr: 0.001, seed: 1, progress: false, liveChart: false });
      model.dispose();
    }
    const last = result.records[result.records.length - 1];
    const row = {
      run, root, fused: process.env.TSDL_FUSED_STEP ?? 'default', backend: info.name,
      s_per_epoch: Math.min(...result.records.map((r) => r.seconds)), loss: last.loss, acc: last.acc, valAcc: last.valAcc ?? null,
      wall_s: (Date.now() - t0) / 1000,
    };
    rows.push(row);
    console.log(`EPOCH ${JSON.stringify(row)}`);
  }
  const relu = rows.find((r) => r.run === 'cnn-relu')?.s_per_epoch as number | undefined;
  console.log('\n| run | s/epoch | × cnn-relu | loss | train acc | val acc |\n|---|---|---|---|---|---|');
  for (const r of rows) {
    const s = r.s_per_epoch as number;
    const ratio = String(r.run).startsWith('cnn-') && relu ? `${(s / relu).toFixed(2)}×` : '';
    console.log(`| ${r.run} | ${s.toFixed(2)} | ${ratio} | ${(r.loss as number).toFixed(4)} | ${(r.acc as number).toFixed(4)} | ${r.valAcc == null ? '' : (r.valAcc as number).toFixed(4)} |`);
  }
}

void main();
