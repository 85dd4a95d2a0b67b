/**
 * Oracle checks for the custom ops: each compares an op (forward or backward) on the active backend
 * against PyTorch numbers committed as fixtures, or, for the fused recurrent kernels (biLstmSequence,
 * attentionDecode), against their TypeScript twin run on the host over seeded random inputs. The same
 * list runs in Node (unit tests, cpu and wasm), in Chromium (the self-test page, any backend including
 * webgpu) and in `npm run verify:ops`.
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { hardSwish } from './hard_swish/hard_swish.ts';
import hardSwishFixture from './hard_swish/fixtures/hard_swish.json';
import { gridSample, type Padding } from './grid_sample/grid_sample.ts';
import { gridSampleForward, gridSampleGradGrid, gridSampleGradImage, type Dims } from './grid_sample/reference.ts';
import gridSampleFixture from './grid_sample/fixtures/grid_sample.json';
import { tpsGrid } from './tps/tps.ts';
import tpsFixture from './tps/fixtures/tps.json';
import { spinColor } from './spin_color/spin_color.ts';
import spinColorFixture from './spin_color/fixtures/spin_color.json';
import { ctcLoss, type CtcNormalize, type CtcReduction } from './ctc_loss/ctc_loss.ts';
import ctcLossFixture from './ctc_loss/fixtures/ctc_loss.json';
import { biLstmSequence } from './bilstm/bilstm.ts';
import { biLstmForward } from './bilstm/reference.ts';
import { attentionDecode, type AttentionDecodeWeights } from './attention_decode/attention_decode.ts';
import { attentionDecode as attentionDecodeTs, gemmTs, scratchFloats, type DecodeCell, type DecodeDims, type Ref } from './attention_decode/decode.ts';

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export type Direction = 'forward' | 'backward';

export interface OpCheck {
  op: string;
  direction: Direction;
  /** Fixture case name. */
  name: string;
  /** Largest acceptable error (see `maxError`). */
  tolerance: number;
  /** Runs the op on the active backend and returns its error against the fixture. */
  run: () => Promise<number>;
}

export interface CheckResult {
  op: string;
  direction: Direction;
  name: string;
  backend: string;
  error: number;
  tolerance: number;
  pass: boolean;
}

export function fixtureTensor(t: FixtureTensor): Tensor {
  return tf.tensor(t.data, t.shape, 'float32');
}

/**
 * Max over elements of |a − b| / max(1, |b|): absolute where values are small, relative where they
 * are large (the tolerances the issues state are "absolute, relative where values are large").
 * A NaN anywhere in `a` where `b` is finite counts as infinite error.
 */
export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const d = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Runs `f` in a tidy scope and returns the error of its output against `expected`. */
export async function errorOf(f: () => Tensor, expected: FixtureTensor): Promise<number> {
  const out = tf.tidy(f);
  try {
    if (out.shape.join(',') !== expected.shape.join(',')) return Infinity;
    return maxError(await out.data(), expected.data);
  } finally {
    out.dispose();
  }
}

function hardSwishChecks(): OpCheck[] {
  return hardSwishFixture.cases.flatMap((c): OpCheck[] => [
    {
      op: 'hardSwish',
      direction: 'forward',
      name: c.name,
      tolerance: 1e-5,
      run: () => errorOf(() => hardSwish(fixtureTensor(c.x)), c.y),
    },
    {
      op: 'hardSwish',
      direction: 'backward',
      name: c.name,
      tolerance: 1e-4,
      run: () =>
        errorOf(() => {
          const dy = fixtureTensor(c.dy);
          return tf.grad((x: Tensor) => hardSwish(x).mul(dy).sum())(fixtureTensor(c.x));
        }, c.dx),
    },
  ]);
}

function gridSampleChecks(): OpCheck[] {
  return gridSampleFixture.cases.flatMap((c): OpCheck[] => {
    const opts = { alignCorners: c.alignCorners, padding: c.padding as Padding };
    // d/d(image, grid) of Σ gridSample(image, grid)·dy.
    const grads = tf.grads((image: Tensor, grid: Tensor) => gridSample(image, grid, opts).mul(fixtureTensor(c.dy)).sum());
    return [
      {
        op: 'gridSample',
        direction: 'forward',
        name: c.name,
        tolerance: 1e-5,
        run: () => errorOf(() => gridSample(fixtureTensor(c.image), fixtureTensor(c.grid), opts), c.y),
      },
      {
        op: 'gridSample',
        direction: 'backward',
        name: `${c.name} dimage`,
        tolerance: 1e-4,
        run: () => errorOf(() => grads([fixtureTensor(c.image), fixtureTensor(c.grid)])[0]!, c.dimage),
      },
      {
        op: 'gridSample',
        direction: 'backward',
        name: `${c.name} dgrid`,
        tolerance: 1e-4,
        run: () => errorOf(() => grads([fixtureTensor(c.image), fixtureTensor(c.grid)])[1]!, c.dgrid),
      },
    ];
  });
}

