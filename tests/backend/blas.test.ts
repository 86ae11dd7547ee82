/**
 * The BLAS provider and every kernel that runs through it (matrix products, convolutions), the SIMD
 * activations, and training with and without the BLAS, against the cpu backend. Also passes with
 * TSDL_BLAS=off (then the same kernels are XNNPACK's and the checks still hold).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../../src/tf';
import { BLAS_KERNELS, startWasm } from '../../src/backend/wasm';
import { loadBlas } from '../../src/backend/blas/provider';
import { BLAS_MIN_MACS } from '../../src/backend/kernels/blas-matmul';
import { ACTIVATIONS, activate } from '../../src/activations';
import { SOURCE_SHA256 } from '../../src/backend/simd/kernels-wasm';
import { createHash } from 'node:crypto';
import { assertClose, rand, useWasm } from './compare';

const blasOff = process.env.TSDL_BLAS === 'off';
const openblasHere = ['/usr/lib/x86_64-linux-gnu/libopenblas.so.0', '/usr/lib/aarch64-linux-gnu/libopenblas.so.0'].some((p) => fs.existsSync(p));

test('the BLAS loads where the machine has one, and TSDL_BLAS=off turns it off with the reason', async (t) => {
  const r = await startWasm(tf);
  if (blasOff) {
    assert.equal(r.blas, undefined);
    assert.match(r.blasWhy ?? '', /TSDL_BLAS=off/);
    return;
  }
  if (!openblasHere && !process.env.TSDL_BLAS) {
    t.skip(`no libopenblas.so.0 on this machine (${r.blasWhy})`);
    return;
  }
  assert.ok(r.blas, `BLAS loaded: ${r.blasWhy}`);
  assert.ok(r.blas.threads >= 1 && r.blas.path.length > 0, JSON.stringify(r.blas));
  assert.ok(/OpenBLAS|MKL|BLIS|CBLAS|Accelerate/.test(r.blas.library), r.blas.library);
  for (const k of BLAS_KERNELS) assert.ok(tf.getKernel(k, 'wasm'), `${k} registered`);
});

test('a library that is not a CBLAS is refused with a reason naming it', () => {
  // The loader is cached per process; exercise its candidate logic in a child with a bogus path.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    "const {loadBlas}=require('./src/backend/blas/provider'); console.log(JSON.stringify(loadBlas()))"], {
    cwd: path.resolve(__dirname, '../..'), env: { ...process.env, TSDL_BLAS: '/nonexistent/libnotblas.so' }, encoding: 'utf8',
  });
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { reason?: string };
  assert.match(out.reason ?? '', /\/nonexistent\/libnotblas\.so/);
  assert.equal(loadBlas().blas === undefined, blasOff || !openblasHere, 'in this process the BLAS state matches the environment');
});

test("in a conda environment the BLAS in $CONDA_PREFIX/lib comes before the system's", (t) => {
  const system = ['/usr/lib/x86_64-linux-gnu/libopenblas.so.0', '/usr/lib/aarch64-linux-gnu/libopenblas.so.0'].find((p) => fs.existsSync(p));
  if (!system) {
    t.skip('no system libopenblas.so.0 to stand in for conda\'s');
    return;
  }
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-conda-'));
  try {
    fs.mkdirSync(path.join(prefix, 'lib'));
    fs.symlinkSync(fs.realpathSync(system), path.join(prefix, 'lib', 'libopenblas.so.0'));
    const env: NodeJS.ProcessEnv = { ...process.env, CONDA_PREFIX: prefix };
    delete env.TSDL_BLAS;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
      "const {loadBlas}=require('./src/backend/blas/provider'); const b = loadBlas(); console.log(JSON.stringify({ path: b.blas?.info.path, reason: b.reason }))"], {
      cwd: path.resolve(__dirname, '../..'), env, encoding: 'utf8',
    });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { path?: string; reason?: string };
    assert.equal(out.path, path.join(prefix, 'lib', 'libopenblas.so.0'), `loaded: ${JSON.stringify(out)} ${r.stderr.slice(-400)}`);
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});

test('BatchMatMul through the BLAS: transposes, batches, broadcasts, odd and tiny sizes match cpu', async () => {
  await useWasm();
  const cases: [number[], number[], boolean, boolean][] = [
    [[33, 47], [47, 29], false, false], [[47, 33], [47, 29], true, false], [[33, 47], [29, 47], false, true],
    [[47, 33], [29, 47], true, true], [[3, 17, 19], [3, 19, 23], false, false], [[3, 19, 17], [1, 23, 19], true, true],
    [[1, 40, 50], [4, 50, 30], false, false], [[2, 2, 9, 11], [2, 2, 11, 7], false, false],
    [[128, 784], [784, 512], false, false], [[128, 784], [128, 512], true, false], [[128, 10], [512, 10], false, true],
    [[1, 1], [1, 9], false, false], [[2, 3], [3, 2], false, false], // below BLAS_MIN_MACS: the previous kernel
    [[1, 64], [64, 64], false, false], [[64, 1], [1, 64], false, false],
  ];
  assert.ok(2 * 3 * 2 < BLAS_MIN_MACS, 'the tiny cases exercise the fallback');
  for (const [as, bs, ta, tb] of cases) {
    await assertClose(`matMul a${as} b${bs} tA=${ta} tB=${tb}`, () => tf.matMul(rand(as, 40), rand(bs, 41), ta, tb), 2e-4);
  }
  await assertClose('matMul gradients (transposed products)', () =>
    tf.grads((a: TF.Tensor, b: TF.Tensor) => tf.matMul(a, b).square().sum())([rand([37, 41], 42), rand([41, 13], 43)]), 2e-4);
});

test('_FusedMatMul through the BLAS: bias and each fused activation match cpu', async () => {
  await useWasm();
  for (const activation of ['linear', 'relu', 'leakyrelu', 'elu', 'sigmoid', 'relu6'] as const) {
    for (const [as, bs, ta, tb] of [[[31, 45], [45, 27], false, false], [[45, 31], [27, 45], true, true], [[2, 20, 30], [2, 30, 40], false, false]] as [number[], number[], boolean, boolean][]) {
      await assertClose(`fused matMul ${activation} a${as} b${bs}`, () => {
        const bias = rand([bs[bs.length - (tb ? 2 : 1)]], 46);
        return tf.fused.matMul({ a: rand(as, 44), b: rand(bs, 45), transposeA: ta, transposeB: tb, bias, activation, leakyreluAlpha: 0.1 });
      }, 2e-4);
    }
  }
  await assertClose('fused matMul without bias, relu', () => tf.fused.matMul({ a: rand([20, 30], 47), b: rand([30, 25], 48), activation: 'relu' }), 2e-4);
});

type Pad = 'same' | 'valid';
// [x NHWC, filter, stride, pad, dilation]
const convCases: [number[], number[], number, Pad, number][] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same', 1],
  [[2, 7, 7, 3], [3, 3, 3, 4], 1, 'same', 1],
  [[2, 7, 7, 3], [3, 3, 3, 4], 2, 'same', 1],
  [[3, 8, 8, 2], [3, 3, 2, 5], 2, 'valid', 1],
  [[2, 9, 6, 3], [2, 3, 3, 2], 2, 'valid', 1],
  [[1, 6, 9, 2], [5, 5, 2, 3], 1, 'same', 1],
  [[2, 11, 10, 3], [3, 3, 3, 2], 3, 'same', 1],
  [[1, 11, 11, 2], [3, 3, 2, 3], 3, 'valid', 1],
  [[4, 32, 32, 3], [3, 3, 3, 16], 1, 'same', 1],
  [[2, 6, 7, 5], [3, 3, 5, 2], 2, 'same', 1],
  [[1, 7, 7, 8], [2, 2, 8, 3], 1, 'valid', 1],
  [[2, 8, 8, 4], [1, 1, 4, 6], 1, 'valid', 1],
  [[1, 9, 9, 2], [3, 3, 2, 3], 1, 'same', 2],
  [[1, 10, 9, 3], [3, 2, 3, 4], 1, 'valid', 2],
];

test('Conv2D, FusedConv2D, Conv2DBackpropFilter (+bias) and Conv2DBackpropInput match cpu', async () => {
  await useWasm();
  for (const [xs, fs, s, pad, d] of convCases) {
    const what = `conv x${xs} f${fs} s${s} ${pad} d${d}`;
    const strides = d === 1 ? s : 1; // tfjs: dilations > 1 need stride 1
    await assertClose(`${what} forward`, () => tf.conv2d(rand(xs, 50) as TF.Tensor4D, rand(fs, 51) as TF.Tensor4D, strides, pad, 'NHWC', d), 2e-4);
    for (const activation of ['linear', 'relu', 'leakyrelu', 'elu', 'sigmoid'] as const) {
      await assertClose(`${what} fused ${activation}`, () => tf.fused.conv2d({
        x: rand(xs, 52) as TF.Tensor4D, filter: rand(fs, 53) as TF.Tensor4D, bias: rand([fs[3]], 54), strides, pad, dilations: d, activation, leakyreluAlpha: 0.2,
      }), 2e-4);
    }
    if (d !== 1) continue; // tfjs's conv2d gradient needs dilation 1
    await assertClose(`${what} gradients (input, filter, bias)`, () => {
      const x = rand(xs, 55);
      const f = rand(fs, 56);
      const b = rand([fs[3]], 57);
      return tf.grads((x: TF.Tensor, f: TF.Tensor, b: TF.Tensor) =>
        tf.fused.conv2d({ x: x as TF.Tensor4D, filter: f as TF.Tensor4D, bias: b, strides: s, pad }).square().sum())([x, f, b]);
    }, 2e-4);
    await assertClose(`${what} Conv2DBackpropInput kernel`, () => {
      const f = rand(fs, 58) as TF.Tensor4D;
      const dy = rand(tf.conv2d(rand(xs, 59) as TF.Tensor4D, f, s, pad).shape, 60);
      return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { strides: [s, s], pad, dataFormat: 'NHWC', inputShape: xs, dimRoundingMode: undefined } as unknown as TF.NamedAttrMap) as TF.Tensor;
    }, 2e-4);
    await assertClose(`${what} filter+bias gradient kernel`, () => {
      const x = rand(xs, 61) as TF.Tensor4D;
      const dy = rand(tf.conv2d(x, rand(fs, 62) as TF.Tensor4D, s, pad).shape, 63);
      const attrs = { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: fs } as unknown as TF.NamedAttrMap;
      if (tf.getBackend() === 'wasm') return tf.engine().runKernel('TsdlConv2DFilterBiasGrad', { x, dy }, attrs) as TF.Tensor[];
      return [tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as TF.Tensor, tf.sum(dy, [0, 1, 2])];
    }, 2e-4);
  }
});

test('the cached patch matrix is never reused for another input, geometry or a recycled buffer', async () => {
  await useWasm();
  // Forward on x1 caches P(x1); the filter gradient of x2 (same shape) must not use it; nor may a
  // tensor that got x1's memory after x1 was disposed.
  await assertClose('filter grad after a forward on another input', () => {
    const f = rand([3, 3, 3, 4], 70) as TF.Tensor4D;
    const x1 = rand([2, 8, 8, 3], 71) as TF.Tensor4D;
    const x2 = rand([2, 8, 8, 3], 72) as TF.Tensor4D;
    const y = tf.fused.conv2d({ x: x1, filter: f, bias: rand([4], 73), pad: 'same', strides: 1 });
    const dy = rand(y.shape, 74);
    const g2 = tf.engine().runKernel('Conv2DBackpropFilter', { x: x2, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as unknown as TF.NamedAttrMap) as TF.Tensor;
    x1.dispose();
    const x3 = rand([2, 8, 8, 3], 75) as TF.Tensor4D; // likely reuses x1's heap block
    const g3 = tf.engine().runKernel('Conv2DBackpropFilter', { x: x3, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as unknown as TF.NamedAttrMap) as TF.Tensor;
    const g3s2 = tf.engine().runKernel('Conv2DBackpropFilter', { x: x3, dy: rand([2, 4, 4, 4], 76) }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as unknown as TF.NamedAttrMap) as TF.Tensor;
    return [y, g2, g3, g3s2];
  }, 2e-4);
});

test('fused activations (swish, mish, GELU, ELU, SELU, ...) and their gradients match the composites on cpu', async () => {
  await useWasm();
  for (const a of ACTIVATIONS) {
    for (const shape of [[7], [3, 5], [2, 6, 6, 3], [1003]]) {
      await assertClose(`${a.name} ${shape}`, () => {
        const x = rand(shape, 80, -6, 6);
        const w = rand(shape, 81);
        return [activate(a.name, x), tf.grad((t: TF.Tensor) => activate(a.name, t).mul(w).sum())(x)];
      }, 2e-5);
    }
  }
  // Extremes: saturation, overflow guards, exact zeros.
  await assertClose('activations at extremes', () => {
    const x = tf.tensor1d([-100, -30, -20, -5, -1e-3, 0, 1e-3, 5, 20, 30, 100]);
    return ACTIVATIONS.filter((a) => a.name !== 'linear').flatMap((a) => [activate(a.name, x), tf.grad((t: TF.Tensor) => activate(a.name, t).sum())(x)]);
  }, 2e-5);
  await assertClose('tanh and sigmoid kernels and gradients', () => {
    const x = rand([4001], 82, -9, 9);
    return [tf.tanh(x), tf.sigmoid(x), tf.grad((t: TF.Tensor) => tf.tanh(t).sum())(x), tf.grad((t: TF.Tensor) => tf.sigmoid(t).sum())(x)];
  }, 2e-5);
});

test('training a few steps gives the same losses with and without the BLAS', async (t) => {
  if (blasOff || !loadBlas().blas) {
    t.skip('no BLAS in this process: nothing to compare');
    return;
  }
  const script = path.join(__dirname, 'fixtures', 'train-losses.ts');
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(__dirname, '../..'), env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('LOSSES '));
    assert.ok(line, `train-losses.ts printed no losses: ${r.stderr.slice(-500)}`);
    return JSON.parse(line.slice(7)) as { blas: string; losses: Record<string, number[]> };
  };
  const withBlas = run({});
  const without = run({ TSDL_BLAS: 'off' });
  assert.notEqual(withBlas.blas, 'off');
  assert.equal(without.blas, 'off');
  for (const [name, ls] of Object.entries(withBlas.losses)) {
    ls.forEach((l, i) => {
      const ref = without.losses[name][i];
      assert.ok(Math.abs(l - ref) < 1e-4 * Math.max(1, Math.abs(ref)), `${name} step ${i}: BLAS ${l} vs XNNPACK ${ref}`);
    });
    assert.ok(ls.every(Number.isFinite) && ls[ls.length - 1] !== ls[0], `${name} trains (finite, changing losses): ${ls}`);
  }
});

test('the committed SIMD binaries were built from the committed kernels.c', () => {
  const src = fs.readFileSync(path.resolve(__dirname, '../../src/backend/simd/kernels.c'));
  assert.equal(createHash('sha256').update(src).digest('hex'), SOURCE_SHA256, 'kernels.c changed: run src/backend/simd/build.sh');
});
