import { loadImplementation, SHIPPED_IMPLEMENTATIONS } from '../../src/impl/registry.js';

/**
 * The implementations the specs judge in this run: MNIST_SPEC_IMPL (comma-separated names of shipped
 * implementations or paths to modules), or every shipped one. Loaded once per worker.
 */
const selected = (process.env.MNIST_SPEC_IMPL ?? SHIPPED_IMPLEMENTATIONS.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

export const implementationsUnderTest = await Promise.all(selected.map((s) => loadImplementation(s)));
