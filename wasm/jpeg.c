/*
 * A baseline JPEG decoder for webstr's word crops, in its own wasm module (its own memory, no libc),
 * whose RGBA output is byte-identical to libjpeg-turbo's default decoding: the decoder behind Chromium's
 * createImageBitmap and Skia in Node. Written from ITU-T T.81 and libjpeg's documented behaviour.
 *
 * Supported: SOF0/SOF1 8-bit Huffman, sequential (one interleaved scan or one scan per component),
 * restart intervals, 1 component (grey) or 3 (YCbCr), sampling factors whose ratios to the largest are
 * whole numbers. Everything else answers an "unsupported" code (< 32) so the caller decodes another way;
 * corrupt data answers a code ≥ 32. No input is read or memory written out of bounds, whatever the bytes.
 *
 * The arithmetic, as libjpeg-turbo does it by default:
 * - "islow" inverse DCT: the Loeffler–Ligtenberg–Moschytz factorisation in 32-bit fixed point (13-bit
 *   constants); the column pass keeps 2 extra fraction bits, the row pass removes them and the 3 bits of
 *   the 8×8 scale with rounding; +128, clamped to 0..255;
 * - "fancy" chroma upsampling: a triangular filter (3/4 of the nearer sample, 1/4 of the next one);
 *   2×1 horizontally with rounding biases 1 and 2, 2×2 vertically then horizontally with 8 and 7, 1×2
 *   vertically with 1 and 2; edge samples repeat; chroma 2 or fewer samples wide and other integral
 *   ratios are replicated instead;
 * - YCbCr → RGB (JFIF, full range) with 16-bit fixed-point tables, as src/image/jpeg_yuv.ts.
 *
 * Memory: an arena over the module's memory, grown on demand and reset by the caller between images;
 * the caller gives a pixel limit checked before any pixel memory is taken.
 * Build: scripts/build_jpeg_wasm.sh. API: src/image/jpeg_wasm.ts.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Answers of jpeg_decode. Below 32: not decoded here (the caller uses another decoder); 32 and up: corrupt. */
enum {
  JPEG_OK = 0,
  U_NOT_JPEG = 1,       /* no SOI at the start */
  U_PROCESS = 2,        /* progressive, lossless, hierarchical or arithmetic-coded frame */
  U_PRECISION = 3,      /* not 8 bits per sample */
  U_COMPONENTS = 4,     /* not 1 or 3 components */
  U_SAMPLING = 5,       /* a sampling ratio that is not a whole number */
  U_COLOR = 6,          /* RGB or another Adobe transform, or an ICC profile (colour managed elsewhere) */
  U_SCAN = 7,           /* spectral selection / successive approximation in a sequential scan */
  U_NO_TABLE = 8,       /* a scan names an undefined Huffman table (Motion-JPEG's implicit tables) */
  U_TOO_LARGE = 9,      /* more pixels than the caller's limit */
  U_NO_MEMORY = 10,     /* the module's memory could not grow */
  U_DNL = 11,           /* height given by a DNL marker */
  C_TRUNCATED = 32,     /* the data ends before the image does */
  C_BAD_MARKER = 33,    /* a marker where it does not belong (second SOI, SOS before SOF, EOI before the scans) */
  C_BAD_LENGTH = 34,    /* a segment length that does not match its contents */
  C_BAD_DQT = 35,       /* quantisation table id or precision out of range */
  C_BAD_DHT = 36,       /* Huffman table id out of range, too many codes, or codes that do not fit */
  C_BAD_SOF = 37,       /* zero size, bad sampling factors, duplicate component ids, quant table id > 3 */
  C_BAD_SOS = 38,       /* unknown or repeated component, table id > 3, too many blocks per MCU */
  C_NO_QUANT = 39,      /* a component's quantisation table is not defined */
  C_BAD_CODE = 40,      /* entropy-coded data holds a code its Huffman table lacks */
  C_BAD_RESTART = 41,   /* a restart marker missing or out of sequence */
  C_NO_FRAME = 42,      /* the data ends before any frame was decoded */
};

/* ---------------------------------------------------------------------------------------------------- */
/* Arena over the module's own memory. */

extern unsigned char __heap_base;
static uint32_t arena_top;
#define ARENA_MAX 0x7F000000u /* under 2 GiB: sizes stay well inside uint32 arithmetic */

EXPORT("jpeg_reset") void jpeg_reset(void) { arena_top = (uint32_t)(uintptr_t)&__heap_base; }

static void *arena_alloc(uint64_t n) {
  if (arena_top == 0) jpeg_reset();
  uint64_t start = ((uint64_t)arena_top + 15) & ~(uint64_t)15;
  uint64_t end = start + n;
  if (end > ARENA_MAX) return 0;
  uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) << 16;
  if (end > have) {
    uint64_t pages = (end - have + 65535) >> 16;
    if (__builtin_wasm_memory_grow(0, (unsigned long)pages) == (unsigned long)-1) return 0;
  }
  arena_top = (uint32_t)end;
  return (void *)(uintptr_t)start;
}

/* Input bytes go here first (the caller copies them in). */
EXPORT("jpeg_alloc") uint32_t jpeg_alloc(uint32_t n) { return (uint32_t)(uintptr_t)arena_alloc(n ? n : 1); }

