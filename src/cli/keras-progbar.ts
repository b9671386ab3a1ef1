/**
 * The line Keras 2.2's Progbar (verbose=1) prints while fitting, e.g.
 *   60000/60000 [==============================] - 13s 224us/step - loss: 0.0199 - acc: 0.9950 - val_loss: 0.1162 - val_acc: 0.9831
 *    1152/60000 [..............................] - ETA: 9s - loss: 0.0896 - acc: 0.1302
 * (keras/utils/generic_utils.py Progbar.update): a 30-wide bar, the count right-aligned to the
 * target's digits, ETA while running, total time and time per step (the unit Keras steps by is a sample) at the end.
 */
const WIDTH = 30;

function formatEta(seconds: number): string {
  if (seconds > 3600)
    return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds > 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.floor(seconds)}s`;
}

function formatValue(v: number): string {
  // Python's '%.4f' for |v| > 1e-3, else '%.4e' (two-digit exponent: 1.2340e-04)
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  const [m, e] = v.toExponential(4).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export function kerasProgbarLine(current: number, target: number, elapsedSeconds: number, values: [name: string, value: number][]): string {
  const digits = Math.floor(Math.log10(target)) + 1;
  let bar = `${String(current).padStart(digits)}/${target} [`;
  const progWidth = Math.floor((WIDTH * current) / target);
  if (progWidth > 0) bar += '='.repeat(progWidth - 1) + (current < target ? '>' : '=');
  bar += '.'.repeat(WIDTH - progWidth) + ']';
  let info: string;
  const perUnit = current > 0 ? elapsedSeconds / current : 0;
  if (current < target) {
    info = ` - ETA: ${formatEta(perUnit * (target - current))}`;
  } else {
    info = ` - ${Math.round(elapsedSeconds)}s`;
    if (perUnit >= 1) info += ` ${Math.round(perUnit)}s/step`;
    else if (perUnit >= 1e-3) info += ` ${Math.round(perUnit * 1e3)}ms/step`;
    else info += ` ${Math.round(perUnit * 1e6)}us/step`;
  }
  for (const [k, v] of values) info += ` - ${k}: ${formatValue(v)}`;
  return bar + info;
}
