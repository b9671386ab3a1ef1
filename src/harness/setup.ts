import { afterEach } from 'vitest';

// vitest setup file (vitest.config.ts): every test under spec/ must be registered through the harness
// (conformanceSpecs / suiteSpecs), so it names the claim it encodes; a bare test() there fails the suite.
afterEach((ctx) => {
  const file = ctx.task.file?.filepath ?? '';
  if (/[\\/]spec[\\/]/.test(file) && !ctx.task.meta.spec && !ctx.task.name.startsWith('INVALID SPEC: ')) {
    throw new Error(`${ctx.task.name}: a test under spec/ must be registered with the harness's spec(decl, fn) so it names the claim it encodes`);
  }
});
