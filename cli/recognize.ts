/**
 * `webstr recognize [--model <name|dir|file.onnx|file.pth>] [--allow SET] [--backend …] <image>...` (the contract in README.md):
 * one JSON object per image, `{"file","text","confidence"}` or `{"file","error"}`, in argument order;
 * exit 0 unless every image failed.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { initBackend, parseBackendRequest } from '../src/runtime/backend.ts';
import { InvalidArgumentError, errorInfo } from '../src/runtime/errors.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { DEFAULT_LIMITS, ImageFileError } from '../src/image/errors.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { PRESET_NAMES, toHostWeights } from '../src/recognize/load.ts';
import { loadModelNode } from '../src/recognize/node_load.ts';
import { loadNodeGpu } from './node_gpu.ts';
import { SHIPPED_MODELS, shippedModelsByRank } from '../src/recognize/registry.ts';
import { ALLOW_SETS, parseAllow } from '../src/text/allow.ts';

/** The most accurate shipped model. */
export const DEFAULT_MODEL = shippedModelsByRank()[0]!.name;

export const RECOGNIZE_USAGE = `webstr recognize [--model <${SHIPPED_MODELS.map((m) => m.name).join('|')}|dir|file.onnx|file.pth> (default ${DEFAULT_MODEL})] [--preset <${PRESET_NAMES.join('|')}> (.onnx: default crnn-mv3-en; .pth: default read from the file)] [--allow <${Object.keys(ALLOW_SETS).join('|')}|characters>] [--backend auto|webgpu|wasm|cpu] [--details] <image>...`;

/** Files read per model batch: bounds memory for long argument lists. */
const CHUNK = 64;
/** A file larger than this is refused unread (encoded word crops are KBs). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

async function readImageFile(file: string): Promise<Uint8Array> {
  const reason = (err: unknown): string => {
    const code = (err as { code?: string }).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
  };
  const s = await stat(file).catch((err: unknown) => {
    throw new ImageFileError(`cannot read '${file}': ${reason(err)}`);
  });
  if (!s.isFile()) throw new ImageFileError(`'${file}' is not a regular file`);
  if (s.size > MAX_FILE_BYTES) throw new ImageFileError(`'${file}' is ${s.size} bytes; the limit is ${MAX_FILE_BYTES}`);
  return new Uint8Array(
    await readFile(file).catch((err: unknown) => {
      throw new ImageFileError(`cannot read '${file}': ${reason(err)}`);
    }),
  );
}

export async function recognize(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      preset: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      details: { type: 'boolean', default: false },
      allow: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new InvalidArgumentError(`usage: ${RECOGNIZE_USAGE}`);
  parseAllow(values.allow);
  const request = parseBackendRequest(values.backend);
  const { gpu } = request === 'wasm' || request === 'cpu' ? { gpu: undefined } : await loadNodeGpu();
  registerAllKernels();
  const report = await initBackend(request, { gpu });
  const loaded = await loadModelNode(values.model ?? DEFAULT_MODEL, values.preset);
  const weights = await toHostWeights(loaded);
  const rec = Recognizer.create(weights, {
    decoder: (b) => decodeNode(b, DEFAULT_LIMITS),
    init: { gpu },
    onNotice: (m) => console.error(`webstr recognize: ${m}`),
    allow: values.allow ?? null,
  });
  if (values.details) console.error(`webstr recognize: backend ${report.backend} (${report.reason})`);
  let failed = 0;
  for (let s = 0; s < positionals.length; s += CHUNK) {
    const files = positionals.slice(s, s + CHUNK);
    const inputs: (Uint8Array | null)[] = [];
    const readErrors = new Map<number, string>();
    for (let i = 0; i < files.length; i++) {
      try {
        inputs.push(await readImageFile(files[i]!));
      } catch (err) {
        const e = errorInfo(err);
        readErrors.set(i, `${e.name}: ${e.message}`);
        inputs.push(null);
      }
    }
    const present = inputs.flatMap((b, i) => (b === null ? [] : [{ i, b }]));
    const outcomes = await rec.recognizeBatch(present.map((p) => p.b));
    const byIndex = new Map(present.map((p, k) => [p.i, outcomes[k]!]));
    files.forEach((file, i) => {
      const o = byIndex.get(i);
      if (o === undefined || !o.ok) {
        failed++;
        const error = o === undefined ? (readErrors.get(i) ?? 'unreadable') : `${o.error.name}: ${o.error.message}`;
        console.log(JSON.stringify({ file, error }));
        return;
      }
      const line: Record<string, unknown> = { file, text: o.text, confidence: Number(o.confidence.toFixed(6)) };
      if (values.details) {
        line.charConfidences = o.charConfidences.map((c) => Number(c.toFixed(6)));
        line.timings = o.timings;
        line.backend = o.backend;
      }
      console.log(JSON.stringify(line));
    });
  }
  rec.dispose();
  return failed === positionals.length ? 1 : 0;
}
