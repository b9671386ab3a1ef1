import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractGaps, contractRows, renderContract } from '../src/conform/contract.js';
import { listConformance } from '../src/conform/run.js';
import { ensureBuilt, ROOT } from '../spec/support/build.js';

// CONTRACT.md is the specs' own metadata rendered (npm run contract): current, and without a behaviour no spec judges.
describe('CONTRACT.md', () => {
  it('maps every behaviour of the interface to a spec, and is what the specs say today', async () => {
    ensureBuilt();
    const listed = await listConformance();
    expect(listed.length).toBeGreaterThan(50);
    expect(
      listed.filter((l) => !l.record.judges?.length).map((l) => l.id),
      'conformance specs that name no behaviour',
    ).toEqual([]);
    expect(contractGaps(contractRows(listed)), 'behaviours no spec judges').toEqual([]);
    expect(readFileSync(join(ROOT, 'CONTRACT.md'), 'utf8'), 'CONTRACT.md is stale: run `npm run contract`').toBe(renderContract(listed));
  }, 120_000);
});
