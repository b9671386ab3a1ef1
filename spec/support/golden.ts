import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, INPUT_FILE, MODEL_FILE, OUTPUT_FILE, readManifest, type GoldenRecipe } from '../../src/golden/manifest.js';
import { decodeTensorPb } from '../../src/golden/tensor-pb.js';
import type { F32Tensor } from '../../src/tensor.js';

/**
 * golden/ as specs read it: the manifest, and one recipe's model with its input and output tensors. Every
 * tolerance comes from golden/manifest.json, where each is declared once with its reason (src/golden/tolerances.ts).
 */
export const GOLDEN_README = 'golden/README.md';
export const goldenManifest = await readManifest();

export interface Golden {
  entry: GoldenRecipe;
  model: Uint8Array;
  input: { name: string; tensor: F32Tensor };
  output: { name: string; tensor: F32Tensor };
}

export function golden(id: string): Golden {
  const entry = goldenManifest.recipes[id]!;
  const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(GOLDEN_DIR, id, f)));
  return {
    entry,
    model: read(MODEL_FILE),
    input: decodeTensorPb(read(INPUT_FILE), `golden/${id}/${INPUT_FILE}`),
    output: decodeTensorPb(read(OUTPUT_FILE), `golden/${id}/${OUTPUT_FILE}`),
  };
}

/** A tolerance in words, for the reports. */
export const goldenBound = (t: { rtol: number; atol: number }): string => `|Δ| ≤ ${t.atol} + ${t.rtol}·|expected|`;
