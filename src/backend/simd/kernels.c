// tsdl's wasm SIMD kernels: loops that run on the tfjs wasm backend's own memory (imported), so they
// read and write tensors in place. Every pointer is a byte offset into that memory.
//
// Rules that keep this module safe inside another module's memory: no static data, no stack frames
// (no local arrays, no address-taken locals, no libc), so the module never writes anywhere but the
// buffers it is handed. build.sh checks the output for data segments and stack-pointer use.
// Built by src/backend/simd/build.sh (clang --target=wasm32 -msimd128) into kernels-wasm.ts.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

typedef v128_t V;

INLINE V splat(float v) { return wasm_f32x4_splat(v); }
INLINE V ld(const float *p) { return wasm_v128_load(p); }
INLINE void st(float *p, V v) { wasm_v128_store(p, v); }
INLINE V add(V a, V b) { return wasm_f32x4_add(a, b); }
INLINE V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
INLINE V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
INLINE V dv(V a, V b) { return wasm_f32x4_div(a, b); }
INLINE V mad(V a, V b, V c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
// min/max as one x86 instruction each (minps/maxps): wasm's f32x4.min/max have IEEE NaN and
// signed-zero rules that V8 lowers to ~7 instructions, which made exp-based passes ~2x slower.
// Argument order keeps NaN propagating from x: vmax(x, c) = x < c ? c : x, vmin(x, c) = c < x ? c : x.
INLINE V vmax(V x, V c) { return wasm_f32x4_pmax(x, c); }
INLINE V vmin(V x, V c) { return wasm_f32x4_pmin(x, c); }

// Loads/stores of the last n < 4 elements without touching memory past them.
INLINE V ld_tail(const float *p, int n) {
  return wasm_f32x4_make(p[0], n > 1 ? p[1] : 0.0f, n > 2 ? p[2] : 0.0f, 0.0f);
}
INLINE void st_tail(float *p, V v, int n) {
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (n > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (n > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

// e^x for x ≤ 88 (callers clamp above where needed): round x·log2(e) with a magic bias (2^n by a
// shift into the exponent), r = x − n·ln2 (one constant: |n| ≤ 127 keeps the error < 2e-7),
// e^r = 1 + r + r²·(c2 + c3·r + c4·r²), a minimax fit on [−ln2/2, ln2/2] (relative error 5.4e-6:
// below what training and the tests against tfjs's cpu backend need, and 4 ops fewer than degree 5).
// x below −87.3 is clamped so that 2^n stays a normal float.
INLINE V vexp_hi(V x) {
  x = vmax(x, splat(-87.3f));
  const V magic = splat(0x1.8000FEp23f); // 1.5·2^23 + 127: rounds and adds the exponent bias
  V v = mad(x, splat(0x1.715476p+0f), magic);
  V s = wasm_i32x4_shl(v, 23);           // 2^round(x·log2 e)
  V r = mad(sub(v, magic), splat(-0x1.62E430p-1f), x);
  V p = mad(splat(0x1.5225b6p-5f), r, splat(0x1.571caap-3f));
  p = mad(p, r, splat(0x1.0006b4p-1f));
  return mad(s, mad(mul(r, r), p, r), s);
}

INLINE V vexp(V x) { return vexp_hi(vmin(x, splat(88.0f))); }

INLINE V vabs(V x) { return wasm_f32x4_abs(x); }
INLINE V vcopysign(V mag, V sign) {
  return wasm_v128_bitselect(sign, mag, wasm_i32x4_splat((int)0x80000000));
}

// tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)); absolute error ~1e-7.
INLINE V vtanh(V x) {
  V e = vexp(mul(vabs(x), splat(2.0f)));
  V t = sub(splat(1.0f), dv(splat(2.0f), add(e, splat(1.0f))));
  return vcopysign(t, x);
}

INLINE V vsigmoid(V x) { return dv(splat(1.0f), add(splat(1.0f), vexp(wasm_f32x4_neg(x)))); }

// Φ(x) = (1 + erf(x/√2))/2 with erf(z) ≈ z·P(z²)/Q(z²), |z| ≤ 3.92 (erf is ±1 in float32 beyond):
// a rational minimax fit (degrees 5/5, max abs error 5e-7 in float32, like the Abramowitz–Stegun
// formula tfjs's cpu backend uses) — no exp and one division, half the work of that formula.
INLINE V vphi(V x) {
  V z = vmin(vmax(mul(x, splat(0.70710678118654752f)), splat(-3.92f)), splat(3.92f));
  V t = mul(z, z);
  V p = mad(splat(0x1.05eb9cp-19f), t, splat(0x1.491f08p-12f));
  p = mad(p, t, splat(0x1.37aa9ap-8f));
  p = mad(p, t, splat(0x1.c8858cp-5f));
  p = mad(p, t, splat(0x1.b35cd8p-3f));
  p = mad(p, t, splat(0x1.20dd60p+0f));
  V q = mad(splat(0x1.43fe7ap-15f), t, splat(0x1.738b46p-10f));
  q = mad(q, t, splat(0x1.150ae2p-6f));
  q = mad(q, t, splat(0x1.f92894p-4f));
  q = mad(q, t, splat(0x1.0b1e36p-1f));
  q = mad(q, t, splat(1.0f));
  return mad(splat(0.5f), mul(z, dv(p, q)), splat(0.5f));
}

// Activation kinds (same numbers as in fused-activations.ts).
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_LEAKY = 2, ACT_ELU = 3, ACT_SELU = 4, ACT_SWISH = 5, ACT_MISH = 6,
       ACT_GELU = 7, ACT_TANH = 8, ACT_SIGMOID = 9, ACT_RELU6 = 10 };

#define SELU_ALPHA 1.6732632423543772f
#define SELU_SCALE 1.0507009873554805f

INLINE V act_fwd(int kind, V x, float alpha) {
  V zero = splat(0.0f);
  switch (kind) {
    case ACT_RELU: return vmax(x, zero);
    case ACT_LEAKY: return wasm_v128_bitselect(x, mul(x, splat(alpha)), wasm_f32x4_gt(x, zero));
    case ACT_ELU: {
      V neg = mul(splat(alpha), sub(vexp(vmin(x, zero)), splat(1.0f)));
      return wasm_v128_bitselect(x, neg, wasm_f32x4_gt(x, zero));
    }
    case ACT_SELU: {
      V neg = mul(splat(SELU_ALPHA), sub(vexp(vmin(x, zero)), splat(1.0f)));
      return mul(splat(SELU_SCALE), wasm_v128_bitselect(x, neg, wasm_f32x4_gt(x, zero)));
    }
    case ACT_SWISH: return mul(x, vsigmoid(x));
    case ACT_MISH: {
      // tanh(softplus(x)) = u / (u + 2) with u = e^x (e^x + 2); for x > 20 it is 1 in float32.
      V n = vexp_hi(vmin(x, splat(20.0f)));
      V u = mul(n, add(n, splat(2.0f)));
      return mul(x, dv(u, add(u, splat(2.0f))));
    }
    case ACT_GELU: return mul(x, vphi(x));
    case ACT_TANH: return vtanh(x);
    case ACT_SIGMOID: return vsigmoid(x);
    case ACT_RELU6: return vmin(vmax(x, zero), splat(6.0f));
    default: return x;
  }
}

// dL/dx from dL/dy and the activation's input x.
INLINE V act_grad(int kind, V x, V g, float alpha) {
  V zero = splat(0.0f);
  V one = splat(1.0f);
  switch (kind) {
    case ACT_RELU: return wasm_v128_and(g, wasm_f32x4_gt(x, zero));
    case ACT_LEAKY: return wasm_v128_bitselect(g, mul(g, splat(alpha)), wasm_f32x4_gt(x, zero));
    case ACT_ELU: return wasm_v128_bitselect(g, mul(g, mul(splat(alpha), vexp(vmin(x, zero)))), wasm_f32x4_gt(x, zero));
    case ACT_SELU:
      return mul(splat(SELU_SCALE), wasm_v128_bitselect(g, mul(g, mul(splat(SELU_ALPHA), vexp(vmin(x, zero)))), wasm_f32x4_gt(x, zero)));
    case ACT_SWISH: {
      V s = vsigmoid(x);
      return mul(g, mul(s, add(one, mul(x, sub(one, s)))));
    }
    case ACT_MISH: {
      // mish' = t + x·(1 − t²)·σ(x), t = tanh(softplus(x)), σ(x) = n / (1 + n).
      V n = vexp_hi(vmin(x, splat(20.0f)));
      V u = mul(n, add(n, splat(2.0f)));
      V t = dv(u, add(u, splat(2.0f)));
      V s = dv(n, add(one, n));
      return mul(g, add(t, mul(mul(x, sub(one, mul(t, t))), s)));
    }
    case ACT_GELU: {
      // Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π).
      V pdf = mul(splat(0.3989422804014327f), vexp(mul(splat(-0.5f), mul(x, x))));
      return mul(g, mad(x, pdf, vphi(x)));
    }
    case ACT_TANH: { V t = vtanh(x); return mul(g, sub(one, mul(t, t))); }
    case ACT_SIGMOID: { V s = vsigmoid(x); return mul(g, mul(s, sub(one, s))); }
    case ACT_RELU6: return wasm_v128_and(g, wasm_v128_and(wasm_f32x4_gt(x, zero), wasm_f32x4_lt(x, splat(6.0f))));
    default: return g;
  }
}

// f(x), keeping in *aux what f' needs besides x (so f' at a chosen x costs no second exp).
INLINE V act_fwd_aux(int kind, V x, float alpha, V *aux) {
  switch (kind) {
    case ACT_SWISH: { V s = vsigmoid(x); *aux = s; return mul(x, s); }
    case ACT_MISH: {
      V n = vexp_hi(vmin(x, splat(20.0f)));
      V u = mul(n, add(n, splat(2.0f)));
      *aux = n;
      return mul(x, dv(u, add(u, splat(2.0f))));
    }
    case ACT_GELU: { V cdf = vphi(x); *aux = cdf; return mul(x, cdf); }
    default: *aux = x; return act_fwd(kind, x, alpha);
  }
}

// f'(x) from x and act_fwd_aux's aux.
INLINE V act_grad_aux(int kind, V x, V aux, float alpha) {
  V one = splat(1.0f);
  switch (kind) {
    case ACT_SWISH: return mul(aux, add(one, mul(x, sub(one, aux))));
    case ACT_MISH: {
      V n = aux;
      V u = mul(n, add(n, splat(2.0f)));
      V t = dv(u, add(u, splat(2.0f)));
      V s = dv(n, add(one, n));
      return add(t, mul(mul(x, sub(one, mul(t, t))), s));
    }
    case ACT_GELU: return mad(x, mul(splat(0.3989422804014327f), vexp(mul(splat(-0.5f), mul(x, x)))), aux);
    default: return act_grad(kind, x, one, alpha);
  }
}

// The kind is a loop invariant: one specialised loop per kind (the switch inlines away).
#define EACH_KIND(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10)

#define FWD_LOOP(K)                                                                      \
  case K: {                                                                              \
    int i = 0;                                                                           \
    for (; i + 4 <= n; i += 4) st(y + i, act_fwd(K, ld(x + i), alpha));                  \
    if (i < n) st_tail(y + i, act_fwd(K, ld_tail(x + i, n - i), alpha), n - i);          \
    return;                                                                              \
  }

EXPORT(act_forward) void act_forward(int kind, const float *x, float *y, int n, float alpha) {
  switch (kind) { EACH_KIND(FWD_LOOP) default: return; }
}

#define GRAD_LOOP(K)                                                                                  \
  case K: {                                                                                           \
    int i = 0;                                                                                        \
    for (; i + 4 <= n; i += 4) st(dx + i, act_grad(K, ld(x + i), ld(dy + i), alpha));                 \
    if (i < n) st_tail(dx + i, act_grad(K, ld_tail(x + i, n - i), ld_tail(dy + i, n - i), alpha), n - i); \
    return;                                                                                           \
  }

EXPORT(act_backward) void act_backward(int kind, const float *x, const float *dy, float *dx, int n, float alpha) {
  switch (kind) { EACH_KIND(GRAD_LOOP) default: return; }
}

// Gradients from the activation's OUTPUT y (what tfjs saves for tanh and sigmoid).
EXPORT(tanh_grad_from_y) void tanh_grad_from_y(const float *y, const float *dy, float *dx, int n) {
  V one = splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) { V t = ld(y + i); st(dx + i, mul(ld(dy + i), sub(one, mul(t, t)))); }
  if (i < n) { V t = ld_tail(y + i, n - i); st_tail(dx + i, mul(ld_tail(dy + i, n - i), sub(one, mul(t, t))), n - i); }
}

EXPORT(sigmoid_grad_from_y) void sigmoid_grad_from_y(const float *y, const float *dy, float *dx, int n) {
  V one = splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) { V s = ld(y + i); st(dx + i, mul(ld(dy + i), mul(s, sub(one, s)))); }
  if (i < n) { V s = ld_tail(y + i, n - i); st_tail(dx + i, mul(ld_tail(dy + i, n - i), mul(s, sub(one, s))), n - i); }
}

// out[r][c] = act(out[r][c] + bias[c]) over a rows × cols matrix (bias may be 0: none).
EXPORT(bias_act) void bias_act(float *out, const float *bias, int rows, int cols, int kind, float alpha) {
  for (int r = 0; r < rows; r++) {
    float *o = out + (long)r * cols;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      V v = ld(o + c);
      if (bias) v = add(v, ld(bias + c));
      st(o + c, act_fwd(kind, v, alpha));
    }
    for (; c < cols; c++) {
      V v = splat(o[c] + (bias ? bias[c] : 0.0f));
      o[c] = wasm_f32x4_extract_lane(act_fwd(kind, v, alpha), 0);
    }
  }
}