/* ---------------------------------------------------------------------------------------------------- */
/* Decoder state: one image at a time, all of it reset at the start of jpeg_decode. */

/* Zigzag position → natural (row-major) position; 16 spare entries catch a corrupt run past the end
 * (k can reach 63 + 15) and send it to the last coefficient, as libjpeg does. */
static const uint8_t ZIGZAG[80] = {
  0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,
  6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31,
  39, 46, 53, 60, 61, 54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
};

#define LOOKUP_BITS 9
typedef struct {
  int defined;
  int max_symbol;                      /* largest symbol value (DC tables must stay ≤ 15) */
  uint16_t fast[1 << LOOKUP_BITS];     /* next LOOKUP_BITS bits → (length << 8) | symbol; 0: longer code or none */
  int32_t maxcode[17];                 /* largest code of each length, -1 when the length has none */
  int32_t valoff[17];                  /* index in vals of a code of that length = valoff + code */
  uint8_t vals[256];
} Huff;

typedef struct {
  int id, h, v, tq;
  int fx, fy;          /* expansion to full size: hmax / h, vmax / v */
  int cw, ch;          /* samples this component has (libjpeg's downsampled width and height) */
  int bw, bh;          /* blocks in its plane (whole MCUs) */
  int stride;          /* bw * 8 */
  uint8_t *plane;
  int td, ta;          /* Huffman tables of the current scan */
  int32_t pred;        /* DC predictor */
  int decoded;
} Comp;

static const uint8_t *src;
static uint32_t src_len, pos;

/* Multipliers as libjpeg keeps them for its integer IDCT: 16-bit signed (a 16-bit table's values past 32767
 * wrap negative there too). */
static int16_t qt[4][64];
static int qt_defined[4];
static Huff huff[2][4]; /* [0]: DC, [1]: AC */
static Comp comp[3];
static int ncomp, width, height, hmax, vmax, mcus_x, mcus_y, frame_seen, planes_ready;
static int restart_interval, saw_adobe, adobe_transform, saw_icc;
static uint8_t *out_rgba;

/* Bit reader over the entropy-coded data. `acc` holds `nbits` bits from its top. At a marker or at the
 * end of the input it feeds zero bits and counts them in `fake`: an MCU that used any of them ran past
 * its data (consumed fake bits iff fewer bits are left in `acc` than were faked). */
static uint64_t acc;
static int nbits, fake, at_marker;

static void refill(void) {
  while (nbits <= 56) {
    uint32_t b = 0;
    if (!at_marker) {
      if (pos >= src_len) {
        at_marker = 1;
      } else if (src[pos] != 0xFF) {
        b = src[pos++];
      } else {
        /* 0xFF then any fill 0xFFs: a stuffed data byte when 0x00 follows, else a marker (left unread). */
        uint32_t p = pos + 1;
        while (p < src_len && src[p] == 0xFF) p++;
        if (p < src_len && src[p] == 0x00) {
          b = 0xFF;
          pos = p + 1;
        } else {
          at_marker = 1;
        }
      }
    }
    if (at_marker) fake += 8;
    acc |= (uint64_t)b << (56 - nbits);
    nbits += 8;
  }
}

static inline uint32_t peek(int n) { return (uint32_t)(acc >> (64 - n)); } /* 1 ≤ n ≤ 32 */
static inline void skip(int n) {
  acc <<= n;
  nbits -= n;
}

/* The next Huffman symbol (at least 16 bits must be in acc), or -1 for a code the table lacks. Codes of up
 * to LOOKUP_BITS come from one lookup; longer ones by the canonical-code rule of T.81 F.2.2.3 (the first
 * length whose largest code is ≥ the prefix). */
static inline int decode_symbol(const Huff *t) {
  uint32_t e = t->fast[peek(LOOKUP_BITS)];
  if (e) {
    skip((int)(e >> 8));
    return (int)(e & 0xFF);
  }
  uint32_t bits = peek(16);
  for (int l = LOOKUP_BITS + 1; l <= 16; l++) {
    int32_t code = (int32_t)(bits >> (16 - l));
    if (code <= t->maxcode[l]) {
      skip(l);
      return t->vals[(t->valoff[l] + code) & 0xFF];
    }
  }
  return -1;
}

