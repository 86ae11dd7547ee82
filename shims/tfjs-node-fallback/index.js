'use strict';
// danfojs-node hard-requires @tensorflow/tfjs-node, whose install downloads libtensorflow and
// fails on offline or locked-down machines. Resolve both from the project root so danfo shares
// the one tfjs-core instance the library uses.
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
function load(name) {
  return require(require.resolve(name, { paths: [process.cwd(), root] }));
}
let tf;
try {
  tf = load('@tensorflow/tfjs-node');
} catch (_err) {
  // Any failure (missing package, half-installed addon, ABI mismatch) means: use pure JS.
  tf = load('@tensorflow/tfjs');
}
module.exports = tf;
