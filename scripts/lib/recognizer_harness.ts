/**
 * The recognizer harness page (scripts/harness/recognizer.html) in Chromium with WebGPU enabled (see
 * scripts/lib/harness.ts); the shared ONNX model is served to the page at /model.onnx by routing (never
 * copied into a build).
 */
import { readFileSync } from 'node:fs';
import { MV3_EN_ONNX } from '../../src/testing/shared.ts';
import { openHarness, type Harness } from './harness.ts';

export type { Harness };

export interface HarnessOptions {
  /** Runs after the build, before serving: files it writes under `outDir` are served at `./<path>`
   *  (for bodies too large for Playwright routing, whose protocol messages cap near 256 MB). */
  beforeServe?: (outDir: string) => Promise<void>;
}

export function openRecognizerHarness(options: HarnessOptions = {}): Promise<Harness> {
  const model = readFileSync(MV3_EN_ONNX);
  return openHarness({
    page: 'recognizer',
    outName: 'harness',
    global: 'webstrHarness',
    ...(options.beforeServe !== undefined ? { beforeServe: options.beforeServe } : {}),
    preparePage: async (page) => {
      await page.route('**/model.onnx', (route) =>
        route.fulfill({ body: model, contentType: 'application/octet-stream', headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } }),
      );
    },
  });
}
