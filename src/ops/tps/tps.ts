/**
 * The TPS grid generator of RARE (docs/models.md §4.5; DTRB `modules/transformation.py` GridGenerator):
 * predicted fiducials C′ [B, F, 2] → sampling grid [B, Ho, Wo, 2] in (x, y) order for `gridSample`.
 *
 * The three padding rows of [C′; 0₃ₓ₂] are zero, so the grid is P′ = M·C′ with the constant
 * M = (P̂·inv(ΔC))[:, :F] ([Ho·Wo, F]), computed once per output size in float64 (a Gauss-Jordan inverse
 * with partial pivoting) and cached as float32. `tpsGrid` is one matmul of tfjs ops, so its gradient
 * with respect to C′ (the localisation network's output) comes from tfjs.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

/** Fiducial points of RARE, DTRB and GA-SPIN (docs/models.md §1, §4.5). */
export const TPS_FIDUCIALS = 20;

/** ε inside ln(r + ε) of P̂ (DTRB `self.eps`; docs/models.md §10.4). */
const RBF_EPS = 1e-6;

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

/** Target fiducials C [F, 2]: x = linspace(−1, 1, F/2), top row y = −1, bottom row y = +1 (§3.5.1). */
export function targetFiducials(F = TPS_FIDUCIALS): Float64Array {
  const xs = linspace(-1, 1, F / 2);
  const c = new Float64Array(F * 2);
  xs.forEach((x, i) => {
    c.set([x, -1], i * 2);
    c.set([x, 1], (F / 2 + i) * 2);
  });
  return c;
}

/**
 * RARE's initial fiducials (fc2 bias; docs/models.md §6.1, RARE Fig. 6(a)) [F, 2]: x = linspace(−1, 1, F/2)
 * for both rows, top y = linspace(0, −1, F/2), bottom y = linspace(1, 0, F/2).
 */
export function rareInitialFiducials(F = TPS_FIDUCIALS): Float32Array {
  const xs = linspace(-1, 1, F / 2);
  const top = linspace(0, -1, F / 2);
  const bottom = linspace(1, 0, F / 2);
  const c = new Float32Array(F * 2);
  xs.forEach((x, i) => {
    c.set([x, top[i]!], i * 2);
    c.set([x, bottom[i]!], (F / 2 + i) * 2);
  });
  return c;
}

/** Inverse of the n×n row-major matrix `a` by Gauss-Jordan elimination with partial pivoting (float64). */
export function invert(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new InvalidArgumentError(`invert: expected ${n * n} values for a ${n}×${n} matrix, got ${a.length}`);
  const w = 2 * n;
  const m = new Float64Array(n * w); // [A | I]
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * w + j] = a[i * n + j]!;
    m[i * w + n + i] = 1;
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * w + col]!) > Math.abs(m[pivot * w + col]!)) pivot = r;
    const p = m[pivot * w + col]!;
    if (Math.abs(p) < 1e-300 || !Number.isFinite(p)) throw new InvalidArgumentError(`invert: the matrix is singular (column ${col})`);
    if (pivot !== col) {
      for (let j = 0; j < w; j++) {
        const t = m[col * w + j]!;
        m[col * w + j] = m[pivot * w + j]!;
        m[pivot * w + j] = t;
      }
    }
    for (let j = 0; j < w; j++) m[col * w + j]! /= p;
    for (let r = 0; r < n; r++) {
      const f = m[r * w + col]!;
      if (r === col || f === 0) continue;
      for (let j = 0; j < w; j++) m[r * w + j]! -= f * m[col * w + j]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inv[i * n + j] = m[i * w + n + j]!;
  return inv;
}