/**
 * Non-finite grids (NaN, ±Inf, ±1e30) in every mode: the op on the active backend against the TypeScript
 * reference's defined behaviour (NaN samples 0 with zero gradient; ±Inf and huge values land outside the
 * image or on its edge). PyTorch has no defined answer here, so these check that every backend agrees
 * with the contract, and that nothing crashes or produces garbage.
 */
function gridSampleNonFiniteChecks(): OpCheck[] {
  const d: Dims = { B: 1, H: 3, W: 4, C: 2, Ho: 2, Wo: 6 };
  const image = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 2);
  const bad = [NaN, Infinity, -Infinity, 1e30, -1e30, 0.3];
  const grid = Float32Array.from([...bad.flatMap((v) => [v, 0.1]), ...bad.flatMap((v) => [-0.2, v])]);
  const dy = Float32Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.9));
  const t = (data: Float32Array, shape: number[]): FixtureTensor => ({ shape, data: Array.from(data) });
  const imageShape = [d.B, d.H, d.W, d.C];
  const gridShape = [d.B, d.Ho, d.Wo, 2];
  return (['zeros', 'border'] as const).flatMap((padding) =>
    [true, false].flatMap((alignCorners): OpCheck[] => {
      const attrs = { alignCorners, padding };
      const name = `nonfinite_${alignCorners ? 'ac' : 'noac'}_${padding}`;
      const y = new Float32Array(24);
      gridSampleForward(image, grid, d, attrs, y);
      const dImage = new Float32Array(24);
      gridSampleGradImage(dy, grid, d, attrs, dImage);
      const dGrid = new Float32Array(24);
      gridSampleGradGrid(dy, image, grid, d, attrs, dGrid);
      const grads = tf.grads((im: Tensor, g: Tensor) => gridSample(im, g, attrs).mul(tf.tensor(dy, [1, 2, 6, 2])).sum());
      const inputs = (): Tensor[] => [tf.tensor(image, imageShape), tf.tensor(grid, gridShape)];
      return [
        {
          op: 'gridSample',
          direction: 'forward',
          name,
          tolerance: 1e-5,
          run: () => errorOf(() => gridSample(inputs()[0]!, inputs()[1]!, attrs), t(y, [1, 2, 6, 2])),
        },
        { op: 'gridSample', direction: 'backward', name: `${name} dimage`, tolerance: 1e-4, run: () => errorOf(() => grads(inputs())[0]!, t(dImage, imageShape)) },
        { op: 'gridSample', direction: 'backward', name: `${name} dgrid`, tolerance: 1e-4, run: () => errorOf(() => grads(inputs())[1]!, t(dGrid, gridShape)) },
      ];
    }),
  );
}

function tpsChecks(): OpCheck[] {
  return tpsFixture.cases.flatMap((c): OpCheck[] => {
    const checks: OpCheck[] = [
      {
        op: 'tpsGrid',
        direction: 'forward',
        name: c.name,
        tolerance: 1e-5,
        run: () => errorOf(() => tpsGrid(fixtureTensor(c.fiducials), c.height, c.width), c.grid),
      },
    ];
    const { dy, dfiducials } = c;
    if (dy !== undefined && dfiducials !== undefined) {
      checks.push({
        op: 'tpsGrid',
        direction: 'backward',
        name: c.name,
        tolerance: 1e-4,
        run: () =>
          errorOf(
            () => tf.grad((f: Tensor) => tpsGrid(f, c.height, c.width).mul(fixtureTensor(dy)).sum())(fixtureTensor(c.fiducials)),
            dfiducials,
          ),
      });
    }
    return checks;
  });
}

