/**
 * A tf.io handler that saves and loads layers models in a directory with plain Node `fs` (pure
 * `@tensorflow/tfjs` has no `file://` handler; tfjs-node's is optional).
 *
 * A save is one unit: the weights go to a new versioned file `weights-<owner>.bin` beside the old
 * one (written, fsynced, renamed), then `model.json`, the one pointer, is replaced atomically to
 * name it, then the versions it no longer names are removed. A crash at any point leaves either
 * the old checkpoint or the new one loadable, never a mix; leftovers of killed writers are removed
 * by the next save (never those of a live process). `model.json` is the standard tfjs format, so
 * other tfjs loaders read it, and directories written before (`model.json` + `weights.bin`) load.
 * Loads check the manifest against the weights and name the file, expectation and finding.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';
import {
  crashPoint, DiskFullError, ensureSpace, fsReason, holdPath, isStale, mkdirWritable, ownerOf, ownerTag,
  removeStaleTemps, writeFileAtomic, WriteError,
} from '../util/fs-atomic';

export { writeFileAtomic } from '../util/fs-atomic';

/** File names inside a model directory. */
export const MODEL_JSON = 'model.json';
/** The weights file of directories written by earlier versions (still loaded, replaced on save). */
export const WEIGHTS_BIN = 'weights.bin';

/** Versioned weights files: `weights-h<host>-<pid>-<random>.bin`. */
const VERSIONED = /^weights-h[0-9a-f]{6}-\d+-[0-9a-f]+\.bin$/;

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a weight takes in the weights file, from its manifest entry. */
export function specBytes(spec: TF.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const per = BYTES_PER[dtype];
  if (per === undefined) throw new Error(`Weight '${spec.name}' has dtype '${dtype}', which this loader does not know (expected one of ${Object.keys(BYTES_PER).join(', ')}).`);
  return n * per;
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of data) { out.set(new Uint8Array(b), off); off += b.byteLength; }
  return out;
}

/** Strips an optional `file://` prefix. */
export function dirOf(urlOrDir: string): string {
  return urlOrDir.startsWith('file://') ? urlOrDir.slice('file://'.length) : urlOrDir;
}

/** The weights file names `model.json` lists, or undefined when it cannot be read as a manifest. */
function referencedFiles(dir: string): Set<string> | undefined {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8')) as TF.io.ModelJSON;
    return new Set(json.weightsManifest.flatMap((g) => g.paths.map((p) => path.basename(p))));
  } catch {
    return undefined;
  }
}

/** Reads `model.json` and the weights it lists; throws with the file, expectation and finding. */
function readOnce(dir: string): { artifacts: TF.io.ModelArtifacts; json: string } | { missing: string; json: string } {
  const jsonPath = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = fs.readFileSync(jsonPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new Error(`No model at ${jsonPath}: expected a ${MODEL_JSON} written by saveModel(); found no such file. Check the directory or train and save first.`);
    }
    throw new Error(`Cannot read ${jsonPath}: ${fsReason(err)}. Check the path and its permissions.`);
  }
  let json: TF.io.ModelJSON;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${jsonPath} is not valid JSON (${(err as Error).message}); the file is corrupt or truncated. Delete it and save the model again.`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${jsonPath} is not a tfjs layers model: expected 'modelTopology' and a 'weightsManifest' array; found keys ${Object.keys(json ?? {}).join(', ') || '(none)'}.`);
  }
  const specs: TF.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    let groupBytes = 0;
    for (const w of group.weights) groupBytes += specBytes(w);
    specs.push(...group.weights);
    const files = group.paths.map((p) => {
      const f = path.resolve(dir, p);
      if (path.dirname(f) !== path.resolve(dir)) {
        throw new Error(`${jsonPath} lists weights file '${p}' outside the model directory; expected a plain file name such as '${WEIGHTS_BIN}'.`);
      }
      return f;
    });
    const parts: Uint8Array[] = [];
    for (const f of files) {
      try {
        parts.push(new Uint8Array(fs.readFileSync(f)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: f, json: text };
        throw new Error(`Cannot read weights file ${f}: ${fsReason(err)}.`);
      }
    }
    const found = parts.reduce((s, p) => s + p.byteLength, 0);
    if (found !== groupBytes) {
      throw new Error(`Weights file ${files.join(', ')} has ${found} bytes; ${jsonPath} describes ${group.weights.length} weights totalling ${groupBytes} bytes (${group.weights.map((w) => `${w.name} ${w.dtype}[${w.shape.join(',')}]`).slice(0, 4).join(', ')}${group.weights.length > 4 ? ', ...' : ''}). The files are from different saves or truncated; save the model again.`);
    }
    buffers.push(concatBuffers(parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer)));
  }
  const weightData = concatBuffers(buffers.map((b) => b.buffer as ArrayBuffer)).buffer as ArrayBuffer;
  const artifacts: TF.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  return { artifacts, json: text };
}

