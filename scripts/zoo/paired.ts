/**
 * A paired comparison of two `webstr eval` reports over the same samples (issue 17's ablations): per dataset,
 * how many samples A reads and B misses ("A fixes") and the reverse ("A breaks"), with the exact two-sided
 * sign test (McNemar's exact test) on those discordant pairs; then the same pooled over all datasets.
 *   node cli/webstr.mjs eval --model spin --data … --failures 100000 --json a.json
 *   node cli/webstr.mjs eval --model .zoo/ablate/spin-colour --data … --failures 100000 --json b.json
 *   node --import ./cli/register.mjs scripts/zoo/paired.ts a.json b.json
 * Both reports must list every failure (`--failures` above the failure count: the default keeps 200 per
 * dataset) and cover the same datasets and samples; otherwise the script says which and exits 2.
 */
import { readFile } from 'node:fs/promises';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

interface Report {
  summary: { datasets: { dataset: string; samples: number; correct: number }[] };
  failures: { dataset: string; index: number }[];
}

/** The exact two-sided p-value of k or fewer successes of n fair coin flips (doubled, capped at 1). */
export function signTestP(fixes: number, breaks: number): number {
  const n = fixes + breaks;
  if (n === 0) return 1;
  const k = Math.min(fixes, breaks);
  // Σ_{i≤k} C(n, i) / 2^n, in logs so that n in the thousands stays finite.
  let logC = 0; // log C(n, 0)
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

async function load(file: string): Promise<Report> {
  const r = JSON.parse(await readFile(file, 'utf8')) as Report;
  if (!Array.isArray(r.failures) || !Array.isArray(r.summary?.datasets)) throw new Error(`${file}: not a webstr eval report`);
  for (const d of r.summary.datasets) {
    const listed = r.failures.filter((f) => f.dataset === d.dataset).length;
    if (listed !== d.samples - d.correct) {
      throw new Error(`${file}: ${d.dataset} lists ${listed} of ${d.samples - d.correct} failures (run webstr eval with --failures ${d.samples})`);
    }
  }
  return r;
}

async function main(): Promise<number> {
  const [fa, fb] = process.argv.slice(2);
  if (fa === undefined || fb === undefined) {
    console.error('usage: paired.ts A.json B.json');
    return 2;
  }
  const [a, b] = await Promise.all([load(fa), load(fb)]);
  const rows: string[] = [];
  let totalFix = 0;
  let totalBreak = 0;
  const width = Math.max(6, ...a.summary.datasets.map((d) => d.dataset.length));
  for (const d of a.summary.datasets) {
    const other = b.summary.datasets.find((e) => e.dataset === d.dataset);
    if (other === undefined || other.samples !== d.samples) throw new Error(`${d.dataset}: not scored on the same samples in both reports`);
    const wrongA = new Set(a.failures.filter((f) => f.dataset === d.dataset).map((f) => f.index));
    const wrongB = new Set(b.failures.filter((f) => f.dataset === d.dataset).map((f) => f.index));
    const fixes = [...wrongB].filter((i) => !wrongA.has(i)).length;
    const breaks = [...wrongA].filter((i) => !wrongB.has(i)).length;
    totalFix += fixes;
    totalBreak += breaks;
    rows.push(`${d.dataset.padEnd(width)} ${String(d.samples).padStart(6)}  A fixes ${String(fixes).padStart(4)}  A breaks ${String(breaks).padStart(4)}  net ${String(fixes - breaks).padStart(4)}  p = ${signTestP(fixes, breaks).toFixed(3)}`);
  }
  rows.push(`${'pooled'.padEnd(width)} ${''.padStart(6)}  A fixes ${String(totalFix).padStart(4)}  A breaks ${String(totalBreak).padStart(4)}  net ${String(totalFix - totalBreak).padStart(4)}  p = ${signTestP(totalFix, totalBreak).toFixed(3)}`);
  console.log(`A = ${fa}, B = ${fb}; exact two-sided sign test on the samples exactly one of them reads`);
  console.log(rows.join('\n'));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`paired.ts: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
