/**
 * The Node `CheckpointStore`: a directory with one folder per run, `latest.ckpt` and `best.ckpt`
 * (checkpoint_codec.ts). Saving writes a temporary file in the same folder, fsyncs it and renames it
 * over the old one, so a reader sees the previous checkpoint or the new one, never a mix.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { TrainCheckpointError } from './errors.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint_codec.ts';
import type { Checkpoint, CheckpointStore, RunSummary } from './types.ts';

function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(runId) || runId === '.' || runId === '..') {
    throw new TrainCheckpointError(`run id '${runId}' must be 1–128 characters of A–Z a–z 0–9 . _ -`);
  }
  return runId;
}

export class DirCheckpointStore implements CheckpointStore {
  constructor(readonly dir: string) {}

  private file(runId: string, kind: 'latest' | 'best'): string {
    return path.join(this.dir, checkRunId(runId), `${kind}.ckpt`);
  }

  async save(checkpoint: Checkpoint, kind: 'latest' | 'best'): Promise<void> {
    const target = this.file(checkpoint.runId, kind);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(encodeCheckpoint(checkpoint));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  }

  async load(runId: string, kind: 'latest' | 'best'): Promise<Checkpoint | null> {
    let bytes: Uint8Array;
    const file = this.file(runId, kind);
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
    try {
      return decodeCheckpoint(bytes);
    } catch (e) {
      if (e instanceof TrainCheckpointError) throw new TrainCheckpointError(`${file}: ${e.message}`);
      throw e;
    }
  }

  async list(): Promise<RunSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return [];
      throw e;
    }
    const out: RunSummary[] = [];
    for (const n of names.sort()) {
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(n)) continue;
      const c = await this.load(n, 'latest').catch(() => null);
      if (c !== null) out.push({ runId: c.runId, preset: c.recipe.preset, step: c.step, steps: c.recipe.steps, best: c.best, savedAt: c.savedAt });
    }
    return out;
  }

  async delete(runId: string): Promise<void> {
    await rm(path.join(this.dir, checkRunId(runId)), { recursive: true, force: true });
  }
}
