/**
 * The `webstr` commands: name, one-line summary, usage and help text, and a lazy loader. Nothing here
 * imports tfjs (or anything that does), so `webstr help`, `--help` and `--version` start in milliseconds;
 * a command's module is imported only when it runs.
 */
import { PRESETS } from '../src/models/presets.ts';
import { SHIPPED_MODELS, shippedModelsByRank } from '../src/recognize/registry.ts';
import { ALLOW_SETS } from '../src/text/allow.ts';

export type CommandRun = (argv: string[]) => Promise<number>;

export interface Command {
  summary: string;
  usage: string;
  /** Options and notes after the usage line of `webstr help <command>`. */
  details: string;
  load: () => Promise<CommandRun>;
}

const PRESET_LIST = Object.keys(PRESETS).join(', ');

/** The most accurate shipped model: `webstr recognize` without --model. */
export const DEFAULT_MODEL = shippedModelsByRank()[0]!.name;
const SHIPPED_LIST = SHIPPED_MODELS.map((m) => m.name).join(', ');
const MODEL_HELP = `  --model M                        a shipped model by name (${SHIPPED_LIST}), a webstr weights folder or model.json, or an .onnx/.pth`;
const ALLOW_HELP = `  --allow SET                      only these characters at decoding: ${Object.keys(ALLOW_SETS).join(', ')}, or chars:<characters>`;

const BACKEND = '  --backend auto|webgpu|wasm|cpu   tfjs backend (auto: webgpu on a hardware adapter, else wasm)';
const JSON_HELP = (what: string) =>
  `  --json [FILE.json]               ${what} as JSON: on stdout instead of the text, or into FILE.json`;
const HELP = '  -h, --help                       this help';