/* s bits (1 ≤ s ≤ 16) read as a signed difference (T.81 F.2.2.1 EXTEND): values below 2^(s-1) are negative. */
static inline int32_t receive_extend(int s) {
  int32_t v = (int32_t)peek(s);
  skip(s);
  if (v < (1 << (s - 1))) v += 1 - (1 << s);
  return v;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Inverse DCT ("islow"): 13-bit fixed-point constants, round(x · 2^13). */

#define C0_298 2446
#define C0_390 3196
#define C0_541 4433
#define C0_765 6270
#define C0_899 7373
#define C1_175 9633
#define C1_501 12299
#define C1_847 15137
#define C1_961 16069
#define C2_053 16819
#define C2_562 20995
#define C3_072 25172

/* One 8-point inverse transform, outputs before descaling (scaled by 2^13). The even inputs (0, 2, 4, 6)
 * make a 4-point transform from a sum/difference of 0 and 4 and a rotation of 2 and 6 sharing one multiply;
 * the odd inputs (1, 3, 5, 7) go through the rotation network of the factorisation: four pairwise sums, a
 * shared multiply of their total, and one multiply per input. Output k pairs an even term with an odd one,
 * added for k and subtracted for 7 - k. Integer arithmetic wraps (built with -fwrapv), as in libjpeg for
 * data in range. */
static inline void idct_1d(int32_t x0, int32_t x1, int32_t x2, int32_t x3, int32_t x4, int32_t x5, int32_t x6, int32_t x7,
                           int32_t *o) {
  int32_t a = (x0 + x4) * 8192, b = (x0 - x4) * 8192;
  int32_t r = (x2 + x6) * C0_541;
  int32_t e2 = r + x2 * C0_765, e6 = r - x6 * C1_847;
  int32_t E0 = a + e2, E3 = a - e2, E1 = b + e6, E2 = b - e6;

  int32_t s71 = x7 + x1, s53 = x5 + x3, s73 = x7 + x3, s51 = x5 + x1;
  int32_t common = (s73 + s51) * C1_175;
  s71 *= -C0_899;
  s53 *= -C2_562;
  s73 = s73 * -C1_961 + common;
  s51 = s51 * -C0_390 + common;
  int32_t O7 = x7 * C0_298 + s71 + s73;
  int32_t O5 = x5 * C2_053 + s53 + s51;
  int32_t O3 = x3 * C3_072 + s53 + s73;
  int32_t O1 = x1 * C1_501 + s71 + s51;

  o[0] = E0 + O1; o[7] = E0 - O1;
  o[1] = E1 + O3; o[6] = E1 - O3;
  o[2] = E2 + O5; o[5] = E2 - O5;
  o[3] = E3 + O7; o[4] = E3 - O7;
}

static inline uint8_t clamp255(int32_t v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* Dequantise `coef` (natural order) with `q` and write the 8×8 samples at `out` (row stride `stride`). */
static void idct_block(const int16_t *coef, const int16_t *q, uint8_t *out, int stride) {
  int32_t ws[64];
  int32_t t[8];
  /* Columns: results keep 2 extra fraction bits (descale by 13 - 2 with rounding). A column whose AC terms
   * are all zero is its DC term times 4 in all 8 rows (exactly what the full transform gives). */
  for (int c = 0; c < 8; c++) {
    const int16_t *k = coef + c;
    const int16_t *m = q + c;
    if (!(k[8] | k[16] | k[24] | k[32] | k[40] | k[48] | k[56])) {
      int32_t dc = (int32_t)k[0] * m[0] * 4;
      for (int r = 0; r < 8; r++) ws[r * 8 + c] = dc;
      continue;
    }
    idct_1d(k[0] * m[0], k[8] * m[8], k[16] * m[16], k[24] * m[24], k[32] * m[32], k[40] * m[40], k[48] * m[48],
            k[56] * m[56], t);
    for (int r = 0; r < 8; r++) ws[r * 8 + c] = (t[r] + (1 << 10)) >> 11;
  }
  /* Rows: descale by 13 + 2 + 3 with rounding, then +128 and clamp. A row with only its first term is that
   * term descaled by 2 + 3 in all 8 columns. */
  for (int r = 0; r < 8; r++, out += stride) {
    const int32_t *w = ws + r * 8;
    if (!(w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])) {
      uint8_t v = clamp255(((w[0] + (1 << 4)) >> 5) + 128);
      for (int c = 0; c < 8; c++) out[c] = v;
      continue;
    }
    idct_1d(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], t);
    for (int c = 0; c < 8; c++) out[c] = clamp255(((t[c] + (1 << 17)) >> 18) + 128);
  }
}

/* ---------------------------------------------------------------------------------------------------- */
/* Markers and segments. */

static inline uint32_t be16(uint32_t p) { return ((uint32_t)src[p] << 8) | src[p + 1]; }

/* The next marker from `pos`, skipping what libjpeg skips (bytes that are not 0xFF, fill 0xFFs, a stuffed
 * 0xFF00); `pos` ends past the marker. -1 at the end of the input. */
static int next_marker(void) {
  for (;;) {
    while (pos < src_len && src[pos] != 0xFF) pos++;
    while (pos + 1 < src_len && src[pos + 1] == 0xFF) pos++;
    if (pos + 1 >= src_len) {
      pos = src_len;
      return -1;
    }
    int m = src[pos + 1];
    pos += 2;
    if (m != 0) return m;
  }
}

/* Length of the segment at `pos` (its 2 length bytes included); 0 when it is corrupt or cut short. */
static uint32_t segment_length(int *err) {
  if (pos + 2 > src_len) {
    *err = C_TRUNCATED;
    return 0;
  }
  uint32_t n = be16(pos);
  if (n < 2) {
    *err = C_BAD_LENGTH;
    return 0;
  }
  if (pos + n > src_len) {
    *err = C_TRUNCATED;
    return 0;
  }
  return n;
}

static int parse_dqt(uint32_t p, uint32_t end) {
  while (p < end) {
    int pq = src[p] >> 4, tq = src[p] & 15;
    p++;
    if (pq > 1 || tq > 3) return C_BAD_DQT;
    uint32_t need = pq ? 128 : 64;
    if (end - p < need) return C_BAD_LENGTH;
    for (int i = 0; i < 64; i++) qt[tq][ZIGZAG[i]] = (int16_t)(pq ? be16(p + 2 * i) : src[p + i]);
    qt_defined[tq] = 1;
    p += need;
  }
  return 0;
}

