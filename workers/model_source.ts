/** Model sources in a worker (recognizer and bench workers): URL, IndexedDB, dropped files, ONNX bytes. */
import { tf } from '../src/runtime/tf.ts';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { weightsFromOnnx } from '../src/recognize/load.ts';
import { loadWeights, type LoadedWeights } from '../src/weights/format.ts';
import type { ModelSource } from './recognizer_api.ts';

export async function loadModelSource(source: ModelSource): Promise<LoadedWeights> {
  switch (source.kind) {
    case 'url':
      return loadWeights(tf.io.http(source.url));
    case 'indexeddb':
      return loadWeights(source.key.startsWith('indexeddb://') ? source.key : `indexeddb://${source.key}`);
    case 'onnx':
      return weightsFromOnnx(new Uint8Array(source.bytes), source.preset, source.source ?? 'model.onnx');
    case 'files': {
      const onnx = source.files.find((f) => f.name.toLowerCase().endsWith('.onnx'));
      if (onnx !== undefined) {
        return weightsFromOnnx(new Uint8Array(await onnx.arrayBuffer()), source.preset ?? 'crnn-mv3-en', onnx.name);
      }
      const json = source.files.find((f) => f.name.toLowerCase().endsWith('.json'));
      if (json === undefined) throw new InvalidArgumentError('dropped files: expected model.json + weights.bin, or an .onnx file');
      return loadWeights(tf.io.browserFiles([json, ...source.files.filter((f) => f !== json)]));
    }
  }
}
