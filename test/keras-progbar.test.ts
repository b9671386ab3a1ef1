import { describe, expect, it } from 'vitest';
import { kerasProgbarLine } from '../src/cli/keras-progbar.js';

describe('Keras progress bar line', () => {
  it('matches the finished-epoch line Keras 2.2.2 printed for the real mnist_mlp run', () => {
    // shared/keras/mnist_mlp_keras2/PROVENANCE.md: "60000/60000 [==============================] - 13s 224us/step - loss: 0.0199 - acc: 0.9950 - val_loss: 0.1162 - val_acc: 0.9831"
    const line = kerasProgbarLine(60000, 60000, 13.44, [
      ['loss', 0.0199],
      ['acc', 0.995],
      ['val_loss', 0.1162],
      ['val_acc', 0.9831],
    ]);
    expect(line).toBe('60000/60000 [==============================] - 13s 224us/step - loss: 0.0199 - acc: 0.9950 - val_loss: 0.1162 - val_acc: 0.9831');
  });
  it('matches the running line seed 004 printed', () => {
    // seed 004: " 1152/60000 [..............................] - ETA: 9s - loss: 0.0896 - acc: 0.1302"
    const line = kerasProgbarLine(1152, 60000, 0.18, [
      ['loss', 0.0896],
      ['acc', 0.1302],
    ]);
    expect(line).toBe(' 1152/60000 [..............................] - ETA: 9s - loss: 0.0896 - acc: 0.1302');
  });
  it('draws the arrow at the progress point and small values in exponent form', () => {
    expect(kerasProgbarLine(30000, 60000, 5, [['loss', 0.000123]])).toBe('30000/60000 [==============>...............] - ETA: 5s - loss: 1.2300e-04');
  });
});