INLINE void copy_run(float *d, const float *s, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st(d + i, ld(s + i));
  for (; i < n; i++) d[i] = s[i];
}
INLINE void zero_run(float *d, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st(d + i, splat(0.0f));
  for (; i < n; i++) d[i] = 0.0f;
}
INLINE void add_run(float *d, const float *s, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st(d + i, add(ld(d + i), ld(s + i)));
  for (; i < n; i++) d[i] += s[i];
}

// out[c] = Σ_r m[r][c] (the bias gradient: dy summed over every axis but the channels).
EXPORT(col_sum) void col_sum(const float *m, float *out, int rows, int cols) {
  zero_run(out, cols);
  for (int r = 0; r < rows; r++) add_run(out, m + (long)r * cols, cols);
}

// Patch matrix of an NHWC image batch: p[(b·OH + y)·OW + x][(i·KW + j)·C + c] =
// x[b][y·sh − top + i·dh][x·sw − left + j·dw][c], 0 outside the image. Rows are output pixels,
// `ldp` apart; with `ones`, column KH·KW·C of every row is 1 (a bias row in the filter matrix then
// adds the bias inside the product, and the product's transpose yields the bias gradient).
// n ≥ 4 floats as vector copies, the last one overlapping the one before (no scalar tail).
INLINE void copy_n(float *d, const float *s, int n) {
  int i = 0;
  for (; i + 4 < n; i += 4) st(d + i, ld(s + i));
  st(d + n - 4, ld(s + n - 4));
}

