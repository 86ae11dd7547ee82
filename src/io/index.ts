/**
 * Saving and loading layers models in Node on every backend (see file-handler.ts).
 */
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import '../activations'; // registers the custom layers so saved models using them load again
import { fileHandler, readArtifacts, dirOf, registerFileScheme } from './file-handler';

export { fileHandler, readArtifacts, writeFileAtomic, registerFileScheme, MODEL_JSON, WEIGHTS_BIN } from './file-handler';
export { DiskFullError } from '../util/fs-atomic';

registerFileScheme();

/**
 * Saves a model to `dir` as one unit: new weights beside the old, then `model.json` switched
 * atomically (see file-handler.ts), so a crash leaves the old or the new checkpoint, never neither.
 * A full disk throws a DiskFullError that keeps the previous checkpoint. `dir` may start with file://.
 */
export async function saveModel(model: TF.LayersModel, dir: string): Promise<TF.io.SaveResult> {
  return model.save(fileHandler(dir));
}

/** Loads a model saved by {@link saveModel}; errors name the file, what was expected and found. */
export async function loadModel(dir: string): Promise<TF.LayersModel> {
  const d = dirOf(dir);
  try {
    return await tf.loadLayersModel(fileHandler(d));
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.startsWith('No model at') || msg.includes(d)) throw err;
    throw new Error(`Loading the model in ${d} failed: ${msg}`);
  }
}

/**
 * Loads the weights saved in `dir` into an existing model with the same architecture (used to
 * restore the best checkpoint in place). Checks count, shapes and dtypes, naming the mismatch.
 */
export function loadWeightsInto(model: TF.LayersModel, dir: string): void {
  const d = dirOf(dir);
  const artifacts = readArtifacts(d);
  const specs = artifacts.weightSpecs ?? [];
  const weights = model.weights;
  if (specs.length !== weights.length) {
    throw new Error(`${d}/model.json holds ${specs.length} weights; model '${model.name}' has ${weights.length}. The checkpoint belongs to another architecture.`);
  }
  specs.forEach((s, i) => {
    const w = weights[i];
    if (s.shape.join(',') !== w.shape.join(',') || s.dtype !== w.dtype) {
      throw new Error(`${d}/model.json weight #${i} '${s.name}' is ${s.dtype}[${s.shape.join(', ')}]; model '${model.name}' expects '${w.name}' ${w.dtype}[${w.shape.join(', ')}]. The checkpoint belongs to another architecture.`);
    }
  });
  const named = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  const tensors = specs.map((s) => named[s.name]);
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
