import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts', 'test/**/*.test.ts'],
    setupFiles: ['spec/harness/setup.ts'],
    // Each file in its own process: the TF.js/wasm and onnxruntime runtimes hold process-wide state.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
