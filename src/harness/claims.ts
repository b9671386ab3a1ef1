import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from './env.js';

/**
 * Where a spec's claim comes from. A notebook claim quotes what the seed notebook printed; the quote is checked
 * against the notebook text itself whenever ../shared/seeds is present beside the checkout (MNIST_SPEC_SEEDS
 * overrides), so a claim cannot drift from its source. Used by the specs and by `mnist-spec check` alike.
 */
export const SEED_FILES = {
  '000': '000_0c84f3cd5e73fde6.txt',
  '001': '001_47230afab76ab824.txt',
  '002': '002_9205d229c12cc59d.txt',
  '003': '003_bb7c8f8a48ea54e6.txt',
  '004': '004_75379ccae773ff16.txt',
} as const;
export type SeedId = keyof typeof SEED_FILES;

export interface Claim {
  /** `seeds/<file>` for a notebook; otherwise the document the behaviour is defined by. */
  source: string;
  /** The printed value or the defining sentence, quoted. */
  quote: string;
}

/** A claim a seed notebook prints. The quote must occur in the notebook (whitespace-insensitive). */
export function seed(id: SeedId, quote: string): Claim {
  return { source: `seeds/${SEED_FILES[id]}`, quote };
}

/** A claim from the data set's own description (../shared/mnist/README.md). */
export function mnistReadme(quote: string): Claim {
  return { source: 'shared/mnist/README.md', quote };
}

/** A claim from the Keras 2.2 source or documentation (a behaviour the notebooks rely on without printing). */
export function keras(where: string, quote: string): Claim {
  return { source: `keras: ${where}`, quote };
}

/** A contract this project defines (file formats, error behaviour, the implementation interface), with the document that defines it. */
export function contract(where: string, quote: string): Claim {
  return { source: where, quote };
}

/** Third-party Keras files under ../shared/keras: their PROVENANCE.md quotes what Keras printed for them. */
export const KERAS_SHARED_PREFIX = 'shared/keras/';

/** A claim from a shared Keras file's provenance note (e.g. `mnist_mlp_keras2/PROVENANCE.md`), checked like a notebook quote. */
export function kerasProvenance(file: string, quote: string): Claim {
  return { source: `${KERAS_SHARED_PREFIX}${file}`, quote };
}

// This file is src/harness/claims.ts or dist/harness/claims.js: ../../../shared is beside the checkout either way.
const SHARED_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../shared');
const seedsDir = (): string => process.env[ENV.seeds] ?? join(SHARED_DIR, 'seeds');
const texts = new Map<string, string | null>();
const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The raw text of a seed notebook, when the notebooks are at hand. */
export function notebookText(id: SeedId): string | undefined {
  const file = join(seedsDir(), SEED_FILES[id]);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The file a claim's quote is checked against: a seed notebook, or a provenance note under ../shared/keras. */
function quotedFile(source: string): string | undefined {
  const m = /^seeds\/(.+)$/.exec(source);
  if (m) return join(seedsDir(), m[1]!);
  return source.startsWith(KERAS_SHARED_PREFIX) ? join(SHARED_DIR, source.slice('shared/'.length)) : undefined;
}

/** A problem with a claim (missing parts, or a quote its source does not contain), or undefined when it holds. */
export function claimProblem(claim: Claim | undefined): string | undefined {
  if (!claim?.source || !claim.quote) return 'missing claim (source and quote)';
  const file = quotedFile(claim.source);
  if (!file) return undefined;
  if (!texts.has(file)) texts.set(file, existsSync(file) ? normalize(readFileSync(file, 'utf8')) : null);
  const text = texts.get(file);
  if (text === null || text === undefined) return undefined; // the notebooks are not beside the checkout: nothing to check against
  return text.includes(normalize(claim.quote)) ? undefined : `claim quote not found in ${claim.source}: "${claim.quote}"`;
}
