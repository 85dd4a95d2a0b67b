/*
 * Small float32 GEMMs in wasm SIMD (128-bit) for webstr's fused kernels on the tfjs-wasm backend.
 * The module imports tfjs-wasm's own memory, so every pointer is a byte offset into that heap
 * (tensor data and scratch from its malloc). Rules that keep it safe to run on a heap it does not
 * own: no static data (no data segments), no C stack (scalar locals only), no libc.
 * Build: scripts/build_wasm.sh (clang --target=wasm32 -msimd128 -O2 -nostdlib).
 * Row-major, leading dimensions in floats; every routine accumulates into C.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* The activations of the fused inference kernels: 0 linear, 1 ReLU, 2 hard-swish x·clamp(x + 3, 0, 6)/6,
 * 3 PPLCNetV3's hard-swish with its learnable affine after it, x·clamp(x + 3, 0, 6)·s6 + t (s6 = scale/6,
 * multiplied in the order the tfjs ops of the unfused path use). */
static inline v128_t vact_inf(v128_t v, int act, v128_t s6, v128_t t) {
  const v128_t zero = wasm_f32x4_splat(0.f), three = wasm_f32x4_splat(3.f), six = wasm_f32x4_splat(6.f);
  if (act == 1) return wasm_f32x4_max(v, zero);
  if (act == 2) return wasm_f32x4_div(wasm_f32x4_mul(v, wasm_f32x4_min(wasm_f32x4_max(wasm_f32x4_add(v, three), zero), six)), six);
  if (act == 3) return wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(v, wasm_f32x4_min(wasm_f32x4_max(wasm_f32x4_add(v, three), zero), six)), s6), t);
  return v;
}

static inline float sact_inf(float v, int act, float s6, float t) {
  if (act == 1) return v < 0.f ? 0.f : v;
  if (act == 2 || act == 3) {
    float c = v + 3.f;
    c = c < 0.f ? 0.f : c > 6.f ? 6.f : c;
    return act == 2 ? v * c / 6.f : v * c * s6 + t;
  }
  return v;
}

/* C[M,N] += A[M,K] · B[K,N]; or, with fused = 1 (a compile-time constant at each call), C = act(bias + A·B)
 * (+ res, row stride N): the sums start from the bias and the activation and residual are applied before
 * the one store, in the same order of operations as a separate bias fill, GEMM and epilogue pass. */
static inline __attribute__((always_inline)) void gemm_nn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int fused,
                           const float *bias, const float *res, int act, float s6f, float tf) {
  const v128_t s6 = wasm_f32x4_splat(s6f), tv = wasm_f32x4_splat(tf);
#define GEMM_INIT(c, n) (fused ? wasm_v128_load(bias + (n)) : wasm_v128_load((c) + (n)))
#define GEMM_DONE(v, m, n) (!fused ? (v) : res != 0 ? wasm_f32x4_add(vact_inf(v, act, s6, tv), wasm_v128_load(res + (m) * N + (n))) : vact_inf(v, act, s6, tv))
#define GEMM_INIT1(c, n) (fused ? bias[n] : (c)[n])
#define GEMM_DONE1(v, m, n) (!fused ? (v) : res != 0 ? sact_inf(v, act, s6f, tf) + res[(m) * N + (n)] : sact_inf(v, act, s6f, tf))
  int m = 0;
  for (; m + 4 <= M; m += 4) {
    const float *a0 = A + m * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    float *c0 = C + m * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
    int n = 0;
    for (; n + 8 <= N; n += 8) {
      v128_t x00 = GEMM_INIT(c0, n), x01 = GEMM_INIT(c0, n + 4);
      v128_t x10 = GEMM_INIT(c1, n), x11 = GEMM_INIT(c1, n + 4);
      v128_t x20 = GEMM_INIT(c2, n), x21 = GEMM_INIT(c2, n + 4);
      v128_t x30 = GEMM_INIT(c3, n), x31 = GEMM_INIT(c3, n + 4);
      const float *b = B + n;
      for (int k = 0; k < K; k++, b += ldb) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t s0 = wasm_f32x4_splat(a0[k]), s1 = wasm_f32x4_splat(a1[k]);
        v128_t s2 = wasm_f32x4_splat(a2[k]), s3 = wasm_f32x4_splat(a3[k]);
        x00 = wasm_f32x4_add(x00, wasm_f32x4_mul(s0, b0));
        x01 = wasm_f32x4_add(x01, wasm_f32x4_mul(s0, b1));
        x10 = wasm_f32x4_add(x10, wasm_f32x4_mul(s1, b0));
        x11 = wasm_f32x4_add(x11, wasm_f32x4_mul(s1, b1));
        x20 = wasm_f32x4_add(x20, wasm_f32x4_mul(s2, b0));
        x21 = wasm_f32x4_add(x21, wasm_f32x4_mul(s2, b1));
        x30 = wasm_f32x4_add(x30, wasm_f32x4_mul(s3, b0));
        x31 = wasm_f32x4_add(x31, wasm_f32x4_mul(s3, b1));
      }
      wasm_v128_store(c0 + n, GEMM_DONE(x00, m, n)); wasm_v128_store(c0 + n + 4, GEMM_DONE(x01, m, n + 4));
      wasm_v128_store(c1 + n, GEMM_DONE(x10, m + 1, n)); wasm_v128_store(c1 + n + 4, GEMM_DONE(x11, m + 1, n + 4));
      wasm_v128_store(c2 + n, GEMM_DONE(x20, m + 2, n)); wasm_v128_store(c2 + n + 4, GEMM_DONE(x21, m + 2, n + 4));
      wasm_v128_store(c3 + n, GEMM_DONE(x30, m + 3, n)); wasm_v128_store(c3 + n + 4, GEMM_DONE(x31, m + 3, n + 4));
    }
    for (; n < N; n++) {
      float y0 = GEMM_INIT1(c0, n), y1 = GEMM_INIT1(c1, n), y2 = GEMM_INIT1(c2, n), y3 = GEMM_INIT1(c3, n);
      for (int k = 0; k < K; k++) {
        float bv = B[k * ldb + n];
        y0 += a0[k] * bv; y1 += a1[k] * bv; y2 += a2[k] * bv; y3 += a3[k] * bv;
      }
      c0[n] = GEMM_DONE1(y0, m, n); c1[n] = GEMM_DONE1(y1, m + 1, n); c2[n] = GEMM_DONE1(y2, m + 2, n); c3[n] = GEMM_DONE1(y3, m + 3, n);
    }
  }
  for (; m < M; m++) {
    const float *a = A + m * lda;
    float *c = C + m * ldc;
    int n = 0;
    for (; n + 16 <= N; n += 16) {
      v128_t x0 = GEMM_INIT(c, n), x1 = GEMM_INIT(c, n + 4);
      v128_t x2 = GEMM_INIT(c, n + 8), x3 = GEMM_INIT(c, n + 12);
      const float *b = B + n;
      for (int k = 0; k < K; k++, b += ldb) {
        v128_t s = wasm_f32x4_splat(a[k]);
        x0 = wasm_f32x4_add(x0, wasm_f32x4_mul(s, wasm_v128_load(b)));
        x1 = wasm_f32x4_add(x1, wasm_f32x4_mul(s, wasm_v128_load(b + 4)));
        x2 = wasm_f32x4_add(x2, wasm_f32x4_mul(s, wasm_v128_load(b + 8)));
        x3 = wasm_f32x4_add(x3, wasm_f32x4_mul(s, wasm_v128_load(b + 12)));
      }
      wasm_v128_store(c + n, GEMM_DONE(x0, m, n)); wasm_v128_store(c + n + 4, GEMM_DONE(x1, m, n + 4));
      wasm_v128_store(c + n + 8, GEMM_DONE(x2, m, n + 8)); wasm_v128_store(c + n + 12, GEMM_DONE(x3, m, n + 12));
    }
    for (; n + 4 <= N; n += 4) {
      v128_t x = GEMM_INIT(c, n);
      const float *b = B + n;
      for (int k = 0; k < K; k++, b += ldb) x = wasm_f32x4_add(x, wasm_f32x4_mul(wasm_f32x4_splat(a[k]), wasm_v128_load(b)));
      wasm_v128_store(c + n, GEMM_DONE(x, m, n));
    }
    for (; n < N; n++) {
      float y = GEMM_INIT1(c, n);
      for (int k = 0; k < K; k++) y += a[k] * B[k * ldb + n];
      c[n] = GEMM_DONE1(y, m, n);
    }
  }
