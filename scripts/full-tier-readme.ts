import { resolve } from 'node:path';
import { writeFullTierReadme } from '../src/reproduce/full-tier.js';

/** `npm run report:full-tier [dir]`: render reports/full-tier/README.md from the run records the full tier kept. */
const dir = resolve(process.argv[2] ?? 'reports/full-tier');
process.stdout.write(`wrote ${await writeFullTierReadme(dir)}\n`);
