import { expect } from 'vitest';
import { LAYER_TYPES } from '../../../src/arch/types.js';
import { KERAS_OPTIMIZER_DEFAULTS } from '../../../src/train/config.js';
import { contract } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

/**
 * What an implementation says of itself: the reports print it beside every result, and the suite decides from its
 * capabilities which specs to run and which to skip — so a capability it cannot name must not slip through as a skip.
 */
const spec = conformanceSpecs(import.meta.url);

const LOSSES = ['categorical_crossentropy', 'mean_squared_error'];

spec(
  {
    name: 'info',
    judges: ['method:info'],
    claim: contract('src/impl/interface.ts Implementation.info', "What actually computes (e.g. `{ backend: 'wasm' }`): reported with every result."),
  },
  async (ctx) => {
    const { impl } = ctx;
    const info = await impl.info();
    const caps = impl.capabilities;
    ctx.record({ version: impl.version, backend: info.backend, capabilities: caps }, 'a backend named; capabilities within what the suite knows');
    expect(typeof impl.version === 'string' && impl.version.length > 0, 'a version').toBe(true);
    expect(typeof info.backend === 'string' && info.backend.trim().length > 0, 'info().backend names what computes').toBe(true);
    for (const [k, v] of Object.entries(info.details ?? {})) expect(['string', 'number', 'boolean'], `info().details.${k}`).toContain(typeof v);
    expect(caps.layers.length, 'at least one layer type').toBeGreaterThan(0);
    expect(
      caps.layers.filter((l) => !LAYER_TYPES.includes(l)),
      'layer types the suite does not know',
    ).toEqual([]);
    if (caps.train) {
      expect(
        caps.train.optimizers.filter((o) => !(o in KERAS_OPTIMIZER_DEFAULTS)),
        'optimizers the suite does not know',
      ).toEqual([]);
      expect(
        caps.train.losses.filter((l) => !LOSSES.includes(l)),
        'losses the suite does not know',
      ).toEqual([]);
    }
  },
);
