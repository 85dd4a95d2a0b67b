import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appRootOf } from './app_root.ts';

describe('the app root seen from a worker', () => {
  it('is the folder above the worker module (dev /workers/, build /assets/, a sub-path deployment)', () => {
    expect(appRootOf('http://127.0.0.1:4173/assets/recognizer-abc.js')).toBe('http://127.0.0.1:4173/');
    expect(appRootOf('http://localhost:5173/workers/runtime_api.ts?worker_file&type=module')).toBe('http://localhost:5173/');
    expect(appRootOf('https://example.org/ocr/assets/bench-1.js#x')).toBe('https://example.org/ocr/');
  });

  it('is not written as a literal new URL(…, import.meta.url), which Vite rewrites to a chunk URL', () => {
    const src = readFileSync(new URL('./runtime_api.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/new URL\(\s*['"`]\.\.?\/?['"`]\s*,\s*import\.meta\.url/);
  });
});
