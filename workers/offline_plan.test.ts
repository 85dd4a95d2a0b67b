import { describe, expect, it } from 'vitest';
import { OFFLINE_CACHE_PREFIX, cacheName, pageKey, scopePath, staleCaches, strategyFor } from './offline_plan.ts';

const scope = 'https://example.org/app/';
const files = new Set(['index.html', 'bench.html', 'assets/index-abc.js', 'assets/tfjs-backend-wasm-x.wasm', 'models/ppocr-v4/weights.bin']);

describe('service worker strategy', () => {
  it('pages are network-first, listed files cache-first, the rest passes', () => {
    expect(strategyFor(`${scope}index.html?backend=wasm`, scope, files)).toBe('network-first');
    expect(strategyFor(scope, scope, files)).toBe('network-first');
    expect(strategyFor(`${scope}assets/index-abc.js`, scope, files)).toBe('cache-first');
    expect(strategyFor(`${scope}models/ppocr-v4/weights.bin`, scope, files)).toBe('cache-first');
    expect(strategyFor(`${scope}assets/tfjs-backend-wasm-x.wasm`, scope, files)).toBe('cache-first');
    // Not the build's: user data, test fixtures, another origin, another method, outside the scope.
    expect(strategyFor(`${scope}served-shards/svt/manifest.json`, scope, files)).toBe('pass');
    expect(strategyFor(`${scope}other.html`, scope, files)).toBe('pass');
    expect(strategyFor('https://cdn.example.com/assets/index-abc.js', scope, files)).toBe('pass');
    expect(strategyFor(`${scope}assets/index-abc.js`, scope, files, 'POST')).toBe('pass');
    expect(strategyFor('https://example.org/index.html', scope, files)).toBe('pass');
  });

  it('a page is cached without its query; the root is index.html', () => {
    expect(pageKey(`${scope}index.html?backend=wasm`, scope)).toBe(`${scope}index.html`);
    expect(pageKey(scope, scope)).toBe(`${scope}index.html`);
    expect(scopePath('https://example.org/elsewhere/x.js', scope)).toBeNull();
  });

  it('caches are named by version under the prefix', () => {
    expect(cacheName('abc')).toBe(`${OFFLINE_CACHE_PREFIX}abc`);
  });

  it('a new version deletes the older versions only', () => {
    expect(staleCaches([cacheName('old'), cacheName('new'), 'someone-else'], 'new')).toEqual([cacheName('old')]);
  });
});