#undef GEMM_INIT
#undef GEMM_DONE
#undef GEMM_INIT1
#undef GEMM_DONE1
}

/* C[M,N] += A[M,K] · B[K,N] */
EXPORT("sgemm_nn")
void sgemm_nn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc) {
  gemm_nn(M, N, K, A, lda, B, ldb, C, ldc, 0, 0, 0, 0, 0.f, 0.f);
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/* C[M,N] += A[M,K] · B[N,K]ᵀ */
EXPORT("sgemm_nt")
void sgemm_nt(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc) {
  for (int m = 0; m < M; m++) {
    const float *a = A + m * lda;
    float *c = C + m * ldc;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
      const float *b0 = B + n * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
      v128_t x0 = wasm_f32x4_splat(0.f), x1 = x0, x2 = x0, x3 = x0;
      int k = 0;
      for (; k + 4 <= K; k += 4) {
        v128_t av = wasm_v128_load(a + k);
        x0 = wasm_f32x4_add(x0, wasm_f32x4_mul(av, wasm_v128_load(b0 + k)));
        x1 = wasm_f32x4_add(x1, wasm_f32x4_mul(av, wasm_v128_load(b1 + k)));
        x2 = wasm_f32x4_add(x2, wasm_f32x4_mul(av, wasm_v128_load(b2 + k)));
        x3 = wasm_f32x4_add(x3, wasm_f32x4_mul(av, wasm_v128_load(b3 + k)));
      }
      float y0 = hsum(x0), y1 = hsum(x1), y2 = hsum(x2), y3 = hsum(x3);
      for (; k < K; k++) {
        y0 += a[k] * b0[k]; y1 += a[k] * b1[k]; y2 += a[k] * b2[k]; y3 += a[k] * b3[k];
      }
      c[n] += y0; c[n + 1] += y1; c[n + 2] += y2; c[n + 3] += y3;
    }
    for (; n < N; n++) {
      const float *b = B + n * ldb;
      float y = 0.f;
      for (int k = 0; k < K; k++) y += a[k] * b[k];
      c[n] += y;
    }
  }
}

/* C[M,N] += A[K,M]ᵀ · B[K,N] */
EXPORT("sgemm_tn")
void sgemm_tn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc) {
  for (int k = 0; k < K; k++) {
    const float *a = A + k * lda;
    const float *b = B + k * ldb;
    for (int m = 0; m < M; m++) {
      float av = a[m];
      if (av == 0.f) continue;
      v128_t s = wasm_f32x4_splat(av);
      float *c = C + m * ldc;
      int n = 0;
      for (; n + 4 <= N; n += 4) wasm_v128_store(c + n, wasm_f32x4_add(wasm_v128_load(c + n), wasm_f32x4_mul(s, wasm_v128_load(b + n))));
      for (; n < N; n++) c[n] += av * b[n];
    }
  }
}

/* C[n] = scale · Σ_r A[r·lda + n] for n < N (a column sum: reduction over the leading axes of a
 * row-major tensor). Rows are summed in blocks of 256 and the block sums added, which keeps the float32
 * rounding of long columns close to a pairwise sum. */
EXPORT("colsum")
void colsum(int R, int N, const float *A, int lda, float *C, float scale) {
  int n = 0;
  for (; n + 4 <= N; n += 4) {
    v128_t total = wasm_f32x4_splat(0.f);
    for (int r0 = 0; r0 < R; r0 += 256) {
      int r1 = r0 + 256 < R ? r0 + 256 : R;
      v128_t part = wasm_f32x4_splat(0.f);
      for (int r = r0; r < r1; r++) part = wasm_f32x4_add(part, wasm_v128_load(A + r * lda + n));
      total = wasm_f32x4_add(total, part);
    }
    wasm_v128_store(C + n, wasm_f32x4_mul(total, wasm_f32x4_splat(scale)));
  }
  for (; n < N; n++) {
    float total = 0.f;
    for (int r0 = 0; r0 < R; r0 += 256) {
      int r1 = r0 + 256 < R ? r0 + 256 : R;
      float part = 0.f;
      for (int r = r0; r < r1; r++) part += A[r * lda + n];
      total += part;
    }
    C[n] = total * scale;
  }
}

/* y = x · clamp(x + 3, 0, 6) / 6 (MobileNetV3's hard-swish), n floats. */
EXPORT("hardswish")
void hardswish(int n, const float *x, float *y) {
  const v128_t three = wasm_f32x4_splat(3.f), six = wasm_f32x4_splat(6.f), zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t c = wasm_f32x4_min(wasm_f32x4_max(wasm_f32x4_add(v, three), zero), six);
    wasm_v128_store(y + i, wasm_f32x4_div(wasm_f32x4_mul(v, c), six));
  }
  for (; i < n; i++) {
    float v = x[i], c = v + 3.f;
    c = c < 0.f ? 0.f : c > 6.f ? 6.f : c;
    y[i] = v * c / 6.f;
  }
}

/* dx = dy · (x < −3 ? 0 : x ≤ 3 ? (2x + 3)/6 : 1), n floats (the inner branch at ±3, as PyTorch). */
EXPORT("hardswish_grad")
void hardswish_grad(int n, const float *dy, const float *x, float *dx) {
  const v128_t three = wasm_f32x4_splat(3.f), mthree = wasm_f32x4_splat(-3.f), six = wasm_f32x4_splat(6.f);
  const v128_t two = wasm_f32x4_splat(2.f), zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), d = wasm_v128_load(dy + i);
    v128_t inner = wasm_f32x4_div(wasm_f32x4_mul(d, wasm_f32x4_add(wasm_f32x4_mul(two, v), three)), six);
    v128_t r = wasm_v128_bitselect(d, inner, wasm_f32x4_gt(v, three));
    wasm_v128_store(dx + i, wasm_v128_bitselect(zero, r, wasm_f32x4_lt(v, mthree)));
  }
  for (; i < n; i++) {
    float v = x[i];
    dx[i] = v < -3.f ? 0.f : v <= 3.f ? dy[i] * (2.f * v + 3.f) / 6.f : dy[i];
  }
}

/* Four horizontally adjacent outputs of depthwise_act whose windows lie wholly inside the row (kx from 0 to
 * KW), 4 channels at a time: each filter tap is loaded once for the four, and every output sums its taps in
 * the same order as the one-pixel path (bias, then ky, then kx), so the results are the same bits. */
static inline void dw_quad(int W, int C, int KW, int sw, int ky0, int ky1, const float *xo, const float *w, const float *bias, float *out,
                           int act, v128_t s6, v128_t t, float s6f, float tf) {
  const int step = sw * C;
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t a0 = wasm_v128_load(bias + c), a1 = a0, a2 = a0, a3 = a0;
    for (int ky = ky0; ky < ky1; ky++) {
      const float *xr = xo + ky * W * C + c;
      const float *wr = w + ky * KW * C + c;
      for (int kx = 0; kx < KW; kx++) {
        const v128_t wk = wasm_v128_load(wr + kx * C);
        const float *xp = xr + kx * C;
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xp), wk));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xp + step), wk));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xp + 2 * step), wk));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xp + 3 * step), wk));
      }
    }
    wasm_v128_store(out + c, vact_inf(a0, act, s6, t));
    wasm_v128_store(out + C + c, vact_inf(a1, act, s6, t));
    wasm_v128_store(out + 2 * C + c, vact_inf(a2, act, s6, t));
    wasm_v128_store(out + 3 * C + c, vact_inf(a3, act, s6, t));
  }
  for (; c < C; c++)
    for (int q = 0; q < 4; q++) {
      float acc = bias[c];
      for (int ky = ky0; ky < ky1; ky++)
        for (int kx = 0; kx < KW; kx++) acc += xo[(ky * W + kx) * C + q * step + c] * w[(ky * KW + kx) * C + c];
      out[q * C + c] = sact_inf(acc, act, s6f, tf);
    }
}

