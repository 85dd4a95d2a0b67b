/**
 * Models stored in the page's IndexedDB as if imported: a committed `.pth` oracle fixture
 * (src/models/fixtures/) read and imported in Node with its narrowed config (the page's import form rightly
 * refuses those narrow variants), then written into tf.io's `tensorflowjs` database under the page's key
 * scheme (`webstr/<preset>/<file>`). Used by e2e/compare.spec.ts and e2e/demo_rectified.spec.ts.
 */
import type { Page } from '@playwright/test';
import { tf } from '../src/runtime/tf.ts';
import { getCharset } from '../src/text/charset.ts';
import { fixtureStateDict, modelFixture, narrowed } from '../src/testing/model_fixtures.ts';
import { importTorchStateDict } from '../src/weights/torch_import.ts';
import { toArtifacts, WEIGHTS_FORMAT, WEIGHTS_VERSION } from '../src/weights/format.ts';

export interface StoredRecord {
  key: string;
  artifacts: string;
  weightB64: string;
}

export async function fixtureRecord(preset: string, importer: string): Promise<StoredRecord> {
  const f = modelFixture(preset);
  const config = narrowed(f);
  const params = importTorchStateDict(await fixtureStateDict(f), config);
  const a = await toArtifacts(params, {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    preset,
    config,
    charset: getCharset(config.charset),
    provenance: { source: f.pth, sha256: '', importer, importedAt: new Date(0).toISOString() },
  });
  tf.dispose([...params.values()]);
  if (!(a.weightData instanceof ArrayBuffer)) throw new Error('toArtifacts gave no single weight buffer');
  const { weightData, ...rest } = a;
  return { key: `webstr/${preset}/${f.pth}`, artifacts: JSON.stringify(rest), weightB64: Buffer.from(weightData).toString('base64') };
}

/** Writes models into tf.io's IndexedDB store (database `tensorflowjs` v1) of the page's origin. */
export async function storeModels(page: Page, records: StoredRecord[]): Promise<void> {
  await page.evaluate(async (rs) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('tensorflowjs', 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore('models_store', { keyPath: 'modelPath' });
        req.result.createObjectStore('model_info_store', { keyPath: 'modelPath' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
    });
    const tx = db.transaction(['models_store', 'model_info_store'], 'readwrite');
    for (const r of rs) {
      const bin = atob(r.weightB64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const artifacts = JSON.parse(r.artifacts) as object;
      tx.objectStore('models_store').put({ modelPath: r.key, modelArtifacts: { ...artifacts, weightData: bytes.buffer } });
      tx.objectStore('model_info_store').put({
        modelPath: r.key,
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: r.artifacts.length, weightDataBytes: bytes.length },
      });
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    db.close();
  }, records);
}
