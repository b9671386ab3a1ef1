import cliProgress from 'cli-progress';
import type { EpochLog, FitCallbacks } from '../train/config.js';
import { kerasProgbarLine } from './keras-progbar.js';

/**
 * Keras-style training output. On a terminal, a live bar per epoch (cli-progress redraws it in place)
 * in Keras's own format; otherwise plain lines, one per epoch, so logs and CI output stay readable.
 */
export function kerasProgress(total: number, epochs: number, out: NodeJS.WriteStream = process.stdout): FitCallbacks {
  const tty = !!out.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  let epochStart = Date.now();
  let values: [string, number][] = [];
  let currentEpoch = -1;
  const line = (current: number): string => kerasProgbarLine(current, total, (Date.now() - epochStart) / 1000, values);
  const begin = (epoch: number): void => {
    currentEpoch = epoch;
    epochStart = Date.now();
    values = [];
    out.write(`Epoch ${epoch + 1}/${epochs}\n`);
    if (tty) {
      bar = new cliProgress.SingleBar({ format: (_options, params) => line(params.value), stream: out, hideCursor: true, clearOnComplete: true, fps: 10 });
      bar.start(total, 0);
    }
  };
  return {
    onBatchEnd({ epoch, seen, loss, acc }) {
      if (epoch !== currentEpoch) begin(epoch);
      values = [
        ['loss', loss],
        ['acc', acc],
      ];
      bar?.update(seen);
    },
    onEpochEnd(log: EpochLog) {
      if (log.epoch !== currentEpoch) begin(log.epoch);
      bar?.stop();
      bar = undefined;
      values = [
        ['loss', log.loss],
        ['acc', log.acc],
        ...(log.valLoss !== undefined ? ([['val_loss', log.valLoss]] as [string, number][]) : []),
        ...(log.valAcc !== undefined ? ([['val_acc', log.valAcc]] as [string, number][]) : []),
      ];
      out.write(kerasProgbarLine(total, total, log.seconds, values) + '\n');
    },
  };
}