/* NQ horizontally adjacent outputs (stride 1, kernel width KWC, both compile-time constants), 4 channels at a
 * time: each input and filter vector of a row of taps is loaded once, and NQ independent sums hide the add
 * latency. Every output sums bias, then ky, then kx in order, as the one-pixel path: the same bits. */
#define DW_ROW_FN(NAME, NQ, KWC)                                                                                              \
  static void NAME(int W, int C, int ky0, int ky1, const float *xo, const float *w, const float *bias, float *out, int act,    \
                   v128_t s6, v128_t t, float s6f, float tf) {                                                                \
    int c = 0;                                                                                                                \
    for (; c + 4 <= C; c += 4) {                                                                                              \
      v128_t acc[NQ], wk[KWC];                                                                                                \
      _Pragma("clang loop unroll(full)") for (int q = 0; q < NQ; q++) acc[q] = wasm_v128_load(bias + c);                      \
      for (int ky = ky0; ky < ky1; ky++) {                                                                                    \
        const float *xr = xo + ky * W * C + c;                                                                                \
        const float *wr = w + ky * KWC * C + c;                                                                               \
        _Pragma("clang loop unroll(full)") for (int k = 0; k < KWC; k++) wk[k] = wasm_v128_load(wr + k * C);                  \
        _Pragma("clang loop unroll(full)") for (int p = 0; p < NQ + KWC - 1; p++) {                                           \
          const v128_t xv = wasm_v128_load(xr + p * C);                                                                       \
          _Pragma("clang loop unroll(full)") for (int k = 0; k < KWC; k++) {                                                  \
            const int q = p - k;                                                                                              \
            if (q >= 0 && q < NQ) acc[q] = wasm_f32x4_add(acc[q], wasm_f32x4_mul(xv, wk[k]));                                  \
          }                                                                                                                   \
        }                                                                                                                     \
      }                                                                                                                       \
      _Pragma("clang loop unroll(full)") for (int q = 0; q < NQ; q++) wasm_v128_store(out + q * C + c, vact_inf(acc[q], act, s6, t)); \
    }                                                                                                                         \
    for (int q = 0; q < NQ; q++)                                                                                              \
      for (int cc = c; cc < C; cc++) {                                                                                        \
        float a = bias[cc];                                                                                                   \
        for (int ky = ky0; ky < ky1; ky++)                                                                                    \
          for (int kx = 0; kx < KWC; kx++) a += xo[(ky * W + kx + q) * C + cc] * w[(ky * KWC + kx) * C + cc];                \
        out[q * C + cc] = sact_inf(a, act, s6f, tf);                                                                          \
      }                                                                                                                       \
  }

DW_ROW_FN(dw_row8_k5, 8, 5)
DW_ROW_FN(dw_row8_k3, 8, 3)

/* Depthwise 2-D convolution, NHWC, channel multiplier 1, any strides and (top, left) padding (zeros
 * outside), with the bias and an activation fused (vact_inf; s6 and t used by act 3 only).
 * x [B, H, W, C], w [KH, KW, C], bias [C], y [B, OH, OW, C]. Channels go in blocks of 16 (four vectors
 * accumulated per filter tap, so the tap loop's bookkeeping is paid once per 16 channels), then 4, then 1;
 * each output sums its taps in the same order (row by row) whatever the block. */
EXPORT("depthwise_act")
void depthwise_act(int B, int H, int W, int C, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                   const float *x, const float *w, const float *bias, float *y, int act, float s6f, float tf, int rows) {
  const v128_t s6 = wasm_f32x4_splat(s6f), t = wasm_f32x4_splat(tf);
  /* Outputs ox in [oxa, oxb) have windows wholly inside the row; rows = 0 keeps to the one-output path. */
  const int oxa = rows ? (pl + sw - 1) / sw : OW;
  int oxb = rows ? (W - KW + pl) / sw + 1 : 0;
  if (W - KW + pl < 0) oxb = 0;
  if (oxb > OW) oxb = OW;
  for (int b = 0; b < B; b++) {
    for (int oy = 0; oy < OH; oy++) {
      int iy0 = oy * sh - pt;
      int ky0 = iy0 < 0 ? -iy0 : 0;
      int ky1 = iy0 + KH > H ? H - iy0 : KH;
      for (int ox = 0; ox < OW; ox++) {
        int ix0 = ox * sw - pl;
        if (ox >= oxa && ox + 8 <= oxb && sw == 1 && (KW == 5 || KW == 3)) {
          const float *xo = x + ((b * H + iy0) * W + ix0) * C;
          float *out = y + ((b * OH + oy) * OW + ox) * C;
          if (KW == 5) dw_row8_k5(W, C, ky0, ky1, xo, w, bias, out, act, s6, t, s6f, tf);
          else dw_row8_k3(W, C, ky0, ky1, xo, w, bias, out, act, s6, t, s6f, tf);
          ox += 7;
          continue;
        }
        if (ox >= oxa && ox + 4 <= oxb) {
          const float *xo = x + ((b * H + iy0) * W + ix0) * C;
          float *out = y + ((b * OH + oy) * OW + ox) * C;
          dw_quad(W, C, KW, sw, ky0, ky1, xo, w, bias, out, act, s6, t, s6f, tf);
          ox += 3;
          continue;
        }
        int kx0 = ix0 < 0 ? -ix0 : 0;
        int kx1 = ix0 + KW > W ? W - ix0 : KW;
        float *out = y + ((b * OH + oy) * OW + ox) * C;
        const float *xo = x + ((b * H + iy0) * W + ix0) * C;
        int c = 0;
        for (; c + 16 <= C; c += 16) {
          v128_t a0 = wasm_v128_load(bias + c), a1 = wasm_v128_load(bias + c + 4);
          v128_t a2 = wasm_v128_load(bias + c + 8), a3 = wasm_v128_load(bias + c + 12);
          for (int ky = ky0; ky < ky1; ky++) {
            const float *xr = xo + ky * W * C + c;
            const float *wr = w + ky * KW * C + c;
            for (int kx = kx0; kx < kx1; kx++) {
              const float *xp = xr + kx * C, *wp = wr + kx * C;
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load(wp)));
              a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xp + 4), wasm_v128_load(wp + 4)));
              a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xp + 8), wasm_v128_load(wp + 8)));
              a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xp + 12), wasm_v128_load(wp + 12)));
            }
          }
          wasm_v128_store(out + c, vact_inf(a0, act, s6, t));
          wasm_v128_store(out + c + 4, vact_inf(a1, act, s6, t));
          wasm_v128_store(out + c + 8, vact_inf(a2, act, s6, t));
          wasm_v128_store(out + c + 12, vact_inf(a3, act, s6, t));
        }
        for (; c + 4 <= C; c += 4) {
          v128_t acc = wasm_v128_load(bias + c);
          for (int ky = ky0; ky < ky1; ky++) {
            const float *xr = xo + ky * W * C + c;
            const float *wr = w + ky * KW * C + c;
            for (int kx = kx0; kx < kx1; kx++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(xr + kx * C), wasm_v128_load(wr + kx * C)));
          }
          wasm_v128_store(out + c, vact_inf(acc, act, s6, t));
        }
        for (; c < C; c++) {
          float acc = bias[c];
          for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++) acc += xo[(ky * W + kx) * C + c] * w[(ky * KW + kx) * C + c];
          out[c] = sact_inf(acc, act, s6f, tf);
        }
      }
    }
  }
}

