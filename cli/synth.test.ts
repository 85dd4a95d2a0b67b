import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { SynthOptionsError } from '../src/synth/errors.ts';
import { synthCommand } from './synth.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'webstr-synth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webstr synth', () => {
  it('writes N samples of a small vocabulary at a fixed size', async () => {
    const words = path.join(dir, 'words.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(words, 'alpha\nbeta\ngamma\n');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const out = path.join(dir, 'out');
    expect(await synthCommand(['--count', '12', '--seed', '4', '--out', out, '--words', words, '--digits-ratio', '0', '--width', '100', '--json'])).toBe(0);
    const summary = JSON.parse(String(log.mock.calls[0]![0])) as { samples: number };
    log.mockRestore();
    expect(summary.samples).toBe(12);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { stats: { chars: Record<string, number> } };
    expect(Object.keys(manifest.stats.chars).every((c) => 'alphbetgmm'.includes(c))).toBe(true);
  });

  it('--style rich --workers 2 writes the same shards as one worker (the bundled faces)', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const args = (out: string, workers: string): string[] => ['--count', '24', '--seed', '2', '--style', 'rich', '--font-cache', 'none', '--workers', workers, '--samples-per-shard', '10', '--out', path.join(dir, out), '--json'];
    expect(await synthCommand(args('one', '1'))).toBe(0);
    expect(await synthCommand(args('two', '2'))).toBe(0);
    const summary = JSON.parse(String(log.mock.calls[1]![0])) as { samples: number; style: string; workers: number; shards: number };
    log.mockRestore();
    expect(summary).toMatchObject({ samples: 24, style: 'rich', workers: 2, shards: 3 });
    for (const f of ['shard-00000.wshard', 'shard-00001.wshard', 'shard-00002.wshard']) {
      expect(readFileSync(path.join(dir, 'two', f)).equals(readFileSync(path.join(dir, 'one', f))), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(path.join(dir, 'two', 'manifest.json'), 'utf8')) as { stats: { chars: Record<string, number> } };
    expect(Object.keys(manifest.stats.chars).some((c) => /[A-Z]/.test(c))).toBe(true);
  });

  it('bad arguments are named errors', async () => {
    await expect(synthCommand(['--count', '5'])).rejects.toThrow(InvalidArgumentError);
    await expect(synthCommand(['--count', '0', '--out', dir])).rejects.toThrow(InvalidArgumentError);
    await expect(synthCommand(['--count', '2', '--seed=-1', '--out', dir])).rejects.toThrow(InvalidArgumentError);
    await expect(synthCommand(['--count', '2', '--height', '9999', '--out', dir])).rejects.toThrow(SynthOptionsError);
    await expect(synthCommand(['--count', '2', '--charset', 'klingon', '--out', dir])).rejects.toThrow(SynthOptionsError);
    await expect(synthCommand(['--count', '2', '--style', 'fancy', '--out', dir])).rejects.toThrow(InvalidArgumentError);
    await expect(synthCommand(['--count', '2', '--workers', '0', '--out', dir])).rejects.toThrow(InvalidArgumentError);
    await expect(synthCommand(['--count', '2', '--style', 'rich', '--font-cache', path.join(dir, 'nowhere'), '--out', dir])).rejects.toThrow(/FontLoadError|cannot be read/);
  });
});
