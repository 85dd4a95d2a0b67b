/**
 * `--help` / `-h` for the repo's scripts: prints the script's leading doc comment (its usage and what it
 * does) and exits 0. Call it first thing in a script's top level: `exitOnHelp(import.meta.url);`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function docComment(source: string): string {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (m === null) return '';
  return m[1]!
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

export function exitOnHelp(scriptUrl: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  const text = docComment(readFileSync(fileURLToPath(scriptUrl), 'utf8'));
  console.log(text === '' ? `${fileURLToPath(scriptUrl)}: no description` : text);
  process.exit(0);
}
