import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { weightsFromFile } from './load.ts';
import { classifyModel, formatOfName, modelFileKind, modelJsonUrl, parseStoredModelKey, resolveName, sniffModelBytes, sourceOfKey, storedModelKey, storedModelName, UnknownModelError } from './model_source.ts';

describe('model file import routing', () => {
  it('routes by extension and names what it refuses', async () => {
    expect(modelFileKind('a/B.ONNX')).toBe('onnx');
    expect(modelFileKind('x.pth')).toBe('pth');
    expect(modelFileKind('x.txt')).toBeNull();
    expect(modelFileKind('https://x.test/m.PT?v=2#a')).toBe('pth');
    expect(modelFileKind('last.ckpt')).toBeNull();
    expect(modelFileKind('last.ckpt', true)).toBe('pth');
    expect(formatOfName('https://x.test/m/')).toBe('webstr');
    await expect(weightsFromFile(new Uint8Array([0x80, 0x02]), 'm.pth', 'crnn-vgg')).rejects.toMatchObject({ name: 'CheckpointFormatError' });
    await expect(weightsFromFile(new Uint8Array([1]), 'm.txt', 'crnn-mv3-en')).rejects.toMatchObject({ name: 'ModelFileError' });
    await expect(weightsFromFile(new Uint8Array(0), 'm.onnx', 'crnn-mv3-en')).rejects.toMatchObject({ name: 'ModelFileError' });
    await expect(weightsFromFile(new Uint8Array([1]), 'm.onnx', 'nope')).rejects.toMatchObject({ name: 'ModelFileError' });
  });

  it('a corrupt .onnx is an OnnxFormatError', async () => {
    const junk = new TextEncoder().encode('this is not protobuf at all \u0000\u00ff');
    await expect(weightsFromFile(junk, 'junk.onnx', 'crnn-mv3-en')).rejects.toMatchObject({ name: expect.stringMatching(/OnnxFormatError|WeightsMismatchError/) as unknown as string });
  });

  it('a .pth goes through the restricted reader and the preset mapping', async () => {
    // The committed crnn-vgg oracle checkpoint is a narrow variant: the full preset must name what differs.
    const bytes = new Uint8Array(readFileSync(new URL('../models/fixtures/crnn-vgg.pth', import.meta.url)));
    await expect(weightsFromFile(bytes, 'None-VGG-BiLSTM-CTC.pth', 'crnn-vgg')).rejects.toMatchObject({ name: 'WeightsMismatchError' });
  });

  it('stored keys round-trip, with or without the indexeddb:// scheme', () => {
    expect(parseStoredModelKey(storedModelKey('crnn-mv3-en', 'a/b.onnx'))).toEqual({ preset: 'crnn-mv3-en', fileName: 'a/b.onnx' });
    expect(parseStoredModelKey(`indexeddb://${storedModelKey('crnn-mv3-en', 'b.onnx')}`)).toEqual({ preset: 'crnn-mv3-en', fileName: 'b.onnx' });
    expect(parseStoredModelKey('webstr-e2e-mv3')).toBeNull();
    expect(storedModelName('indexeddb://webstr/crnn-mv3-en/svt-ft.pth')).toBe('svt-ft');
    expect(sourceOfKey('shipped:ppocr-v4')).toEqual({ kind: 'shipped', name: 'ppocr-v4' });
    expect(sourceOfKey('webstr/crnn-mv3-en/a.onnx')).toEqual({ kind: 'indexeddb', key: 'indexeddb://webstr/crnn-mv3-en/a.onnx' });
    expect(() => sourceOfKey('other')).toThrow(/not a stored model key/);
  });
});

describe('model inputs', () => {
  it('URLs, paths, names, stored keys and bytes', async () => {
    expect(await classifyModel('https://x.test/m/model.json')).toEqual({ kind: 'url', url: 'https://x.test/m/model.json' });
    expect(await classifyModel('./m.onnx', 'https://x.test/app/', 'crnn-mv3-en')).toEqual({ kind: 'url', url: 'https://x.test/app/m.onnx', preset: 'crnn-mv3-en' });
    expect(await classifyModel(new URL('file:///tmp/w.pth'))).toEqual({ kind: 'url', url: 'file:///tmp/w.pth' });
    expect(await classifyModel('indexeddb://webstr/crnn-mv3-en/a.onnx')).toEqual({ kind: 'indexeddb', key: 'indexeddb://webstr/crnn-mv3-en/a.onnx' });
    expect(await classifyModel('ppocr-v4')).toEqual({ kind: 'name', name: 'ppocr-v4' });
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0]);
    expect(await classifyModel(zip)).toMatchObject({ kind: 'bytes', format: 'pth', source: 'model.pth' });
    expect(sniffModelBytes(new Uint8Array([0x80, 0x02]))).toBe('pth');
    expect(sniffModelBytes(new Uint8Array([0x08, 0x07]))).toBe('onnx');
    await expect(classifyModel(new Uint8Array())).rejects.toThrow(/0 bytes/);
    expect(modelJsonUrl('https://x.test/m/')).toBe('https://x.test/m/model.json');
    expect(modelJsonUrl('https://x.test/m/model.json?v=1')).toBe('https://x.test/m/model.json?v=1');
  });

  it('a name goes through the resolver, then the shipped models; a bare preset or an unknown name is a named error', async () => {
    const source = { kind: 'url', url: 'https://x.test/v4.onnx' } as const;
    expect(await resolveName('ppocr-v4', (n) => (n === 'ppocr-v4' ? source : null))).toBe(source);
    expect(await resolveName('ppocr-v4')).toEqual({ kind: 'shipped', name: 'ppocr-v4' });
    await expect(resolveName('ppocr-v4', undefined, false)).rejects.toThrow(UnknownModelError);
    await expect(resolveName('crnn-vgg', undefined)).rejects.toThrow(UnknownModelError);
    await expect(resolveName('crnn-vgg', undefined)).rejects.toThrow(/is a preset/);
    await expect(resolveName('nope', () => null)).rejects.toThrow(/not a known model name/);
  });
});