// One kernel row's run of patches [xo0, xo1) at the image border, cell by cell.
INLINE void patch_run_edge(float *col, int ldp, const float *src, int xo0, int xo1, int w, int c, int kw, int sw, int dw, int left) {
  for (int xo = xo0; xo < xo1; xo++) {
    float *d = col + (long)xo * ldp;
    int x0 = xo * sw - left;
    for (int j = 0; j < kw; j++) {
      int xi = x0 + j * dw;
      if (xi < 0 || xi >= w) zero_run(d + j * c, c);
      else copy_run(d + j * c, src + (long)xi * c, c);
    }
  }
}

EXPORT(im2col) void im2col(const float *x, float *p, int ldp, int ones, int nb, int h, int w, int c, int kh, int kw,
                           int sh, int sw, int dh, int dw, int top, int left, int oh, int ow) {
  int k = kh * kw * c;
  int run = kw * c; // one kernel row of a patch: contiguous in the image when dw == 1
  // Patches whose kernel rows lie inside the image width: [xlo, xhi).
  int xlo = (left + sw - 1) / sw;
  int xhi = w - (kw - 1) * dw + left > 0 ? (w - (kw - 1) * dw - 1 + left) / sw + 1 : 0;
  if (xlo > ow) xlo = ow;
  if (xhi > ow) xhi = ow;
  if (xhi < xlo) xhi = xlo;
  int fast = dw == 1 && run >= 4;
  for (int b = 0; b < nb; b++) {
    const float *img = x + (long)b * h * w * c;
    for (int yo = 0; yo < oh; yo++) {
      float *rows = p + ((long)b * oh + yo) * ow * ldp;
      // 3×3 kernels over 3 channels (an RGB first layer) with the bias column: each interior patch
      // row is 27 floats from three image rows plus the 1, written as 7 aligned vectors.
      int y0 = yo * sh - top;
      if (fast && run == 9 && kh == 3 && dh == 1 && ones && ldp == 28 && y0 >= 0 && y0 + 3 <= h && xhi > xlo) {
        const float *r0 = img + ((long)y0 * w - left) * c, *r1 = r0 + (long)w * c, *r2 = r1 + (long)w * c;
        V onev = splat(1.0f);
        for (int i = 0; i < kh; i++) {
          const float *src = img + (long)(y0 + i) * w * c;
          patch_run_edge(rows + i * run, ldp, src, 0, xlo, w, c, kw, sw, dw, left);
          patch_run_edge(rows + i * run, ldp, src, xhi, ow, w, c, kw, sw, dw, left);
        }
        for (int xo = 0; xo < xlo; xo++) rows[(long)xo * ldp + k] = 1.0f;
        for (int xo = xhi; xo < ow; xo++) rows[(long)xo * ldp + k] = 1.0f;
        for (int xo = xlo; xo < xhi; xo++) {
          long o = (long)xo * sw * c;
          const float *s0 = r0 + o, *s1 = r1 + o, *s2 = r2 + o;
          float *d = rows + (long)xo * 28;
          st(d, ld(s0));
          st(d + 4, ld(s0 + 4));
          st(d + 8, wasm_i32x4_shuffle(ld(s0 + 5), ld(s1), 3, 4, 5, 6));
          st(d + 12, ld(s1 + 3));
          st(d + 16, wasm_i32x4_shuffle(ld(s1 + 5), ld(s2), 2, 3, 4, 5));
          st(d + 20, ld(s2 + 2));
          st(d + 24, wasm_i32x4_shuffle(ld(s2 + 5), onev, 1, 2, 3, 4));
        }
        continue;
      }
      if (ones) for (int xo = 0; xo < ow; xo++) rows[(long)xo * ldp + k] = 1.0f;
      for (int i = 0; i < kh; i++) {
        float *col = rows + i * run;
        int yi = yo * sh - top + i * dh;
        if (yi < 0 || yi >= h) {
          for (int xo = 0; xo < ow; xo++) zero_run(col + (long)xo * ldp, run);
          continue;
        }
        const float *src = img + (long)yi * w * c;
        if (!fast) { patch_run_edge(col, ldp, src, 0, ow, w, c, kw, sw, dw, left); continue; }
        patch_run_edge(col, ldp, src, 0, xlo, w, c, kw, sw, dw, left);
        for (int xo = xlo; xo < xhi; xo++) copy_n(col + (long)xo * ldp, src + (long)(xo * sw - left) * c, run);
        patch_run_edge(col, ldp, src, xhi, ow, w, c, kw, sw, dw, left);
      }
    }
  }
}

