/** Errors a user can cause on the command line are named webstr errors with the item and the reason. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FileAccessError, namedFsError } from '../src/runtime/errors.ts';
import { main } from './main.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function stderrOf(argv: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await main(argv), err: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('user errors on the command line', () => {
  it('a missing input file is FileAccessError naming it (was ENOENT)', async () => {
    const missing = path.join(dir, 'missing.onnx');
    const r = await stderrOf(['import', missing, '--out', path.join(dir, 'o')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`webstr import: FileAccessError: cannot open '${missing}': no such file or folder`);
    const words = await stderrOf(['synth', '--count', '1', '--out', path.join(dir, 's'), '--words', path.join(dir, 'nope.txt')]);
    expect(words.err).toMatch(/^webstr synth: FileAccessError: cannot open '.*nope\.txt': no such file or folder$/);
  });

  it('namedFsError maps Node fs errors and leaves the rest alone', () => {
    const enoent = Object.assign(new Error('ENOENT: x'), { code: 'ENOENT', syscall: 'open', path: '/a/b' });
    expect(namedFsError(enoent)).toBeInstanceOf(FileAccessError);
    expect((namedFsError(Object.assign(new Error('x'), { code: 'EISDIR', syscall: 'read', path: '/d' })) as Error).message).toBe("cannot read '/d': is a folder, a file was expected");
    const other = new RangeError('boom');
    expect(namedFsError(other)).toBe(other);
  });
});
