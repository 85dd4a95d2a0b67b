/**
 * `webstr import <file.pth> --preset trba-dtrb --out <dir>` (the CLI path of the `.pth` importer):
 * malicious checkpoints (scripts/fixtures/pth.py proved each live one runs its payload under the real
 * torch.load) are refused with PickleSecurityError when their global is read (before anything could
 * call it), and nothing is written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import malicious from '../src/weights/pth/fixtures/malicious.json';
import { importModel } from './import_model.ts';

interface Case {
  name: string;
  live: boolean;
  marker?: string;
  base64: string;
}
const cases = (malicious.cases as Case[]).filter((c) => c.live);
let dir = '';

function webstr(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/webstr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-import-pth-'));
  for (const c of cases) writeFileSync(path.join(dir, `${c.name}.pth`), Buffer.from(c.base64, 'base64'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webstr import <malicious.pth> --preset trba-dtrb', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: PickleSecurityError at the global, nothing written (in process)', async (_n, c) => {
    const out = path.join(dir, `out-${c.name}`);
    await expect(importModel([path.join(dir, `${c.name}.pth`), '--preset', 'trba-dtrb', '--out', out])).rejects.toMatchObject({
      name: 'PickleSecurityError',
      message: expect.stringMatching(/\((GLOBAL|STACK_GLOBAL|INST) at byte \d+\)/) as string,
    });
    expect(existsSync(out)).toBe(false);
  });

  it('through the webstr command: exit 1, the named error at the global, no output', () => {
    for (const c of cases.filter((k) => ['os_system_nested_zip', 'os_system_nested_legacy', 'subprocess_popen_proto4'].includes(k.name))) {
      const out = path.join(dir, `cli-${c.name}`);
      const r = webstr(['import', path.join(dir, `${c.name}.pth`), '--preset', 'trba-dtrb', '--out', out]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/webstr import: PickleSecurityError: refused .*\((GLOBAL|STACK_GLOBAL) at byte \d+\)/);
      expect(existsSync(out)).toBe(false);
    }
  }, 120_000);

  it('a sound checkpoint of another width is refused naming the tensors (WeightsMismatchError)', () => {
    const r = webstr(['import', 'src/models/fixtures/trba-dtrb.pth', '--preset', 'trba-dtrb', '--out', path.join(dir, 'narrow')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WeightsMismatchError: .*FeatureExtraction\.ConvNet\.conv0_1\.weight expected \[32,1,3,3\] got \[1,1,3,3\]/);
  }, 60_000);
});

describe('webstr import <DTRB .pth> without --preset (structure read from the checkpoint)', () => {
  it("DTRB's own TPS-VGG-BiLSTM-Attn imports and reads its crops as PyTorch did", () => {
    const out = path.join(dir, 'dtrb-attn');
    const r = webstr(['import', 'src/models/fixtures/dtrb_tps_vgg_bilstm_attn.pth', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/as 'TPS-VGG-BiLSTM-Attn' \(structure read from the checkpoint\)/);
    const f = JSON.parse(readFileSync('src/models/fixtures/dtrb_tps_vgg_bilstm_attn.json', 'utf8')) as { crops: { image: string }[]; predictions: string[] };
    const crops = f.crops.slice(0, 3).map((c, i) => {
      const p = path.join(dir, `crop${i}.jpg`);
      writeFileSync(p, Buffer.from(c.image, 'base64'));
      return p;
    });
    const rec = webstr(['recognize', '--model', out, '--backend', 'wasm', ...crops]);
    expect(rec.code, rec.stderr).toBe(0);
    const texts = rec.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    expect(texts).toEqual(f.predictions.slice(0, 3));
  }, 120_000);

  it('a checkpoint that fits no DTRB combination: one line naming the first difference', () => {
    const r = webstr(['import', 'src/models/fixtures/spin-r32.pth', '--out', path.join(dir, 'spin')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CheckpointStructureError: spin-r32\.pth: not a model webstr can build: /);
  }, 60_000);
});
