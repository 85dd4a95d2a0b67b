import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { CompiledModel, WeightsMismatchError } from '../models/model.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { MV3_EN_ONNX, haveSharedModel } from '../testing/shared.ts';
import { OnnxFormatError, importPaddleOnnx, readOnnxTensors } from './onnx_import.ts';
import { loadWeightsDir, saveWeightsDir } from './node_io.ts';

beforeAll(() => registerAllKernels());

describe.skipIf(!haveSharedModel())('PaddleOCR ONNX import (shared en mobile model)', () => {
  const bytes = haveSharedModel() ? new Uint8Array(readFileSync(MV3_EN_ONNX)) : new Uint8Array();

  it('finds the weights stored as Constant nodes', () => {
    const t = readOnnxTensors(bytes);
    expect(t.get('lstm_cell_0.w_0')?.dims).toEqual([192, 288]);
    expect(t.get('ctc_fc_w_attr')?.dims).toEqual([96, 97]);
  });

  it('lists every missing or mismatched tensor for the wrong preset', () => {
    expect(() => importPaddleOnnx(bytes, getPreset('crnn-vgg'))).toThrow(WeightsMismatchError);
    const cfg = getPreset('crnn-mv3-en');
    if (cfg.sequence.kind === 'bilstm') cfg.sequence.layers = [{ hidden: 64 }, { hidden: 48 }];
    try {
      importPaddleOnnx(bytes, cfg);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/lstm_cell_0\.w_0 expected \[256,288\] got \[192,288\]/);
    }
  });

  it('rejects bytes that are not ONNX', () => {
    expect(() => readOnnxTensors(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))).toThrow(OnnxFormatError);
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`matches onnxruntime on random inputs (${backend})`, async () => {
      await tf.setBackend(backend);
      const cfg = getPreset('crnn-mv3-en');
      const params = importPaddleOnnx(bytes, cfg);
      const model = new CompiledModel(cfg, params);
      const sess = await ort.InferenceSession.create(MV3_EN_ONNX);
      for (const w of [48, 320]) {
        const x = tf.randomUniform([2, 32, w, 3], -1, 1, 'float32', w);
        const ours = model.predict(x);
        const nchw = tf.transpose(x, [0, 3, 1, 2]);
        const out = await sess.run({ x: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) });
        const ref = Object.values(out)[0]!;
        expect(ours.shape).toEqual(ref.dims);
        const a = ours.dataSync();
        const b = ref.data as Float32Array;
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
        expect(m).toBeLessThan(1e-4);
        tf.dispose([x, ours, nchw]);
      }
      await sess.release();
      model.dispose();
      tf.dispose([...params.values()]);
    });
  }

  it('round-trips through the weight format', async () => {
    await tf.setBackend('cpu');
    const cfg = getPreset('crnn-mv3-en');
    const params = importPaddleOnnx(bytes, cfg);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-w-'));
    const meta = {
      format: 'webstr-weights' as const,
      version: 1,
      preset: 'crnn-mv3-en',
      config: cfg,
      charset: getCharset(cfg.charset),
      provenance: { source: 'x.onnx', sha256: '0', importer: 'test', importedAt: new Date(0).toISOString() },
    };
    await saveWeightsDir(dir, params, meta);
    const loaded = await loadWeightsDir(dir);
    expect(loaded.meta.config).toEqual(cfg);
    expect([...loaded.params.keys()].sort()).toEqual([...params.keys()].sort());
    const a = params.get('conv5_depthwise_weights')!.dataSync();
    const b = loaded.params.get('conv5_depthwise_weights')!.dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    rmSync(dir, { recursive: true });
    tf.dispose([...params.values(), ...loaded.params.values()]);
  });
});
