/**
 * The fused BiLSTM on the wasm backend with our SIMD GEMMs (../simd): the same recurrence and layout
 * as ./reference.ts (the cpu kernel and the fallback), with the recurrent products done per direction
 * as dense [B, H]·[H, 4H] GEMMs on the heap and the gate arithmetic in TypeScript. Every heap view is
 * taken after the scratch is allocated (malloc may grow the heap).
 */
import type { TensorInfo } from '../../runtime/tf.ts';
import type { SimdHeap } from '../simd/simd.ts';
import { onHeap } from '../simd/host_gemm.ts';
import type { BiLstmDims } from './reference.ts';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

let simdCells = true;

/** Gate arithmetic in SIMD (on) or in TypeScript (off): for before/after measurements and tests. */
export function setSimdLstmCells(on: boolean): void {
  simdCells = on;
}

/** Scratch layout (float offsets from `base`). */
function layout(d: BiLstmDims): { w: [number, number]; size: number; at: (k: number) => number } {
  const { hidden: h } = d;
  const dense = 4 * h * h;
  return { w: [0, dense], size: 2 * dense, at: (k) => 2 * dense + k };
}

/** Packs the diagonal blocks of wRec [2H, 8H] as two dense [H, 4H] (gates i f o g) at `dst`. */
function packDense(heap: Float32Array, w: number, dst: [number, number], h: number): void {
  for (let dir = 0; dir < 2; dir++) {
    for (let k = 0; k < h; k++) {
      const row = w + (dir * h + k) * 8 * h;
      for (let g = 0; g < 4; g++) heap.set(heap.subarray(row + (2 * g + dir) * h, row + (2 * g + dir + 1) * h), dst[dir]! + k * 4 * h + g * h);
    }
  }
}

export function biLstmForwardSimd(
  simd: SimdHeap,
  d: BiLstmDims,
  t: { proj: TensorInfo; wRec: TensorInfo; y: TensorInfo; gates: TensorInfo | null; cells: TensorInfo | null },
): void {
  const { steps, batch, hidden: h } = d;
  if (simdCells && h % 4 === 0) {
    // The whole recurrence in one wasm call (the SIMD cell needs whole 4-lane groups).
    const save = t.gates !== null && t.cells !== null;
    onHeap(simd, 8 * h * h + 8 * batch * h, ({ scratch }) =>
      simd.bilstmSeq(steps, batch, h, simd.offset(t.proj), simd.offset(t.wRec), simd.offset(t.y), save ? simd.offset(t.gates!) : 0, save ? simd.offset(t.cells!) : 0, 4 * scratch.o),
    );
    return;
  }
  const [h2, h4, g8] = [2 * h, 4 * h, 8 * h];
  const lay = layout(d);
  // scratch: dense weights, h [B, 2H], acc [2][B, 4H]
  const hOff = lay.at(0);
  const acc = [lay.at(batch * h2), lay.at(batch * h2 + batch * h4)] as const;
  const total = lay.at(batch * h2 + 2 * batch * h4);
  const base = simd.malloc(total);
  try {
    const heap = simd.f32();
    const b0 = base >>> 2;
    const [proj, wRec, y] = [simd.offset(t.proj) >>> 2, simd.offset(t.wRec) >>> 2, simd.offset(t.y) >>> 2];
    const gates = t.gates === null ? -1 : simd.offset(t.gates) >>> 2;
    const cells = t.cells === null ? -1 : simd.offset(t.cells) >>> 2;
    packDense(heap, wRec, [b0 + lay.w[0], b0 + lay.w[1]], h);
    heap.fill(0, b0 + hOff, b0 + hOff + batch * h2);
    const c = new Float64Array(batch * h2);
    for (let s = 0; s < steps; s++) {
      for (let dir = 0; dir < 2; dir++) {
        const time = dir === 0 ? s : steps - 1 - s;
        const a = b0 + acc[dir]!;
        for (let b = 0; b < batch; b++) {
          const p = proj + (time * batch + b) * g8 + dir * h;
          for (let g = 0; g < 4; g++) heap.set(heap.subarray(p + g * h2, p + g * h2 + h), a + b * h4 + g * h);
        }
        simd.nn(batch, h4, h, 4 * (b0 + hOff + dir * h), h2, 4 * (b0 + lay.w[dir]!), h4, 4 * a, h4);
        for (let b = 0; b < batch; b++) {
          const ab = a + b * h4;
          const so = gates + (s * batch + b) * g8 + dir * h;
          const co = cells + (s * batch + b) * h2 + dir * h;
          const yo = y + (time * batch + b) * h2 + dir * h;
          const ho = b0 + hOff + b * h2 + dir * h;
          for (let j = 0; j < h; j++) {
            const i = sigmoid(heap[ab + j]!);
            const f = sigmoid(heap[ab + h + j]!);
            const o = sigmoid(heap[ab + 2 * h + j]!);
            const g = Math.tanh(heap[ab + 3 * h + j]!);
            const cj = (c[b * h2 + dir * h + j] = f * c[b * h2 + dir * h + j]! + i * g);
            const hj = o * Math.tanh(cj);
            heap[ho + j] = hj;
            heap[yo + j] = hj;
            if (gates >= 0 && cells >= 0) {
              heap[so + j] = i;
              heap[so + h2 + j] = f;
              heap[so + 2 * h2 + j] = o;
              heap[so + 3 * h2 + j] = g;
              heap[co + j] = cj;
            }
          }
        }
      }
    }
  } finally {
    simd.free(base);
  }
}

