import { dtypeOf, type U8Tensor } from '../tensor.js';
import type { MnistData, Provenance } from './types.js';

/** Count of each digit 0–9 among the labels. */
export function labelHistogram(labels: U8Tensor): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const y of labels.data) {
    if (y > 9) throw new RangeError(`labelHistogram: label ${y} is not a digit 0-9`);
    counts[y]!++;
  }
  return counts;
}

export interface PartSummary {
  images: { shape: number[]; dtype: string };
  labels: { shape: number[]; dtype: string };
  histogram: number[];
}

/** What `mnist-spec data --json` prints: the data's shapes, dtypes, label histograms and provenance. */
export interface DataSummary {
  source: Provenance['source'];
  location: string;
  canonical: boolean;
  /** The embedded split's name; null for the canonical train/test files. */
  split: string | null;
  train: PartSummary;
  test: PartSummary;
  files: Provenance['files'];
}

function part(x: U8Tensor, y: U8Tensor): PartSummary {
  return {
    images: { shape: [...x.shape], dtype: dtypeOf(x) },
    labels: { shape: [...y.shape], dtype: dtypeOf(y) },
    histogram: labelHistogram(y),
  };
}

export function summarize(data: MnistData): DataSummary {
  const p = data.provenance;
  return {
    source: p.source,
    location: p.location,
    canonical: p.canonical,
    split: p.split ?? null,
    train: part(data.xTrain, data.yTrain),
    test: part(data.xTest, data.yTest),
    files: p.files,
  };
}
