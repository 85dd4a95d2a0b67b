/**
 * How the project drives Debian's Chromium: the binary and the flags measured to work here
 * (Debian 12, headless, no GPU). Shared by playwright.config.ts and the scripts that run pages
 * headless (npm run bench / perf / verify:ops).
 */
export const CHROMIUM_PATH = process.env.WEBSTR_CHROMIUM ?? '/usr/bin/chromium';

/** Flags without WebGPU: a browser where `navigator.gpu` has no adapter. */
export const CHROMIUM_BASE_ARGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** With WebGPU enabled (SwiftShader on machines without a GPU). */
export const CHROMIUM_ARGS = [...CHROMIUM_BASE_ARGS, '--enable-unsafe-webgpu'];