/* y = x·clamp(x + 3, 0, 6)·s6 + t over n floats (PPLCNetV3's activation and affine after a pointwise conv). */
EXPORT("hardswish_affine")
void hardswish_affine(int n, const float *x, float *y, float s6f, float tf) {
  const v128_t s6 = wasm_f32x4_splat(s6f), t = wasm_f32x4_splat(tf);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    wasm_v128_store(y + i, vact_inf(wasm_v128_load(x + i), 3, s6, t));
    wasm_v128_store(y + i + 4, vact_inf(wasm_v128_load(x + i + 4), 3, s6, t));
    wasm_v128_store(y + i + 8, vact_inf(wasm_v128_load(x + i + 8), 3, s6, t));
    wasm_v128_store(y + i + 12, vact_inf(wasm_v128_load(x + i + 12), 3, s6, t));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, vact_inf(wasm_v128_load(x + i), 3, s6, t));
  for (; i < n; i++) y[i] = sact_inf(x[i], 3, s6f, tf);
}

/* A 1×1 convolution (NHWC: a GEMM over the pixels) with its bias, an activation (vact_inf) and an
 * optional residual added after it: y[p, :] = act(bias + x[p, :]·w) (+ res[p, :]).
 * x [M, K], w [K, N] (HWIO with H = W = 1), bias [N], res [M, N] or 0, y [M, N]. The bias, activation and
 * residual are part of the GEMM's tiles (gemm_nn): each output is stored once. */
EXPORT("pointwise_act")
void pointwise_act(int M, int N, int K, const float *x, const float *w, const float *bias, const float *res, float *y,
                   int act, float s6f, float tf) {
  gemm_nn(M, N, K, x, K, w, N, y, N, 1, bias, res, act, s6f, tf);
}

/* Squeeze-and-excitation with a hard sigmoid of the given slope (Paddle's 0.2 in MobileNetV3, 1/6 in
 * PPLCNetV3), per image: s = mean over HW of x [HW, C];
 * m = ReLU(s·W1 + b1) (W1 [C, M]); g = clamp(slope·(m·W2 + b2) + 0.5, 0, 1) (W2 [M, C]); y = x·g.
 * x, y [B, HW, C]; scratch: C + M floats. */
EXPORT("se_block")
void se_block(int B, int HW, int C, int M, const float *x, const float *w1, const float *b1, const float *w2, const float *b2,
              float *y, float *scratch, float slope) {
  float *s = scratch, *mid = scratch + C;
  for (int b = 0; b < B; b++) {
    const float *xb = x + b * HW * C;
    float *yb = y + b * HW * C;
    colsum(HW, C, xb, C, s, 1.f / (float)HW);
    for (int m = 0; m < M; m++) mid[m] = b1[m];
    sgemm_nn(1, M, C, s, C, w1, M, mid, M);
    for (int m = 0; m < M; m++) mid[m] = mid[m] < 0.f ? 0.f : mid[m];
    for (int c = 0; c < C; c++) s[c] = b2[c];
    sgemm_nn(1, C, M, mid, M, w2, C, s, C);
    for (int c = 0; c < C; c++) {
      float g = s[c] * slope + 0.5f;
      s[c] = g < 0.f ? 0.f : g > 1.f ? 1.f : g;
    }
    for (int p = 0; p < HW; p++) {
      const float *xr = xb + p * C;
      float *yr = yb + p * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) wasm_v128_store(yr + c, wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(s + c)));
      for (; c < C; c++) yr[c] = xr[c] * s[c];
    }
  }
}

/* e^x for float32 lanes (range reduction by ln 2, a degree-5 polynomial, the exponent set by integer
 * add): within a few ulp over [−87, 88]; 0 below. */
static inline v128_t vexp(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  v128_t fx = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), wasm_f32x4_splat(0.5f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, z), x), wasm_f32x4_splat(1.f));
  v128_t n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(fx), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, n);
}

static inline v128_t vsigmoid(v128_t x) {
  v128_t one = wasm_f32x4_splat(1.f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, vexp(wasm_f32x4_neg(x))));
}

static inline v128_t vtanh(v128_t x) {
  v128_t one = wasm_f32x4_splat(1.f);
  return wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_splat(2.f), vsigmoid(wasm_f32x4_add(x, x))), one);
}

/* One LSTM step of one direction, H % 4 == 0. acc [B, 4H]: pre-activations, gates i f o g. Updates
 * c (row stride ldc) and h (ldh), writes h to y (ldy); with gates != 0 also the activations (row
 * stride ldg, gate stride gs) and the new cell (cells, ldcl). */
EXPORT("lstm_cell")
void lstm_cell(int B, int H, const float *acc, float *c, int ldc, float *h, int ldh, float *y, int ldy, float *gates, int ldg, int gs,
               float *cells, int ldcl) {
  for (int b = 0; b < B; b++) {
    const float *a = acc + b * 4 * H;
    for (int j = 0; j + 4 <= H; j += 4) {
      v128_t i = vsigmoid(wasm_v128_load(a + j));
      v128_t f = vsigmoid(wasm_v128_load(a + H + j));
      v128_t o = vsigmoid(wasm_v128_load(a + 2 * H + j));
      v128_t g = vtanh(wasm_v128_load(a + 3 * H + j));
      v128_t cn = wasm_f32x4_add(wasm_f32x4_mul(f, wasm_v128_load(c + b * ldc + j)), wasm_f32x4_mul(i, g));
      v128_t hn = wasm_f32x4_mul(o, vtanh(cn));
      wasm_v128_store(c + b * ldc + j, cn);
      wasm_v128_store(h + b * ldh + j, hn);
      wasm_v128_store(y + b * ldy + j, hn);
      if (gates) {
        float *gr = gates + b * ldg + j;
        wasm_v128_store(gr, i);
        wasm_v128_store(gr + gs, f);
        wasm_v128_store(gr + 2 * gs, o);
        wasm_v128_store(gr + 3 * gs, g);
        wasm_v128_store(cells + b * ldcl + j, cn);
      }
    }
  }
}

/* One MobileNetV3 unit at inference, as its four kernels back to back on heap scratch: e = act(1×1 expand of
 * x), d = act(depthwise K×K of e, strides sh sw, top/left padding pt pl), d = d·SE(d) when M > 0 (se_block,
 * in place), y = 1×1 linear projection of d (+ x when residual). x [B, H, W, Cin], y [B, OH, OW, Cout];
 * we [Cin, E], be [E], wd [K, K, E], bd [E], w1 [E, M], b1 [M], w2 [M, E], b2 [E], wl [E, Cout], bl [Cout].
 * scratch: B·H·W·E + B·OH·OW·E + E + M floats. The same bits as the four kernels called one by one. */
EXPORT("mv3_unit")
void mv3_unit(int B, int H, int W, int Cin, int E, int Cout, int K, int sh, int sw, int pt, int pl, int OH, int OW, const float *x,
              const float *we, const float *be, const float *wd, const float *bd, int act, int M, const float *w1, const float *b1,
              const float *w2, const float *b2, float slope, const float *wl, const float *bl, int residual, float *y, float *scratch,
              int rows) {
  float *e = scratch, *d = scratch + B * H * W * E, *se = d + B * OH * OW * E;
  pointwise_act(B * H * W, E, Cin, x, we, be, 0, e, act, 1.f, 0.f);
  depthwise_act(B, H, W, E, K, K, sh, sw, pt, pl, OH, OW, e, wd, bd, d, act, 1.f, 0.f, rows);
  if (M > 0) se_block(B, OH * OW, E, M, d, w1, b1, w2, b2, d, se, slope);
  pointwise_act(B * OH * OW, Cout, E, d, wl, bl, residual ? x : 0, y, 0, 1.f, 0.f);
}

