/**
 * Small helpers for kernels that run on the wasm backend: call one of the backend's own kernels,
 * free intermediate results, and view tensors on the wasm heap.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../tf-type';

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: TF.DataType): TF.TensorInfo;
  typedArrayFromHeap(t: TF.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export interface KernelArgs {
  inputs: Record<string, TF.TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

/** A kernel that computes on the wasm backend. */
export type WasmKernelFunc = (args: KernelArgs) => TF.TensorInfo;

/** Runs kernel `name` as registered for 'wasm' (captured at call time, so overrides compose). */
export function runKernel(
  tf: Tf,
  name: string,
  backend: WasmBackend,
  inputs: Record<string, TF.TensorInfo>,
  attrs: Record<string, unknown> = {},
): TF.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`tsdl wasm kernels: kernel '${name}' is not registered for 'wasm'; it is needed to compose a training kernel.`);
  return k.kernelFunc({ inputs, backend: backend as unknown as TF.KernelBackend, attrs: attrs as TF.NamedAttrMap }) as TF.TensorInfo;
}

/** Frees intermediate kernel outputs (decrements their reference counts). */
export function free(backend: WasmBackend, ...ts: (TF.TensorInfo | undefined)[]): void {
  for (const t of ts) if (t) backend.disposeData(t.dataId);
}

/** Float32 view of a tensor on the wasm heap. Re-take views after any allocation (the heap may grow). */
export function f32(backend: WasmBackend, t: TF.TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new Error(`tsdl wasm kernels: expected a float32 tensor, found ${t.dtype}.`);
  return a;
}
