/**
 * A batch does not hold every input's pixels until it finishes: past `maxBatchPixels` the inputs decoded
 * so far go through the model and are let go before the next ones are decoded; within the budget,
 * images decode several at once.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { buildStages } from '../models/model.ts';
import { initParams } from '../models/params.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import type { RgbaImage } from '../image/types.ts';
import { DECODE_WINDOW, Recognizer, hostWeights, type HostWeights } from './recognizer.ts';

let weights: HostWeights;
beforeAll(async () => {
  registerAllKernels();
  await tf.setBackend('cpu');
  const config = getPreset('crnn-tiny');
  const params = initParams(buildStages(config).specs, 3);
  weights = await hostWeights(config, getCharset(config.charset), params);
  tf.dispose([...params.values()]);
});

describe('pixels held per batch', () => {
  it('runs the model before decoding past the budget; outcomes stay in input order', async () => {
    const log: string[] = [];
    // Each "image" is 100×32 = 3,200 pixels; byte 0 says which input it is.
    const decoder = (b: Uint8Array): Promise<RgbaImage> => {
      log.push(`decode ${b[0]}`);
      if (b[0] === 3) return Promise.reject(new Error('bad input'));
      return Promise.resolve({ width: 100, height: 32, data: new Uint8ClampedArray(100 * 32 * 4).fill(b[0]! * 40) });
    };
    const rec = Recognizer.create(weights, { decoder, maxBatchPixels: 6400 });
    const proto = Recognizer.prototype as unknown as { runReady: (ready: unknown[]) => Promise<void> };
    const orig = proto.runReady;
    const spy = vi.spyOn(proto, 'runReady').mockImplementation(function (this: unknown, ...args: unknown[]) {
      log.push(`model ${(args[0] as unknown[]).length}`);
      return orig.apply(this, args as [unknown[]]);
    });
    try {
      const inputs = [0, 1, 2, 3, 4, 5].map((k) => new Uint8Array([k]));
      const out = await rec.recognizeBatch(inputs);
      expect(log).toEqual(['decode 0', 'decode 1', 'model 2', 'decode 2', 'decode 3', 'decode 4', 'model 2', 'decode 5', 'model 1']);
      expect(out.map((o) => o.ok)).toEqual([true, true, true, false, true, true]);
      // The same inputs in one unbounded batch give the same texts.
      spy.mockRestore();
      const whole = Recognizer.create(weights, { decoder });
      const all = await whole.recognizeBatch(inputs);
      whole.dispose();
      expect(all.map((o) => (o.ok ? o.text : o.error.message))).toEqual(out.map((o) => (o.ok ? o.text : o.error.message)));
    } finally {
      spy.mockRestore();
      rec.dispose();
    }
  });

  it('decodes several images at once (a browser decodes off the worker thread), never past DECODE_WINDOW', async () => {
    let inFlight = 0;
    let most = 0;
    const decoder = async (b: Uint8Array): Promise<RgbaImage> => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { width: 100, height: 32, data: new Uint8ClampedArray(100 * 32 * 4).fill(b[0]! * 10) };
    };
    const rec = Recognizer.create(weights, { decoder });
    try {
      const out = await rec.recognizeBatch(Array.from({ length: 20 }, (_, k) => new Uint8Array([k])));
      expect(out.every((o) => o.ok)).toBe(true);
      expect(most).toBe(DECODE_WINDOW);
    } finally {
      rec.dispose();
    }
  });
});
