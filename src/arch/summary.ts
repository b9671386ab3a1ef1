import type { LayerInfo } from './types.js';
import { shapeString } from '../tensor.js';

/**
 * Keras 2 `model.summary()` text (keras/utils/layer_utils.py print_summary, line_length=65,
 * positions [.45, .85, 1]). print_row cuts each field at its column end and then overwrites the
 * column's last character with a space, which is why a notebook shows "batch_normalization_12 (Batc".
 */
const LINE_LENGTH = 65;
const POSITIONS = [29, 55, 65];

function row(fields: string[]): string {
  let line = '';
  fields.forEach((field, i) => {
    if (i > 0) line = line.slice(0, -1) + ' ';
    line = (line + field).slice(0, POSITIONS[i]);
    line += ' '.repeat(POSITIONS[i]! - line.length);
  });
  return line;
}

const thousands = (n: number): string => n.toLocaleString('en-US');

export interface SummaryInput {
  /** Functional models list their InputLayer first; Sequential models do not. */
  input?: { name: string; shape: readonly number[] };
  layers: readonly LayerInfo[];
}

export function formatSummary({ input, layers }: SummaryInput): string {
  const rows: string[][] = [];
  if (input) rows.push([`${input.name} (InputLayer)`, shapeString([null, ...input.shape]), '0']);
  for (const l of layers) rows.push([`${l.name} (${l.type})`, shapeString(l.outputShape), String(l.params)]);
  const total = layers.reduce((s, l) => s + l.params, 0);
  const trainable = layers.reduce((s, l) => s + l.trainableParams, 0);
  const lines = ['_'.repeat(LINE_LENGTH), row(['Layer (type)', 'Output Shape', 'Param #']), '='.repeat(LINE_LENGTH)];
  rows.forEach((r, i) => {
    lines.push(row(r));
    lines.push((i === rows.length - 1 ? '=' : '_').repeat(LINE_LENGTH));
  });
  lines.push(`Total params: ${thousands(total)}`, `Trainable params: ${thousands(trainable)}`, `Non-trainable params: ${thousands(total - trainable)}`);
  lines.push('_'.repeat(LINE_LENGTH));
  return lines.join('\n');
}
