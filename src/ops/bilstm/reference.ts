/**
 * Numerics of the fused bidirectional LSTM sequence (the cpu and wasm kernels). Layout, as the BiLSTM
 * stage packs it (src/models/sequence/bilstm.ts): state h = [h_f | h_b] ([B, 2H]); gate columns
 * [i_f i_b | f_f f_b | o_f o_b | g_f g_b] (8H); the recurrent matrix [2H, 8H] is block-diagonal (rows
 * 0..H feed only the forward columns, rows H..2H only the backward ones), and only its non-zero blocks
 * are read. At kernel step s the forward cell is at time s, the backward cell at time T−1−s.
 * - proj [T, B, 8H]: the input projection plus both biases, in time order (a step reads its forward
 *   columns from row s and its backward columns from row T−1−s);
 * - y [T, B, 2H]: in time order, forward h in columns 0..H, backward h in H..2H;
 * - gates [T, B, 8H] (i, f, o after the sigmoid, g after the tanh) and cells [T, B, 2H], both in step
 *   order: what the backward pass needs.
 */
export interface BiLstmDims {
  steps: number;
  batch: number;
  hidden: number;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** One row of the block-diagonal product: acc[own columns] += Σ_k h[k]·w[k, ·]. */
function addRecurrent(acc: Float32Array | Float64Array, h: Float32Array, hOff: number, w: Float32Array, hidden: number): void {
  const h2 = 2 * hidden;
  const g8 = 8 * hidden;
  for (let k = 0; k < h2; k++) {
    const hk = h[hOff + k]!;
    if (hk === 0) continue;
    const half = k < hidden ? 0 : hidden;
    const row = k * g8;
    for (let gate = 0; gate < 4; gate++) {
      const base = gate * h2 + half;
      for (let j = base; j < base + hidden; j++) acc[j] = acc[j]! + hk * w[row + j]!;
    }
  }
}

export function biLstmForward(d: BiLstmDims, proj: Float32Array, wRec: Float32Array, y: Float32Array, gates: Float32Array | null, cells: Float32Array | null): void {
  const { steps, batch, hidden } = d;
  const h2 = 2 * hidden;
  const g8 = 8 * hidden;
  const h = new Float32Array(batch * h2);
  const c = new Float32Array(batch * h2);
  const a = new Float64Array(g8);
  for (let s = 0; s < steps; s++) {
    const rev = steps - 1 - s;
    for (let b = 0; b < batch; b++) {
      const pf = (s * batch + b) * g8;
      const pb = (rev * batch + b) * g8;
      for (let gate = 0; gate < 4; gate++) {
        const base = gate * h2;
        for (let j = 0; j < hidden; j++) {
          a[base + j] = proj[pf + base + j]!;
          a[base + hidden + j] = proj[pb + base + hidden + j]!;
        }
      }
      addRecurrent(a, h, b * h2, wRec, hidden);
      const so = (s * batch + b) * g8;
      const co = (s * batch + b) * h2;
      const yf = (s * batch + b) * h2;
      const yb = (rev * batch + b) * h2;
      for (let u = 0; u < h2; u++) {
        const i = sigmoid(a[u]!);
        const f = sigmoid(a[h2 + u]!);
        const o = sigmoid(a[2 * h2 + u]!);
        const g = Math.tanh(a[3 * h2 + u]!);
        const cu = (c[b * h2 + u] = f * c[b * h2 + u]! + i * g);
        const hu = (h[b * h2 + u] = o * Math.tanh(cu));
        if (u < hidden) y[yf + u] = hu;
        else y[yb + u] = hu;
        if (gates !== null && cells !== null) {
          gates[so + u] = i;
          gates[so + h2 + u] = f;
          gates[so + 2 * h2 + u] = o;
          gates[so + 3 * h2 + u] = g;
          cells[co + u] = cu;
        }
      }
    }
  }
}

/**
 * Backpropagation through time. dy: [T, B, 2H] (time order, as y); writes dProj [T, B, 8H] (time order,
 * as proj) and dWRec [2H, 8H] (zero outside the diagonal blocks).
 */
export function biLstmBackward(
  d: BiLstmDims,
  dy: Float32Array,
  wRec: Float32Array,
  y: Float32Array,
  gates: Float32Array,
  cells: Float32Array,
  dProj: Float32Array,
  dWRec: Float32Array,
): void {
  const { steps, batch, hidden } = d;
  const h2 = 2 * hidden;
  const g8 = 8 * hidden;
  const dh = new Float64Array(batch * h2);
  const dc = new Float64Array(batch * h2);
  const da = new Float64Array(g8);
  const hPrev = new Float32Array(h2);
  const dW = new Float64Array(h2 * g8);
  for (let s = steps - 1; s >= 0; s--) {
    const rev = steps - 1 - s;
    for (let b = 0; b < batch; b++) {
      const so = (s * batch + b) * g8;
      const co = (s * batch + b) * h2;
      const cp = ((s - 1) * batch + b) * h2;
      const yf = (s * batch + b) * h2;
      const yb = (rev * batch + b) * h2;
      for (let u = 0; u < h2; u++) {
        const i = gates[so + u]!;
        const f = gates[so + h2 + u]!;
        const o = gates[so + 2 * h2 + u]!;
        const g = gates[so + 3 * h2 + u]!;
        const tc = Math.tanh(cells[co + u]!);
        const cPrev = s > 0 ? cells[cp + u]! : 0;
        const dhu = dh[b * h2 + u]! + (u < hidden ? dy[yf + u]! : dy[yb + u]!);
        const dcu = dhu * o * (1 - tc * tc) + dc[b * h2 + u]!;
        da[u] = dcu * g * i * (1 - i);
        da[h2 + u] = dcu * cPrev * f * (1 - f);
        da[2 * h2 + u] = dhu * tc * o * (1 - o);
        da[3 * h2 + u] = dcu * i * (1 - g * g);
        dc[b * h2 + u] = dcu * f;
      }
      const pf = (s * batch + b) * g8;
      const pb = (rev * batch + b) * g8;
      for (let gate = 0; gate < 4; gate++) {
        const base = gate * h2;
        for (let j = 0; j < hidden; j++) {
          dProj[pf + base + j] = da[base + j]!;
          dProj[pb + base + hidden + j] = da[base + hidden + j]!;
        }
      }
      // h of the previous step: forward at time s−1, backward at time T−s (zero before the first step).
      if (s > 0) {
        const pf2 = ((s - 1) * batch + b) * h2;
        const pb2 = ((rev + 1) * batch + b) * h2;
        for (let u = 0; u < hidden; u++) {
          hPrev[u] = y[pf2 + u]!;
          hPrev[hidden + u] = y[pb2 + hidden + u]!;
        }
      }
      for (let k = 0; k < h2; k++) {
        const half = k < hidden ? 0 : hidden;
        const row = k * g8;
        const hk = s > 0 ? hPrev[k]! : 0;
        let acc = 0;
        for (let gate = 0; gate < 4; gate++) {
          const base = gate * h2 + half;
          for (let j = base; j < base + hidden; j++) {
            const dj = da[j]!;
            dW[row + j] = dW[row + j]! + hk * dj;
            acc += dj * wRec[row + j]!;
          }
        }
        dh[b * h2 + k] = acc;
      }
    }
  }
  for (let k = 0; k < dW.length; k++) dWRec[k] = dW[k]!;
}
