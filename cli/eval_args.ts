/**
 * The arguments of `webstr eval` and `npm run bench` (the contract in README.md), parsed in one place so the two
 * agree: `--model <…> --data <lmdb-or-shard dir>... [--backend …] [--limit N] [--shard i/n]
 * [--filtering dtrb|off] [--batch-size N] [--min-accuracy P] [--max-drop P] [--json out.json]`.
 * Paths after `--data` that do not start with `--` are more datasets. `--filtering` defaults to `off`: every
 * sample is scored (5,724 on the three shared test sets), as the onnxruntime reference was measured;
 * `dtrb` drops labels over 25 characters or outside [0-9a-z] as DTRB's test.py does by default.
 */
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { parseShard, type Shard } from '../src/eval/runner.ts';
import { parseAllow } from '../src/text/allow.ts';

export const EVAL_ARGS_USAGE =
  '--model <name|dir|model.json|file.onnx|file.pth> [--preset <name>] --data <lmdb-or-shard dir>... [--backend auto|webgpu|wasm|cpu] [--limit N] [--shard i/n] [--filtering dtrb|off] [--allow SET] [--batch-size N] [--min-accuracy P] [--max-drop P] [--json out.json]';

export interface EvalArgs {
  model: string;
  /** Architecture of an .onnx (default crnn-mv3-en) or a .pth (default: read from the checkpoint). */
  preset?: string;
  data: string[];
  backend: string;
  limit?: number;
  shard?: Shard;
  filtering: 'dtrb' | 'off';
  /** Allowed characters at decoding (src/text/allow.ts). */
  allow?: string;
  batchSize: number;
  minAccuracy?: number;
  maxDrop?: number;
  json?: string;
}

function num(name: string, v: string | undefined, check: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`--${name}: '${v}' is not valid`);
  return n;
}

export function parseEvalArgs(argv: string[], usage: string): EvalArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      preset: { type: 'string' },
      data: { type: 'string', multiple: true },
      backend: { type: 'string', default: 'auto' },
      limit: { type: 'string' },
      shard: { type: 'string' },
      filtering: { type: 'string', default: 'off' },
      allow: { type: 'string' },
      'batch-size': { type: 'string', default: '64' },
      'min-accuracy': { type: 'string' },
      'max-drop': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const data = [...(values.data ?? []), ...positionals];
  if (values.model === undefined || data.length === 0) throw new InvalidArgumentError(`usage: ${usage}`);
  if (values.filtering !== 'dtrb' && values.filtering !== 'off') throw new InvalidArgumentError(`--filtering: expected dtrb or off, got '${values.filtering}'`);
  return {
    model: values.model,
    preset: values.preset,
    data,
    backend: values.backend,
    limit: num('limit', values.limit, (n) => Number.isInteger(n) && n >= 1),
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
    filtering: values.filtering,
    allow: values.allow === undefined ? undefined : (parseAllow(values.allow), values.allow),
    batchSize: num('batch-size', values['batch-size'], (n) => Number.isInteger(n) && n >= 1) ?? 64,
    minAccuracy: num('min-accuracy', values['min-accuracy'], (n) => n >= 0 && n <= 100),
    maxDrop: num('max-drop', values['max-drop'], (n) => n >= 0),
    json: values.json,
  };
}
