/**
 * `webstr <command> …` for Node: the same src/ code as the pages, on tfjs wasm (webgpu through Dawn
 * when the machine has a Vulkan driver). Subcommands are added as their features land; see
 * README.md for the contracts.
 */
import { parseArgs } from 'node:util';
import { errorInfo, namedFsError } from '../src/runtime/errors.ts';
import { CONVERT_USAGE, convert } from './convert.ts';
import { doctor } from './doctor.ts';
import { EVAL_USAGE, evalCommand } from './eval.ts';
import { IMPORT_USAGE, importModel } from './import_model.ts';
import { RECOGNIZE_USAGE, recognize } from './recognize.ts';
import { TRAIN_USAGE, trainCommand } from './train.ts';
import { SYNTH_USAGE, synthCommand } from './synth.ts';

export interface Command {
  summary: string;
  usage: string;
  run: (args: string[]) => Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  doctor: {
    summary: 'print the capability report: backend chosen and why, WebGPU adapter, limits, features',
    usage: 'webstr doctor [--backend auto|webgpu|wasm|cpu] [--json]',
    run: doctor,
  },
  convert: {
    summary: 'write an LMDB dataset (deep-text-recognition-benchmark layout) as webstr shards on disk',
    usage: CONVERT_USAGE,
    run: convert,
  },
  import: {
    summary: 'import model weights (PaddleOCR inference ONNX, PyTorch .pth) into the webstr weight format',
    usage: IMPORT_USAGE,
    run: importModel,
  },
  recognize: {
    summary: 'recognize the text of word images: one JSON object per image',
    usage: RECOGNIZE_USAGE,
    run: recognize,
  },
  eval: {
    summary: 'evaluate a model on LMDB / shard datasets: per-dataset accuracy table (DTRB protocol, docs/models.md §8.3)',
    usage: EVAL_USAGE,
    run: evalCommand,
  },
  synth: { summary: 'render synthetic word crops (MJSynth-style, seeded) into webstr shards', usage: SYNTH_USAGE, run: synthCommand },
  train: { summary: 'train or fine-tune a preset on datasets and/or synthetic words (resumable from --out)', usage: TRAIN_USAGE, run: trainCommand },
};

function help(): string {
  const lines = ['usage: webstr <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`, `             ${c.usage}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const name = positionals[0];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`webstr: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    return await command.run(argv.slice(1));
  } catch (err) {
    // A file the user named that cannot be read is their error, named like the others (not ENOENT).
    const e = errorInfo(namedFsError(err));
    console.error(`webstr ${name}: ${e.name}: ${e.message}`);
    return 1;
  }
}
