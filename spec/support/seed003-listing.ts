/**
 * Seed 003's listing of the misclassified test samples among the first 784 (`for i in range(784)`), as
 * printed. The text export cuts the output off after these 14 lines, in the middle of a 15th ("test s"):
 * the notebook's model got at least 15 of the first 784 wrong.
 */
export const SEED_003_MISSES = [
  'test sample number  149  is incorrect, model predicted  3 actual was 2',
  'test sample number  151  is incorrect, model predicted  8 actual was 9',
  'test sample number  217  is incorrect, model predicted  5 actual was 6',
  'test sample number  247  is incorrect, model predicted  2 actual was 4',
  'test sample number  274  is incorrect, model predicted  3 actual was 9',
  'test sample number  321  is incorrect, model predicted  7 actual was 2',
  'test sample number  340  is incorrect, model predicted  3 actual was 5',
  'test sample number  445  is incorrect, model predicted  0 actual was 6',
  'test sample number  447  is incorrect, model predicted  9 actual was 4',
  'test sample number  547  is incorrect, model predicted  8 actual was 2',
  'test sample number  613  is incorrect, model predicted  8 actual was 2',
  'test sample number  624  is incorrect, model predicted  8 actual was 2',
  'test sample number  659  is incorrect, model predicted  1 actual was 2',
  'test sample number  684  is incorrect, model predicted  3 actual was 7',
] as const;
export const SEED_003_MISS_COUNT_AT_LEAST = SEED_003_MISSES.length + 1;
