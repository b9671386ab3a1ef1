import { afterEach } from 'vitest';

// Every test under spec/ must be registered through spec(): a test without its claim fails the suite.
afterEach((ctx) => {
  const file = ctx.task.file?.filepath ?? '';
  if (/[\\/]spec[\\/]/.test(file) && !/[\\/]spec[\\/]harness[\\/]/.test(file) && !ctx.task.meta.spec) {
    throw new Error(`${ctx.task.name}: a test under spec/ must be registered with spec(meta, fn) so it names the claim it encodes`);
  }
});