/* The whole MobileNetV3 recognition backbone at inference in one call: the stem conv (any KH×KW, strides and
 * top/left padding, zeros outside) as an im2col GEMM with its bias and activation (pointwise_act over the
 * patches), every unit as mv3_unit, the last 1×1 conv with its activation, then a max-pool with stride = window
 * ('valid'). d is a table of unsigned ints written by src/ops/mv3_unit/backbone.ts for this call:
 *   [0] pack (the weights, one float array), [1] A, [2] D (two activation buffers), [3] work (the unit's
 *   scratch, or the stem's patches), [4] x, [5] y (byte offsets), [6] B, [7] number of units;
 *   stem [8..22]: H W Cin C KH KW sh sw pt pl OH OW act w b;
 *   each unit (26): H W Cin E Cout K sh sw pt pl OH OW act M residual we be wd bd w1 b1 w2 b2 wl bl slope;
 *   last (11): H W Cin C act w b PH PW pool_h pool_w.
 * Weight entries are float offsets into pack (slope: the float at pack[slope]). Stem → A, units ping-pong
 * between A and D, last conv → the other one, pool → y. The units' bits are mv3_unit's. */
EXPORT("mv3_backbone")
void mv3_backbone(const unsigned *d, int rows) {
  const float *pack = (const float *)d[0];
  float *in = (float *)d[1], *out = (float *)d[2];
  float *work = (float *)d[3];
  const float *x = (const float *)d[4];
  float *y = (float *)d[5];
  const int B = (int)d[6], n = (int)d[7];
  const unsigned *s = d + 8;
  {
    const int H = s[0], W = s[1], Cin = s[2], C = s[3], KH = s[4], KW = s[5], sh = s[6], sw = s[7], pt = s[8], pl = s[9], OH = s[10], OW = s[11];
    const int taps = KH * KW * Cin;
    float *col = work;
    for (int b = 0; b < B; b++)
      for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
          float *row = col + ((b * OH + oy) * OW + ox) * taps;
          for (int ky = 0; ky < KH; ky++) {
            const int iy = oy * sh - pt + ky;
            for (int kx = 0; kx < KW; kx++) {
              const int ix = ox * sw - pl + kx;
              float *dst = row + (ky * KW + kx) * Cin;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                for (int c = 0; c < Cin; c++) dst[c] = 0.f;
              else {
                const float *src = x + ((b * H + iy) * W + ix) * Cin;
                for (int c = 0; c < Cin; c++) dst[c] = src[c];
              }
            }
          }
        }
    pointwise_act(B * OH * OW, C, taps, col, pack + s[13], pack + s[14], 0, in, (int)s[12], 1.f, 0.f);
  }
  for (int i = 0; i < n; i++) {
    const unsigned *u = d + 23 + 26 * i;
    const int M = u[13];
    mv3_unit(B, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], in, pack + u[15], pack + u[16], pack + u[17],
             pack + u[18], (int)u[12], M, M > 0 ? pack + u[19] : 0, M > 0 ? pack + u[20] : 0, M > 0 ? pack + u[21] : 0, M > 0 ? pack + u[22] : 0,
             pack[u[25]], pack + u[23], pack + u[24], (int)u[14], out, work, rows);
    float *t = in;
    in = out;
    out = t;
  }
  const unsigned *l = d + 23 + 26 * n;
  const int H = l[0], W = l[1], C = l[3], PH = l[7], PW = l[8], ph = l[9], pw = l[10];
  float *z = out;
  pointwise_act(B * H * W, C, l[2], in, pack + l[5], pack + l[6], 0, z, (int)l[4], 1.f, 0.f);
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < PH; oy++)
      for (int ox = 0; ox < PW; ox++) {
        float *out = y + ((b * PH + oy) * PW + ox) * C;
        const float *first = z + ((b * H + oy * ph) * W + ox * pw) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          v128_t m = wasm_v128_load(first + c);
          for (int ky = 0; ky < ph; ky++)
            for (int kx = 0; kx < pw; kx++) m = wasm_f32x4_pmax(m, wasm_v128_load(first + (ky * W + kx) * C + c));
          wasm_v128_store(out + c, m);
        }
        for (; c < C; c++) {
          float m = first[c];
          for (int ky = 0; ky < ph; ky++)
            for (int kx = 0; kx < pw; kx++) {
              const float v = first[(ky * W + kx) * C + c];
              m = m < v ? v : m;
            }
          out[c] = m;
        }
      }
}

/* The whole recurrence of one bidirectional LSTM layer (src/ops/bilstm/reference.ts gives the layout):
 * proj [T, B, 8H] (input projection plus biases, gate columns i f o g, each [forward | backward]), wrec
 * [2H, 8H] block-diagonal; y [T, B, 2H] in time order. At step s the forward cell is at time s and the
 * backward one at T−1−s. With gates != 0 the activations [T, B, 8H] and cells [T, B, 2H] are saved in step
 * order (training). H % 4 == 0. scratch: 8H² + 8BH floats (dense weights, h, c, acc). The same products
 * and cell arithmetic as calling sgemm_nn and lstm_cell step by step. */
EXPORT("bilstm_seq")
void bilstm_seq(int T, int B, int H, const float *proj, const float *wrec, float *y, float *gates, float *cells, float *scratch) {
  const int h2 = 2 * H, h4 = 4 * H, g8 = 8 * H;
  float *const d0 = scratch, *const d1 = scratch + h4 * H;
  float *h = scratch + g8 * H, *c = h + B * h2, *acc = c + B * h2;
  for (int dir = 0; dir < 2; dir++)
    for (int k = 0; k < H; k++) {
      const float *row = wrec + (dir * H + k) * g8;
      for (int g = 0; g < 4; g++)
        for (int j = 0; j < H; j++) (dir == 0 ? d0 : d1)[k * h4 + g * H + j] = row[(2 * g + dir) * H + j];
    }
  for (int i = 0; i < B * h2; i++) h[i] = c[i] = 0.f;
  for (int s = 0; s < T; s++) {
    for (int dir = 0; dir < 2; dir++) {
      const int time = dir == 0 ? s : T - 1 - s;
      for (int b = 0; b < B; b++) {
        const float *p = proj + (time * B + b) * g8 + dir * H;
        for (int g = 0; g < 4; g++)
          for (int j = 0; j < H; j++) acc[b * h4 + g * H + j] = p[g * h2 + j];
      }
      sgemm_nn(B, h4, H, h + dir * H, h2, dir == 0 ? d0 : d1, h4, acc, h4);
      lstm_cell(B, H, acc, c + dir * H, h2, h + dir * H, h2, y + time * B * h2 + dir * H, h2,
                gates ? gates + s * B * g8 + dir * H : 0, g8, h2, gates ? cells + s * B * h2 + dir * H : 0, h2);
    }
  }
}

/* One bidirectional LSTM layer at inference: proj = bias + x·wx (x [T·B, In], wx [In, 8H], bias [8H], as
 * pointwise_act) into scratch, then bilstm_seq. scratch: 8TBH + 8H² + 8BH floats. */
EXPORT("bilstm_layer")
void bilstm_layer(int T, int B, int In, int H, const float *x, const float *wx, const float *bias, const float *wrec, float *y, float *scratch) {
  float *proj = scratch;
  pointwise_act(T * B, 8 * H, In, x, wx, bias, 0, proj, 0, 0.f, 0.f);
  bilstm_seq(T, B, H, proj, wrec, y, 0, 0, proj + T * B * 8 * H);
}

/* Gradients of depthwise_act for act 0 (linear) or 1 (ReLU, masked by the output y > 0): dx
 * [B, H, W, C], dw [KH, KW, C], db [C] from dy [B, OH, OW, C]. Same geometry as depthwise_act.
 * Per image the filter and bias sums go to `part` (KH·KW·C + C floats) and are then added to dw and db
 * (shorter float32 sums than one running total over the whole batch). */
