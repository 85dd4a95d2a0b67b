import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docComment } from './help.ts';

describe('script --help', () => {
  it('takes the leading doc comment without its stars', () => {
    expect(docComment('/**\n * Does X.\n * Usage: x.ts [--y]\n */\nimport a from "b";')).toBe('Does X.\nUsage: x.ts [--y]');
    expect(docComment('import a from "b";\n/** late */')).toBe('');
  });

  it('every runnable script in scripts/ answers --help (its doc comment or its own usage)', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const scripts = ['', 'zoo', 'fonts']
      .flatMap((d) => readdirSync(path.join(root, d)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => path.join(root, d, f)))
      .filter((f) => !/^export /m.test(readFileSync(f, 'utf8'))); // modules others import are not entry points
    const silent = scripts.filter((f) => !/exitOnHelp\(import\.meta\.url\)|'--help'/.test(readFileSync(f, 'utf8')));
    expect(silent.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('every shell script in scripts/ answers -h/--help with its header comment', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const shells = ['', 'zoo'].flatMap((d) => readdirSync(path.join(root, d)).filter((f) => f.endsWith('.sh')).map((f) => path.join(root, d, f)));
    expect(shells.length).toBeGreaterThan(5);
    for (const f of shells) {
      const out = execFileSync('bash', [f, '--help'], { encoding: 'utf8' });
      expect(out.length, f).toBeGreaterThan(20);
      expect(out, f).not.toMatch(/^#/m);
    }
  });

  it('prints the comment and exits 0 without running the script', () => {
    const out = execFileSync(process.execPath, ['--import', './cli/register.mjs', 'scripts/zoo/split.ts', '--help'], { cwd: path.resolve(import.meta.dirname, '../..'), encoding: 'utf8' });
    expect(out).toMatch(/zoo/i);
    expect(out).not.toMatch(/\/\*\*/);
  });
});
