import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run perf', () => {
  it("names a suite's unknown option in one line (exit 2), not a stack trace", () => {
    const r = spawnSync(process.execPath, ['--import', './cli/register.mjs', 'scripts/perf.ts', 'eval', '--bogus'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("perf: Unknown option '--bogus'");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
