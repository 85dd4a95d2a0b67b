/** `webstr recognize` contract (README.md): one JSON object per image, exit 0 unless every image failed. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileByteSource } from '../src/data/node_source.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import { pngHeader } from '../src/testing/images.ts';

const ready = haveSharedModel() && haveLmdb('iiit5k_3000');
let dir = '';
const labels: string[] = [];

function webstr(args: string[]): { code: number | null; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/webstr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.status, lines, stderr: r.stderr };
}

beforeAll(async () => {
  if (!ready) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-cli-'));
  const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
  const ds = await openDtrbDataset(src);
  for (const i of [1, 3]) {
    const s = await ds.sample(i);
    writeFileSync(path.join(dir, `${i}.jpg`), s.image);
    labels.push(s.label);
  }
  await src.close();
  writeFileSync(path.join(dir, 'empty.jpg'), new Uint8Array());
  writeFileSync(path.join(dir, 'huge.png'), pngHeader(30000, 30000));
  writeFileSync(path.join(dir, 'zero.png'), pngHeader(0, 0));
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true });
});

describe.skipIf(!ready)('webstr recognize', () => {
  it('prints one object per image in order; bad files get an error and the rest go on', () => {
    const files = ['1.jpg', 'empty.jpg', 'huge.png', '3.jpg', 'zero.png', 'notes.txt', 'missing.jpg'].map((f) => path.join(dir, f));
    const r = webstr(['recognize', '--model', MV3_EN_ONNX, '--backend', 'wasm', ...files]);
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => l.file)).toEqual(files);
    expect(String(r.lines[0]!.text).toUpperCase()).toBe(labels[0]!.toUpperCase());
    expect(typeof r.lines[0]!.confidence).toBe('number');
    expect(String(r.lines[3]!.text).toUpperCase()).toBe(labels[1]!.toUpperCase());
    expect(r.lines[1]!.error).toMatch(/^EmptyImageError/);
    expect(r.lines[2]!.error).toMatch(/^ImageTooLargeError/);
    expect(r.lines[4]!.error).toMatch(/^EmptyImageError/);
    expect(r.lines[5]!.error).toMatch(/^ImageDecodeError/);
    expect(r.lines[6]!.error).toMatch(/^ImageFileError: cannot read '.*missing\.jpg': no such file$/);
  });

  it('exits 1 when every image failed', () => {
    const r = webstr(['recognize', '--model', MV3_EN_ONNX, '--backend', 'wasm', path.join(dir, 'empty.jpg')]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
  });

  it('says weights are needed for a bare preset', () => {
    const r = webstr(['recognize', '--model', 'crnn-mv3-en', path.join(dir, '1.jpg')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WeightsRequiredError: .*weights are needed/);
  });
});