EXPORT("depthwise_grad")
void depthwise_grad(int B, int H, int W, int C, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                    const float *x, const float *w, const float *dy, const float *y, int act, float *dx, float *dw, float *db,
                    float *part) {
  const int taps = KH * KW * C;
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int i = 0; i < B * H * W * C; i++) dx[i] = 0.f;
  for (int i = 0; i < taps; i++) dw[i] = 0.f;
  for (int i = 0; i < C; i++) db[i] = 0.f;
  float *pdb = part + taps;
  for (int b = 0; b < B; b++) {
    for (int i = 0; i < taps + C; i++) part[i] = 0.f;
    for (int oy = 0; oy < OH; oy++) {
      int iy0 = oy * sh - pt;
      int ky0 = iy0 < 0 ? -iy0 : 0;
      int ky1 = iy0 + KH > H ? H - iy0 : KH;
      for (int ox = 0; ox < OW; ox++) {
        int ix0 = ox * sw - pl;
        int kx0 = ix0 < 0 ? -ix0 : 0;
        int kx1 = ix0 + KW > W ? W - ix0 : KW;
        const int o = ((b * OH + oy) * OW + ox) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          v128_t g = wasm_v128_load(dy + o + c);
          if (act == 1) g = wasm_v128_and(g, wasm_f32x4_gt(wasm_v128_load(y + o + c), zero));
          wasm_v128_store(pdb + c, wasm_f32x4_add(wasm_v128_load(pdb + c), g));
          for (int ky = ky0; ky < ky1; ky++) {
            const int xr = ((b * H + iy0 + ky) * W + ix0) * C + c;
            const int wr = ky * KW * C + c;
            for (int kx = kx0; kx < kx1; kx++) {
              const int xi = xr + kx * C, wi = wr + kx * C;
              wasm_v128_store(dx + xi, wasm_f32x4_add(wasm_v128_load(dx + xi), wasm_f32x4_mul(g, wasm_v128_load(w + wi))));
              wasm_v128_store(part + wi, wasm_f32x4_add(wasm_v128_load(part + wi), wasm_f32x4_mul(g, wasm_v128_load(x + xi))));
            }
          }
        }
        for (; c < C; c++) {
          float g = dy[o + c];
          if (act == 1 && !(y[o + c] > 0.f)) g = 0.f;
          pdb[c] += g;
          for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++) {
              const int xi = ((b * H + iy0 + ky) * W + ix0 + kx) * C + c, wi = (ky * KW + kx) * C + c;
              dx[xi] += g * w[wi];
              part[wi] += g * x[xi];
            }
        }
      }
    }
    for (int i = 0; i < taps; i++) dw[i] += part[i];
    for (int i = 0; i < C; i++) db[i] += pdb[i];
  }
}

/* Training BatchNorm over the rows of y [R, C] (every axis but channels), fused with the activation
 * that follows it (act 0 linear, 1 ReLU, 2 hard-swish). Statistics: mean and biased variance per channel,
 * two passes, rows summed in blocks of 256 (as colsum). */
EXPORT("bn_stats")
void bn_stats(int R, int C, const float *y, float *mean, float *var) {
  colsum(R, C, y, C, mean, 1.f / (float)R);
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    const v128_t m = wasm_v128_load(mean + c);
    v128_t total = wasm_f32x4_splat(0.f);
    for (int r0 = 0; r0 < R; r0 += 256) {
      int r1 = r0 + 256 < R ? r0 + 256 : R;
      v128_t part = wasm_f32x4_splat(0.f);
      for (int r = r0; r < r1; r++) {
        v128_t d = wasm_f32x4_sub(wasm_v128_load(y + r * C + c), m);
        part = wasm_f32x4_add(part, wasm_f32x4_mul(d, d));
      }
      total = wasm_f32x4_add(total, part);
    }
    wasm_v128_store(var + c, wasm_f32x4_mul(total, wasm_f32x4_splat(1.f / (float)R)));
  }
  for (; c < C; c++) {
    float total = 0.f;
    for (int r0 = 0; r0 < R; r0 += 256) {
      int r1 = r0 + 256 < R ? r0 + 256 : R;
      float part = 0.f;
      for (int r = r0; r < r1; r++) {
        float d = y[r * C + c] - mean[c];
        part += d * d;
      }
      total += part;
    }
    var[c] = total / (float)R;
  }
}

static inline v128_t vact(v128_t z, int act) {
  const v128_t zero = wasm_f32x4_splat(0.f), three = wasm_f32x4_splat(3.f), six = wasm_f32x4_splat(6.f);
  if (act == 1) return wasm_f32x4_max(z, zero);
  if (act == 2) return wasm_f32x4_div(wasm_f32x4_mul(z, wasm_f32x4_min(wasm_f32x4_max(wasm_f32x4_add(z, three), zero), six)), six);
  return z;
}

/* d act(z) / dz times g (ReLU: z > 0; hard-swish: 0 below −3, (2z + 3)/6 up to 3, 1 above, as hardswish_grad). */
static inline v128_t vact_grad(v128_t g, v128_t z, int act) {
  if (act == 1) return wasm_v128_and(g, wasm_f32x4_gt(z, wasm_f32x4_splat(0.f)));
  if (act == 2) {
    v128_t inner = wasm_f32x4_div(wasm_f32x4_mul(g, wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(2.f), z), wasm_f32x4_splat(3.f))), wasm_f32x4_splat(6.f));
    v128_t r = wasm_v128_bitselect(g, inner, wasm_f32x4_gt(z, wasm_f32x4_splat(3.f)));
    return wasm_v128_bitselect(wasm_f32x4_splat(0.f), r, wasm_f32x4_lt(z, wasm_f32x4_splat(-3.f)));
  }
  return g;
}

static inline float sact(float z, int act) {
  if (act == 1) return z > 0.f ? z : 0.f;
  if (act == 2) {
    float t = z + 3.f;
    t = t < 0.f ? 0.f : t > 6.f ? 6.f : t;
    return z * t / 6.f;
  }
  return z;
}

static inline float sact_grad(float g, float z, int act) {
  if (act == 1) return z > 0.f ? g : 0.f;
  if (act == 2) return z < -3.f ? 0.f : z <= 3.f ? g * (2.f * z + 3.f) / 6.f : g;
  return g;
}

/* out = act((y − mean)·k + beta) with k = gamma / sqrt(var + eps); k and the shift are computed into
 * scratch (2C floats). */
EXPORT("bn_act")
void bn_act(int R, int C, const float *y, const float *mean, const float *var, const float *gamma, const float *beta, float eps, int act,
            float *out, float *scratch) {
  float *k = scratch, *shift = scratch + C;
  for (int c = 0; c < C; c++) {
    k[c] = gamma[c] / __builtin_sqrtf(var[c] + eps);
    shift[c] = beta[c] - mean[c] * k[c];
  }
  for (int r = 0; r < R; r++) {
    const float *yr = y + r * C;
    float *o = out + r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) wasm_v128_store(o + c, vact(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(yr + c), wasm_v128_load(k + c)), wasm_v128_load(shift + c)), act));
    for (; c < C; c++) o[c] = sact(yr[c] * k[c] + shift[c], act);
  }
}

/* Backward of bn_act with batch statistics: g = dout · act'(z); dbeta = Σ g; dgamma = Σ g·x̂ with
 * x̂ = (y − mean)·invstd; dy = gamma·invstd·(g − dbeta/R − x̂·dgamma/R). scratch: 4C floats. */
