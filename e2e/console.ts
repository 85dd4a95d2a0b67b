import type { Page } from '@playwright/test';

/** Collects console errors and uncaught exceptions of a page (and its workers) for a "no errors" assertion. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => {
    if (m.type() === 'error') errors.push(`worker console: ${m.text()}`);
  }));
  return errors;
}
