/**
 * Raw access to the wasm backend's heap for kernels that hand tensors to native code (the BLAS) or
 * to tsdl's SIMD module: byte offsets of tensors, scratch allocation with the backend's own
 * allocator, and Float32Array views. The heap may grow on any allocation (a new ArrayBuffer):
 * take views after allocating, never keep them.
 */
import type * as TF from '@tensorflow/tfjs';
import { simdFor, type SimdKernels, type WasmMemory } from '../simd/index';
import type { WasmBackend } from './wasm-util';

/** The parts of tfjs-backend-wasm's module object used here. */
interface WasmModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

export interface HeapBackend extends WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

export function heapOf(backend: WasmBackend): HeapBackend {
  return backend as HeapBackend;
}

/** The backend's WebAssembly.Memory (threaded builds export it; single-threaded ones own it). */
export function memoryOf(backend: WasmBackend): WasmMemory {
  const w = heapOf(backend).wasm;
  const m = w.wasmMemory ?? w.asm?.memory;
  if (!m) throw new Error('tsdl wasm kernels: cannot find the wasm backend\'s WebAssembly.Memory (tfjs-backend-wasm 4.22.0 expected).');
  return m;
}

/** tsdl's SIMD kernels bound to this backend's memory. */
export function simd(backend: WasmBackend): SimdKernels {
  return simdFor(memoryOf(backend));
}

/** Byte offset of a tensor's data on the heap. */
export function offsetOf(backend: WasmBackend, t: TF.TensorInfo): number {
  const d = heapOf(backend).dataIdMap.get(t.dataId);
  if (!d) throw new Error('tsdl wasm kernels: a tensor is not on the wasm backend (was it disposed?).');
  return d.memoryOffset;
}

/** A float32 view of `n` values at byte offset `off` of the current heap. */
export function view(backend: WasmBackend, off: number, n: number): Float32Array {
  return new Float32Array(heapOf(backend).wasm.HEAPU8.buffer, off, n);
}

/** Scratch memory from the backend's allocator (freed with `release`). */
export function scratch(backend: WasmBackend, floats: number): number {
  const p = heapOf(backend).wasm._malloc(Math.max(4, floats * 4)) >>> 0;
  if (!p) throw new Error(`tsdl wasm kernels: out of wasm memory allocating ${floats * 4} bytes of scratch.`);
  return p;
}

export function release(backend: WasmBackend, ptr: number): void {
  heapOf(backend).wasm._free(ptr);
}
