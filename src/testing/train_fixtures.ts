/**
 * Test fixtures of the trainer's tests (trainer.test.ts, replica.test.ts): a narrowed crnn-vgg, random
 * crops with labels from a small vocabulary, and a checkpoint store in memory.
 */
import { getPreset } from '../models/presets.ts';
import type { ModelConfig } from '../models/config.ts';
import type { RgbaImage } from '../image/types.ts';
import { Rng } from '../image/rng.ts';
import type { Checkpoint, CheckpointStore, RunSummary, SampleSource, SourceState, TrainSample } from '../train/types.ts';

/** crnn-vgg narrowed to 32 output channels and BiLSTM 16: the structure of the preset, ~60 K parameters. */
export function tinyCrnn(): ModelConfig {
  const c = getPreset('crnn-vgg');
  if (c.backbone.kind === 'vgg') c.backbone.outChannels = 32;
  if (c.sequence.kind === 'bilstm') {
    c.sequence.layers = [
      { hidden: 16, linear: 16 },
      { hidden: 16, linear: 16 },
    ];
  }
  return c;
}

/** Random 100×32 RGBA crops (seeded by position) labelled from `labels` in turn; state = position. */
export class MemorySource implements SampleSource {
  private pos = 0;
  constructor(private readonly labels: readonly string[] = ['cat', 'dog', 'bird']) {}
  next(n: number): Promise<TrainSample[]> {
    const out: TrainSample[] = [];
    for (let k = 0; k < n; k++) {
      const r = new Rng(1000 + this.pos);
      const image: RgbaImage = { width: 100, height: 32, data: new Uint8ClampedArray(100 * 32 * 4).map(() => Math.floor(r.next() * 256)) };
      out.push({ image, label: this.labels[this.pos % this.labels.length]! });
      this.pos++;
    }
    return Promise.resolve(out);
  }
  getState(): SourceState {
    return { pos: this.pos };
  }
  setState(s: SourceState): void {
    this.pos = s.pos as number;
  }
}

/** Checkpoints kept in memory (structured clones, as a real store would copy them). */
export class MemoryStore implements CheckpointStore {
  readonly saved = new Map<string, Checkpoint>();
  save(c: Checkpoint, kind: 'latest' | 'best'): Promise<void> {
    this.saved.set(`${c.runId}/${kind}`, structuredClone(c));
    return Promise.resolve();
  }
  load(runId: string, kind: 'latest' | 'best'): Promise<Checkpoint | null> {
    const c = this.saved.get(`${runId}/${kind}`);
    return Promise.resolve(c === undefined ? null : structuredClone(c));
  }
  list(): Promise<RunSummary[]> {
    return Promise.resolve([]);
  }
  delete(): Promise<void> {
    return Promise.resolve();
  }
}
