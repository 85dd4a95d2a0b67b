/** Model sources in a worker (recognizer and bench workers): URL, IndexedDB, dropped files (.onnx, .pth, model.json), ONNX bytes. */
import { tf } from '../src/runtime/tf.ts';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { weightsFromOnnx, weightsFromPth } from '../src/recognize/load.ts';
import { loadWeights, sha256Hex, type LoadedWeights } from '../src/weights/format.ts';
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
      const pth = source.files.find((f) => /\.(pth|pt)$/i.test(f.name));
      if (pth !== undefined) {
        // The restricted unpickler runs nothing in the file; the bytes are read once (the SHA-256 needs them all).
        const bytes = new Uint8Array(await pth.arrayBuffer());
        return weightsFromPth(bytes, source.preset ?? 'trba-dtrb', pth.name, await sha256Hex(bytes));
      }
      const json = source.files.find((f) => f.name.toLowerCase().endsWith('.json'));
      if (json === undefined) {
        throw new InvalidArgumentError('dropped files: expected model.json + weights.bin, an .onnx or a PyTorch .pth file');
      }
      return loadWeights(tf.io.browserFiles([json, ...source.files.filter((f) => f !== json)]));
    }
  }
}