// The adjoint of im2col: dx = Σ over patches of their gradient rows (dx zero-filled here).
EXPORT(col2im) void col2im(const float *p, float *dx, int nb, int h, int w, int c, int kh, int kw,
                           int sh, int sw, int dh, int dw, int top, int left, int oh, int ow) {
  int k = kh * kw * c;
  zero_run(dx, nb * h * w * c);
  const float *row = p;
  for (int b = 0; b < nb; b++) {
    float *img = dx + (long)b * h * w * c;
    for (int yo = 0; yo < oh; yo++) {
      for (int xo = 0; xo < ow; xo++, row += k) {
        int y0 = yo * sh - top;
        int x0 = xo * sw - left;
        const float *s = row;
        for (int i = 0; i < kh; i++, s += kw * c) {
          int yi = y0 + i * dh;
          if (yi < 0 || yi >= h) continue;
          float *dst = img + (long)yi * w * c;
          if (dw == 1 && x0 >= 0 && x0 + kw <= w) { add_run(dst + (long)x0 * c, s, kw * c); continue; }
          for (int j = 0; j < kw; j++) {
            int xi = x0 + j * dw;
            if (xi >= 0 && xi < w) add_run(dst + (long)xi * c, s + j * c, c);
          }
        }
      }
    }
  }
}

