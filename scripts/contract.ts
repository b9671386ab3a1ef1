/**
 * `npm run contract`: CONTRACT.md from the conformance specs' own metadata (the built CLI's `conform --list --json`):
 * every behaviour of the interface with the specs that judge it. test/contract.test.ts fails when the committed file is
 * stale or shows a gap.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractGaps, contractRows, renderContract } from '../src/conform/contract.js';
import { listConformance } from '../src/conform/run.js';

const listed = await listConformance();
writeFileSync(fileURLToPath(new URL('../CONTRACT.md', import.meta.url)), renderContract(listed));
const gaps = contractGaps(contractRows(listed));
process.stdout.write(`CONTRACT.md: ${listed.length} specs; ${gaps.length ? `gaps: ${gaps.join(', ')}` : 'no gaps'}\n`);
