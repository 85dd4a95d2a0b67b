import { mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import type { ModelConfig } from '../models/config.ts';
import type { Charset } from '../text/charset.ts';
import { WEIGHTS_FORMAT, fromArtifacts, type WebstrMetadata } from './format.ts';
import { loadManifestFiles, loadManifestUrl, parseModelJson } from './manifest.ts';
import { loadWeightsDir, saveWeightsDir } from './node_io.ts';

const meta: WebstrMetadata = {
  format: WEIGHTS_FORMAT,
  version: 1,
  preset: 'test',
  config: {} as ModelConfig,
  charset: {} as Charset,
  provenance: { source: 'test', sha256: '', importer: 'test', importedAt: '' },
};

const root = mkdtempSync(path.join(tmpdir(), 'webstr-manifest-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A valid weights folder (two tensors, 24 bytes of data) under a fresh name. */
async function good(name: string): Promise<string> {
  const dir = path.join(root, name);
  const params = new Map([
    ['a', tf.tensor([1, 2, 3, 4], [2, 2])],
    ['b', tf.tensor([5, 6], [2])],
  ]);
  await saveWeightsDir(dir, params, meta);
  tf.dispose([...params.values()]);
  return dir;
}

function editJson(dir: string, edit: (j: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] }) => void): void {
  const file = path.join(dir, 'model.json');
  const j = JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof edit>[0];
  edit(j);
  writeFileSync(file, JSON.stringify(j));
}

/** Runs `f`, returning its error, the seconds it took and how much the process's RSS grew. */
async function measure(f: () => Promise<unknown>): Promise<{ err: unknown; seconds: number; rssGrowthMB: number }> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const err = await f().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, seconds: (performance.now() - t0) / 1000, rssGrowthMB: (process.memoryUsage().rss - rss0) / 2 ** 20 };
}

