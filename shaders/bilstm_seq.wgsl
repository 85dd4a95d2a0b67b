// Fused bidirectional LSTM layer over the whole sequence (inference), one workgroup per (batch row,
// direction) walking every step in one dispatch. Layout as src/ops/bilstm/reference.ts: proj [T, B, 8H]
// with gate columns [i_f i_b | f_f f_b | o_f o_b | g_f g_b], wRec [2H, 8H] block-diagonal (only the
// direction's own block is read), output y [T, B, 2H] in time order.
//
// Why one persistent workgroup and not a dispatch per step: a step is only 4·H² multiply-adds per row
// and direction, less than what submitting a dispatch costs; the directions and the batch rows never
// read each other's state, so they are separate workgroups, and the only synchronisation the recurrence
// needs (every unit of a row must see the whole previous h) is a workgroup barrier. The state h and c
// lives in workgroup memory. Prelude constants: HID (H) and LANES (the workgroup size).
//
// Barriers sit only under control flow that depends on uniforms (the step loop), as WGSL requires.

var<workgroup> hPrev : array<f32, HID>;
var<workgroup> hNext : array<f32, HID>;
var<workgroup> cellState : array<f32, HID>;

fn main(index : i32) {
  let group = i32(workgroupId.x);
  let lane = i32(localId.x);
  let b = group / 2;
  let dir = group % 2;
  let T = uniforms.numSteps;
  let B = uniforms.numBatch;
  let H2 = 2 * HID;
  let G8 = 8 * HID;
  for (var j = lane; j < HID; j += LANES) {
    hPrev[j] = 0.0;
    cellState[j] = 0.0;
  }
  workgroupBarrier();
  for (var s = 0; s < T; s++) {
    // The forward cell reads time s, the backward one time T−1−s.
    let t = select(s, T - 1 - s, dir == 1);
    if (b < B) {
      let p = (t * B + b) * G8 + dir * HID;
      for (var j = lane; j < HID; j += LANES) {
        var ai = proj[p + j];
        var af = proj[p + H2 + j];
        var ao = proj[p + 2 * H2 + j];
        var ag = proj[p + 3 * H2 + j];
        var w = dir * HID * G8 + dir * HID + j;
        for (var k = 0; k < HID; k++) {
          let hk = hPrev[k];
          ai += hk * wRec[w];
          af += hk * wRec[w + H2];
          ao += hk * wRec[w + 2 * H2];
          ag += hk * wRec[w + 3 * H2];
          w += G8;
        }
        let c = sigmoidSafe(af) * cellState[j] + sigmoidSafe(ai) * tanhSafe(ag);
        cellState[j] = c;
        let h = sigmoidSafe(ao) * tanhSafe(c);
        hNext[j] = h;
        result[(t * B + b) * H2 + dir * HID + j] = h;
      }
    }
    workgroupBarrier();
    for (var j = lane; j < HID; j += LANES) {
      hPrev[j] = hNext[j];
    }
    workgroupBarrier();
  }
}
