import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SharedDataMissingError, sharedPresent } from './shared.ts';

describe('suites that need ../shared', () => {
  it('skip locally but fail under CI when it is missing', () => {
    expect(sharedPresent(false, 'x', {})).toBe(false);
    expect(sharedPresent(false, 'x', { CI: 'false' })).toBe(false);
    expect(sharedPresent(true, 'x', { CI: 'true' })).toBe(true);
    expect(() => sharedPresent(false, '/nowhere/model.onnx', { CI: 'true' })).toThrow(SharedDataMissingError);
    expect(() => sharedPresent(false, '/nowhere/model.onnx', { CI: '1' })).toThrow(/CI is set but \/nowhere\/model\.onnx is missing/);
  });

  it('the skip guards themselves throw in a CI process without the data', () => {
    const code = "const s = await import('./src/testing/shared.ts'); const d = await import('./src/data/testing.ts'); for (const f of [() => s.haveSharedModel(), () => s.haveLmdb('svt_647'), () => d.hasSharedData()]) { try { f(); console.log('skipped'); } catch (e) { console.log(e.name); } }";
    const r = spawnSync(process.execPath, ['--import', './cli/register.mjs', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', WEBSTR_SHARED: '/nonexistent-webstr-shared' },
      timeout: 60_000,
    });
    expect(r.stdout.trim().split('\n'), r.stderr).toEqual(['SharedDataMissingError', 'SharedDataMissingError', 'SharedDataMissingError']);
  });
});
