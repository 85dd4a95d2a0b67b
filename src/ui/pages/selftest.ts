/**
 * Kernel self-test: runs every custom op against its PyTorch fixture on the chosen backend, in the
 * worker, and shows max error vs tolerance per op × direction × case. `?simulate=device-loss` then
 * destroys the WebGPU device and shows the named error the runtime reports.
 * For tests: `document.body.dataset.selftest` becomes 'pass' | 'fail' | 'error', and
 * `window.webstrSelftest` holds the results.
 */
import type { CheckResult } from '../../ops/checks.ts';
import { describeError, startSelftestWorker } from '../runtime_client.ts';
import { renderError } from '../capabilities_view.ts';
import { byId, startPageExtras, startRuntime } from './common.ts';

declare global {
  interface Window {
    webstrSelftest?: { backend: string; results: CheckResult[]; deviceLost?: { name: string; message: string } | null };
  }
}

function resultsTable(results: CheckResult[]): HTMLTableElement {
  const table = document.createElement('table');
  table.dataset.testid = 'results';
  const head = table.createTHead().insertRow();
  for (const h of ['op', 'direction', 'case', 'backend', 'max error', 'tolerance', 'result']) {
    const th = document.createElement('th');
    th.textContent = h;
    th.scope = 'col';
    head.append(th);
  }
  const body = table.createTBody();
  for (const r of results) {
    const row = body.insertRow();
    row.className = r.pass ? 'pass' : 'fail';
    const cells = [r.op, r.direction, r.name, r.backend, r.error.toExponential(2), r.tolerance.toExponential(0), r.pass ? 'pass' : 'FAIL'];
    cells.forEach((c, i) => {
      const td = row.insertCell();
      td.textContent = c;
      if (i === 4 || i === 5) td.className = 'num';
    });
  }
  return table;
}

async function run(): Promise<void> {
  startPageExtras();
  const { api } = startSelftestWorker();
  const report = await startRuntime(api);
  const section = document.createElement('section');
  section.setAttribute('aria-labelledby', 'checks-title');
  section.innerHTML = '<h2 id="checks-title">Kernel checks against PyTorch</h2>';
  const out = document.createElement('div');
  out.setAttribute('role', 'status');
  out.setAttribute('aria-live', 'polite');
  out.textContent = 'Running…';
  section.append(out);
  byId('app').append(section);
  if (report === null) {
    out.textContent = 'Not run: the backend did not start.';
    document.body.dataset.selftest = 'error';
    return;
  }
  try {
    const results = await api.runOpChecks();
    const failed = results.filter((r) => !r.pass).length;
    const summary = document.createElement('p');
    summary.dataset.testid = 'summary';
    summary.textContent = `${results.length - failed} passed, ${failed} failed on ${report.backend}`;
    out.replaceChildren(summary, resultsTable(results));
    window.webstrSelftest = { backend: report.backend, results };
    if (new URLSearchParams(location.search).get('simulate') === 'device-loss') {
      const status = await api.simulateDeviceLoss();
      window.webstrSelftest.deviceLost = status.lost;
      const lostView = document.createElement('div');
      lostView.dataset.testid = 'device-lost';
      if (status.lost !== null) renderError(lostView, status.lost);
      section.append(lostView);
    }
    document.body.dataset.selftest = failed === 0 ? 'pass' : 'fail';
  } catch (err) {
    renderError(out, describeError(err));
    document.body.dataset.selftest = 'error';
  }
}

void run();
