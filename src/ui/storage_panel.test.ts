import { describe, expect, it } from 'vitest';
import { DB_NAME } from '../data/store.ts';
import { TRAIN_DB_NAME } from '../train/idb_store.ts';
import { OFFLINE_CACHE_PREFIX } from '../../workers/offline_plan.ts';
import { OFFLINE_PREFIX, STORES, formatBytes, usageLine } from './storage_panel.ts';

describe('storage panel', () => {
  it('deletes the databases the app writes', () => {
    expect(STORES.datasets.dbs).toContain(DB_NAME);
    expect(STORES.runs.dbs).toContain(TRAIN_DB_NAME);
    expect(STORES.runs.dbs).toContain('webstr-bench');
    // tf.io's indexeddb:// store, where imported and exported models live.
    expect(STORES.models.dbs).toEqual(['tensorflowjs']);
    // The service worker's caches, by the prefix it names them with.
    expect(OFFLINE_PREFIX).toBe(OFFLINE_CACHE_PREFIX);
  });

  it('says sizes and usage in one line', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(812_000)).toBe('812 kB');
    expect(formatBytes(10_760_884)).toBe('10.8 MB');
    expect(formatBytes(2.1e9)).toBe('2.1 GB');
    expect(usageLine({ usage: 25e6, quota: 2e9, usageDetails: { indexedDB: 1e6, caches: 24e6 } }, false)).toBe(
      'Uses 25.0 MB of 2.0 GB allowed (1.0 MB stored data, 24.0 MB offline copy) · not persistent: the browser may evict it under storage pressure.',
    );
    expect(usageLine({ usage: 0, quota: 1e9 }, true)).toBe('Uses 0 B of 1.0 GB allowed · persistent: the browser will not evict it.');
  });
});
