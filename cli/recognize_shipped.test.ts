/**
 * Out of the box in Node: a shipped model by name (`--model ppocr-v4`, converted from its npm dependency
 * on load), the default model when `--model` is left out, and `--allow`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SAMPLES: [string, string][] = [
  ['public/samples/01-coffee.png', 'COFFEE'],
  ['public/samples/02-station.png', 'Station'],
  ['public/samples/03-exit.png', 'EXIT'],
  ['public/samples/04-open.png', 'open'],
  ['public/samples/05-2024.png', '2024'],
  ['public/samples/06-library.png', 'Library'],
];

function webstr(args: string[]): { code: number | null; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/webstr.mjs', ...args], { encoding: 'utf8', timeout: 180_000 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.status, lines, stderr: r.stderr };
}

describe('webstr recognize with shipped models', () => {
  it('--model ppocr-v4 reads every sample crop', () => {
    const r = webstr(['recognize', '--model', 'ppocr-v4', '--backend', 'wasm', ...SAMPLES.map(([f]) => f)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.map((l) => l.text)).toEqual(SAMPLES.map(([, w]) => w));
  }, 200_000);

  it('without --model uses the default (ppocr-v4); --allow restricts the output; a bad --allow is a named error', () => {
    const r = webstr(['recognize', '--backend', 'wasm', '--allow', 'digits', 'public/samples/05-2024.png', 'public/samples/03-exit.png']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines[0]!.text).toBe('2024');
    expect(String(r.lines[1]!.text)).toMatch(/^[0-9]*$/);
    const bad = webstr(['recognize', '--model', 'ppocr-v4', '--allow', 'chars:', 'public/samples/05-2024.png']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/InvalidArgumentError|allows no character/);
  }, 200_000);
});
