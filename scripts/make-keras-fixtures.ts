import { join } from 'node:path';
import { writeFileAtomic } from '../src/util/fs.js';
import { fixtureWeights, KERAS_FIXTURES, KERAS_FIXTURES_DIR } from '../spec/support/keras/fixtures.js';
import { kerasH5Bytes } from '../spec/support/keras/write.js';

/** Remake fixtures/keras/*.h5 (synthetic weights, Keras 2.2 layout): `npx tsx scripts/make-keras-fixtures.ts`. */
for (const f of KERAS_FIXTURES) {
  const bytes = await kerasH5Bytes(f.arch, fixtureWeights(f), { full: f.full });
  await writeFileAtomic(join(KERAS_FIXTURES_DIR, f.file), bytes);
  process.stdout.write(`${f.file}: ${bytes.length} bytes\n`);
}
