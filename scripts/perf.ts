/**
 * `npm run perf -- <suite> [args]`: performance suites, one module per suite under scripts/perf/, each
 * exporting `run(args)`. Numbers come from here, never from timed unit tests.
 */
export {};

const SUITES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  recognize: () => import('./perf/recognize.ts'),
};

const [suiteName, ...args] = process.argv.slice(2);
const suite = suiteName === undefined ? undefined : SUITES[suiteName];
if (suite === undefined) {
  console.error(`usage: npm run perf -- <suite> [args]; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exitCode = 2;
} else {
  await (await suite()).run(args);
}
