/**
 * The last step of scripts/pack_check.sh: the app built from the packed tarball (its dist/ folder) is
 * served to headless Chromium by request routing (no port), and its page reads a sample crop through
 * `createRecognizer` (two workers, wasm) with the model given by URL.
 * Usage: node --import ./cli/register.mjs scripts/pack_check_browser.ts <app dist dir> <model.onnx>
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from '../e2e/chromium.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png', '.onnx': 'application/octet-stream' };
// A secure origin (crypto.subtle hashes the model); requests are answered by routing, no TLS involved.
const ORIGIN = 'https://webstr-app.test';

async function main(): Promise<number> {
  const [dist, model] = process.argv.slice(2);
  if (dist === undefined || model === undefined) throw new Error('usage: pack_check_browser.ts <app dist dir> <model.onnx>');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_BASE_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route(`${ORIGIN}/**`, async (route) => {
      const p = new URL(route.request().url()).pathname;
      const file = p === '/model.onnx' ? model : path.join(dist, p === '/' ? 'index.html' : p);
      if (!path.resolve(file).startsWith(path.resolve(dist)) && file !== model) return route.fulfill({ status: 403 });
      try {
        return await route.fulfill({ body: await readFile(file), contentType: TYPES[path.extname(file)] ?? 'application/octet-stream' });
      } catch {
        return route.fulfill({ status: 404 });
      }
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
    const out = await page.evaluate(async () => window.readCrop('./model.onnx'), undefined);
    const text = out.ok ? out.text : `${out.error.name}: ${out.error.message}`;
    const badModel = await page.evaluate(async () => window.badModelError(), undefined);
    console.log(`pack_check: browser: ${JSON.stringify({ text, badModel })}${errors.length > 0 ? ` (page errors: ${errors.join('; ')})` : ''}`);
    return out.ok && out.text === 'COFFEE' && badModel === 'OnnxFormatError' ? 0 : 1;
  } finally {
    await browser.close();
  }
}

declare global {
  interface Window {
    readCrop(modelUrl: string): Promise<{ ok: true; text: string } | { ok: false; error: { name: string; message: string } }>;
    badModelError(): Promise<string>;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pack_check: browser: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    process.exit(1);
  },
);
