/**
 * A tf.io handler that saves and loads layers models as `model.json` + `weights.bin` in a directory,
 * with plain Node `fs` (pure `@tensorflow/tfjs` has no `file://` handler; tfjs-node's is optional).
 * Files are written to a temporary name and renamed, so a crash never leaves a half-written model;
 * loads check the manifest against the weights file and name the file, expectation and finding.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';

/** File names inside a model directory. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a weight takes in the weights file, from its manifest entry. */
export function specBytes(spec: TF.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const per = BYTES_PER[dtype];
  if (per === undefined) throw new Error(`Weight '${spec.name}' has dtype '${dtype}', which this loader does not know (expected one of ${Object.keys(BYTES_PER).join(', ')}).`);
  return n * per;
}

/** Writes a file atomically: to a temporary sibling first, then renamed over the target. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
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

/** Reads and verifies a model directory's artifacts (model.json + weights), without building a model. */
export function readArtifacts(dir: string): TF.io.ModelArtifacts {
  const jsonPath = path.join(dir, MODEL_JSON);
  if (!fs.existsSync(jsonPath)) {
    throw new Error(`No model at ${jsonPath}: expected a ${MODEL_JSON} written by saveModel(); found no such file. Check the directory or train and save first.`);
  }
  let json: TF.io.ModelJSON;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
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
      if (!fs.existsSync(f)) throw new Error(`Weights file ${f} is missing: ${jsonPath} lists it; found no such file. Save the model again.`);
      parts.push(new Uint8Array(fs.readFileSync(f)));
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
  return artifacts;
}

/** A tf.io IOHandler reading/writing `dir/model.json` + `dir/weights.bin`. */
export function fileHandler(urlOrDir: string): TF.io.IOHandler {
  const dir = dirOf(urlOrDir);
  return {
    async save(artifacts: TF.io.ModelArtifacts): Promise<TF.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`Saving to ${dir}: binary model topologies are not supported; expected a layers model (JSON topology).`);
      }
      fs.mkdirSync(dir, { recursive: true });
      const weights = concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
      const json: TF.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Weights first, manifest last: a model.json always describes a complete weights file.
      writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);
      writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
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
