/**
 * The wasm heap as the fused step uses it: views of tensors and scratch by byte offset, one
 * workspace allocation per step, and exclusive ownership of the variables it updates in place.
 * Views are taken right before each use: any allocation may grow the heap (a new ArrayBuffer).
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import { heapOf, memoryOf, offsetOf, release, scratch, simd, type HeapBackend } from '../../backend/kernels/heap';
import type { SimdKernels, WasmMemory } from '../../backend/simd/index';
import type { WasmBackend } from '../../backend/kernels/wasm-util';

export interface Heap {
  backend: HeapBackend;
  memory: WasmMemory;
  simd: SimdKernels;
  f32(offset: number, n: number): Float32Array;
  i32(offset: number, n: number): Int32Array;
  offset(t: TF.TensorInfo): number;
  alloc(bytes: number): number;
  free(ptr: number): void;
  /** A new float32 tensor on the heap (uninitialised) and its offset. */
  tensor(shape: number[]): { t: TF.Tensor; offset: number };
}

let cached: { backend: object; heap: Heap } | undefined;

/** The heap of the active wasm backend. */
export function heapOfBackend(backend: WasmBackend): Heap {
  if (cached?.backend === backend) return cached.heap;
  const b = heapOf(backend);
  const heap: Heap = {
    backend: b,
    memory: memoryOf(backend),
    simd: simd(backend),
    f32: (off, n) => new Float32Array(b.wasm.HEAPU8.buffer, off, n),
    i32: (off, n) => new Int32Array(b.wasm.HEAPU8.buffer, off, n),
    offset: (t) => offsetOf(backend, t),
    alloc: (bytes) => scratch(backend, Math.ceil(bytes / 4)),
    free: (ptr) => release(backend, ptr),
    tensor(shape) {
      const info = b.makeOutput(shape, 'float32');
      return { t: tf.engine().makeTensorFromTensorInfo(info, b as unknown as TF.KernelBackend), offset: offsetOf(backend, info) };
    },
  };
  cached = { backend, heap };
  return heap;
}

interface RefCounted { refCount(dataId: object): number }

/**
 * The heap offset of `v`'s data, first giving `v` a private copy when another tensor shares it
 * (a clone or a reshape of a weight made elsewhere): the step writes there in place, and tensors
 * are immutable to everyone else.
 */
export function ownedOffset(heap: Heap, v: TF.Variable): number {
  const backend = heap.backend as unknown as RefCounted;
  if (backend.refCount(v.dataId) > 1) {
    const n = v.size;
    const copy = heap.tensor([...v.shape]);
    heap.f32(copy.offset, n).set(heap.f32(heap.offset(v), n));
    v.assign(copy.t);
    copy.t.dispose();
  }
  return heap.offset(v);
}
