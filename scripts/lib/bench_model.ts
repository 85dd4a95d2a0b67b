/** `npm run bench -- --model SPEC`: the files handed to the page for SPEC. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../src/runtime/errors.ts';
import { assertNotBarePreset } from '../../src/recognize/load.ts';
import { parseModelJson } from '../../src/weights/manifest.ts';

/** The files a `--model` spec stands for, as `webstr eval --model` reads it: a weights folder or its
 *  model.json (with the files its manifest names), an .onnx or a .pth; a bare preset is refused the same way. */
export function modelFiles(spec: string): string[] {
  assertNotBarePreset(spec);
  if (!existsSync(spec)) throw new InvalidArgumentError(`--model '${spec}': no such file or directory, and not a preset name`);
  const json = statSync(spec).isDirectory() ? path.join(spec, 'model.json') : spec.toLowerCase().endsWith('.json') ? spec : undefined;
  if (json === undefined) return [spec];
  const m = parseModelJson(readFileSync(json, 'utf8'), json);
  return [json, ...m.groups.flatMap((g) => g.paths).map((p) => path.join(path.dirname(json), p))];
}

