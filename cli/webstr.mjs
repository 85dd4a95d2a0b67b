#!/usr/bin/env node
// The `webstr` command. Runs the compiled CLI (dist-cli/, `npm run build:cli`) when it is there and no
// source it was built from is newer (dist-cli/inputs.json lists them; an installed package has no
// sources, so its build is used as is); otherwise runs cli/main.ts from source through tsx.
// WEBSTR_CLI=source forces the sources, WEBSTR_CLI=dist the build.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist-cli/main.js', import.meta.url);

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function useBuild() {
  const mode = process.env.WEBSTR_CLI;
  if (mode === 'source') return false;
  const builtAt = mtime(built);
  if (builtAt === undefined) return false;
  if (mode === 'dist') return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(new URL('../dist-cli/inputs.json', import.meta.url), 'utf8'));
  } catch {
    return false;
  }
  // A source missing (an installed package ships none) does not make the build stale.
  return inputs.every((f) => (mtime(root + f) ?? 0) <= builtAt);
}

let main;
if (useBuild()) {
  ({ main } = await import(built.href));
} else {
  await import('./register.mjs');
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
