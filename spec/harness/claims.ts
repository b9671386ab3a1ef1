/**
 * Where a spec's claim comes from. A notebook claim quotes what the seed notebook printed; the quote is
 * checked against the notebook text itself whenever ../shared/seeds is present (see spec.ts).
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

/** A contract this project defines (file formats, error behaviour), with the document that defines it. */
export function contract(where: string, quote: string): Claim {
  return { source: where, quote };
}

/** Third-party Keras files under ../shared/keras: their PROVENANCE.md quotes what Keras printed for them. */
export const KERAS_SHARED_PREFIX = 'shared/keras/';

/** A claim from a shared Keras file's provenance note (e.g. `mnist_mlp_keras2/PROVENANCE.md`), checked like a notebook quote. */
export function kerasProvenance(file: string, quote: string): Claim {
  return { source: `${KERAS_SHARED_PREFIX}${file}`, quote };
}