// Max-pool gradient, NHWC: each output's gradient goes to the first cell (row-major) of its window
// equal to the forward maximum (the cpu backend's rule). dx is zero-filled here.
// 2×2 windows, stride 2, tiling the image exactly: every input cell gets one plain store.
static void max_pool_grad_2x2(const float *x, const float *y, const float *dy, float *dx, int nb, int oh, int ow, int c) {
  int w = 2 * ow;
  long rs = (long)w * c;
  for (int b = 0; b < nb; b++) {
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        long o = (((long)b * oh + i) * ow + j) * c;
        long i0 = (((long)b * 2 * oh + 2 * i) * w + 2 * j) * c;
        long i1 = i0 + c, i2 = i0 + rs, i3 = i2 + c;
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          V m = ld(y + o + k);
          V g = ld(dy + o + k);
          V e0 = wasm_f32x4_eq(ld(x + i0 + k), m);
          V e1 = wasm_v128_andnot(wasm_f32x4_eq(ld(x + i1 + k), m), e0);
          V t = wasm_v128_or(e0, e1);
          V e2 = wasm_v128_andnot(wasm_f32x4_eq(ld(x + i2 + k), m), t);
          t = wasm_v128_or(t, e2);
          V e3 = wasm_v128_andnot(wasm_f32x4_eq(ld(x + i3 + k), m), t);
          st(dx + i0 + k, wasm_v128_and(g, e0));
          st(dx + i1 + k, wasm_v128_and(g, e1));
          st(dx + i2 + k, wasm_v128_and(g, e2));
          st(dx + i3 + k, wasm_v128_and(g, e3));
        }
        for (; k < c; k++) {
          float m = y[o + k], g = dy[o + k];
          int e0 = x[i0 + k] == m, e1 = !e0 && x[i1 + k] == m, e2 = !e0 && !e1 && x[i2 + k] == m;
          int e3 = !e0 && !e1 && !e2 && x[i3 + k] == m;
          dx[i0 + k] = e0 ? g : 0.0f;
          dx[i1 + k] = e1 ? g : 0.0f;
          dx[i2 + k] = e2 ? g : 0.0f;
          dx[i3 + k] = e3 ? g : 0.0f;
        }
      }
    }
  }
}

