/**
 * Runs the kernel self-test page in headless Chromium on each backend and prints one line per check.
 * Usage: node --import ./cli/register.mjs scripts/selftest.ts [webgpu wasm cpu]
 */
import { startBrowserSession } from './lib/browser.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const backends = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['webgpu', 'wasm', 'cpu'];
const session = await startBrowserSession();
let failed = 0;
try {
  for (const backend of backends) {
    const page = await session.open(`selftest.html?backend=${backend}`);
    await page.waitForSelector('body[data-selftest]', { timeout: 600_000 });
    const results = await page.evaluate(() => window.webstrSelftest?.results ?? []);
    if (results.length === 0) {
      console.log(`${backend}: did not run (${await page.locator('#runtime').innerText()})`);
      failed++;
    }
    for (const r of results) {
      console.log(`${r.backend.padEnd(7)} ${r.op.padEnd(14)} ${r.direction.padEnd(9)} ${r.name.padEnd(16)} ${r.error.toExponential(2)} ≤ ${r.tolerance.toExponential(0)} ${r.pass ? 'ok' : 'FAIL'}`);
      if (!r.pass) failed++;
    }
    await page.close();
  }
} finally {
  await session.close();
}
process.exitCode = failed === 0 ? 0 : 1;