/* Builds a table from its 16 code counts and symbols; rejects tables of more than 256 codes or whose codes
 * overflow their length (libjpeg also refuses a length's codes reaching the all-ones code). */
static int parse_dht(uint32_t p, uint32_t end) {
  while (p < end) {
    int tc = src[p] >> 4, th = src[p] & 15;
    p++;
    if (tc > 1 || th > 3) return C_BAD_DHT;
    if (end - p < 16) return C_BAD_LENGTH;
    const uint8_t *counts = src + p;
    uint32_t total = 0;
    for (int l = 0; l < 16; l++) total += counts[l];
    p += 16;
    if (total > 256) return C_BAD_DHT;
    if (end - p < total) return C_BAD_LENGTH;
    Huff *t = &huff[tc][th];
    t->defined = 0;
    for (uint32_t i = 0; i < (1u << LOOKUP_BITS); i++) t->fast[i] = 0;
    t->max_symbol = 0;
    for (uint32_t i = 0; i < total; i++) {
      t->vals[i] = src[p + i];
      if (src[p + i] > t->max_symbol) t->max_symbol = src[p + i];
    }
    p += total;
    int32_t code = 0, k = 0;
    t->maxcode[0] = -1;
    t->valoff[0] = 0;
    for (int l = 1; l <= 16; l++) {
      int32_t n = counts[l - 1];
      t->valoff[l] = k - code;
      t->maxcode[l] = n ? code + n - 1 : -1;
      if (n && code + n >= (1 << l)) return C_BAD_DHT;
      if (l <= LOOKUP_BITS) {
        for (int32_t i = 0; i < n; i++) {
          uint32_t first = (uint32_t)(code + i) << (LOOKUP_BITS - l);
          uint32_t count = 1u << (LOOKUP_BITS - l);
          uint16_t e = (uint16_t)((l << 8) | t->vals[k + i]);
          for (uint32_t j = 0; j < count; j++) t->fast[first + j] = e;
        }
      }
      code = (code + n) << 1;
      k += n;
    }
    t->defined = 1;
  }
  return 0;
}

static int parse_sof(uint32_t p, uint32_t n, uint32_t max_pixels) {
  if (frame_seen) return C_BAD_MARKER;
  frame_seen = 1;
  if (n < 6) return C_BAD_LENGTH;
  int precision = src[p];
  height = (int)be16(p + 1);
  width = (int)be16(p + 3);
  ncomp = src[p + 5];
  if (n != 6 + 3 * (uint32_t)ncomp) return C_BAD_LENGTH;
  if (precision != 8) return U_PRECISION;
  if (height == 0) return U_DNL;
  if (width == 0 || ncomp == 0) return C_BAD_SOF;
  if (ncomp != 1 && ncomp != 3) return U_COMPONENTS;
  hmax = vmax = 1;
  for (int i = 0; i < ncomp; i++) {
    Comp *c = &comp[i];
    c->id = src[p + 6 + 3 * i];
    c->h = src[p + 7 + 3 * i] >> 4;
    c->v = src[p + 7 + 3 * i] & 15;
    c->tq = src[p + 8 + 3 * i];
    c->decoded = 0;
    if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4 || c->tq > 3) return C_BAD_SOF;
    for (int j = 0; j < i; j++)
      if (comp[j].id == c->id) return C_BAD_SOF;
    if (c->h > hmax) hmax = c->h;
    if (c->v > vmax) vmax = c->v;
  }
  if ((uint64_t)width * (uint64_t)height > max_pixels) return U_TOO_LARGE;
  if (ncomp == 1) {
    /* One component: its own size, one block per MCU whatever its factors (libjpeg's non-interleaved case). */
    Comp *c = &comp[0];
    c->h = c->v = 1;
    hmax = vmax = 1;
  }
  mcus_x = (width + 8 * hmax - 1) / (8 * hmax);
  mcus_y = (height + 8 * vmax - 1) / (8 * vmax);
  for (int i = 0; i < ncomp; i++) {
    Comp *c = &comp[i];
    if (hmax % c->h || vmax % c->v) return U_SAMPLING;
    c->fx = hmax / c->h;
    c->fy = vmax / c->v;
    c->cw = (int)(((uint32_t)width * (uint32_t)c->h + (uint32_t)hmax - 1) / (uint32_t)hmax);
    c->ch = (int)(((uint32_t)height * (uint32_t)c->v + (uint32_t)vmax - 1) / (uint32_t)vmax);
    c->bw = mcus_x * c->h;
    c->bh = mcus_y * c->v;
    c->stride = c->bw * 8;
  }
  return 0;
}

/* Colour space and planes, once, when the first scan starts (as libjpeg settles them in jpeg_read_header). */
static int prepare_planes(void) {
  if (planes_ready) return 0;
  if (saw_icc) return U_COLOR;
  if (ncomp == 3) {
    if (saw_adobe && adobe_transform != 1) return U_COLOR;
    /* Ids 'R', 'G', 'B' mean RGB to some libjpeg versions even beside a JFIF marker: left to libjpeg. */
    if (comp[0].id == 'R' && comp[1].id == 'G' && comp[2].id == 'B') return U_COLOR;
  }
  for (int i = 0; i < ncomp; i++) {
    Comp *c = &comp[i];
    c->plane = (uint8_t *)arena_alloc((uint64_t)c->stride * (uint64_t)c->bh * 8);
    if (!c->plane) return U_NO_MEMORY;
  }
  out_rgba = (uint8_t *)arena_alloc((uint64_t)width * (uint64_t)height * 4);
  if (!out_rgba) return U_NO_MEMORY;
  planes_ready = 1;
  return 0;
}

