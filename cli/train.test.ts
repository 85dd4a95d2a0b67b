/** `webstr train`: hostile input ends in named errors; a short run on a training split writes a checkpoint and
 *  weights that `webstr eval` loads; the same command continues the run from its checkpoint. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-train-'));
afterAll(() => rmSync(dir, { recursive: true }));

function webstr(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/webstr.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('webstr train: hostile input', () => {
  it('unknown preset, missing data, corrupt checkpoint', () => {
    let r = webstr(['train', '--preset', 'nope', '--steps', '1', '--out', path.join(dir, 'a'), '--synthetic', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/InvalidArgumentError: unknown preset 'nope'/);
    r = webstr(['train', '--preset', 'crnn-vgg', '--steps', '1', '--out', path.join(dir, 'b'), '--data', path.join(dir, 'no-such-dir')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SampleSourceError: --data\/--val .*no-such-dir: no such file or directory/);
    r = webstr(['train', '--preset', 'crnn-vgg', '--steps', '0', '--out', path.join(dir, 'b'), '--synthetic', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/webstr train: --steps: expected/);
    const ck = path.join(dir, 'c', 'checkpoints', 'run');
    mkdirSync(ck, { recursive: true });
    writeFileSync(path.join(ck, 'latest.ckpt'), 'WSTRCKPT garbage that is not a checkpoint');
    r = webstr(['train', '--preset', 'crnn-vgg', '--steps', '1', '--out', path.join(dir, 'c'), '--synthetic', '1', '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TrainCheckpointError: .*latest\.ckpt: checkpoint file: /);
  }, 120_000);
});

describe.skipIf(!(haveSharedModel() && haveLmdb('svt_train_257')))('webstr train: fine-tune, resume, eval', () => {
  it('2 steps of 3 (--until), then the last from the checkpoint; the weights load in webstr eval', () => {
    const out = path.join(dir, 'ft');
    const data = path.join(LMDB_DIR, 'svt_train_257');
    const args = ['train', '--preset', 'crnn-mv3-en', '--init', MV3_EN_ONNX, '--data', data, '--batch', '4', '--width', '64', '--lr', '1e-4', '--out', out, '--backend', 'wasm'];
    // --until: the 3-step schedule stopped after step 2, with a checkpoint and weights.
    let r = webstr([...args, '--steps', '3', '--until', '2']);
    expect(r.stderr + r.stdout).toMatch(/stopped at step 2\/3 on wasm/);
    expect(existsSync(path.join(out, 'weights', 'model.json'))).toBe(true);
    expect(webstr([...args, '--steps', '3', '--until', '4']).stderr).toMatch(/--until: expected an integer in 1…3/);
    // The same command again: nothing more to do (no step 3).
    const again = webstr([...args, '--steps', '3', '--until', '2']);
    expect(again.stderr + again.stdout).toMatch(/stopped at step 2\/3/);
    r = webstr([...args, '--steps', '3']);
    expect(r.stderr).toMatch(/resuming run 'run' at step 2/);
    expect(r.stdout).toMatch(/done at step 3\/3/);
    const h = JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8')) as { step: number; stepsThisRun: number; history: unknown[] };
    expect(h).toMatchObject({ step: 3, stepsThisRun: 1 });
    expect(h.history).toHaveLength(3);
    r = webstr(['eval', '--model', path.join(out, 'weights'), '--data', data, '--backend', 'wasm', '--limit', '8']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^svt_train_257 +8 /m);
  }, 300_000);
});

describe('webstr train: a background run stopped by SIGTERM', () => {
  it('stops after the current step with a checkpoint and weights, exit 0; the same command resumes there', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const out = path.join(dir, 'term');
    const args = ['cli/webstr.mjs', 'train', '--preset', 'crnn-tiny', '--synthetic', '1', '--steps', '100000', '--batch', '2', '--checkpoint-every', '0', '--out', out, '--backend', 'cpu', '--json'];
    // As a shell starts a background job: SIGINT ignored, so only SIGTERM can stop it cleanly.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/\] [1-9]\d*\/100000/.test(stderr)) resolve();
    }));
    await started;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr.slice(-500)).toBe(0);
    const summary = JSON.parse(stdout) as { step: number; stopped: boolean; done: boolean };
    expect(summary.stopped).toBe(true);
    expect(summary.done).toBe(false);
    expect(summary.step).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'checkpoints', 'run', 'latest.ckpt'))).toBe(true);
    expect(existsSync(path.join(out, 'weights', 'model.json'))).toBe(true);
    // The same command with --steps at the stop point: resumes there and has nothing left to do.
    const r = webstr([...args.slice(1).map((a) => (a === '100000' ? String(summary.step) : a))]);
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`resuming run 'run' at step ${summary.step}`));
  }, 180_000);
});

describe('webstr train --workers', () => {
  it('trains data-parallel on two threads to the same weights as one thread (same seed and samples), and checks the count', () => {
    const r0 = webstr(['train', '--preset', 'crnn-tiny', '--synthetic', '1', '--steps', '1', '--out', path.join(dir, 'w0'), '--workers', '0']);
    expect(r0.code).toBe(2);
    expect(r0.stderr).toMatch(/webstr train: --workers: expected an integer in 1…16/);
    const weights: Float32Array[] = [];
    for (const n of ['1', '2']) {
      const out = path.join(dir, `w${n}`);
      const r = webstr(['train', '--preset', 'crnn-tiny', '--synthetic', '1', '--steps', '2', '--batch', '4', '--bn', 'frozen', '--out', out, '--backend', 'wasm', '--workers', n, '--quiet']);
      expect(r.code, r.stderr.slice(-800)).toBe(0);
      expect(r.stdout).toMatch(/done at step 2\/2 on wasm/);
      const bin = readFileSync(path.join(out, 'weights', 'weights.bin'));
      weights.push(new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4));
    }
    const [a, b] = weights as [Float32Array, Float32Array];
    expect(b.length).toBe(a.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(1e-4);
  }, 300_000);
});
