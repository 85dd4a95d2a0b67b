import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (`*.test.ts`) and run in Node on the cpu and wasm backends.
// WGSL kernels are tested in Chromium (e2e/), where WebGPU exists.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'workers/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
});