function spinColorChecks(): OpCheck[] {
  return spinColorFixture.cases.flatMap((c): OpCheck[] => {
    const f = (x: Tensor, weights: Tensor, offsets: Tensor, gate: Tensor): Tensor =>
      spinColor(x, weights, { offsets, gate, K: c.K });
    const inputs = (): Tensor[] => [c.x, c.weights, c.offsets, c.gate].map(fixtureTensor);
    // d/d(x, weights, offsets, gate) of Σ spinColor(…)·dy.
    const grads = tf.grads((x: Tensor, w: Tensor, o: Tensor, g: Tensor) => f(x, w, o, g).mul(fixtureTensor(c.dy)).sum());
    const backward = (i: number, name: string, expected: FixtureTensor): OpCheck => ({
      op: 'spinColor',
      direction: 'backward',
      name: `${c.name} ${name}`,
      tolerance: 1e-4,
      run: () => errorOf(() => grads(inputs())[i]!, expected),
    });
    return [
      {
        op: 'spinColor',
        direction: 'forward',
        name: c.name,
        tolerance: 1e-5,
        run: () => errorOf(() => f(...(inputs() as [Tensor, Tensor, Tensor, Tensor])), c.y),
      },
      backward(0, 'dx', c.dx),
      backward(1, 'dweights', c.dweights),
      backward(2, 'doffsets', c.doffsets),
      backward(3, 'dgate', c.dgate),
    ];
  });
}

function ctcLossChecks(): OpCheck[] {
  return ctcLossFixture.cases.flatMap((c): OpCheck[] => {
    const loss = (logits: Tensor): Tensor =>
      ctcLoss(logits, tf.tensor(c.labels.data, c.labels.shape, 'int32'), tf.tensor1d(c.labelLengths.data, 'int32'), {
        blank: c.blank,
        reduction: c.reduction as CtcReduction,
        normalize: c.normalize as CtcNormalize,
        inputLengths: tf.tensor1d(c.inputLengths.data, 'int32'),
      });
    const objective = (logits: Tensor): Tensor => {
      const l = loss(logits);
      return c.weights === undefined ? l : l.mul(fixtureTensor(c.weights)).sum();
    };
    return [
      { op: 'ctcLoss', direction: 'forward', name: c.name, tolerance: 1e-5, run: () => errorOf(() => loss(fixtureTensor(c.logits)), c.loss) },
      {
        op: 'ctcLoss',
        direction: 'backward',
        name: c.name,
        tolerance: 1e-4,
        run: () => errorOf(() => tf.grad(objective)(fixtureTensor(c.logits)), c.dlogits),
      },
    ];
  });
}

