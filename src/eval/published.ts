/**
 * Published word accuracies (%) to show beside ours, as data: docs/models.md §9,
 * plus the onnxruntime reference for the shared PaddleOCR model (its README). Keyed by architecture
 * (preset name, or the architecture a future preset will carry), then by benchmark set. Source tags:
 * DTRB (deep-text-recognition-benchmark), MindOCR, MindSpore, PaddleOCR, DAVAR (DAVAR-Lab-OCR), paper = the
 * original paper's table. Averages say which kind they are: MindOCR's is the unweighted mean of 10 sets.
 */

export const BENCHMARK_SETS = ['iiit5k_3000', 'svt_647', 'ic03_860', 'ic03_867', 'ic13_857', 'ic13_1015', 'ic15_1811', 'ic15_2077', 'svtp_645', 'cute80_288'] as const;
export type BenchmarkSet = (typeof BENCHMARK_SETS)[number];

export interface PublishedRow {
  /** Who measured it, e.g. 'CRNN VGG7, MindOCR, MJ+ST'. */
  label: string;
  /** Who published it (docs/models.md §11): paper | DTRB | MindOCR | MindSpore | PaddleOCR | DAVAR | onnxruntime. */
  source: string;
  sets: Partial<Record<BenchmarkSet, number>>;
  average?: { value: number; kind: string };
  /** The reference our run must match (same weights), not just a published neighbour. */
  reference?: boolean;
}

export const PUBLISHED: Record<string, PublishedRow[]> = {
  'ppocr-v4': [
    {
      // scripts/ppocr_accuracy.ts measures this beside webstr in one run.
      label: "same ONNX, onnxruntime, PaddleOCR's preprocessing (batch 1, width ≥ 320)",
      source: 'onnxruntime',
      sets: { iiit5k_3000: 92.27, svt_647: 85.78, ic15_2077: 68.37 },
      reference: true,
    },
  ],
  'crnn-mv3-en': [
    {
      label: 'same ONNX, onnxruntime-node, dynamic width',
      source: 'onnxruntime',
      sets: { iiit5k_3000: 78.6, svt_647: 74.5, ic15_2077: 43.5 },
      reference: true,
    },
    { label: 'CRNN MV3 (PaddleOCR overview)', source: 'PaddleOCR', sets: {}, average: { value: 77.95, kind: "PaddleOCR's own benchmark average" } },
  ],
  'crnn-vgg': [
    { label: 'CRNN paper, Synth90k, no lexicon', source: 'paper', sets: { iiit5k_3000: 78.2, svt_647: 80.8, ic03_860: 89.4, ic13_857: 86.7 } },
    {
      label: 'CRNN VGG7, MindOCR, MJ+ST',
      source: 'MindOCR',
      sets: { iiit5k_3000: 84.4, svt_647: 82.84, ic03_860: 93.72, ic03_867: 93.43, ic13_857: 91.83, ic13_1015: 90.84, ic15_1811: 70.84, ic15_2077: 64.95, svtp_645: 72.87, cute80_288: 67.36 },
      average: { value: 81.31, kind: 'unweighted mean of 10 sets (MindOCR)' },
    },
    { label: 'CRNN V2, MindSpore', source: 'MindSpore', sets: { iiit5k_3000: 80.2, svt_647: 81.92 } },
  ],
  rare: [
    { label: 'RARE paper, no lexicon', source: 'paper', sets: { iiit5k_3000: 81.9, svt_647: 81.9, ic03_860: 90.1, ic13_857: 88.6, svtp_645: 71.8, cute80_288: 59.2 } },
    {
      label: 'TRBA, DTRB, MJ+ST',
      source: 'DTRB',
      sets: { iiit5k_3000: 87.9, svt_647: 87.5, ic03_860: 94.9, ic03_867: 94.4, ic13_857: 93.6, ic13_1015: 92.3, ic15_1811: 77.6, ic15_2077: 71.8, svtp_645: 79.2, cute80_288: 74.0 },
    },
  ],
  spin: [
    { label: 'SPIN paper', source: 'paper', sets: { iiit5k_3000: 94.7, svt_647: 87.6, ic03_860: 93.4, ic13_857: 91.5, ic15_1811: 79.1, svtp_645: 79.7, cute80_288: 85.1 } },
    { label: 'SPIN, DAVAR reproduction', source: 'DAVAR', sets: { iiit5k_3000: 94.7, svt_647: 89.8, ic03_860: 93.4, ic13_857: 94.1, ic15_1811: 80.7, svtp_645: 82.2, cute80_288: 83.7 } },
  ],
  'ga-spin': [
    { label: 'GA-SPIN paper', source: 'paper', sets: { iiit5k_3000: 94.7, svt_647: 90.3, ic03_860: 94.4, ic13_857: 92.8, ic15_1811: 82.2, svtp_645: 82.8, cute80_288: 87.5 } },
    { label: 'GA-SPIN, DAVAR reproduction', source: 'DAVAR', sets: { iiit5k_3000: 94.6, svt_647: 89.0, ic03_860: 93.3, ic13_857: 94.2, ic15_1811: 80.7, svtp_645: 83.0, cute80_288: 84.7 } },
  ],
};

/** The benchmark set a dataset name stands for ('iiit5k_3000', 'IIIT5k_3000', 'evaluation/SVT' …), if any. */
export function benchmarkSet(name: string): BenchmarkSet | undefined {
  const n = name.toLowerCase().replace(/\/data\.mdb$/, '').split('/').pop() ?? '';
  if (/iiit/.test(n)) return 'iiit5k_3000';
  if (/svtp|svt_p/.test(n)) return 'svtp_645';
  if (/svt/.test(n)) return 'svt_647';
  if (/cute/.test(n)) return 'cute80_288';
  for (const [prefix, sizes] of [['ic03', ['860', '867']], ['ic13', ['857', '1015']], ['ic15', ['1811', '2077']]] as const) {
    if (!n.includes(prefix)) continue;
    for (const s of sizes) if (n.includes(s)) return `${prefix}_${s}` as BenchmarkSet;
  }
  return undefined;
}

/** Published rows for a model's architecture (preset name, or a name that starts with it). */
export function publishedFor(architecture: string): PublishedRow[] {
  const a = architecture.toLowerCase();
  const key = Object.keys(PUBLISHED).sort((x, y) => y.length - x.length).find((k) => a === k || a.startsWith(`${k}-`) || a.startsWith(k));
  return key === undefined ? [] : PUBLISHED[key]!;
}

/** The reference accuracy for (architecture, dataset), if one exists (e.g. onnxruntime on the same weights). */
export function referenceAccuracy(architecture: string, dataset: string): number | undefined {
  const set = benchmarkSet(dataset);
  if (set === undefined) return undefined;
  return publishedFor(architecture).find((r) => r.reference === true)?.sets[set];
}
