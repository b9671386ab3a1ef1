// How recheck/ was made: npx stryker run reports/mutation/recheck/stryker.recheck.mjs
import base from '../../../stryker.config.mjs';
export default {
  ...base,
  mutate: [
    'examples/plain-ts/losses.ts:30-30', 'examples/plain-ts/losses.ts:41-41', 'examples/plain-ts/losses.ts:46-46', 'examples/plain-ts/losses.ts:70-70',
    'examples/plain-ts/conv.ts:41-41', 'examples/plain-ts/conv.ts:82-85', 'examples/plain-ts/conv.ts:121-121', 'examples/plain-ts/conv.ts:149-149',
    'examples/plain-ts/conv.ts:170-170', 'examples/plain-ts/conv.ts:186-192',
    'examples/plain-ts/layers.ts:109-109', 'examples/plain-ts/layers.ts:157-157', 'examples/plain-ts/fit.ts:177-177',
  ],
  incrementalFile: 'reports/tmp/recheck-incremental.json',
  htmlReporter: { fileName: 'reports/mutation/recheck/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/recheck/mutation.json' },
  tempDirName: '.stryker-tmp',
};