/* After each `restart_interval` MCUs: drop the remaining bits, find RSTn (n counting 0..7), reset the DC
 * predictors. Stray bytes before the marker are skipped, as libjpeg does. */
static int take_restart(int *next_rst, Comp **sc, int ns) {
  acc = 0;
  nbits = 0;
  fake = 0;
  at_marker = 0;
  int m = next_marker();
  if (m < 0) return C_TRUNCATED;
  if (m != 0xD0 + *next_rst) return C_BAD_RESTART;
  *next_rst = (*next_rst + 1) & 7;
  for (int i = 0; i < ns; i++) sc[i]->pred = 0;
  return 0;
}

static int decode_block(Comp *c, int16_t *blk, const Huff *dc, const Huff *ac) {
  for (int i = 0; i < 64; i++) blk[i] = 0;
  if (nbits < 32) refill();
  int s = decode_symbol(dc);
  if (s < 0) return C_BAD_CODE;
  if (s) c->pred += receive_extend(s);
  blk[0] = (int16_t)c->pred;
  for (int k = 1; k < 64; k++) {
    if (nbits < 32) refill();
    int rs = decode_symbol(ac);
    if (rs < 0) return C_BAD_CODE;
    int run = rs >> 4;
    s = rs & 15;
    if (s) {
      k += run;
      blk[ZIGZAG[k]] = (int16_t)receive_extend(s);
    } else {
      if (run != 15) break;
      k += 15;
    }
  }
  return 0;
}