EXPORT(max_pool_grad) void max_pool_grad(const float *x, const float *y, const float *dy, float *dx,
                                         int nb, int h, int w, int c, int oh, int ow, int fh, int fw,
                                         int sh, int sw, int dh, int dw, int top, int left) {
  if (fh == 2 && fw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1 && top == 0 && left == 0 && h == 2 * oh && w == 2 * ow) {
    max_pool_grad_2x2(x, y, dy, dx, nb, oh, ow, c);
    return;
  }
  zero_run(dx, nb * h * w * c);
  for (int b = 0; b < nb; b++) {
    const float *xb = x + (long)b * h * w * c;
    float *db = dx + (long)b * h * w * c;
    for (int i = 0; i < oh; i++) {
      int h0 = i * sh - top;
      for (int j = 0; j < ow; j++) {
        int w0 = j * sw - left;
        long o = (((long)b * oh + i) * ow + j) * c;
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          V m = ld(y + o + k);
          V g = ld(dy + o + k);
          V taken = wasm_i32x4_splat(0);
          for (int p = 0; p < fh; p++) {
            int yi = h0 + p * dh;
            if (yi < 0 || yi >= h) continue;
            for (int q = 0; q < fw; q++) {
              int xi = w0 + q * dw;
              if (xi < 0 || xi >= w) continue;
              long idx = ((long)yi * w + xi) * c + k;
              V hit = wasm_v128_andnot(wasm_f32x4_eq(ld(xb + idx), m), taken);
              taken = wasm_v128_or(taken, hit);
              st(db + idx, add(ld(db + idx), wasm_v128_and(g, hit)));
            }
          }
        }
        for (; k < c; k++) {
          float m = y[o + k];
          float g = dy[o + k];
          int taken = 0;
          for (int p = 0; p < fh && !taken; p++) {
            int yi = h0 + p * dh;
            if (yi < 0 || yi >= h) continue;
            for (int q = 0; q < fw; q++) {
              int xi = w0 + q * dw;
              if (xi < 0 || xi >= w) continue;
              long idx = ((long)yi * w + xi) * c + k;
              if (xb[idx] == m) { db[idx] += g; taken = 1; break; }
            }
          }
        }
      }
    }
  }
}

// out = a + alpha·b (the SGD update w − lr·g, with alpha = −lr), in place when out == a.
EXPORT(axpy) void axpy(float *out, const float *a, const float *b, float alpha, int n) {
  V al = splat(alpha);
  int i = 0;
  for (; i + 4 <= n; i += 4) st(out + i, mad(al, ld(b + i), ld(a + i)));
  for (; i < n; i++) out[i] = a[i] + alpha * b[i];
}

// ---- Fused training step (src/train/fused/) -------------------------------------------------

// y = f(x) and d = f'(x) in one pass (the backward is then one multiply); y may alias x.
#define FWD_GRAD_LOOP(K)                                                                            \
  case K: {                                                                                         \
    int i = 0;                                                                                      \
    for (; i + 4 <= n; i += 4) { V v = ld(x + i), a, f = act_fwd_aux(K, v, alpha, &a); st(d + i, act_grad_aux(K, v, a, alpha)); st(y + i, f); } \
    if (i < n) { V v = ld_tail(x + i, n - i), a, f = act_fwd_aux(K, v, alpha, &a); st_tail(d + i, act_grad_aux(K, v, a, alpha), n - i); st_tail(y + i, f, n - i); } \
    return;                                                                                         \
  }

EXPORT(act_forward_grad) void act_forward_grad(int kind, const float *x, float *y, float *d, int n, float alpha) {
  switch (kind) { EACH_KIND(FWD_GRAD_LOOP) default: return; }
}

// out = a · b, element-wise.
EXPORT(vmul) void vmul(const float *a, const float *b, float *out, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st(out + i, mul(ld(a + i), ld(b + i)));
  for (; i < n; i++) out[i] = a[i] * b[i];
}

// The first of the four cells whose value equals v (0..3 per lane; v is one of them):
// ¬e0·(1 + ¬e1·(1 + ¬e2·1)) with e_k the lane masks of a_k == v.
INLINE V first_equal(V a0, V a1, V a2, V v) {
  V one = wasm_i32x4_splat(1);
  V i = wasm_v128_andnot(one, wasm_f32x4_eq(a2, v));
  i = wasm_v128_andnot(wasm_i32x4_add(one, i), wasm_f32x4_eq(a1, v));
  return wasm_v128_andnot(wasm_i32x4_add(one, i), wasm_f32x4_eq(a0, v));
}

// One 2×2 window of 4 channels: the winner (first maximum, row-major, the cpu backend's rule) of
// f over the window, f(winner) in *out, f'(winner) in *dw and the winning cell (0..3) in *iw.
// A non-decreasing f (MONOTONE) wins where x does, and runs once. Swish, mish and GELU fall, then
// rise (one minimum, at x < 0): over any set of points their maximum is at its smallest or its
// largest x, so f runs twice, not four times. (Only where f rounds to equal values at distinct x,
// e.g. GELU's 0 far below its minimum, may another maximal cell get the gradient — ~0 there.)
INLINE void pool_window(int kind, int mono, V a0, V a1, V a2, V a3, float alpha, V *out, V *dw, V *iw) {
  V hi = vmax(vmax(a0, a1), vmax(a2, a3));
  if (mono) {
    *out = act_fwd(kind, hi, alpha);
    *dw = act_grad(kind, hi, splat(1.0f), alpha);
    *iw = first_equal(a0, a1, a2, hi);
    return;
  }
  V lo = vmin(vmin(a0, a1), vmin(a2, a3));
  V uh, ul;
  V fh = act_fwd_aux(kind, hi, alpha, &uh), fl = act_fwd_aux(kind, lo, alpha, &ul);
  V low = wasm_f32x4_gt(fl, fh); // the smallest x wins (a tie goes to the largest)
  V xw = wasm_v128_bitselect(lo, hi, low);
  *out = wasm_v128_bitselect(fl, fh, low);
  *dw = act_grad_aux(kind, xw, wasm_v128_bitselect(ul, uh, low), alpha);
  *iw = first_equal(a0, a1, a2, xw);
}

