/**
 * `webstr recognize [--model <name|dir|file.onnx|file.pth>] [--allow SET] [--backend …] <image|->...` (the contract in README.md):
 * one JSON object per image, `{"file","text","confidence"}` or `{"file","error"}`, in argument order;
 * exit 0 unless every image failed. `-` is one image read from stdin. `--json FILE.json` also writes the
 * objects as one array to FILE.json (bare `--json` is the default output).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, errorInfo } from '../src/runtime/errors.ts';
import { startEngine } from '../src/ops/engine_node.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { DEFAULT_LIMITS, ImageFileError } from '../src/image/errors.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { toHostWeights } from '../src/recognize/load.ts';
import { loadModelNode } from '../src/recognize/node_load.ts';
import { JSON_OPTION, UsageError, allowArg, backendArg, jsonTarget, parseCommandArgs } from './usage.ts';
import { DEFAULT_MODEL } from './commands.ts';

/** Files read per model batch: bounds memory for long argument lists. */
const CHUNK = 64;
/** A file larger than this is refused unread (encoded word crops are KBs). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** All of a stream (stdin), refused past `limit` bytes. */
export async function readStream(stream: AsyncIterable<Uint8Array | string>, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? new TextEncoder().encode(c) : c;
    n += b.length;
    if (n > limit) throw new InvalidArgumentError(`${what}: more than ${limit} bytes, the limit for one image`);
    chunks.push(b);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

async function readImageFile(file: string): Promise<Uint8Array> {
  if (file === '-') return readStream(process.stdin, MAX_FILE_BYTES, 'stdin');
  const reason = (err: unknown): string => {
    const code = (err as { code?: unknown } | null)?.code;
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
  const { values, positionals } = parseCommandArgs(argv, {
    model: { type: 'string' },
    preset: { type: 'string' },
    allow: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    details: { type: 'boolean', default: false },
    ...JSON_OPTION,
  });
  allowArg(values.allow);
  if (positionals.length === 0) throw new UsageError("no images given (image files, or '-' for one image on stdin)");
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError("'-' (stdin) may be given once");
  const json = jsonTarget(values.json);
  const request = backendArg(values.backend);
  const { report, init } = await startEngine(request);
  const loaded = await loadModelNode(values.model ?? DEFAULT_MODEL, values.preset);
  const weights = await toHostWeights(loaded);
  const rec = Recognizer.create(weights, {
    decoder: (b) => decodeNode(b, DEFAULT_LIMITS),
    init,
    onNotice: (m) => console.error(`webstr recognize: ${m}`),
    allow: values.allow ?? null,
  });
  if (values.details) console.error(`webstr recognize: backend ${report.backend} (${report.reason})`);
  let failed = 0;
  const all: Record<string, unknown>[] = [];
  const print = (line: Record<string, unknown>): void => {
    console.log(JSON.stringify(line));
    if (json.kind === 'file') all.push(line);
  };
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
        print({ file, error });
        return;
      }
      const line: Record<string, unknown> = { file, text: o.text, confidence: Number(o.confidence.toFixed(6)) };
      if (values.details) {
        line.charConfidences = o.charConfidences.map((c) => Number(c.toFixed(6)));
        line.timings = o.timings;
        line.backend = o.backend;
      }
      print(line);
    });
  }
  rec.dispose();
  if (json.kind === 'file') await writeFile(json.path, JSON.stringify(all, null, 2) + '\n');
  return failed === positionals.length ? 1 : 0;
}