static int parse_and_decode_scan(uint32_t p, uint32_t n) {
  if (!frame_seen) return C_BAD_MARKER;
  if (n < 1) return C_BAD_LENGTH;
  int ns = src[p];
  if (n != 4 + 2 * (uint32_t)ns) return C_BAD_LENGTH;
  if (ns < 1 || ns > ncomp) return C_BAD_SOS;
  Comp *sc[3];
  int blocks_per_mcu = 0;
  for (int i = 0; i < ns; i++) {
    int id = src[p + 1 + 2 * i], tables = src[p + 2 + 2 * i];
    Comp *c = 0;
    for (int j = 0; j < ncomp; j++)
      if (comp[j].id == id) c = &comp[j];
    if (!c || c->decoded) return C_BAD_SOS;
    for (int j = 0; j < i; j++)
      if (sc[j] == c) return C_BAD_SOS;
    c->td = tables >> 4;
    c->ta = tables & 15;
    if (c->td > 3 || c->ta > 3) return C_BAD_SOS;
    sc[i] = c;
    blocks_per_mcu += c->h * c->v;
  }
  if (ns > 1 && blocks_per_mcu > 10) return C_BAD_SOS;
  uint32_t q = p + 1 + 2 * (uint32_t)ns;
  int ss = src[q], se = src[q + 1], ahl = src[q + 2];
  if (ss != 0 || se != 63 || ahl != 0) return U_SCAN;
  for (int i = 0; i < ns; i++) {
    if (!huff[0][sc[i]->td].defined || !huff[1][sc[i]->ta].defined) return U_NO_TABLE;
    if (huff[0][sc[i]->td].max_symbol > 15) return C_BAD_DHT;
    if (!qt_defined[sc[i]->tq]) return C_NO_QUANT;
  }
  int err = prepare_planes();
  if (err) return err;

  pos = p + n;
  acc = 0;
  nbits = 0;
  fake = 0;
  at_marker = 0;
  for (int i = 0; i < ns; i++) sc[i]->pred = 0;
  int16_t blk[64];
  int next_rst = 0;
  uint32_t done = 0;

  if (ns == 1) {
    /* Non-interleaved: the component's own blocks, left to right, top to bottom, one per MCU. */
    Comp *c = sc[0];
    const Huff *dc = &huff[0][c->td], *ac = &huff[1][c->ta];
    const int16_t *qtab = qt[c->tq];
    int bx_n = (c->cw + 7) / 8, by_n = (c->ch + 7) / 8;
    for (int by = 0; by < by_n; by++) {
      for (int bx = 0; bx < bx_n; bx++, done++) {
        if (restart_interval && done && done % (uint32_t)restart_interval == 0) {
          err = take_restart(&next_rst, sc, ns);
          if (err) return err;
        }
        err = decode_block(c, blk, dc, ac);
        if (err) return err;
        if (fake > nbits) return C_TRUNCATED;
        idct_block(blk, qtab, c->plane + (uint32_t)by * 8 * (uint32_t)c->stride + (uint32_t)bx * 8, c->stride);
      }
    }
  } else {
    for (int my = 0; my < mcus_y; my++) {
      for (int mx = 0; mx < mcus_x; mx++, done++) {
        if (restart_interval && done && done % (uint32_t)restart_interval == 0) {
          err = take_restart(&next_rst, sc, ns);
          if (err) return err;
        }
        for (int i = 0; i < ns; i++) {
          Comp *c = sc[i];
          const Huff *dc = &huff[0][c->td], *ac = &huff[1][c->ta];
          const int16_t *qtab = qt[c->tq];
          for (int v = 0; v < c->v; v++) {
            for (int h = 0; h < c->h; h++) {
              err = decode_block(c, blk, dc, ac);
              if (err) return err;
              uint32_t row = (uint32_t)(my * c->v + v) * 8, col = (uint32_t)(mx * c->h + h) * 8;
              idct_block(blk, qtab, c->plane + row * (uint32_t)c->stride + col, c->stride);
            }
          }
        }
        if (fake > nbits) return C_TRUNCATED;
      }
    }
  }
  for (int i = 0; i < ns; i++) sc[i]->decoded = 1;
  /* Carry on from the first byte the bit reader did not take: the next marker is found from there. */
  return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Upsampling and colour conversion. */

/* Row `y` of component `c` at full width (at least `width` samples) in `tmp`, or straight from its plane. */
static const uint8_t *component_row(const Comp *c, int y, uint8_t *tmp) {
  if (c->fx == 1 && c->fy == 1) return c->plane + (uint32_t)y * (uint32_t)c->stride;
  int cw = c->cw;
  if (c->fx == 2 && c->fy == 1 && cw > 2) {
    /* Horizontal triangle: each output is 3/4 of its own sample + 1/4 of the neighbour on its side, + bias
     * 1 (left output) or 2 (right output), /4; the outermost outputs are the edge samples themselves. */
    const uint8_t *s = c->plane + (uint32_t)y * (uint32_t)c->stride;
    tmp[0] = s[0];
    tmp[1] = (uint8_t)((s[0] * 3 + s[1] + 2) >> 2);
    for (int i = 1; i < cw - 1; i++) {
      int t = s[i] * 3;
      tmp[2 * i] = (uint8_t)((t + s[i - 1] + 1) >> 2);
      tmp[2 * i + 1] = (uint8_t)((t + s[i + 1] + 2) >> 2);
    }
    tmp[2 * cw - 2] = (uint8_t)((s[cw - 1] * 3 + s[cw - 2] + 1) >> 2);
    tmp[2 * cw - 1] = s[cw - 1];
    return tmp;
  }
  if (c->fx == 2 && c->fy == 2 && cw > 2) {
    /* Vertical then horizontal triangle on 16× sums: first 3 × this row + the nearer row (above for an even
     * output row, below for an odd one; the edge row repeats), then 3 × this column sum + the neighbour
     * column sum on the output's side, + 8 (left output) or 7 (right output), /16. The first and last
     * outputs use their own column sum four times. */
    int r = y >> 1;
    int r1 = (y & 1) == 0 ? (r > 0 ? r - 1 : 0) : (r + 1 < c->ch ? r + 1 : c->ch - 1);
    const uint8_t *s0 = c->plane + (uint32_t)r * (uint32_t)c->stride;
    const uint8_t *s1 = c->plane + (uint32_t)r1 * (uint32_t)c->stride;
    int prev = s0[0] * 3 + s1[0], cur = prev, next;
    for (int i = 0; i < cw; i++) {
      next = i + 1 < cw ? s0[i + 1] * 3 + s1[i + 1] : cur;
      tmp[2 * i] = (uint8_t)((cur * 3 + prev + 8) >> 4);
      tmp[2 * i + 1] = (uint8_t)((cur * 3 + next + 7) >> 4);
      prev = cur;
      cur = next;
    }
    return tmp;
  }
  if (c->fx == 1 && c->fy == 2) {
    /* Vertical triangle: 3 × this row + the nearer row, + 1 (even output row) or 2 (odd), /4. */
    int r = y >> 1;
    int odd = y & 1;
    int r1 = !odd ? (r > 0 ? r - 1 : 0) : (r + 1 < c->ch ? r + 1 : c->ch - 1);
    const uint8_t *s0 = c->plane + (uint32_t)r * (uint32_t)c->stride;
    const uint8_t *s1 = c->plane + (uint32_t)r1 * (uint32_t)c->stride;
    int bias = 1 + odd;
    for (int i = 0; i < cw; i++) tmp[i] = (uint8_t)((s0[i] * 3 + s1[i] + bias) >> 2);
    return tmp;
  }
  /* Any other whole ratio (and 2×1, 2×2 two or fewer samples wide): each sample repeated fx × fy times. */
  const uint8_t *s = c->plane + (uint32_t)(y / c->fy) * (uint32_t)c->stride;
  int fx = c->fx;
  for (int i = 0, o = 0; i < cw; i++)
    for (int j = 0; j < fx; j++) tmp[o++] = s[i];
  return tmp;
}

/* JFIF YCbCr → RGB, 16-bit fixed point: R = Y + 1.402 (Cr − 128), G = Y − 0.34414 (Cb − 128) −
 * 0.71414 (Cr − 128), B = Y + 1.772 (Cb − 128). The R and B terms are rounded per table entry; G's two
 * terms are summed (the rounding half rides on the Cb one) and shifted together. */
static int32_t cr_r[256], cb_b[256], cr_g[256], cb_g[256];
static int tables_ready;

static void init_color_tables(void) {
  for (int i = 0; i < 256; i++) {
    int32_t x = i - 128;
    cr_r[i] = (91881 * x + 32768) >> 16;   /* 1.402 · 2^16 */
    cb_b[i] = (116130 * x + 32768) >> 16;  /* 1.772 · 2^16 */
    cr_g[i] = -46802 * x;                  /* 0.71414 · 2^16 */
    cb_g[i] = -22554 * x + 32768;          /* 0.34414 · 2^16, plus one half */
  }
  tables_ready = 1;
}

static int emit_rgba(void) {
  uint32_t *out = (uint32_t *)(void *)out_rgba;
  if (ncomp == 1) {
    const Comp *c = &comp[0];
    for (int y = 0; y < height; y++) {
      const uint8_t *s = c->plane + (uint32_t)y * (uint32_t)c->stride;
      for (int x = 0; x < width; x++) *out++ = (uint32_t)s[x] * 0x010101u | 0xFF000000u;
    }
    return 0;
  }
  if (!tables_ready) init_color_tables();
  /* Scratch rows: a full output row per component, with room for the upsamplers' whole-sample overrun. */
  uint32_t row_bytes = (uint32_t)mcus_x * (uint32_t)hmax * 8 + 16;
  uint8_t *tmp = (uint8_t *)arena_alloc((uint64_t)row_bytes * 3);
  if (!tmp) return U_NO_MEMORY;
  for (int y = 0; y < height; y++) {
    const uint8_t *Y = component_row(&comp[0], y, tmp);
    const uint8_t *B = component_row(&comp[1], y, tmp + row_bytes);
    const uint8_t *R = component_row(&comp[2], y, tmp + 2 * row_bytes);
    for (int x = 0; x < width; x++) {
      int32_t l = Y[x], cb = B[x], cr = R[x];
      uint32_t r = clamp255(l + cr_r[cr]);
      uint32_t g = clamp255(l + ((cb_g[cb] + cr_g[cr]) >> 16));
      uint32_t b = clamp255(l + cb_b[cb]);
      *out++ = r | g << 8 | b << 16 | 0xFF000000u;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------------------- */

static void reset_state(void) {
  for (int i = 0; i < 4; i++) {
    qt_defined[i] = 0;
    huff[0][i].defined = 0;
    huff[1][i].defined = 0;
  }
  ncomp = width = height = 0;
  frame_seen = planes_ready = 0;
  restart_interval = saw_adobe = adobe_transform = saw_icc = 0;
  out_rgba = 0;
  acc = 0;
  nbits = fake = at_marker = 0;
}

static int all_decoded(void) {
  if (!planes_ready) return 0;
  for (int i = 0; i < ncomp; i++)
    if (!comp[i].decoded) return 0;
  return 1;
}

static int app_starts(uint32_t p, uint32_t n, const char *tag, uint32_t tag_len) {
  if (n < tag_len) return 0;
  for (uint32_t i = 0; i < tag_len; i++)
    if (src[p + i] != (uint8_t)tag[i]) return 0;
  return 1;
}

static int run(uint32_t max_pixels) {
  if (src_len < 2 || src[0] != 0xFF || src[1] != 0xD8) return U_NOT_JPEG;
  pos = 2;
  for (;;) {
    if (all_decoded()) return emit_rgba();
    int m = next_marker();
    if (m < 0) return frame_seen ? C_TRUNCATED : C_NO_FRAME;
    if (m == 0xD9) return C_BAD_MARKER; /* end of image before every component was decoded */
    if (m == 0xD8) return C_BAD_MARKER;
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue; /* stand-alone markers: no segment */
    int err = 0;
    uint32_t n = segment_length(&err);
    if (!n) return err;
    uint32_t p = pos + 2, body = n - 2;
    switch (m) {
      case 0xC0:
      case 0xC1: err = parse_sof(p, body, max_pixels); break;
      case 0xC2: case 0xC3: case 0xC5: case 0xC6: case 0xC7:
      case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF: return U_PROCESS;
      case 0xC4: err = parse_dht(p, p + body); break;
      case 0xDB: err = parse_dqt(p, p + body); break;
      case 0xDD:
        if (body != 2) return C_BAD_LENGTH;
        restart_interval = (int)be16(p);
        break;
      case 0xDC: return U_DNL;
      case 0xDA:
        err = parse_and_decode_scan(p, body);
        if (err) return err;
        continue; /* pos is where the entropy-coded data stopped */
      case 0xE2:
        if (app_starts(p, body, "ICC_PROFILE\0", 12)) saw_icc = 1;
        break;
      case 0xEE:
        if (body >= 12 && app_starts(p, body, "Adobe", 5)) {
          saw_adobe = 1;
          adobe_transform = src[p + 11];
        }
        break;
      default: break; /* other APPn, COM, DAC, JPGn: skipped */
    }
    if (err) return err;
    pos += n;
  }
}

/* Decodes `len` bytes at `in` (from jpeg_alloc); answers JPEG_OK, an unsupported code (< 32) or a corrupt
 * one (≥ 32). On JPEG_OK, jpeg_width/jpeg_height/jpeg_pixels give the RGBA image (in the arena). */
EXPORT("jpeg_decode") int jpeg_decode(uint32_t in, uint32_t len, uint32_t max_pixels) {
  reset_state();
  src = (const uint8_t *)(uintptr_t)in;
  src_len = len;
  return run(max_pixels);
}

EXPORT("jpeg_width") int jpeg_width(void) { return width; }
EXPORT("jpeg_height") int jpeg_height(void) { return height; }
EXPORT("jpeg_pixels") uint32_t jpeg_pixels(void) { return (uint32_t)(uintptr_t)out_rgba; }

/* ---------------------------------------------------------------------------------------------------- */
/* The decoded image straight to a model's input (after a JPEG_OK jpeg_decode, before the next reset): a
 * float32 [out_h, out_w, channels] tensor, the same bits src/image/preprocess.ts `preprocessPixels` makes
 * from the RGBA (it is that function written out in C, in double precision and in the same order of
 * operations, so each value rounds to float32 once, as there):
 * - channels: mode 0 grey (0.299 R + 0.587 G + 0.114 B, taken before the resize), 1 RGB, 2 BGR;
 * - bilinear resize of the whole image to out_h × w with half-pixel centres, taps clamped to the edges;
 * - v·scale − shift (scale = 1/(255·std), shift = mean/std, computed by the caller);
 * - columns w … out_w − 1 filled with pad (keep-ratio-pad modes).
 * Answers the tensor's address in the arena, or 0 when there is no decoded image or no memory. */

typedef struct {
  int32_t *lo, *hi;
  double *frac;
} Taps;

static int make_taps(Taps *t, int n, int in_n, int out_n) {
  t->lo = (int32_t *)arena_alloc((uint64_t)n * 4);
  t->hi = (int32_t *)arena_alloc((uint64_t)n * 4);
  t->frac = (double *)arena_alloc((uint64_t)n * 8);
  if (!t->lo || !t->hi || !t->frac) return 0;
  double ratio = (double)in_n / (double)out_n;
  for (int i = 0; i < n; i++) {
    double s = ratio * ((double)i + 0.5) - 0.5;
    double f = __builtin_floor(s), c = __builtin_ceil(s);
    int32_t lo = f < 0 ? 0 : (int32_t)f;
    int32_t hi = c > (double)(in_n - 1) ? in_n - 1 : (int32_t)c;
    t->lo[i] = lo;
    t->hi[i] = hi;
    t->frac[i] = s - (double)lo;
  }
  return 1;
}

EXPORT("jpeg_input")
uint32_t jpeg_input(int out_h, int w, int out_w, int mode, double scale, double shift, double pad) {
  if (!out_rgba || out_h <= 0 || w <= 0 || out_w < w || mode < 0 || mode > 2) return 0;
  const int channels = mode == 0 ? 1 : 3;
  uint64_t n_out = (uint64_t)out_h * (uint64_t)out_w * (uint64_t)channels;
  float *out = (float *)arena_alloc(n_out * 4);
  Taps rows, cols;
  if (!out || !make_taps(&rows, out_h, height, out_h) || !make_taps(&cols, w, width, w)) return 0;
  const uint8_t *rgba = out_rgba;
  const uint32_t in_w = (uint32_t)width;
  if (mode == 0) {
    double *luma = (double *)arena_alloc((uint64_t)width * (uint64_t)height * 8);
    if (!luma) return 0;
    uint32_t n = (uint32_t)width * (uint32_t)height;
    for (uint32_t i = 0; i < n; i++) luma[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
    for (int r = 0; r < out_h; r++) {
      const double *top = luma + (uint32_t)rows.lo[r] * in_w, *bot = luma + (uint32_t)rows.hi[r] * in_w;
      double fy = rows.frac[r];
      float *o = out + (uint32_t)r * (uint32_t)out_w;
      for (int c = 0; c < w; c++) {
        int32_t x0 = cols.lo[c], x1 = cols.hi[c];
        double fx = cols.frac[c];
        double tl = top[x0], bl = bot[x0];
        double t = tl + (top[x1] - tl) * fx;
        double b = bl + (bot[x1] - bl) * fx;
        o[c] = (float)((t + (b - t) * fy) * scale - shift);
      }
    }
  } else {
    const int order[3] = {mode == 1 ? 0 : 2, 1, mode == 1 ? 2 : 0};
    for (int ch = 0; ch < 3; ch++) {
      const uint8_t *plane = rgba + order[ch];
      for (int r = 0; r < out_h; r++) {
        const uint8_t *top = plane + (uint32_t)rows.lo[r] * in_w * 4, *bot = plane + (uint32_t)rows.hi[r] * in_w * 4;
        double fy = rows.frac[r];
        float *o = out + (uint32_t)r * (uint32_t)out_w * 3 + ch;
        for (int c = 0; c < w; c++, o += 3) {
          uint32_t x0 = (uint32_t)cols.lo[c] * 4, x1 = (uint32_t)cols.hi[c] * 4;
          double fx = cols.frac[c];
          double tl = top[x0], bl = bot[x0];
          double t = tl + ((double)top[x1] - tl) * fx;
          double b = bl + ((double)bot[x1] - bl) * fx;
          *o = (float)((t + (b - t) * fy) * scale - shift);
        }
      }
    }
  }
  if (w < out_w) {
    float p = (float)pad;
    for (int r = 0; r < out_h; r++)
      for (uint32_t i = ((uint32_t)r * (uint32_t)out_w + (uint32_t)w) * (uint32_t)channels; i < (uint32_t)(r + 1) * (uint32_t)out_w * (uint32_t)channels; i++) out[i] = p;
  }
  return (uint32_t)(uintptr_t)out;
}
