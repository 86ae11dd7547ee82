/**
 * tsdl's wasm SIMD kernels (kernels.c), instantiated on the wasm backend's own memory so they work
 * on tensors in place: the shared-memory build for tfjs's threaded wasm, the plain one otherwise.
 */
import { PLAIN_WASM, SHARED_WASM } from './kernels-wasm';

/** Exports of kernels.c; pointers are byte offsets into the backend's memory. */
export interface SimdKernels {
  act_forward(kind: number, x: number, y: number, n: number, alpha: number): void;
  act_backward(kind: number, x: number, dy: number, dx: number, n: number, alpha: number): void;
  tanh_grad_from_y(y: number, dy: number, dx: number, n: number): void;
  sigmoid_grad_from_y(y: number, dy: number, dx: number, n: number): void;
  bias_act(out: number, bias: number, rows: number, cols: number, kind: number, alpha: number): void;
  col_sum(m: number, out: number, rows: number, cols: number): void;
  im2col(x: number, p: number, ldp: number, ones: number, nb: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, top: number, left: number, oh: number, ow: number): void;
  col2im(p: number, dx: number, nb: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, top: number, left: number, oh: number, ow: number): void;
  max_pool_grad(x: number, y: number, dy: number, dx: number, nb: number, h: number, w: number, c: number,
    oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, dh: number, dw: number, top: number, left: number): void;
  axpy(out: number, a: number, b: number, alpha: number, n: number): void;
  /** y = f(x), d = f'(x) (y may alias x). */
  act_forward_grad(kind: number, x: number, y: number, d: number, n: number, alpha: number): void;
  vmul(a: number, b: number, out: number, n: number): void;
  /** f, then 2×2 stride-2 max-pool (NHWC); d = f' at each window's winner, idx (bytes) = which cell won. */
  act_pool_fwd(kind: number, x: number, y: number, d: number, idx: number, nb: number, h: number, w: number, c: number, alpha: number): void;
  act_pool_bwd(dy: number, d: number, idx: number, dx: number, nb: number, h: number, w: number, c: number): void;
  adam_update(w: number, g: number, m: number, v: number, n: number, b1: number, omb1: number, b2: number, omb2: number,
    omab1: number, omab2: number, eps: number, neglr: number): void;
  momentum_update(w: number, g: number, acc: number, n: number, mom: number, neglr: number, nesterov: number): void;
  /** out = f(out + bias), d = f'(out + bias) per row (bias 0: none). */
  bias_act_grad(out: number, bias: number, d: number, rows: number, cols: number, kind: number, alpha: number): void;
  /** dy *= d in place (d 0: unchanged) and db = column sums of the result. */
  mul_col_sum(dy: number, d: number, db: number, rows: number, cols: number): void;
}

/** Kinds for which act_pool_fwd pools x first (f non-decreasing); the others pool f(x). */
export const MONOTONE_KINDS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 8, 9, 10]);

/** Activation kinds understood by act_forward/act_backward/bias_act (the enum in kernels.c). */
export const ACT = {
  linear: 0, relu: 1, leakyRelu: 2, elu: 3, selu: 4, swish: 5, mish: 6, gelu: 7, tanh: 8, sigmoid: 9, relu6: 10,
} as const;
export type ActKind = keyof typeof ACT;

/**
 * The WebAssembly API, typed locally: tslab type-checks notebook imports against a lib without
 * the WebAssembly declarations.
 */
export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const modules: { shared?: object; plain?: object } = {};
const instances = new WeakMap<WasmMemory, SimdKernels>();

/** Whether `memory` is shared (a SharedArrayBuffer other threads can work on). */
export function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The compiled module for `memory`'s kind (a helper thread instantiates it on the same memory). */
export function simdModuleFor(memory: WasmMemory): object {
  const shared = isShared(memory);
  return (modules[shared ? 'shared' : 'plain'] ??= new WA.Module(Buffer.from(shared ? SHARED_WASM : PLAIN_WASM, 'base64')));
}

/** The kernels bound to `memory` (compiled once per kind of memory, instantiated once per memory). */
export function simdFor(memory: WasmMemory): SimdKernels {
  let k = instances.get(memory);
  if (!k) {
    k = new WA.Instance(simdModuleFor(memory), { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, k);
  }
  return k;
}
