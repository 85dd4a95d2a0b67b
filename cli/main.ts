/**
 * `webstr <command> …` for Node: the same src/ code as the pages, on tfjs wasm (webgpu through Dawn
 * when the machine has a Vulkan driver). The command table (cli/commands.ts) is free of tfjs: help and
 * `--version` answer without loading the engine; a command's module is imported when it runs.
 *
 * Exit statuses: 0 done; 1 the work failed (the named error on stderr); 2 the command line is wrong
 * (one line on stderr).
 */
import { readFileSync } from 'node:fs';
import { errorInfo, namedFsError } from '../src/runtime/errors.ts';
import { COMMANDS, commandHelp, globalHelp } from './commands.ts';
import { EXIT_USAGE, UsageError } from './usage.ts';

export { COMMANDS };

/** The package's version (cli/ and dist-cli/ both sit one level below package.json). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

function usageError(prefix: string, message: string, hint: string): number {
  console.error(`${prefix}: ${message}; ${hint}`);
  return EXIT_USAGE;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(globalHelp());
    return 0;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(globalHelp());
      return 0;
    }
    const c = COMMANDS[topic];
    if (c === undefined) return usageError('webstr help', `unknown command '${topic}'`, `commands: ${Object.keys(COMMANDS).join(', ')}`);
    process.stdout.write(commandHelp(topic, c));
    return 0;
  }
  if (name === undefined) return usageError('webstr', 'no command given', "'webstr help' lists the commands");
  const command = COMMANDS[name];
  if (command === undefined) return usageError('webstr', `unknown command '${name}'`, `commands: ${Object.keys(COMMANDS).join(', ')}`);
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(name, command));
    return 0;
  }
  try {
    const run = await command.load();
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) return usageError(`webstr ${name}`, err.message, `see 'webstr ${name} --help'`);
    // A file the user named that cannot be read is their error, named like the others (not ENOENT).
    const e = errorInfo(namedFsError(err));
    console.error(`webstr ${name}: ${e.name}: ${e.message}`);
    return 1;
  }
}
