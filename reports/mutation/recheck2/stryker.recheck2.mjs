// How recheck2/ was made: npx stryker run reports/mutation/recheck2/stryker.recheck2.mjs
// Every mutant on the lines of the 13 left after recheck/ (reports/mutation/README.md), against the suite with their specs.
import base from '../../../stryker.config.mjs';
export default {
  ...base,
  mutate: [
    'examples/plain-ts/layers.ts:157-157', 'examples/plain-ts/conv.ts:109-109', 'examples/plain-ts/conv.ts:214-214',
    'examples/plain-ts/fit.ts:61-61', 'examples/plain-ts/fit.ts:118-118', 'examples/plain-ts/fit.ts:166-166', 'examples/plain-ts/fit.ts:172-172',
  ],
  incremental: false,
  htmlReporter: { fileName: 'reports/mutation/recheck2/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/recheck2/mutation.json' },
  tempDirName: '.stryker-tmp',
};