EXPORT("bn_act_grad")
void bn_act_grad(int R, int C, const float *y, const float *dout, const float *mean, const float *var, const float *gamma, const float *beta,
                 float eps, int act, float *dy, float *dgamma, float *dbeta, float *scratch) {
  float *inv = scratch, *k = scratch + C, *shift = scratch + 2 * C, *part = scratch + 3 * C;
  for (int c = 0; c < C; c++) {
    inv[c] = 1.f / __builtin_sqrtf(var[c] + eps);
    k[c] = gamma[c] * inv[c];
    shift[c] = beta[c] - mean[c] * k[c];
    dgamma[c] = 0.f;
    dbeta[c] = 0.f;
  }
  /* pass 1: Σ g and Σ g·(y − mean) per channel, in blocks of 256 rows */
  for (int r0 = 0; r0 < R; r0 += 256) {
    int r1 = r0 + 256 < R ? r0 + 256 : R;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      const v128_t kk = wasm_v128_load(k + c), sh = wasm_v128_load(shift + c), m = wasm_v128_load(mean + c);
      v128_t sg = wasm_f32x4_splat(0.f), sgx = sg;
      for (int r = r0; r < r1; r++) {
        v128_t yv = wasm_v128_load(y + r * C + c);
        v128_t g = vact_grad(wasm_v128_load(dout + r * C + c), wasm_f32x4_add(wasm_f32x4_mul(yv, kk), sh), act);
        sg = wasm_f32x4_add(sg, g);
        sgx = wasm_f32x4_add(sgx, wasm_f32x4_mul(g, wasm_f32x4_sub(yv, m)));
      }
      wasm_v128_store(dbeta + c, wasm_f32x4_add(wasm_v128_load(dbeta + c), sg));
      wasm_v128_store(part + c, sgx);
      wasm_v128_store(dgamma + c, wasm_f32x4_add(wasm_v128_load(dgamma + c), wasm_f32x4_mul(sgx, wasm_v128_load(inv + c))));
    }
    for (; c < C; c++) {
      float sg = 0.f, sgx = 0.f;
      for (int r = r0; r < r1; r++) {
        float yv = y[r * C + c];
        float g = sact_grad(dout[r * C + c], yv * k[c] + shift[c], act);
        sg += g;
        sgx += g * (yv - mean[c]);
      }
      dbeta[c] += sg;
      dgamma[c] += sgx * inv[c];
    }
  }
  /* pass 2: dy = k·(g − dbeta/R − x̂·dgamma/R); part[c] = dgamma·inv/R, shift reused for dbeta/R */
  const float invR = 1.f / (float)R;
  for (int c = 0; c < C; c++) {
    part[c] = dgamma[c] * inv[c] * invR;
    shift[c] = dbeta[c] * invR;
  }
  for (int r = 0; r < R; r++) {
    const float *yr = y + r * C, *dr = dout + r * C;
    float *o = dy + r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t yv = wasm_v128_load(yr + c), kk = wasm_v128_load(k + c);
      v128_t z = wasm_f32x4_add(wasm_f32x4_mul(yv, kk), wasm_f32x4_sub(wasm_v128_load(beta + c), wasm_f32x4_mul(wasm_v128_load(mean + c), kk)));
      v128_t g = vact_grad(wasm_v128_load(dr + c), z, act);
      v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(g, wasm_v128_load(shift + c)), wasm_f32x4_mul(wasm_f32x4_sub(yv, wasm_v128_load(mean + c)), wasm_v128_load(part + c)));
      wasm_v128_store(o + c, wasm_f32x4_mul(kk, t));
    }
    for (; c < C; c++) {
      float yv = yr[c];
      float g = sact_grad(dr[c], yv * k[c] + beta[c] - mean[c] * k[c], act);
      o[c] = k[c] * (g - shift[c] - (yv - mean[c]) * part[c]);
    }
  }
}

/* dst[C, R] = src[R, C]ᵀ (row-major). 4×4 blocks transposed in registers, visited in 32×32 tiles so
 * both sides stay in cache; the edges (R % 4, C % 4) scalar. */
EXPORT("transpose")
void transpose(int R, int C, const float *src, float *dst) {
  const int R4 = R & ~3, C4 = C & ~3;
  for (int r0 = 0; r0 < R4; r0 += 32) {
    const int r1 = r0 + 32 < R4 ? r0 + 32 : R4;
    for (int c0 = 0; c0 < C4; c0 += 32) {
      const int c1 = c0 + 32 < C4 ? c0 + 32 : C4;
      for (int r = r0; r < r1; r += 4) {
        const float *s = src + r * C;
        for (int c = c0; c < c1; c += 4) {
          v128_t a = wasm_v128_load(s + c), b = wasm_v128_load(s + C + c);
          v128_t e = wasm_v128_load(s + 2 * C + c), f = wasm_v128_load(s + 3 * C + c);
          v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
          v128_t t2 = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
          float *d = dst + c * R + r;
          wasm_v128_store(d, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
          wasm_v128_store(d + R, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
          wasm_v128_store(d + 2 * R, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
          wasm_v128_store(d + 3 * R, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
        }
      }
    }
  }
  for (int r = 0; r < R4; r++)
    for (int c = C4; c < C; c++) dst[c * R + r] = src[r * C + c];
  for (int r = R4; r < R; r++)
    for (int c = 0; c < C; c++) dst[c * R + r] = src[r * C + c];
}

/* Max-pool gradient, NHWC: each output's dy goes to the first maximum of its window in row-major tap
 * order (a later tap wins only when strictly greater; padding taps never win). dx is zeroed first.
 * x, dx [B, H, W, C]; dy [B, OH, OW, C]. */
EXPORT("maxpool_grad")
void maxpool_grad(int B, int H, int W, int C, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                  const float *x, const float *dy, float *dx) {
  const int n = B * H * W * C;
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dx + i, wasm_f32x4_splat(0.f));
  for (; i < n; i++) dx[i] = 0.f;
  for (int b = 0; b < B; b++) {
    for (int oy = 0; oy < OH; oy++) {
      int iy0 = oy * sh - pt;
      int ky0 = iy0 < 0 ? -iy0 : 0;
      int ky1 = iy0 + KH > H ? H - iy0 : KH;
      if (ky0 >= ky1) continue;
      for (int ox = 0; ox < OW; ox++) {
        int ix0 = ox * sw - pl;
        int kx0 = ix0 < 0 ? -ix0 : 0;
        int kx1 = ix0 + KW > W ? W - ix0 : KW;
        if (kx0 >= kx1) continue;
        const float *g = dy + ((b * OH + oy) * OW + ox) * C;
        const int first = ((b * H + iy0 + ky0) * W + ix0 + kx0) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          v128_t best = wasm_v128_load(x + first + c);
          v128_t at = wasm_i32x4_splat(first);
          for (int ky = ky0; ky < ky1; ky++) {
            for (int kx = ky == ky0 ? kx0 + 1 : kx0; kx < kx1; kx++) {
              const int o = ((b * H + iy0 + ky) * W + ix0 + kx) * C;
              v128_t v = wasm_v128_load(x + o + c);
              v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_splat(o), at, gt);
            }
          }
          dx[wasm_i32x4_extract_lane(at, 0) + c] += g[c];
          dx[wasm_i32x4_extract_lane(at, 1) + c + 1] += g[c + 1];
          dx[wasm_i32x4_extract_lane(at, 2) + c + 2] += g[c + 2];
          dx[wasm_i32x4_extract_lane(at, 3) + c + 3] += g[c + 3];
        }
        for (; c < C; c++) {
          float best = x[first + c];
          int at = first;
          for (int ky = ky0; ky < ky1; ky++) {
            for (int kx = ky == ky0 ? kx0 + 1 : kx0; kx < kx1; kx++) {
              const int o = ((b * H + iy0 + ky) * W + ix0 + kx) * C;
              if (x[o + c] > best) {
                best = x[o + c];
                at = o;
              }
            }
          }
          dx[at + c] += g[c];
        }
      }
    }
  }
}

/* Backward of se_block: from dy [B, HW, C] and the forward's inputs, dx [B, HW, C], dw1 [C, M], db1 [M],
 * dw2 [M, C], db2 [C]. Per image the squeeze, the two dense layers and the gate are recomputed (a few
 * C·M products), then: dg = Σ_p dy·x; dz2 = 0.2·dg where 0 ≤ 0.2·z2 + 0.5 ≤ 1 (the clip passes);
 * dmid = dz2·W2ᵀ; dz1 = dmid where z1 > 0; ds = dz1·W1ᵀ; dx = dy·g + ds / HW. Weight gradients are
 * summed over the batch. scratch: 3C + 2M floats. */
EXPORT("se_block_grad")
void se_block_grad(int B, int HW, int C, int M, const float *x, const float *w1, const float *b1, const float *w2, const float *b2,
                   const float *dy, float *dx, float *dw1, float *db1, float *dw2, float *db2, float *scratch, float slope) {
  float *s = scratch, *g = scratch + C, *dg = scratch + 2 * C, *mid = scratch + 3 * C, *dmid = mid + M;
  for (int i = 0; i < C * M; i++) { dw1[i] = 0.f; dw2[i] = 0.f; }
  for (int i = 0; i < M; i++) db1[i] = 0.f;
  for (int i = 0; i < C; i++) db2[i] = 0.f;
  const float invHW = 1.f / (float)HW;
  for (int b = 0; b < B; b++) {
    const float *xb = x + b * HW * C, *gb = dy + b * HW * C;
    float *ob = dx + b * HW * C;
    colsum(HW, C, xb, C, s, invHW);
    for (int m = 0; m < M; m++) mid[m] = b1[m];
    sgemm_nn(1, M, C, s, C, w1, M, mid, M);
    for (int m = 0; m < M; m++) mid[m] = mid[m] > 0.f ? mid[m] : 0.f;
    for (int c = 0; c < C; c++) g[c] = b2[c];
    sgemm_nn(1, C, M, mid, M, w2, C, g, C);
    /* dg = Σ_p dy·x per channel, rows in blocks of 256 (as colsum) */
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t total = wasm_f32x4_splat(0.f);
      for (int p0 = 0; p0 < HW; p0 += 256) {
        int p1 = p0 + 256 < HW ? p0 + 256 : HW;
        v128_t part = wasm_f32x4_splat(0.f);
        for (int p = p0; p < p1; p++) part = wasm_f32x4_add(part, wasm_f32x4_mul(wasm_v128_load(gb + p * C + c), wasm_v128_load(xb + p * C + c)));
        total = wasm_f32x4_add(total, part);
      }
      wasm_v128_store(dg + c, total);
    }
    for (; c < C; c++) {
      float total = 0.f;
      for (int p0 = 0; p0 < HW; p0 += 256) {
        int p1 = p0 + 256 < HW ? p0 + 256 : HW;
        float part = 0.f;
        for (int p = p0; p < p1; p++) part += gb[p * C + c] * xb[p * C + c];
        total += part;
      }
      dg[c] = total;
    }
    /* gate and dz2 (into dg) */
    for (c = 0; c < C; c++) {
      float t = g[c] * slope + 0.5f;
      int pass = t >= 0.f && t <= 1.f;
      g[c] = t < 0.f ? 0.f : t > 1.f ? 1.f : t;
      dg[c] = pass ? dg[c] * slope : 0.f;
      db2[c] += dg[c];
    }
    for (int m = 0; m < M; m++) {
      float mv = mid[m];
      if (mv == 0.f) continue;
      float *row = dw2 + m * C;
      const v128_t sv = wasm_f32x4_splat(mv);
      int k = 0;
      for (; k + 4 <= C; k += 4) wasm_v128_store(row + k, wasm_f32x4_add(wasm_v128_load(row + k), wasm_f32x4_mul(sv, wasm_v128_load(dg + k))));
      for (; k < C; k++) row[k] += mv * dg[k];
    }
    for (int m = 0; m < M; m++) dmid[m] = 0.f;
    sgemm_nt(1, M, C, dg, C, w2, C, dmid, M);
    for (int m = 0; m < M; m++) {
      dmid[m] = mid[m] > 0.f ? dmid[m] : 0.f;
      db1[m] += dmid[m];
    }
    for (c = 0; c < C; c++) {
      float sv = s[c];
      float *row = dw1 + c * M;
      for (int m = 0; m < M; m++) row[m] += sv * dmid[m];
      s[c] = 0.f;
    }
    sgemm_nt(1, C, M, dmid, M, w1, M, s, C);
    for (c = 0; c < C; c++) s[c] *= invHW;
    for (int p = 0; p < HW; p++) {
      const float *gr = gb + p * C;
      float *o = ob + p * C;
      int k = 0;
      for (; k + 4 <= C; k += 4)
        wasm_v128_store(o + k, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(gr + k), wasm_v128_load(g + k)), wasm_v128_load(s + k)));
      for (; k < C; k++) o[k] = gr[k] * g[k] + s[k];
    }
  }
}