INLINE void store_idx(unsigned char *p, V iw, int n) {
  if (n == 4) {
    V b = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(iw, iw), wasm_i16x8_narrow_i32x4(iw, iw));
    wasm_v128_store32_lane(p, b, 0);
    return;
  }
  p[0] = (unsigned char)wasm_i32x4_extract_lane(iw, 0);
  if (n > 1) p[1] = (unsigned char)wasm_i32x4_extract_lane(iw, 1);
  if (n > 2) p[2] = (unsigned char)wasm_i32x4_extract_lane(iw, 2);
}

// Activation f then 2×2 max-pool, stride 2, no padding, NHWC: x [nb, h, w, c] → y [nb, h/2, w/2, c]
// (an odd last row or column is dropped, as 'valid' pooling does). For the backward it keeps, per
// output, f' at the winning cell (d) and which cell won (idx: 0..3, row-major in the window).
// For a non-decreasing f (all kinds but swish, mish and GELU) pooling x first and applying f to the
// maximum gives the same values and gradients with a quarter of the f evaluations.
#define MONOTONE(K) ((K) != ACT_SWISH && (K) != ACT_MISH && (K) != ACT_GELU)
#define ACT_POOL_LOOP(K)                                                                           \
  case K: {                                                                                        \
    for (int b = 0; b < nb; b++)                                                                   \
      for (int i = 0; i < oh; i++)                                                                 \
        for (int j = 0; j < ow; j++) {                                                             \
          long o = (((long)b * oh + i) * ow + j) * c;                                              \
          long i0 = (((long)b * h + 2 * i) * w + 2 * j) * c, i1 = i0 + c, i2 = i0 + rs, i3 = i2 + c; \
          int k = 0;                                                                               \
          for (; k + 4 <= c; k += 4) {                                                             \
            V out, dwin, iwin;                                                                     \
            pool_window(K, MONOTONE(K), ld(x + i0 + k), ld(x + i1 + k), ld(x + i2 + k), ld(x + i3 + k), alpha, &out, &dwin, &iwin); \
            st(y + o + k, out); st(d + o + k, dwin); store_idx(idx + o + k, iwin, 4);              \
          }                                                                                        \
          if (k < c) {                                                                             \
            int t = c - k;                                                                         \
            V out, dwin, iwin;                                                                     \
            pool_window(K, MONOTONE(K), ld_tail(x + i0 + k, t), ld_tail(x + i1 + k, t), ld_tail(x + i2 + k, t), ld_tail(x + i3 + k, t), alpha, &out, &dwin, &iwin); \
            st_tail(y + o + k, out, t); st_tail(d + o + k, dwin, t); store_idx(idx + o + k, iwin, t); \
          }                                                                                        \
        }                                                                                          \
    return;                                                                                        \
  }

EXPORT(act_pool_fwd) void act_pool_fwd(int kind, const float *x, float *y, float *d, unsigned char *idx,
                                       int nb, int h, int w, int c, float alpha) {
  int oh = h / 2, ow = w / 2;
  long rs = (long)w * c;
  switch (kind) { EACH_KIND(ACT_POOL_LOOP) default: return; }
}

// The backward of act_pool_fwd: dx [nb, h, w, c] is dy·f' at each window's winning cell, 0 elsewhere.
EXPORT(act_pool_bwd) void act_pool_bwd(const float *dy, const float *d, const unsigned char *idx, float *dx,
                                       int nb, int h, int w, int c) {
  int oh = h / 2, ow = w / 2;
  long rs = (long)w * c;
  if (h != 2 * oh || w != 2 * ow) zero_run(dx, nb * h * w * c); // cells no window covers
  for (int b = 0; b < nb; b++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++) {
        long o = (((long)b * oh + i) * ow + j) * c;
        long i0 = (((long)b * h + 2 * i) * w + 2 * j) * c, i1 = i0 + c, i2 = i0 + rs, i3 = i2 + c;
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          V g = mul(ld(dy + o + k), ld(d + o + k));
          V iw = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(idx + o + k)));
          st(dx + i0 + k, wasm_v128_and(g, wasm_i32x4_eq(iw, wasm_i32x4_splat(0))));
          st(dx + i1 + k, wasm_v128_and(g, wasm_i32x4_eq(iw, wasm_i32x4_splat(1))));
          st(dx + i2 + k, wasm_v128_and(g, wasm_i32x4_eq(iw, wasm_i32x4_splat(2))));
          st(dx + i3 + k, wasm_v128_and(g, wasm_i32x4_eq(iw, wasm_i32x4_splat(3))));
        }
        for (; k < c; k++) {
          float g = dy[o + k] * d[o + k];
          int iw = idx[o + k];
          dx[i0 + k] = iw == 0 ? g : 0.0f;
          dx[i1 + k] = iw == 1 ? g : 0.0f;
          dx[i2 + k] = iw == 2 ? g : 0.0f;
          dx[i3 + k] = iw == 3 ? g : 0.0f;
        }
      }
}

