/**
 * `npm run perf -- <suite> [--backend cpu,wasm,webgpu] [suite args…]` (`--backends` is the same option): small performance suites, each
 * printing the machine, the backend and ms per call (ratios where it compares). Suites register here by
 * name; add yours to SUITES. `--write-doc` also puts what the suite printed into its section of
 * docs/performance.md (scripts/perf/doc.ts).
 */
import { parseArgs } from 'node:util';
import { machineLine, type PerfContext } from './perf/common.ts';
import { captureConsole, loadAverage, writeRecord } from './perf/doc.ts';
import { rerunWithSwiftShader } from './swiftshader.ts';

type Suite = (ctx: PerfContext) => Promise<number>;

const SUITES: Record<string, { describe: string; load: () => Promise<Suite>; webgpu: boolean }> = {
  ops: {
    describe: 'custom ops (gridSample, spinColor, tpsGrid) forward and fwd+bwd at batch 64, 1×32×100; the fused BiLSTM layer and attention decoder beside their per-step ops; --only NAME[,NAME]',
    load: async () => (await import('./perf/ops.ts')).opsSuite,
    webgpu: true,
  },
  ingest: {
    describe: 'LMDB → IndexedDB import in headless Chromium through the bench page (MB/s, samples/s); --dataset, --spp, --repeat, --json',
    load: async () => (await import('./perf/data.ts')).ingestSuite,
    webgpu: false,
  },
  reader: {
    describe: 'the LMDB reader alone in Node (sample(i) and ordered walk, MB/s); --dataset, --repeat, --json',
    load: async () => (await import('./perf/data.ts')).readerSuite,
    webgpu: false,
  },
  recognize: {
    describe: 'crnn-mv3-en words/s on wasm/cpu (Node) and in Chromium, beside onnxruntime-web (wasm) on the same model and crops; --images, --rounds (Chromium), --ab NAME[,NAME], --no-browser, --json (the rest: scripts/perf/recognize.ts)',
    load: async () => (await import('./perf/recognize.ts')).recognizeSuite,
    // Its webgpu column runs in Chromium (harness page), not in Node through SwiftShader.
    webgpu: false,
  },
  eval: {
    describe: 'the full three-set evaluation (5,724 crops) in the tab through bench.html on wasm: words/s and seconds (decode + preprocess + model + metrics); --workers, --limit, --batch, --in-flight, --serial-decode, --window, --jpeg-input on|off|ab, --json',
    load: async () => (await import('./perf/eval.ts')).evalSuite,
    webgpu: false,
  },
  train: { describe: 'training samples/s of crnn-mv3-en and crnn-vgg on wasm and cpu (Node), on webgpu and wasm in a Chromium worker, and the tensor count over 1,000 Trainer steps; --batch, --steps, --webgpu-batch, --webgpu-steps, --stable-steps, --json', load: async () => (await import('./perf/train.ts')).trainSuite, webgpu: false },
  profile: {
    describe: 'where the time goes: crnn-mv3-en on wasm in Node, per stage and per kernel for inference (batch 1) and a training step; --images, --batch, --steps, --top, --json',
    load: async () => (await import('./perf/profile.ts')).profileSuite,
    webgpu: false,
  },
  synth: { describe: 'synthetic words: samples/s rendering (+ augmentation) in Node and in a Chromium worker; --count, --no-browser, --json', load: async () => (await import('./perf/synth.ts')).synthSuite, webgpu: false },
};

async function main(): Promise<number> {
  // Suites take their own options after the suite name (`ingest --repeat 3`): parse leniently here and
  // hand the suite the raw arguments that follow its name, less --backend.
  const writeDoc = process.argv.includes('--write-doc');
  const argv = process.argv.slice(2).filter((a) => a !== '--write-doc');
  const { values, positionals } = parseArgs({
    args: argv,
    options: { backend: { type: 'string', default: '' }, backends: { type: 'string', default: '' } },
    allowPositionals: true,
    strict: false,
  });
  const name = positionals[0];
  const args: string[] = [];
  const rest = name === undefined ? [] : argv.slice(argv.indexOf(name) + 1);
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--backend' || rest[i] === '--backends') i++;
    else if (!rest[i]!.startsWith('--backend=') && !rest[i]!.startsWith('--backends=')) args.push(rest[i]!);
  }
  const suite = name === undefined ? undefined : SUITES[name];
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: npm run perf -- <suite> [--backend cpu,wasm,webgpu] [--write-doc] [suite options]\nsuites and their options:');
    for (const [k, s] of Object.entries(SUITES)) if (suite === undefined || k === name) console.log(`  ${k.padEnd(10)} ${s.describe}`);
    return 0;
  }
  if (suite === undefined) {
    console.error(`usage: npm run perf -- <suite> [--backend cpu,wasm,webgpu] [--write-doc]\nsuites (expected one of ${Object.keys(SUITES).join(', ')}${name === undefined ? '' : `, got '${name}'`}):`);
    for (const [k, s] of Object.entries(SUITES)) console.error(`  ${k.padEnd(10)} ${s.describe}`);
    return 2;
  }
  const backends = [values.backend, values.backends].join(',').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (suite.webgpu && (backends.length === 0 || backends.includes('webgpu'))) {
    const code = rerunWithSwiftShader();
    if (code !== null) return code;
  }
  const machine = machineLine();
  console.log(machine);
  const load0 = loadAverage();
  const capture = writeDoc ? captureConsole() : undefined;
  const code = await (await suite.load())({ backends, args });
  const output = capture?.stop();
  if (output !== undefined && code === 0) {
    writeRecord(name!, { command: `npm run perf -- ${argv.join(' ')}`, date: new Date(), machine, load: [load0, loadAverage()], output });
    console.log(`wrote the '${name!}' section of docs/performance.md`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A suite's unknown or malformed option: one line and the usage, not a stack trace.
    if (err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
      console.error(`perf: ${err.message} (npm run perf -- <suite> --help lists each suite's options)`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