export function biLstmBackwardSimd(
  simd: SimdHeap,
  d: BiLstmDims,
  t: { dy: TensorInfo; wRec: TensorInfo; y: TensorInfo; gates: TensorInfo; cells: TensorInfo; dProj: TensorInfo; dWRec: TensorInfo },
): void {
  const { steps, batch, hidden: h } = d;
  const [h2, h4, g8] = [2 * h, 4 * h, 8 * h];
  const lay = layout(d);
  // scratch: dense weights, their gradients [2][H, 4H], dh [B, 2H], da [B, 4H], hPrev [B, H]
  const dW = [lay.at(0), lay.at(4 * h * h)] as const;
  const dhOff = lay.at(8 * h * h);
  const daOff = dhOff + batch * h2;
  const hpOff = daOff + batch * h4;
  const total = hpOff + batch * h;
  const base = simd.malloc(total);
  try {
    const heap = simd.f32();
    const b0 = base >>> 2;
    const [dy, wRec, y, gates, cells, dProj, dWRec] = [t.dy, t.wRec, t.y, t.gates, t.cells, t.dProj, t.dWRec].map((x) => simd.offset(x) >>> 2) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    packDense(heap, wRec, [b0 + lay.w[0], b0 + lay.w[1]], h);
    heap.fill(0, b0 + dW[0], b0 + total);
    const dc = new Float64Array(batch * h2);
    for (let s = steps - 1; s >= 0; s--) {
      for (let dir = 0; dir < 2; dir++) {
        const time = dir === 0 ? s : steps - 1 - s;
        const da = b0 + daOff;
        for (let b = 0; b < batch; b++) {
          const so = gates + (s * batch + b) * g8 + dir * h;
          const co = cells + (s * batch + b) * h2 + dir * h;
          const cp = cells + ((s - 1) * batch + b) * h2 + dir * h;
          const yo = dy + (time * batch + b) * h2 + dir * h;
          const dh = b0 + dhOff + b * h2 + dir * h;
          const ab = da + b * h4;
          const po = dProj + (time * batch + b) * g8 + dir * h;
          for (let j = 0; j < h; j++) {
            const i = heap[so + j]!;
            const f = heap[so + h2 + j]!;
            const o = heap[so + 2 * h2 + j]!;
            const g = heap[so + 3 * h2 + j]!;
            const tc = Math.tanh(heap[co + j]!);
            const cPrev = s > 0 ? heap[cp + j]! : 0;
            const dhj = heap[dh + j]! + heap[yo + j]!;
            const k = b * h2 + dir * h + j;
            const dcj = dhj * o * (1 - tc * tc) + dc[k]!;
            const vi = dcj * g * i * (1 - i);
            const vf = dcj * cPrev * f * (1 - f);
            const vo = dhj * tc * o * (1 - o);
            const vg = dcj * i * (1 - g * g);
            dc[k] = dcj * f;
            heap[ab + j] = vi;
            heap[ab + h + j] = vf;
            heap[ab + 2 * h + j] = vo;
            heap[ab + 3 * h + j] = vg;
            heap[po + j] = vi;
            heap[po + h2 + j] = vf;
            heap[po + 2 * h2 + j] = vo;
            heap[po + 3 * h2 + j] = vg;
            heap[dh + j] = 0;
          }
        }
        if (s === 0) continue;
        // h of the previous step in this direction: time s−1 forward, T−s backward.
        const prevTime = dir === 0 ? s - 1 : steps - s;
        const hp = b0 + hpOff;
        for (let b = 0; b < batch; b++) heap.set(heap.subarray(y + (prevTime * batch + b) * h2 + dir * h, y + (prevTime * batch + b) * h2 + dir * h + h), hp + b * h);
        simd.tn(h, h4, batch, 4 * hp, h, 4 * da, h4, 4 * (b0 + dW[dir]!), h4);
        simd.nt(batch, h, h4, 4 * da, h4, 4 * (b0 + lay.w[dir]!), h4, 4 * (b0 + dhOff + dir * h), h2);
      }
    }
    heap.fill(0, dWRec, dWRec + h2 * g8);
    for (let dir = 0; dir < 2; dir++) {
      for (let k = 0; k < h; k++) {
        const row = dWRec + (dir * h + k) * g8;
        for (let g = 0; g < 4; g++) heap.set(heap.subarray(b0 + dW[dir]! + k * h4 + g * h, b0 + dW[dir]! + k * h4 + (g + 1) * h), row + (2 * g + dir) * h);
      }
    }
  } finally {
    simd.free(base);
  }
}
