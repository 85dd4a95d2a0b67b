// The greedy attention decoder (inference), one workgroup per batch row walking every step in one
// dispatch: the twin of src/ops/attention_decode/decode.ts, same layouts (see there) except that the
// small inputs come packed, because WebGPU guarantees only 8 storage buffers per shader:
//   hsProj [B, T, D + H] (hs beside proj), vecs [h2hB (H) | score (H) | bHh (G·H) | genB (C) |
//   classBias (C, when useBias is 1)], h2hW [H, H], wCtx [D, G·H], wEmb [C, G·H], wHh [H, G·H],
//   genW [H, C] → logits [B, steps, C].
// GRU (CELL 0) gates [r, z, n]; LSTM (CELL 1) [i, f, g, o]. Step 0 feeds class 0.
//
// Why one persistent workgroup per row: a step is a chain of small dependent products (h2h, T scores,
// softmax, context, gates, generator, argmax) whose result feeds the next step's embedding row; as
// separate dispatches that is ~8 per step and 200 per word, each costing more to submit than its
// arithmetic. Rows never read each other's state, so the only synchronisation is a workgroup barrier
// between phases; the state (h, c), h2h, the scores and the context live in workgroup memory.
// Prelude constants: HID (H), FEAT (D), MAX_T (≥ T), LANES (workgroup size, a power of two), CELL.
// Uniforms: numBatch, numFrames (T), numClasses (C), numSteps, useBias (0: vecs ends after genB).
// Barriers sit only under control flow that depends on uniforms, as WGSL requires.

var<workgroup> hState : array<f32, HID>;
var<workgroup> hNext : array<f32, HID>;
var<workgroup> cState : array<f32, HID>;
var<workgroup> hp : array<f32, HID>;
var<workgroup> scores : array<f32, MAX_T>;
var<workgroup> ctx : array<f32, FEAT>;
var<workgroup> bestValue : array<f32, LANES>;
var<workgroup> bestIndex : array<i32, LANES>;

// The fed-back class: the larger value wins, the lower index on a tie (the first maximum, as the
// reference's strict `>` scan); NaN never wins.
fn better(v : f32, k : i32, bv : f32, bk : i32) -> bool {
  return v > bv || (v == bv && k < bk);
}

fn main(index : i32) {
  let b = i32(workgroupId.x);
  let lane = i32(localId.x);
  let B = uniforms.numBatch;
  let T = uniforms.numFrames;
  let C = uniforms.numClasses;
  let steps = uniforms.numSteps;
  let G = select(3, 4, CELL == 1);
  let GH = G * HID;
  let row = min(b, B - 1); // every workgroup is a real row; the clamp only keeps reads in bounds
  let HS = FEAT + HID; // row stride of hsProj
  let oScore = HID;
  let oBhh = 2 * HID;
  let oGenB = oBhh + GH;
  let oBias = oGenB + C;
  for (var j = lane; j < HID; j += LANES) {
    hState[j] = 0.0;
    cState[j] = 0.0;
  }
  var prev = 0; // [GO]
  workgroupBarrier();
  for (var step = 0; step < steps; step++) {
    // hp = h·h2hW + h2hB
    for (var j = lane; j < HID; j += LANES) {
      var acc = vecs[j];
      for (var k = 0; k < HID; k++) {
        acc += hState[k] * h2hW[k * HID + j];
      }
      hp[j] = acc;
    }
    workgroupBarrier();
    // e_t = score · tanh(proj_t + hp)
    for (var t = lane; t < T; t += LANES) {
      let p = (row * T + t) * HS + FEAT;
      var e = 0.0;
      for (var k = 0; k < HID; k++) {
        e += vecs[oScore + k] * tanhSafe(hsProj[p + k] + hp[k]);
      }
      scores[t] = e;
    }
    workgroupBarrier();
    // α = softmax_t(e) (every lane forms the same max and total), ctx = Σ_t α_t·hs_t
    var m = scores[0];
    for (var t = 1; t < T; t++) {
      m = max(m, scores[t]);
    }
    var total = 0.0;
    for (var t = 0; t < T; t++) {
      total += exp(scores[t] - m);
    }
    for (var d = lane; d < FEAT; d += LANES) {
      var acc = 0.0;
      for (var t = 0; t < T; t++) {
        acc += (exp(scores[t] - m) / total) * hsProj[(row * T + t) * HS + d];
      }
      ctx[d] = acc;
    }
    workgroupBarrier();
    // The cell: unit j's gates are columns g·H + j of ctx·wCtx + wEmb[prev] (+ h·wHh).
    for (var j = lane; j < HID; j += LANES) {
      var gi : array<f32, 4>;
      var gh : array<f32, 4>;
      for (var g = 0; g < G; g++) {
        let col = g * HID + j;
        var a = wEmb[prev * GH + col];
        for (var d = 0; d < FEAT; d++) {
          a += ctx[d] * wCtx[d * GH + col];
        }
        var r = 0.0;
        for (var k = 0; k < HID; k++) {
          r += hState[k] * wHh[k * GH + col];
        }
        gi[g] = a;
        gh[g] = r;
      }
      if (CELL == 0) {
        let rg = sigmoidSafe(gi[0] + gh[0] + vecs[oBhh + j]);
        let zg = sigmoidSafe(gi[1] + gh[1] + vecs[oBhh + HID + j]);
        let ng = tanhSafe(gi[2] + rg * (gh[2] + vecs[oBhh + 2 * HID + j]));
        hNext[j] = ng + zg * (hState[j] - ng);
      } else {
        let c = sigmoidSafe(gi[1] + gh[1]) * cState[j] + sigmoidSafe(gi[0] + gh[0]) * tanhSafe(gi[2] + gh[2]);
        cState[j] = c;
        hNext[j] = sigmoidSafe(gi[3] + gh[3]) * tanhSafe(c);
      }
    }
    workgroupBarrier();
    for (var j = lane; j < HID; j += LANES) {
      hState[j] = hNext[j];
    }
    workgroupBarrier();
    // logits = h·genW + genB into the output; each lane keeps its best class, then a tree reduction.
    var bv = -3.4e38;
    var bk = C;
    for (var k = lane; k < C; k += LANES) {
      var v = vecs[oGenB + k];
      for (var j = 0; j < HID; j++) {
        v += hState[j] * genW[j * C + k];
      }
      if (b < B) {
        result[(b * steps + step) * C + k] = v;
      }
      var biased = v;
      if (uniforms.useBias == 1) {
        biased = v + vecs[oBias + k];
      }
      if (better(biased, k, bv, bk)) {
        bv = biased;
        bk = k;
      }
    }
    bestValue[lane] = bv;
    bestIndex[lane] = bk;
    workgroupBarrier();
    for (var width = LANES / 2; width > 0; width = width / 2) {
      if (lane < width && better(bestValue[lane + width], bestIndex[lane + width], bestValue[lane], bestIndex[lane])) {
        bestValue[lane] = bestValue[lane + width];
        bestIndex[lane] = bestIndex[lane + width];
      }
      workgroupBarrier();
    }
    // No class beat the start value (all NaN or −∞): class 0, as the reference.
    prev = select(0, bestIndex[0], bestIndex[0] < C);
    workgroupBarrier();
  }
}