/* ln x for float32 lanes x ≥ FLT_MIN (normal, positive): x = m·2^e with m in [√½, √2), then the
 * classic Cephes single-precision minimax polynomial in (m − 1); within ~2 ulp. */
static inline v128_t vlog(v128_t x) {
  v128_t bits = x;
  v128_t e = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(126)));
  v128_t m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f000000)); /* [0.5, 1) */
  v128_t small = wasm_f32x4_lt(m, wasm_f32x4_splat(0.707106781186547524f));
  e = wasm_f32x4_sub(e, wasm_v128_and(small, wasm_f32x4_splat(1.f)));
  m = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(small, m)), wasm_f32x4_splat(1.f));
  v128_t z = wasm_f32x4_mul(m, m);
  v128_t y = wasm_f32x4_splat(7.0376836292e-2f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.1514610310e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(1.1676998740e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.2420140846e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(1.4249322787e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.6668057665e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(2.0000714765e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-2.4999993993e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(3.3333331174e-1f));
  y = wasm_f32x4_mul(wasm_f32x4_mul(y, m), z);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(e, wasm_f32x4_splat(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, wasm_f32x4_splat(0.5f)));
  return wasm_f32x4_add(wasm_f32x4_add(m, y), wasm_f32x4_mul(e, wasm_f32x4_splat(0.693359375f)));
}

/* Σ_k w[k]·I^β_k = Σ_k w[k]·e^{β_k·ln I} for 4 lanes of the blended intensity i, clamped to [0, 1] here;
 * 0 where I = 0. */
static inline v128_t power_sum4(v128_t i, const float *w, const float *betas, int NB) {
  i = wasm_f32x4_min(wasm_f32x4_max(i, wasm_f32x4_splat(0.f)), wasm_f32x4_splat(1.f));
  v128_t pos = wasm_f32x4_gt(i, wasm_f32x4_splat(0.f));
  v128_t ln = vlog(wasm_f32x4_max(i, wasm_f32x4_splat(1.17549435e-38f)));
  v128_t s = wasm_f32x4_splat(0.f);
  for (int k = 0; k < NB; k++) s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_splat(w[k]), vexp(wasm_f32x4_mul(wasm_f32x4_splat(betas[k]), ln))));
  return wasm_v128_and(s, pos);
}

/* GA-SPIN's colour power sum (src/ops/spin_color/reference.ts has the definition and the TypeScript twin):
 * per element of x [B, P] (P = H·W·C), I = clamp((1 − λ_b)·(x + 1)/2 + λ_b·off, 0, 1) and
 * out = Σ_k w[b, k]·I^β_k. gate [B], w [B, NB], betas [NB]. The tail goes through the same lane code. */
EXPORT("spin_power_sum")
void spin_power_sum(int B, int P, const float *x, const float *off, const float *gate, const float *w, const float *betas, int NB, float *out) {
  const v128_t one = wasm_f32x4_splat(1.f), half = wasm_f32x4_splat(0.5f);
  for (int b = 0; b < B; b++) {
    const float lam = gate[b];
    const v128_t l = wasm_f32x4_splat(lam), keep = wasm_f32x4_splat(1.f - lam);
    const float *wb = w + b * NB;
    const float *xb = x + b * P, *ob = off + b * P;
    float *yb = out + b * P;
    int p = 0;
    for (; p + 4 <= P; p += 4) {
      v128_t i = wasm_f32x4_add(wasm_f32x4_mul(keep, wasm_f32x4_mul(wasm_f32x4_add(wasm_v128_load(xb + p), one), half)), wasm_f32x4_mul(l, wasm_v128_load(ob + p)));
      wasm_v128_store(yb + p, power_sum4(i, wb, betas, NB));
    }
    for (; p < P; p++) yb[p] = wasm_f32x4_extract_lane(power_sum4(wasm_f32x4_splat((1.f - lam) * ((xb[p] + 1.f) * 0.5f) + lam * ob[p]), wb, betas, NB), 0);
  }
}
