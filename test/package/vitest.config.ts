import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:package`: the packed package installed into a fresh project (tarball.test.ts). Not in `npm test`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { include: ['test/package/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 600_000 },
});