describe('weight manifests on disk are confined and bounded', () => {
  it('loads a valid folder', async () => {
    const w = await loadWeightsDir(await good('ok'));
    expect([...w.params.keys()]).toEqual(['a', 'b']);
    expect(Array.from(w.params.get('a')!.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([...w.params.values()]);
  });

  it.each([
    ['a relative path out of the folder', '../../../../../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['/dev/zero', '/dev/zero'],
    ['a URL', 'file:///etc/passwd'],
    ['a backslash path', '..\\..\\secret.bin'],
    ['a hidden ..', 'sub/../../x.bin'],
  ])('refuses %s quickly', async (_n, p) => {
    const dir = await good(`path-${Buffer.from(p).toString('hex').slice(0, 24)}`);
    editJson(dir, (j) => (j.weightsManifest[0]!.paths = [p]));
    const r = await measure(() => loadWeightsDir(dir));
    expect((r.err as Error).name).toBe('UnsafeWeightsPathError');
    expect((r.err as Error).message).toContain(JSON.stringify(p));
    expect(r.seconds).toBeLessThan(2);
  });

  it('refuses a link to /dev/zero, a link out of the folder and a linked subfolder', async () => {
    const zero = await good('link-zero');
    symlinkSync('/dev/zero', path.join(zero, 'zero.bin'));
    editJson(zero, (j) => (j.weightsManifest[0]!.paths = ['zero.bin']));
    const r = await measure(() => loadWeightsDir(zero));
    expect((r.err as Error).name).toBe('UnsafeWeightsPathError');
    expect(r.seconds).toBeLessThan(2);
    expect(r.rssGrowthMB).toBeLessThan(64);

    const out = await good('link-out');
    writeFileSync(path.join(root, 'secret.bin'), new Uint8Array(24));
    symlinkSync(path.join(root, 'secret.bin'), path.join(out, 'w.bin'));
    editJson(out, (j) => (j.weightsManifest[0]!.paths = ['w.bin']));
    await expect(loadWeightsDir(out)).rejects.toMatchObject({ name: 'UnsafeWeightsPathError' });

    const sub = await good('link-sub');
    symlinkSync(root, path.join(sub, 'up'));
    editJson(sub, (j) => (j.weightsManifest[0]!.paths = ['up/secret.bin']));
    await expect(loadWeightsDir(sub)).rejects.toMatchObject({ name: 'UnsafeWeightsPathError', message: expect.stringContaining('outside the model') as string });
  });

  it('reads no more than the shapes declare: a 4 GiB weights.bin is refused unread', async () => {
    const dir = await good('big');
    truncateSync(path.join(dir, 'weights.bin'), 4 * 2 ** 30); // sparse: costs no disk
    const r = await measure(() => loadWeightsDir(dir));
    expect((r.err as Error).name).toBe('WeightsSizeError');
    expect((r.err as Error).message).toMatch(/4294967296 bytes, more than the 24 bytes/);
    expect(r.seconds).toBeLessThan(2);
    expect(r.rssGrowthMB).toBeLessThan(64);
  });

  it('refuses a short weights.bin, and shapes that declare absurd sizes before reading', async () => {
    const short = await good('short');
    truncateSync(path.join(short, 'weights.bin'), 20);
    await expect(loadWeightsDir(short)).rejects.toMatchObject({ name: 'WeightsSizeError', message: expect.stringContaining('hold 20 bytes') as string });
    const huge = await good('huge-shape');
    editJson(huge, (j) => (j.weightsManifest[0]!.weights[0]!.shape = [1e6, 1e6]));
    await expect(loadWeightsDir(huge)).rejects.toMatchObject({ name: 'WeightsSizeError' });
    const neg = await good('neg-shape');
    editJson(neg, (j) => (j.weightsManifest[0]!.weights[0]!.shape = [-1, 4]));
    await expect(loadWeightsDir(neg)).rejects.toMatchObject({ name: 'WeightsFormatError' });
    const dt = await good('string-dtype');
    editJson(dt, (j) => (j.weightsManifest[0]!.weights[0]!.dtype = 'string'));
    await expect(loadWeightsDir(dt)).rejects.toMatchObject({ name: 'WeightsFormatError' });
  });

  it('refuses a model.json that is a device or too large', async () => {
    const dir = path.join(root, 'json-dev');
    mkdirSync(dir);
    symlinkSync('/dev/zero', path.join(dir, 'model.json'));
    const r = await measure(() => loadWeightsDir(dir));
    expect((r.err as Error).name).toBe('UnsafeWeightsPathError');
    expect(r.seconds).toBeLessThan(2);
  });
});

describe('weight manifests from dropped files, URLs and tf.io handlers', () => {
  const files = (dir: string): File[] =>
    ['model.json', 'weights.bin'].map((n) => new File([readFileSync(path.join(dir, n))], n));

  it('loads a folder written by saveWeightsDir from Files (tf.io.browserFiles wanted a modelTopology)', async () => {
    const w = fromArtifacts(await loadManifestFiles(files(await good('files'))));
    expect(Array.from(w.params.get('b')!.dataSync())).toEqual([5, 6]);
    tf.dispose([...w.params.values()]);
  });

  it('dropped files: paths and sizes checked', async () => {
    const dir = await good('files-bad');
    editJson(dir, (j) => (j.weightsManifest[0]!.paths = ['../weights.bin']));
    await expect(loadManifestFiles(files(dir))).rejects.toMatchObject({ name: 'UnsafeWeightsPathError' });
    const big = await good('files-big');
    const fs = files(big);
    fs[1] = new File([new Uint8Array(1 << 20)], 'weights.bin');
    await expect(loadManifestFiles(fs)).rejects.toMatchObject({ name: 'WeightsSizeError' });
  });

  /** A fetch over a fake origin; `/endless.bin` never ends. */
  function fakeFetch(dir: string, log: string[]): typeof fetch {
    return (input) => {
      const u = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      log.push(u.href);
      if (u.pathname.endsWith('/endless.bin')) {
        const chunk = new Uint8Array(1 << 16);
        return Promise.resolve(new Response(new ReadableStream({ pull: (c) => c.enqueue(chunk) })));
      }
      const file = path.join(dir, path.basename(u.pathname));
      try {
        return Promise.resolve(new Response(readFileSync(file)));
      } catch {
        return Promise.resolve(new Response('missing', { status: 404 }));
      }
    };
  }

  it('URLs: loads under the prefix; refuses paths out of it and bodies past the declared size', async () => {
    const dir = await good('url');
    const log: string[] = [];
    const w = fromArtifacts(await loadManifestUrl('https://models.example/m/model.json', fakeFetch(dir, log)));
    tf.dispose([...w.params.values()]);
    expect(log).toEqual(['https://models.example/m/model.json', 'https://models.example/m/weights.bin']);

    editJson(dir, (j) => (j.weightsManifest[0]!.paths = ['../other/weights.bin']));
    await expect(loadManifestUrl('https://models.example/m/model.json', fakeFetch(dir, []))).rejects.toMatchObject({ name: 'UnsafeWeightsPathError' });
    editJson(dir, (j) => (j.weightsManifest[0]!.paths = ['https://evil.example/w.bin']));
    await expect(loadManifestUrl('https://models.example/m/model.json', fakeFetch(dir, []))).rejects.toMatchObject({ name: 'UnsafeWeightsPathError' });
    editJson(dir, (j) => (j.weightsManifest[0]!.paths = ['endless.bin']));
    const r = await measure(() => loadManifestUrl('https://models.example/m/model.json', fakeFetch(dir, [])));
    expect((r.err as Error).name).toBe('WeightsSizeError');
    expect(r.seconds).toBeLessThan(2);
  });

  it('tf.io artifacts (IndexedDB): the data must have the size the shapes declare', () => {
    const m = parseModelJson({ weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'a', shape: [2, 2], dtype: 'float32' }] }], userDefinedMetadata: { webstr: meta } });
    expect(m.bytes).toBe(16);
    const art = (n: number): tf.io.ModelArtifacts => ({ weightSpecs: m.specs, weightData: new ArrayBuffer(n), userDefinedMetadata: m.userDefinedMetadata });
    expect(() => fromArtifacts(art(12))).toThrow(expect.objectContaining({ name: 'WeightsSizeError' }) as Error);
    expect(() => fromArtifacts(art(1 << 20))).toThrow(expect.objectContaining({ name: 'WeightsSizeError' }) as Error);
    const w = fromArtifacts(art(16));
    tf.dispose([...w.params.values()]);
  });
});
