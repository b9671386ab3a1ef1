import { describe, expect, it } from 'vitest';
import { liveDisplay, metric } from '../../src/cli/commands/conform.js';

/**
 * The conform CLI's live display with a training whose loss went NaN (tfjs-webgl-f16's first epoch): the events come
 * through JSON, where NaN is null, and the display once crashed the whole run on `null.toFixed`. It says NaN instead.
 */
describe('the live display of a training that diverged', () => {
  it('shows NaN for a null loss or accuracy and goes on', () => {
    const written: string[] = [];
    const out = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const live = liveDisplay(out);
    live.onProgress({ kind: 'start', name: 'x > train:fit:learns' });
    live.onProgress({
      kind: 'train',
      name: 'x > train:fit:learns',
      epoch: 0,
      epochs: 2,
      seen: 10,
      total: 10,
      loss: null,
      acc: null,
      valAcc: null,
      epochEnd: true,
    });
    live.stop();
    expect(written.join('')).toContain('epoch 1/2 10/10 loss NaN acc NaN val_acc NaN');
    expect([metric(0.25), metric(Number.POSITIVE_INFINITY), metric(null)]).toEqual(['0.2500', 'Infinity', 'NaN']);
  });
});
