import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts', 'test/**/*.test.ts'],
    setupFiles: ['spec/harness/setup.ts'],
    // Each file in its own process: the TF.js/wasm and onnxruntime runtimes hold process-wide state.
    pool: 'forks',
    // Both cores: the training specs of different files then run side by side (vitest's default here is one).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