export const COMMANDS: Record<string, Command> = {
  doctor: {
    summary: 'print the capability report: backend chosen and why, WebGPU adapter, limits, features',
    usage: 'webstr doctor [--backend auto|webgpu|wasm|cpu] [--json [FILE.json]]',
    details: [BACKEND, JSON_HELP('the report'), HELP].join('\n'),
    load: async () => (await import('./doctor.ts')).doctor,
  },
  convert: {
    summary: 'write an LMDB dataset (deep-text-recognition-benchmark layout) as webstr shards on disk',
    usage: 'webstr convert <lmdb dir|data.mdb> --out <shard dir> [--samples-per-shard N] [--limit N] [--name NAME] [--json [FILE.json]]',
    details: [
      '  --out DIR                        shard folder to write (manifest.json + shard files)',
      '  --samples-per-shard N            samples per shard file',
      '  --limit N                        only the first N samples',
      '  --name NAME                      dataset name in the manifest (default: the LMDB folder name)',
      JSON_HELP('the summary'),
      HELP,
    ].join('\n'),
    load: async () => (await import('./convert.ts')).convert,
  },
  import: {
    summary: 'import model weights (PaddleOCR inference ONNX, PyTorch .pth) into the webstr weight format',
    usage: 'webstr import <file.onnx|file.pth|weights dir> [--preset <name>] --out <dir> [--float16] [--json [FILE.json]]',
    details: [
      `  --preset NAME                    architecture of the file: ${PRESET_LIST} (.onnx: default crnn-mv3-en; .pth: read from the checkpoint)`,
      '  --out DIR                        folder for model.json + weights.bin',
      '  --float16                        store the weights in half precision (a webstr weights folder is rewritten so)',
      JSON_HELP('the summary'),
      HELP,
    ].join('\n'),
    load: async () => (await import('./import_model.ts')).importModel,
  },
  recognize: {
    summary: 'recognize the text of cropped word images: one JSON object per image',
    usage: `webstr recognize [--model <name|dir|model.json|file.onnx|file.pth>] [--preset <name>] [--allow SET] [--backend …] [--details] [--json [FILE.json]] <image|->...`,
    details: [
      `${MODEL_HELP} (default ${DEFAULT_MODEL})`,
      `  --preset NAME                    architecture of an .onnx/.pth: ${PRESET_LIST} (.onnx: default crnn-mv3-en; .pth: read from the file)`,
      ALLOW_HELP,
      BACKEND,
      '  --details                        add per-character confidences, timings and the backend',
      '  --json [FILE.json]               the results as JSON: JSON lines on stdout (the default output), or an array into FILE.json',
      HELP,
      '',
      'Each image is one cropped word (PNG, JPEG, WebP, BMP, GIF). `-` reads one image from stdin.',
      'Prints {"file","text","confidence"} or {"file","error"} per image, in order; exits 1 only when every image failed.',
    ].join('\n'),
    load: async () => (await import('./recognize.ts')).recognize,
  },
  eval: {
    summary: 'evaluate a model on LMDB / shard datasets: per-dataset accuracy table',
    usage: 'webstr eval --model <name|dir|model.json|file.onnx|file.pth> --data <lmdb-or-shard dir>... [--backend …] [--limit N] [--shard i/n] [--filtering dtrb|off] [--allow SET] [--batch-size N] [--failures N] [--min-accuracy P] [--max-drop P] [--json [FILE.json]]',
    details: [
      `${MODEL_HELP}; --preset NAME for an .onnx/.pth`,
      '  --data DIR...                    LMDB folders (data.mdb) or shard folders; more may follow as plain arguments',
      BACKEND,
      '  --limit N                        the first N samples of each dataset',
      '  --shard i/n                      the i-th of n disjoint parts (1-based); merged reports equal the whole',
      '  --filtering off|dtrb             off: score every sample (default); dtrb: drop labels over 25 chars or outside [0-9a-z]',
      ALLOW_HELP,
      '  --batch-size N                   images per model call (default 64)',
      '  --failures N                     failures listed per dataset in the report (default 200)',
      '  --min-accuracy P                 exit 1 when a dataset scores below P %',
      '  --max-drop P                     exit 1 when a dataset falls more than P points below its published number',
      JSON_HELP('the report'),
      HELP,
    ].join('\n'),
    load: async () => (await import('./eval.ts')).evalCommand,
  },
  synth: {
    summary: 'render synthetic word crops (MJSynth-style, seeded) into webstr shards',
    usage: 'webstr synth --count N --out <shard dir> [--seed S] [options] [--json [FILE.json]]',
    details: [
      '  --count N, --out DIR             how many words, and the shard folder to write',
      '  --seed S                         seed (default 0): the same seed gives the same images',
      '  --height H, --width W | --max-width W   crop size (default: height 32, width from the text up to 320)',
      '  --words FILE                     one word per line (default: the built-in English list)',
      '  --charset alnum36|spin68|en_dict_space   characters a word may use',
      '  --case random|lower|upper|as-is  letter case; --digits-ratio R: share of number strings',
      '  --fonts F,…  --backgrounds IMG|DIR,…   fonts and background images to draw with',
      '  --no-augment                     no blur, noise or perspective',
      '  --style basic|rich               rich: many fonts (scripts/fonts/fetch_fonts.ts), curved/rotated layouts, real colours, degradations',
      '  --font-cache DIR|none            fetched fonts for the rich style (default .cache/fonts)',
      '  --workers N                      worker threads rendering (the same samples for any N)',
      '  --samples-per-shard N, --name NAME',
      JSON_HELP('the summary'),
      HELP,
    ].join('\n'),
    load: async () => (await import('./synth.ts')).synthCommand,
  },
  train: {
    summary: 'train or fine-tune a preset on datasets and/or synthetic words (resumable from --out)',
    usage: 'webstr train --preset <name> [--init <weights|.onnx|.pth>] [--data <dir>...] [--synthetic R] --steps N --out <dir> [options] [--json [FILE.json]]',
    details: [
      `  --preset NAME                    architecture: ${PRESET_LIST}`,
      `  --init M                         start from these weights: a shipped name (${SHIPPED_LIST}), a folder, .onnx or .pth (else from scratch)`,
      '  --data DIR...                    training LMDB / shard folders; --synthetic R (0..1): share of synthetic words',
      '  --synth-vocab N                  synthetic words from the first N of the built-in list',
      '  --synth-style basic|rich  --synth-workers N   synthetic style, and worker threads rendering one batch ahead',
      '  --init-partial                   take from --init only the tensors whose name and shape fit (another architecture);\n' +
      '                                   --init may then be given several times: a later source wins for a tensor both hold',
      '  --steps N, --out DIR             steps to reach; checkpoints, weights/ and history.json go to DIR; --float16 weights',
      '  --until N                        stop after step N of the --steps schedule (checkpoint and weights, as Ctrl-C)',
      BACKEND.replace('(auto:', '(default wasm; auto:'),
      '  --batch N (32)  --optimizer adam|adamw|adadelta|sgd  --lr X  --schedule constant|cosine  --warmup N  --clip X',
      '  --workers N (1)                  data-parallel: each batch split over N threads, gradients averaged (BatchNorm statistics per part)',
      '  --bn train|frozen                BatchNorm statistics (default: frozen with --init, else train)',
      '  --width W                        fixed input width; --augment: augment the training crops',
      '  --freeze STAGE[,STAGE]           keep these stages as initialised (transform, backbone, sequence, head)',
      '  --val DIR|synthetic:held-out --val-limit N --eval-every N   validation (before, every N steps, after)',
      '  --checkpoint-every N (100)  --seed N (1)  --run ID (run)  --quiet',
      JSON_HELP('the summary (steps, loss, weights folder)'),
      HELP,
      '',
      'The same command again continues from the last checkpoint in --out; Ctrl-C (or SIGTERM) stops after the current step.',
    ].join('\n'),
    load: async () => (await import('./train.ts')).trainCommand,
  },
};

export function commandHelp(name: string, c: Command): string {
  return [`usage: ${c.usage}`, '', c.summary + '.', '', 'options:', c.details].join('\n') + '\n';
}

export function globalHelp(): string {
  const lines = [
    'usage: webstr <command> [options]',
    '       webstr help <command> | webstr <command> --help | webstr --version',
    '',
    'commands:',
  ];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push(
    '',
    'conventions: usage errors exit 2 with one line on stderr; a failed run exits 1 with the named error;',
    '--json [FILE.json] prints the result as JSON on stdout (or writes it to FILE.json) in every command.',
  );
  return lines.join('\n') + '\n';
}
