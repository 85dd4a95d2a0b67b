/**
 * float16 storage for the weight format: tfjs weight manifests mark a float32 tensor stored in half
 * precision with `quantization: { dtype: 'float16' }`, and `tf.io.decodeWeights` (Node and browser alike)
 * expands it back to float32 on load. Encoding is ours: round to nearest, ties to even, with subnormals.
 * A tensor with a finite value beyond half precision's range (±65504) stays float32.
 */
import { tf } from '../runtime/tf.ts';

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float32 → IEEE 754 binary16 bits (round to nearest even; overflow → ±Infinity, NaN kept). */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: still correct
  return sign | half;
}

export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]!);
  return out;
}

function fitsFloat16(values: Float32Array): boolean {
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > FLOAT16_MAX) return false;
  return true;
}

/**
 * Like `tf.io.encodeWeights` for float32 tensors, but stores each in float16 (those out of range stay
 * float32; other dtypes are stored as they are).
 */
export async function encodeWeightsFloat16(named: tf.NamedTensorMap): Promise<{ data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] }> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: ArrayBuffer[] = [];
  for (const [name, t] of Object.entries(named)) {
    if (t.dtype === 'float32') {
      const v = (await t.data()) as Float32Array;
      if (fitsFloat16(v)) {
        const h = toFloat16(v);
        parts.push(h.buffer as ArrayBuffer);
        specs.push({ name, shape: [...t.shape], dtype: 'float32', quantization: { dtype: 'float16' } });
        continue;
      }
    }
    const enc = await tf.io.encodeWeights({ [name]: t });
    parts.push(enc.data);
    specs.push(...enc.specs);
  }
  return { data: tf.io.concatenateArrayBuffers(parts), specs };
}
