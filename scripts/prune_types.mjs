// After `tsc -p tsconfig.lib.json`: keeps only the declaration files the package's entries reach
// (tsc writes one for every module of the program). Usage: node scripts/prune_types.mjs dist-lib/types
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? 'dist-lib/types');
const entries = ['src/lib/browser.d.ts', 'src/lib/node.d.ts'].map((e) => path.join(root, e));
const keep = new Set();
const stack = [...entries];
while (stack.length > 0) {
  const f = stack.pop();
  if (keep.has(f)) continue;
  keep.add(f);
  for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
    const dts = path.resolve(path.dirname(f), m[1]).replace(/\.ts$/, '.d.ts');
    if (!statSync(dts, { throwIfNoEntry: false })) throw new Error(`${f} imports ${m[1]}, which has no declaration file`);
    stack.push(dts);
  }
}
let removed = 0;
const walk = (dir) => {
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) {
      walk(p);
      if (readdirSync(p).length === 0) rmSync(p, { recursive: true });
    } else if (!keep.has(p)) {
      rmSync(p);
      removed++;
    }
  }
};
walk(root);
console.error(`prune_types: kept ${keep.size} declaration files, removed ${removed}`);
