/** Child of the metrics crash test: writes metrics { run: argv[3] } to argv[2] with saveMetrics. */
import { saveMetrics } from '../../src/params';

saveMetrics({ run: Number(process.argv[3]), filler: 'x'.repeat(200000) }, { file: process.argv[2] }).then(() => process.exit(0), (err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(1);
});
