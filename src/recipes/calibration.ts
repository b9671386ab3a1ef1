import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataTier } from './bounds.js';

/**
 * The calibration of the stochastic bounds, as data: every seed's test result of a recipe trained by one
 * implementation on one data tier (`scripts/calibrate.ts` writes `calibration/<impl>-<data>.json`, committed and shipped with the package, so a conformance run out of the repository places a value too).
 * bounds.ts derives each bound's stated false-failure probability from these runs, and the outcome specs place an
 * implementation's value among the reference's runs (its percentile), so both read the same numbers.
 */
export interface CalibrationRun {
  seed: number;
  accuracy: number;
  loss: number;
  /** Share of wrong test answers whose true-class probability is clipped (the collapse signature). */
  saturatedWrongShare: number;
  wallSeconds: number;
  startedAt: string;
  /** The 1-minute load average when the run started: the wall time is only meaningful beside it. */
  loadAverage: number;
}

export interface CalibrationSeries {
  recipe: string;
  epochs: number;
  runs: CalibrationRun[];
}

export interface CalibrationFile {
  kind: 'mnist-spec/calibration';
  schemaVersion: 1;
  suite: { version: string; commit: string | null };
  implementation: { name: string; version: string; backend: string; details?: Record<string, string | number | boolean> };
  data: { tier: DataTier; source: string; split?: string; canonical: boolean; counts: { train: number; test: number } };
  machine: { cpu: string; cores: number; memoryBytes: number; platform: string; arch: string; node: string };
  series: CalibrationSeries[];
}

/** The repository's (and the installed package's) root: this file is src/recipes/ or dist/recipes/, two levels down. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CALIBRATION_DIR = resolve(PACKAGE_ROOT, 'calibration');

export const calibrationPath = (impl: string, data: DataTier, dir = CALIBRATION_DIR): string => resolve(dir, `${impl}-${data}.json`);

const cache = new Map<string, CalibrationFile | undefined>();

/** The committed calibration of an implementation on a data tier, or undefined when there is none. */
export function readCalibration(impl: string, data: DataTier, dir = CALIBRATION_DIR): CalibrationFile | undefined {
  const path = calibrationPath(impl, data, dir);
  if (!cache.has(path)) {
    let file: CalibrationFile | undefined;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as CalibrationFile;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
    }
    if (file && file.kind !== 'mnist-spec/calibration') throw new Error(`${path}: not a calibration file (kind ${String(file.kind)})`);
    cache.set(path, file);
  }
  return cache.get(path);
}

/** The runs of one recipe at one budget in a calibration file, ordered by seed. */
export function seriesOf(file: CalibrationFile | undefined, recipe: string, epochs: number): CalibrationRun[] {
  const runs = file?.series.find((s) => s.recipe === recipe && s.epochs === epochs)?.runs ?? [];
  return [...runs].sort((a, b) => a.seed - b.seed);
}
