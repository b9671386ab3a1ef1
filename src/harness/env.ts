/**
 * Every environment variable the suite reads, named once. A conformance run (src/conform) sets them for the
 * spec runner it starts; `npm test` users set the first four by hand.
 */
export const ENV = {
  /** Comma-separated shipped implementation names or module paths to judge (default: the registry's `under-test` role). */
  impl: 'MNIST_SPEC_IMPL',
  /** `full` adds the notebooks' own training budgets (default `fast`). */
  tier: 'MNIST_SPEC_TIER',
  /** The canonical 60k/10k MNIST set: a directory of the four IDX files. */
  mnistDir: 'MNIST_DIR',
  /** Where the seed notebooks are (default ../shared/seeds beside the checkout): their quotes are checked against them. */
  seeds: 'MNIST_SPEC_SEEDS',
  /** JSONL file the harness appends SpecEvents to (events.ts). Set by `mnist-spec conform` only. */
  events: 'MNIST_SPEC_EVENTS',
  /** JSONL file the conform reporter appends ResultLines to. Set by `mnist-spec conform` only. */
  results: 'MNIST_SPEC_RESULTS',
  /** JSON array of { pattern, reason }: specs whose full name matches `pattern` (a RegExp source) skip with `reason`. */
  skip: 'MNIST_SPEC_SKIP',
  /**
   * The seed of the notebook outcome trainings (spec/conformance/notebook/outcome.ts; default 1): another seed is
   * another random draw of a correct run, which is how scripts/flake-count.ts measures how often the default tier
   * fails a correct implementation. A non-default seed is recorded with each outcome's measurement.
   */
  trainSeed: 'MNIST_SPEC_TRAIN_SEED',
  /** Run the implementations in this browser's page (`chromium`): set by `mnist-spec conform --browser`. */
  browser: 'MNIST_SPEC_BROWSER',
  /** The page bundle `mnist-spec conform --browser` built once for the run (src/browser/bundle.ts). */
  pageBundle: 'MNIST_SPEC_PAGE_BUNDLE',
  /** Seconds a browser page may take to load and connect (default 60). */
  pageLoadTimeout: 'MNIST_SPEC_PAGE_LOAD_TIMEOUT',
  /** Seconds of silence allowed per call to an implementation behind the remote protocol, a process or a page (default 45). */
  remoteTimeout: 'MNIST_SPEC_REMOTE_TIMEOUT',
  /** Log onnxruntime's per-operator profile of the engine (src/impl/engine). */
  engineProfile: 'MNIST_SPEC_ENGINE_PROFILE',
} as const;

/** The variables that configure a spec run: a parent's values must not leak into a child run it configures itself. */
export const RUN_ENV: readonly string[] = [ENV.impl, ENV.tier, ENV.events, ENV.results, ENV.skip, ENV.browser, ENV.pageBundle];
