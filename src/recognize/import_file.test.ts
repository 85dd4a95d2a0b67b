import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importModelFile, modelFileKind, parseStoredModelKey, storedModelKey } from './import_file.ts';

describe('model file import routing', () => {
  it('routes by extension and names what it refuses', async () => {
    expect(modelFileKind('a/B.ONNX')).toBe('onnx');
    expect(modelFileKind('x.pth')).toBe('pth');
    expect(modelFileKind('x.txt')).toBeNull();
    await expect(importModelFile(new Uint8Array([0x80, 0x02]), 'm.pth', 'crnn-vgg')).rejects.toMatchObject({ name: 'CheckpointFormatError' });
    await expect(importModelFile(new Uint8Array([1]), 'm.txt', 'crnn-mv3-en')).rejects.toMatchObject({ name: 'ModelFileError' });
    await expect(importModelFile(new Uint8Array(0), 'm.onnx', 'crnn-mv3-en')).rejects.toMatchObject({ name: 'ModelFileError' });
    await expect(importModelFile(new Uint8Array([1]), 'm.onnx', 'nope')).rejects.toMatchObject({ name: 'ModelFileError' });
  });

  it('a corrupt .onnx is an OnnxFormatError', async () => {
    const junk = new TextEncoder().encode('this is not protobuf at all \u0000\u00ff');
    await expect(importModelFile(junk, 'junk.onnx', 'crnn-mv3-en')).rejects.toMatchObject({ name: expect.stringMatching(/OnnxFormatError|WeightsMismatchError/) as unknown as string });
  });

  it('a .pth goes through the restricted reader and the preset mapping', async () => {
    // The committed crnn-vgg oracle checkpoint is a narrow variant: the full preset must name what differs.
    const bytes = new Uint8Array(readFileSync(new URL('../models/fixtures/crnn-vgg.pth', import.meta.url)));
    await expect(importModelFile(bytes, 'None-VGG-BiLSTM-CTC.pth', 'crnn-vgg')).rejects.toMatchObject({ name: 'WeightsMismatchError' });
  });

  it('stored keys round-trip', () => {
    expect(parseStoredModelKey(storedModelKey('crnn-mv3-en', 'a/b.onnx'))).toEqual({ preset: 'crnn-mv3-en', fileName: 'a/b.onnx' });
    expect(parseStoredModelKey('webstr-e2e-mv3')).toBeNull();
  });
});