/** Host copies of tensors made here (they are disposed by the caller). */
async function hostF32(t: Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

const fixtureOf = (data: Float32Array, shape: number[]): FixtureTensor => ({ shape, data: Array.from(data) });

/**
 * The fused BiLSTM layer against its TypeScript twin (reference.ts, float64 gate sums) on seeded
 * random inputs: batch > 1, sequences long enough for the state to matter, H below, at and above one
 * lane per unit on webgpu (4, 40: lanes idle; 300: lanes own two units). wRec is dense, so a kernel
 * reading the other direction's block fails too. Activations stay in tanh's live range (weights ~
 * 1/√H), where a swapped gate or a lost bias moves y by 1e−1, not 1e−4.
 */
function biLstmChecks(): OpCheck[] {
  const shapes = [
    [5, 1, 4],
    [9, 3, 8],
    [12, 2, 40],
    [7, 2, 300],
  ] as const;
  return shapes.map(([steps, batch, hidden], i): OpCheck => ({
    op: 'biLstmSequence',
    direction: 'forward',
    name: `T${steps} B${batch} H${hidden}`,
    tolerance: 1e-4,
    run: async () => {
      const scale = 2 / Math.sqrt(hidden);
      const proj = tf.randomUniform([steps, batch, 8 * hidden], -2, 2, 'float32', 100 + i);
      const wRec = tf.randomUniform([2 * hidden, 8 * hidden], -scale, scale, 'float32', 200 + i);
      try {
        const y = new Float32Array(steps * batch * 2 * hidden);
        biLstmForward({ steps, batch, hidden }, await hostF32(proj), await hostF32(wRec), y, null, null);
        return await errorOf(() => biLstmSequence(proj, wRec, hidden), fixtureOf(y, [steps, batch, 2 * hidden]));
      } finally {
        tf.dispose([proj, wRec]);
      }
    },
  }));
}

/**
 * The fused greedy attention decoder against its TypeScript twin (decode.ts) on seeded random weights:
 * both cells, batch > 1, with and without a class bias, more steps than one, and on webgpu frames,
 * units and classes beyond one per lane (T 70, H and C 300). The logits of every step are compared, so
 * a wrong fed-back class (argmax, bias, tie rule) shows as well as wrong arithmetic.
 */
function attentionDecodeChecks(): OpCheck[] {
  const cases: { cell: DecodeCell; B: number; T: number; D: number; H: number; C: number; steps: number; bias: boolean }[] = [
    { cell: 'gru', B: 1, T: 5, D: 6, H: 4, C: 7, steps: 6, bias: false },
    { cell: 'lstm', B: 3, T: 11, D: 20, H: 16, C: 13, steps: 9, bias: true },
    { cell: 'gru', B: 2, T: 26, D: 96, H: 48, C: 40, steps: 12, bias: true },
    { cell: 'lstm', B: 2, T: 70, D: 64, H: 300, C: 300, steps: 5, bias: false },
  ];
  return cases.map((c, i): OpCheck => ({
    op: 'attentionDecode',
    direction: 'forward',
    name: `${c.cell} B${c.B} T${c.T} D${c.D} H${c.H} C${c.C} steps${c.steps}${c.bias ? ' bias' : ''}`,
    tolerance: 1e-4,
    run: async () => {
      const G = c.cell === 'gru' ? 3 : 4;
      let seed = 300 + 20 * i;
      const r = (shape: number[], fanIn: number): Tensor => tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), 'float32', seed++);
      const w: AttentionDecodeWeights = {
        h2hW: r([c.H, c.H], c.H),
        h2hB: r([c.H], 4),
        score: r([c.H, 1], c.H / 4),
        wCtx: r([c.D, G * c.H], c.D),
        wEmb: r([c.C, G * c.H], 1),
        wHh: r([c.H, G * c.H], c.H),
        bHh: r([G * c.H], 4),
        genW: r([c.H, c.C], c.H / 4),
        genB: r([c.C], 1),
      };
      const hs = r([c.B, c.T, c.D], 1);
      const proj = r([c.B, c.T, c.H], 1);
      const classBias = c.bias ? r([c.C], 1) : null;
      const owned = [hs, proj, ...Object.values<Tensor>({ ...w }), ...(classBias === null ? [] : [classBias])];
      try {
        const d: DecodeDims = { batch: c.B, frames: c.T, features: c.D, hidden: c.H, classes: c.C, steps: c.steps, cell: c.cell };
        const ref = async (t: Tensor): Promise<Ref> => ({ a: await hostF32(t), o: 0 });
        const out = new Float32Array(c.B * c.steps * c.C);
        attentionDecodeTs(
          d,
          {
            hs: await ref(hs),
            proj: await ref(proj),
            h2hW: await ref(w.h2hW),
            h2hB: await ref(w.h2hB),
            score: await ref(w.score),
            wCtx: await ref(w.wCtx),
            wEmb: await ref(w.wEmb),
            wHh: await ref(w.wHh),
            bHh: await ref(w.bHh),
            genW: await ref(w.genW),
            genB: await ref(w.genB),
            classBias: classBias === null ? null : await ref(classBias),
            out: { a: out, o: 0 },
            scratch: { a: new Float32Array(scratchFloats(d)), o: 0 },
          },
          gemmTs,
        );
        return await errorOf(() => attentionDecode(hs, proj, w, { cell: c.cell, steps: c.steps, classBias }), fixtureOf(out, [c.B, c.steps, c.C]));
      } finally {
        tf.dispose(owned);
      }
    },
  }));
}

/** Every op check, in a stable order. New ops append their checks here. */
export function allOpChecks(): OpCheck[] {
  return [
    ...hardSwishChecks(),
    ...gridSampleChecks(),
    ...gridSampleNonFiniteChecks(),
    ...tpsChecks(),
    ...spinColorChecks(),
    ...ctcLossChecks(),
    ...biLstmChecks(),
    ...attentionDecodeChecks(),
  ];
}

/** Runs checks on the active backend; `filter` selects by op name. Leaks no tensors. */
export async function runOpChecks(filter?: (c: OpCheck) => boolean): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of allOpChecks().filter(filter ?? (() => true))) {
    const error = await c.run();
    results.push({
      op: c.op,
      direction: c.direction,
      name: c.name,
      backend: tf.getBackend(),
      error,
      tolerance: c.tolerance,
      pass: error <= c.tolerance,
    });
  }
  return results;
}