/**
 * Reads and verifies a model directory's artifacts (model.json + the weights it lists), without
 * building a model. Writes nothing, so read-only directories load. When a concurrent save switches
 * `model.json` while this reads, the weights it named may be gone: it reads the new version.
 */
export function readArtifacts(dir: string): TF.io.ModelArtifacts {
  let lastJson: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const r = readOnce(dir);
    if ('artifacts' in r) return r.artifacts;
    if (attempt >= 4 || r.json === lastJson) {
      throw new Error(`Weights file ${r.missing} is missing: ${path.join(dir, MODEL_JSON)} lists it; found no such file. Save the model again.`);
    }
    lastJson = r.json;
  }
}

/**
 * Removes the weights versions `model.json` no longer names: this process's earlier ones, those
 * of writers that are gone, and the `weights.bin` of the earlier format. Keeps `keep` and anything a
 * live writer may be about to switch to. Nothing is removed when `model.json` cannot be read.
 */
function removeOldVersions(dir: string, keep: string): void {
  const referenced = referencedFiles(dir);
  if (!referenced) return;
  for (const name of fs.readdirSync(dir)) {
    if (name === keep || referenced.has(name)) continue;
    const p = path.join(dir, name);
    try {
      if (name === WEIGHTS_BIN) {
        fs.rmSync(p, { force: true });
      } else if (VERSIONED.test(name)) {
        if (!isStale(p, ownerOf(name)!, fs.statSync(p).mtimeMs)) continue;
        fs.rmSync(p, { force: true });
      } else continue;
      crashPoint('checkpoint:cleanup');
    } catch {
      // removed by another writer meanwhile
    }
  }
}

/** Writes one checkpoint version and switches `model.json` to it (see the module comment). */
export function saveArtifacts(dir: string, artifacts: TF.io.ModelArtifacts): TF.io.SaveResult {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error(`Saving to ${dir}: binary model topologies are not supported; expected a layers model (JSON topology).`);
  }
  try {
    mkdirWritable(dir);
  } catch (err) {
    throw new Error(`Saving the model to ${dir} failed: ${(err as Error).message}`);
  }
  removeStaleTemps(dir, (name) => VERSIONED.test(name) && !(referencedFiles(dir)?.has(name) ?? true));
  const weights = concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
  const weightsName = `weights-${ownerTag()}.bin`;
  const json: TF.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  const text = JSON.stringify(json);
  const step = `saving the model (weights and ${MODEL_JSON})`;
  const note = fs.existsSync(path.join(dir, MODEL_JSON)) ? `The previous checkpoint in ${dir} is kept.` : undefined;
  const weightsPath = path.join(dir, weightsName);
  const release = holdPath(weightsPath);
  try {
    ensureSpace(dir, weights.byteLength + text.length, step, note);
    writeFileAtomic(weightsPath, weights, { step, note });
    crashPoint('checkpoint:before-switch');
    // The switch: model.json names the new, complete weights file.
    writeFileAtomic(path.join(dir, MODEL_JSON), text, { step, note });
    crashPoint('checkpoint:after-switch');
  } catch (err) {
    if (!referencedFiles(dir)?.has(weightsName)) fs.rmSync(weightsPath, { force: true });
    if (err instanceof DiskFullError) {
      throw new DiskFullError({ dir: err.dir, needed: weights.byteLength + text.length, step, note, cause: err });
    }
    if (err instanceof WriteError) throw new Error(`Saving the model to ${dir} failed: ${err.message}`);
    throw err;
  } finally {
    release();
  }
  removeOldVersions(dir, weightsName);
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
      weightDataBytes: weights.byteLength,
    },
  };
}

/** A tf.io IOHandler reading/writing a checkpoint directory (see the module comment). */
export function fileHandler(urlOrDir: string): TF.io.IOHandler {
  const dir = dirOf(urlOrDir);
  return {
    async save(artifacts: TF.io.ModelArtifacts): Promise<TF.io.SaveResult> {
      return saveArtifacts(dir, artifacts);
    },
    async load(): Promise<TF.io.ModelArtifacts> {
      return readArtifacts(dir);
    },
  };
}

let registered = false;

/**
 * Registers the handler for `file://` URLs with tf.io, unless another handler (tfjs-node's) already
 * serves them; safe to call more than once.
 */
export function registerFileScheme(): void {
  if (registered) return;
  registered = true;
  const probe = 'file:///tmp/probe';
  const router = (url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === 'string' && u.startsWith('file://') ? fileHandler(u) : null;
  };
  if (tf.io.getSaveHandlers(probe).length === 0) tf.io.registerSaveRouter(router as never);
  if (tf.io.getLoadHandlers(probe).length === 0) tf.io.registerLoadRouter(router as never);
}
