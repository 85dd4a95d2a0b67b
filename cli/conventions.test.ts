/**
 * The conventions every `webstr` command follows, through the bin as a user runs it: `--help`/`-h` on every
 * command, `webstr help <command>`, `--version`, usage errors exit 2 with one line, `--json` means the same
 * thing everywhere, `recognize -` reads stdin, and help loads no tfjs.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MV3_EN_ONNX, haveSharedModel } from '../src/testing/shared.ts';
import { COMMANDS } from './commands.ts';
import { main } from './main.ts';
import { normalizeJsonFlag } from './usage.ts';

const bin = path.resolve('cli/webstr.mjs');
// No Vulkan loader in the child: the machine-independent answer.
const env = { ...process.env, LD_LIBRARY_PATH: '', VK_ICD_FILENAMES: '' };
const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-conv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function webstr(args: string[], opts: { input?: Uint8Array; nodeArgs?: string[] } = {}): Run {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), bin, ...args], { encoding: 'utf8', timeout: 120_000, env, input: opts.input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NAMES = Object.keys(COMMANDS);

describe('help and version', () => {
  it('every command answers --help and -h with its own usage, exit 0, and the same as `webstr help <command>`', () => {
    const seen = new Set<string>();
    for (const name of NAMES) {
      const long = webstr([name, '--help']);
      expect(long.code, name).toBe(0);
      expect(long.stdout.startsWith(`usage: webstr ${name} `), name).toBe(true);
      expect(long.stdout).toContain('--help');
      expect(webstr([name, '-h']).stdout).toBe(long.stdout);
      expect(webstr(['help', name]).stdout).toBe(long.stdout);
      seen.add(long.stdout);
    }
    expect(seen.size).toBe(NAMES.length);
  }, 180_000);

  it('--help wins over a bad command line; `webstr help` lists every command; unknown topics exit 2', () => {
    const r = webstr(['eval', '--no-such-option', '--help']);
    expect([r.code, r.stdout.startsWith('usage: webstr eval ')]).toEqual([0, true]);
    const g = webstr(['help']);
    expect(g.code).toBe(0);
    for (const name of NAMES) expect(g.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(webstr(['--help']).stdout).toBe(g.stdout);
    const u = webstr(['help', 'frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = webstr(['--version']);
    expect([r.code, r.stdout]).toEqual([0, `${pkg.version}\n`]);
  });

  it('help, --help and --version never import tfjs', () => {
    // A resolve hook that fails any @tensorflow import: help must not reach one.
    const hook = `export async function resolve(s, c, next) { if (s.startsWith('@tensorflow/')) throw new Error('tfjs imported: ' + s); return next(s, c); }`;
    const reg = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const nodeArgs = ['--import', `data:text/javascript,${encodeURIComponent(reg)}`];
    for (const args of [['help'], ['help', 'train'], ['recognize', '--help'], ['--version']]) {
      const r = webstr(args, { nodeArgs });
      expect(r.stderr).not.toContain('tfjs imported');
      expect(r.code, args.join(' ')).toBe(0);
    }
    // The hook does catch a command that needs tfjs.
    expect(webstr(['doctor', '--backend', 'cpu'], { nodeArgs }).stderr).toContain('tfjs imported');
  }, 60_000);
});

describe('usage errors: exit 2, one line on stderr naming the problem', () => {
  const cases: [string[], RegExp][] = [
    [[], /no command given/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['doctor', '--bogus'], /Unknown option '--bogus'/],
    [['doctor', '--backend', 'metal'], /--backend: unknown backend 'metal'/],
    [['convert'], /LMDB folder .* is required/],
    [['convert', 'x'], /--out <shard dir> is required/],
    [['import', 'm.onnx'], /--out <dir> is required/],
    [['import', 'm.txt', '--out', 'o'], /expected a PaddleOCR inference \.onnx/],
    [['recognize', 'a.png', '--model'], /Option '--model <value>' argument missing/],
    [['recognize', '--model', 'm.onnx'], /no images given/],
    [['recognize', '--model', 'm.onnx', '-', '-'], /'-' \(stdin\) may be given once/],
    [['eval', '--model', 'm.onnx'], /--data .* is required/],
    [['eval', '--model', 'm.onnx', '--data', 'd', '--limit', 'ten'], /--limit: expected a positive integer, got 'ten'/],
    [['eval', '--model', 'm.onnx', '--data', 'd', '--shard', '3/2'], /--shard: /],
    [['synth', '--out', 'o'], /--count N is required/],
    [['synth', '--count', '0', '--out', 'o'], /--count: expected an integer ≥ 1, got '0'/],
    [['train', '--steps', '1', '--out', 'o'], /--preset is required/],
    [['train', '--preset', 'crnn-vgg', '--steps', '0', '--out', 'o'], /--steps: expected/],
    [['train', '--preset', 'crnn-vgg', '--steps', '1', '--out', 'o', '--optimizer', 'lbfgs'], /--optimizer: expected adam/],
  ];
  it('through the bin', () => {
    for (const [args, message] of cases.slice(0, 4)) {
      const r = webstr(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  }, 60_000);

  // In process (the same main() the bin runs), so the commands' modules load once.
  it.each(cases)('webstr %j', async (args, message) => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await main(args)).toBe(2);
      expect(log).not.toHaveBeenCalled();
      expect(err).toHaveBeenCalledTimes(1);
      const line = String(err.mock.calls[0]![0]);
      expect(line).not.toContain('\n');
      expect(line).toMatch(message);
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  }, 60_000);
});

describe('--json [FILE.json] means the same in every command', () => {
  it('takes a value only when it is a .json file or -', () => {
    expect(normalizeJsonFlag(['--json'])).toEqual(['--json=-']);
    expect(normalizeJsonFlag(['--json', '-'])).toEqual(['--json=-']);
    expect(normalizeJsonFlag(['--json', 'out.JSON', 'x'])).toEqual(['--json=out.JSON', 'x']);
    expect(normalizeJsonFlag(['--json', 'data/svt_647'])).toEqual(['--json=-', 'data/svt_647']);
    expect(normalizeJsonFlag(['--json', '--limit', '3'])).toEqual(['--json=-', '--limit', '3']);
    expect(normalizeJsonFlag(['--', '--json'])).toEqual(['--', '--json']);
  });

  it('every command that reports a result documents --json', () => {
    for (const [name, c] of Object.entries(COMMANDS)) expect(c.usage, name).toContain('[--json [FILE.json]]');
  });

  it('doctor and convert: bare --json is JSON alone on stdout; --json FILE.json writes the file and keeps the text', () => {
    const a = webstr(['doctor', '--backend', 'cpu', '--json']);
    expect(a.code).toBe(0);
    expect((JSON.parse(a.stdout) as { backend: string }).backend).toBe('cpu');
    const file = path.join(dir, 'doctor.json');
    const b = webstr(['doctor', '--backend', 'cpu', '--json', file]);
    expect(b.stdout).toMatch(/^backend: +cpu/m);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { backend: string }).backend).toBe('cpu');

    const lmdb = path.join(dir, 'tiny');
    mkdirSync(lmdb);
    copyFileSync('src/data/fixtures/tiny.mdb', path.join(lmdb, 'data.mdb'));
    const c = webstr(['convert', lmdb, '--out', path.join(dir, 's1'), '--json']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ name: 'tiny', samples: 40 });
    const cj = path.join(dir, 'convert.json');
    const d = webstr(['convert', lmdb, '--out', path.join(dir, 's2'), '--json', cj]);
    expect(d.stdout).toMatch(/^tiny: 40 samples in 1 shards/);
    expect(JSON.parse(readFileSync(cj, 'utf8'))).toMatchObject({ name: 'tiny', samples: 40 });
  }, 120_000);
});

describe.skipIf(!haveSharedModel())('recognize - (stdin)', () => {
  it('reads one image from stdin, as the same file named on the command line', () => {
    const img = 'public/samples/01-coffee.png';
    const json = path.join(dir, 'rec.json');
    const r = webstr(['recognize', '--model', MV3_EN_ONNX, '--backend', 'wasm', '-', img, '--json', json], { input: readFileSync(img) });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; text: string });
    expect(lines.map((l) => l.file)).toEqual(['-', img]);
    expect(lines[0]!.text).toBe(lines[1]!.text);
    expect(lines[0]!.text.toUpperCase()).toBe('COFFEE');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(lines);
  }, 120_000);
});
