/**
 * Identity for wasm without a copy. Autodiff clones every tensor it saves for the backward pass
 * through Identity, and stock wasm copies the data each time (a CNN activation is 6.4 MB); tensors
 * are immutable, so sharing the buffer with a reference count (what the cpu backend and wasm's own
 * Reshape do) is exact and free.
 */
import type * as TF from '@tensorflow/tfjs';
import type { KernelArgs, WasmKernelFunc } from './wasm-util';

export function identity(original: TF.KernelFunc): WasmKernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs;
    const backend = args.backend as unknown as { incRef(dataId: object): void };
    if (x.dtype === 'string') return original(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
