import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPublic, offlineManifest } from './offline_build.ts';

describe('offline manifest', () => {
  it('lists every file and changes version with any name or content', () => {
    const a = offlineManifest(new Map<string, string | Uint8Array>([['index.html', '<p>'], ['assets/a-1.js', 'x'], ['models/m/weights.bin', new Uint8Array([1, 2])]]));
    expect(a.files).toEqual(['assets/a-1.js', 'index.html', 'models/m/weights.bin']);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
    const same = offlineManifest(new Map<string, string | Uint8Array>([['models/m/weights.bin', new Uint8Array([1, 2])], ['assets/a-1.js', 'x'], ['index.html', '<p>']]));
    expect(same.version).toBe(a.version);
    const content = offlineManifest(new Map<string, string | Uint8Array>([['index.html', '<p>'], ['assets/a-1.js', 'x'], ['models/m/weights.bin', new Uint8Array([1, 3])]]));
    expect(content.version).not.toBe(a.version);
    const name = offlineManifest(new Map<string, string | Uint8Array>([['index.html', '<p>'], ['assets/a-2.js', 'x'], ['models/m/weights.bin', new Uint8Array([1, 2])]]));
    expect(name.version).not.toBe(a.version);
  });

  it('walks public/ without dotfiles or build temporaries', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-public-'));
    mkdirSync(path.join(dir, 'models/m'), { recursive: true });
    mkdirSync(path.join(dir, 'models/m.tmp-123'));
    writeFileSync(path.join(dir, 'models/m/model.json'), '{}');
    writeFileSync(path.join(dir, 'models/m.tmp-123/model.json'), '{}');
    writeFileSync(path.join(dir, '.DS_Store'), '');
    writeFileSync(path.join(dir, 'a.png'), '');
    expect(listPublic(dir).sort()).toEqual(['a.png', 'models/m/model.json']);
    expect(listPublic(path.join(dir, 'missing'))).toEqual([]);
  });
});
