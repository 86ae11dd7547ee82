/**
 * Child process of the interrupted-download test: obtains the mini data set from the URL given as
 * argv[2] into the data directory argv[3]; the parent kills it in the middle of the transfer.
 */
import { obtain } from '../../src/data';
import { miniMnistSpec } from './helpers';

const [base, dir] = process.argv.slice(2);
obtain(miniMnistSpec({ download: { kind: 'gz-files', baseUrls: [base] } }), ['test'], { dataDir: dir, sources: ['download'], progress: false, log: () => {} }).then(
  () => process.exit(0),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