/** ΔC [(F+3), (F+3)] of §3.5.3, with U(r) = r²·ln r, U(0) = 0. */
function deltaC(c: Float64Array, F: number): Float64Array {
  const n = F + 3;
  const d = new Float64Array(n * n);
  for (let i = 0; i < F; i++) {
    d.set([1, c[i * 2]!, c[i * 2 + 1]!], i * n);
    for (let j = 0; j < F; j++) {
      const r = Math.hypot(c[i * 2]! - c[j * 2]!, c[i * 2 + 1]! - c[j * 2 + 1]!);
      d[i * n + 3 + j] = r === 0 ? 0 : r * r * Math.log(r);
    }
  }
  for (let j = 0; j < F; j++) {
    d[F * n + 3 + j] = c[j * 2]!;
    d[(F + 1) * n + 3 + j] = c[j * 2 + 1]!;
    d[(F + 2) * n + 3 + j] = 1;
  }
  return d;
}

/**
 * M = (P̂·inv(ΔC))[:, :F] in float64, [Ho·Wo, F] row-major; output points are pixel centres,
 * p = ((2w+1)/Wo − 1, (2h+1)/Ho − 1), h outer (§3.5.4–6).
 */
export function tpsMatrix64(Ho: number, Wo: number, F = TPS_FIDUCIALS): Float64Array {
  const c = targetFiducials(F);
  const inv = invert(deltaC(c, F), F + 3);
  const n = Ho * Wo;
  const m = new Float64Array(n * F);
  const row = new Float64Array(F + 3);
  for (let h = 0; h < Ho; h++) {
    for (let w = 0; w < Wo; w++) {
      const px = (2 * w + 1) / Wo - 1;
      const py = (2 * h + 1) / Ho - 1;
      row[0] = 1;
      row[1] = px;
      row[2] = py;
      for (let k = 0; k < F; k++) {
        const r = Math.hypot(px - c[k * 2]!, py - c[k * 2 + 1]!);
        row[3 + k] = r * r * Math.log(r + RBF_EPS);
      }
      const o = (h * Wo + w) * F;
      for (let k = 0; k < F; k++) {
        let s = 0;
        for (let j = 0; j < F + 3; j++) s += row[j]! * inv[j * (F + 3) + k]!;
        m[o + k] = s;
      }
    }
  }
  return m;
}

const cache = new Map<string, Float32Array>();

/** M as float32, computed once per (Ho, Wo). */
export function tpsMatrix(Ho: number, Wo: number): Float32Array {
  const key = `${Ho}x${Wo}`;
  let m = cache.get(key);
  if (m === undefined) {
    m = Float32Array.from(tpsMatrix64(Ho, Wo));
    cache.set(key, m);
  }
  return m;
}

/** Sampling grid [B, Ho, Wo, 2] from fiducials C′ [B, 20, 2]: P′ = M·C′, differentiable in C′. */
export function tpsGrid(fiducials: Tensor, Ho: number, Wo: number): tf.Tensor4D {
  const F = TPS_FIDUCIALS;
  if (!(fiducials instanceof tf.Tensor) || fiducials.rank !== 3 || fiducials.shape[1] !== F || fiducials.shape[2] !== 2) {
    const got = fiducials instanceof tf.Tensor ? `[${fiducials.shape.join(', ')}]` : typeof fiducials;
    throw new InvalidArgumentError(`tpsGrid: expected fiducials of shape [B, ${F}, 2], got ${got}`);
  }
  if (!Number.isInteger(Ho) || !Number.isInteger(Wo) || Ho < 1 || Wo < 1) {
    throw new InvalidArgumentError(`tpsGrid: expected positive integer output height and width, got ${Ho}×${Wo}`);
  }
  const B = fiducials.shape[0];
  return tf.tidy(() => {
    const m = tf.tensor2d(tpsMatrix(Ho, Wo), [Ho * Wo, F]);
    const c = fiducials.transpose([1, 0, 2]).reshape([F, B * 2]); // [F, B·2]
    const p = tf.matMul(m, c); // [Ho·Wo, B·2]
    return p.reshape([Ho * Wo, B, 2]).transpose([1, 0, 2]).reshape<tf.Tensor4D>([B, Ho, Wo, 2]);
  });
}
