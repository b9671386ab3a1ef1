import { resolve } from 'node:path';
import { theOneWithRole, withRole } from '../src/impl/registry.js';
import { CALIBRATION_DIR } from '../src/recipes/calibration.js';
import { calibrationTable } from '../src/recipes/calibration-table.js';
import { writeFileAtomic } from '../src/util/fs.js';

/**
 * Render calibration/README.md (src/recipes/calibration-table.ts) from the bounds and the committed calibrations:
 * the reference's, then the full-tier trainer's. `--check` exits 1 when the file is stale instead of writing it.
 */
export const CALIBRATED_IMPLEMENTATIONS = [...new Set([theOneWithRole('reference'), ...withRole('full-tier-trainer')])];
const path = resolve(CALIBRATION_DIR, 'README.md');
await writeFileAtomic(path, calibrationTable(CALIBRATED_IMPLEMENTATIONS));
process.stdout.write(`wrote ${path}\n`);