// Adam, tfjs's update in its order of float32 operations (adam_optimizer.ts):
// m = m·b1 + g·(1−b1); v = v·b2 + g²·(1−b2); w = (m/(1−b1^t)) / (sqrt(v/(1−b2^t)) + eps) · (−lr) + w.
EXPORT(adam_update) void adam_update(float *w, const float *g, float *m, float *v, int n, float b1, float omb1,
                                     float b2, float omb2, float omab1, float omab2, float eps, float neglr) {
  V B1 = splat(b1), OB1 = splat(omb1), B2 = splat(b2), OB2 = splat(omb2), OA1 = splat(omab1), OA2 = splat(omab2);
  V E = splat(eps), L = splat(neglr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    V gi = ld(g + i);
    V mi = add(mul(ld(m + i), B1), mul(gi, OB1));
    V vi = add(mul(ld(v + i), B2), mul(mul(gi, gi), OB2));
    st(m + i, mi);
    st(v + i, vi);
    V u = dv(dv(mi, OA1), add(wasm_f32x4_sqrt(dv(vi, OA2)), E));
    st(w + i, add(mul(u, L), ld(w + i)));
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * omb1;
    float vi = v[i] * b2 + (gi * gi) * omb2;
    m[i] = mi;
    v[i] = vi;
    float s = wasm_f32x4_extract_lane(wasm_f32x4_sqrt(splat(vi / omab2)), 0);
    w[i] = ((mi / omab1) / (s + eps)) * neglr + w[i];
  }
}

// Momentum, tfjs's update (momentum_optimizer.ts): acc = mom·acc + g; w = −lr·acc + w, or with
// Nesterov w = −lr·(g + acc·mom) + w.
EXPORT(momentum_update) void momentum_update(float *w, const float *g, float *acc, int n, float mom, float neglr, int nesterov) {
  V M = splat(mom), L = splat(neglr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    V gi = ld(g + i);
    V a = add(mul(M, ld(acc + i)), gi);
    st(acc + i, a);
    V step = nesterov ? add(gi, mul(a, M)) : a;
    st(w + i, add(mul(L, step), ld(w + i)));
  }
  for (; i < n; i++) {
    float a = mom * acc[i] + g[i];
    acc[i] = a;
    w[i] = neglr * (nesterov ? g[i] + a * mom : a) + w[i];
  }
}

// out[r][c] = f(out[r][c] + bias[c]) and d[r][c] = f'(the same), one pass (bias may be 0: none).
#define BIAS_ACT_GRAD_LOOP(K)                                                                        \
  case K:                                                                                            \
    for (int r = 0; r < rows; r++) {                                                                 \
      float *o = out + (long)r * cols, *dr = d + (long)r * cols;                                     \
      int c = 0;                                                                                     \
      for (; c + 4 <= cols; c += 4) {                                                                \
        V v = ld(o + c), a;                                                                          \
        if (bias) v = add(v, ld(bias + c));                                                          \
        V f = act_fwd_aux(K, v, alpha, &a);                                                          \
        st(dr + c, act_grad_aux(K, v, a, alpha));                                                    \
        st(o + c, f);                                                                                \
      }                                                                                              \
      if (c < cols) {                                                                                \
        int t = cols - c;                                                                            \
        V v = ld_tail(o + c, t), a;                                                                  \
        if (bias) v = add(v, ld_tail(bias + c, t));                                                  \
        V f = act_fwd_aux(K, v, alpha, &a);                                                          \
        st_tail(dr + c, act_grad_aux(K, v, a, alpha), t);                                            \
        st_tail(o + c, f, t);                                                                        \
      }                                                                                              \
    }                                                                                                \
    return;

EXPORT(bias_act_grad) void bias_act_grad(float *out, const float *bias, float *d, int rows, int cols, int kind, float alpha) {
  switch (kind) { EACH_KIND(BIAS_ACT_GRAD_LOOP) default: return; }
}

// dy[r][c] *= d[r][c] (in place) and db[c] = Σ_r of the products: a layer's pre-activation
// gradient and its bias gradient in one pass (d may be 0: the gradient as it is).
EXPORT(mul_col_sum) void mul_col_sum(float *dy, const float *d, float *db, int rows, int cols) {
  for (int c = 0; c < cols; c++) db[c] = 0.0f;
  for (int r = 0; r < rows; r++) {
    float *g = dy + (long)r * cols;
    const float *dr = d ? d + (long)r * cols : 0;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      V v = ld(g + c);
      if (dr) { v = mul(v, ld(dr + c)); st(g + c, v); }
      st(db + c, add(ld(db + c), v));
    }
    for (; c < cols; c++) {
      float v = g[c];
      if (dr) { v *= dr[c]; g[c] = v; }
      db[c] += v;
    }
  }
}
