import { writeFileAtomic } from '../util/fs.js';

/**
 * What the notebooks produce from their predictions besides the printed score: seed 003's listing of
 * the misclassified test samples among the first 784, and seed 004's output_cnn.csv.
 */
export interface Misclassified {
  index: number;
  actual: number;
  predicted: number;
}

/** The samples among the first `among` whose predicted class is not their label (seed 003's `for i in range(784)` loop). */
export function misclassifiedAmong(predictions: ArrayLike<number>, labels: ArrayLike<number>, among: number): Misclassified[] {
  const out: Misclassified[] = [];
  for (let i = 0; i < Math.min(among, labels.length); i++) {
    if (predictions[i] !== labels[i]) out.push({ index: i, actual: labels[i]!, predicted: predictions[i]! });
  }
  return out;
}

/**
 * Seed 003's line, as Python's print joins its arguments with single spaces:
 * `print("test sample number ", i, " is incorrect, model predicted ", y_new, "actual was", y_act)`.
 */
export function formatMisclassified(m: Misclassified): string {
  return ['test sample number ', m.index, ' is incorrect, model predicted ', m.predicted, 'actual was', m.actual].join(' ');
}

const LINE = /^test sample number {2}(\d+) {2}is incorrect, model predicted {2}(\d) actual was (\d)$/;

/** The inverse of formatMisclassified, for a complete line; undefined for anything else. */
export function parseMisclassified(line: string): Misclassified | undefined {
  const m = LINE.exec(line);
  return m ? { index: Number(m[1]), predicted: Number(m[2]), actual: Number(m[3]) } : undefined;
}

/** The header of seed 004's `pd.DataFrame({'Actual': actuals, 'Predictions': predictions}).to_csv('output_cnn.csv', index=False)`. */
export const PREDICTIONS_CSV_HEADER = 'Actual,Predictions';

/** That file's text: the header, then one `actual,predicted` row per test sample, '\n'-terminated (pandas' line terminator). */
export function predictionsCsv(actual: ArrayLike<number>, predicted: ArrayLike<number>): string {
  if (actual.length !== predicted.length) throw new RangeError(`predictionsCsv: ${actual.length} labels but ${predicted.length} predictions`);
  const rows = [PREDICTIONS_CSV_HEADER];
  for (let i = 0; i < actual.length; i++) rows.push(`${actual[i]},${predicted[i]}`);
  return rows.join('\n') + '\n';
}

/**
 * Write the files a recipe's notebook writes (recipe.outputs.predictionsCsv) beside a run record:
 * `<record base>.<file name>`, atomically. Returns the paths written.
 */
export async function writeNotebookFiles(
  recordPath: string,
  outputs: { predictionsCsv?: string } | undefined,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): Promise<string[]> {
  if (!outputs?.predictionsCsv) return [];
  const path = `${recordPath.replace(/\.json$/, '')}.${outputs.predictionsCsv}`;
  await writeFileAtomic(path, predictionsCsv(actual, predicted));
  return [path];
}
