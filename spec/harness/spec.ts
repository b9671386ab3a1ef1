import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'vitest';
import type { LayerType } from '../../src/arch/types.js';
import type { Implementation } from '../../src/impl/interface.js';
import type { LossName, OptimizerType } from '../../src/train/config.js';
import { KERAS_SHARED_PREFIX, SEED_FILES, type Claim, type SeedId } from './claims.js';
import { activeSpec, emit, eventsEnabled, expectedSkip, setActiveSpec } from './events.js';
import { implementationsUnderTest, LazyImplementation } from './implementations.js';

/**
 * The spec harness. A spec is a vitest test registered through `spec(meta, fn)`: its metadata (id,
 * the claim it encodes, tier, needs) travels with it to every reporter as `task.meta.spec`, and a test
 * under spec/ without it fails (spec/harness/setup.ts). Inside `forEachImplementation`, the same spec
 * is registered once per implementation under test, as `<impl> > <id>`.
 */
export type Tier = 'fast' | 'full';

export interface SpecNeeds {
  /** The canonical 60k/10k set (MNIST_DIR); skips on the embedded data alone. */
  fullData?: boolean;
  /** The implementation must declare the train capability (with this optimizer and loss, if named). */
  train?: boolean | { optimizer?: OptimizerType; loss?: LossName };
  /** Layer types the implementation must declare. */
  layers?: readonly LayerType[];
}

export interface SpecMeta {
  /** CTS-style id, `area:what:param=value`; also the test's name and what `--query` matches. */
  id: string;
  claim: Claim;
  /** 'fast' (default `npm test`) or 'full' (`npm run test:full`, the notebooks' own budgets). */
  tier?: Tier;
  needs?: SpecNeeds;
  /** For a bound on a random outcome: how the bound was chosen (seeds run, spread seen). */
  stochastic?: string;
  timeoutMs?: number;
}

/** What a report needs of a spec: its metadata plus what the run measured. */
export interface RecordedSpec {
  id: string;
  claim: Claim;
  tier: Tier;
  tags: string[];
  stochastic?: string;
  implementation?: string;
  measured?: unknown;
  bound?: string;
  skipReason?: string;
  /**
   * Named JSON values a spec attached for the reports (ctx.attach): e.g. `histories` (every History a
   * model.fit() returned, collected by the harness), `confusion`, `misclassified`.
   */
  artifacts?: Record<string, unknown>;
}

declare module 'vitest' {
  interface TaskMeta {
    spec?: RecordedSpec;
  }
}

export interface SpecContext {
  /** The implementation under test (inside forEachImplementation). */
  impl: Implementation;
  /** Record the measured value and the bound it was held to, for the reports. */
  record(measured: unknown, bound?: string): void;
  /** Skip with a reason (a missing capability or data): never a pass. */
  skip(reason: string): never;
  /**
   * Attach a named JSON value for the reports (a confusion matrix, misclassified samples): it travels in
   * task.meta.spec.artifacts. Keep it small; typed arrays are stored as plain arrays.
   */
  attach(name: string, value: unknown): void;
  vitest: TestContext;
}

export const TIER: Tier = process.env.MNIST_SPEC_TIER === 'full' ? 'full' : 'fast';
/** `area:what:param=value;param=value` (CTS-style: `;` separates parameters). */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*(:[A-Za-z0-9=,;._*+-]+)+$/;

const here = dirname(fileURLToPath(import.meta.url));
const SEEDS_DIR = process.env.MNIST_SPEC_SEEDS ?? resolve(here, '../../../shared/seeds');
const SHARED_DIR = resolve(here, '../../../shared');
const seedText = new Map<string, string | null>();
const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The raw text of a seed notebook, when ../shared/seeds is beside the checkout (MNIST_SPEC_SEEDS overrides). */
export function notebookText(id: SeedId): string | undefined {
  const file = join(SEEDS_DIR, SEED_FILES[id]);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The file a claim's quote is checked against: a seed notebook, or a provenance note under ../shared/keras. */
function quotedFile(source: string): string | undefined {
  const m = /^seeds\/(.+)$/.exec(source);
  if (m) return join(SEEDS_DIR, m[1]!);
  return source.startsWith(KERAS_SHARED_PREFIX) ? join(SHARED_DIR, source.slice('shared/'.length)) : undefined;
}

/** The quote of a notebook (or shared provenance) claim must occur in that text. Returns a problem, or undefined. */
function checkQuote(claim: Claim): string | undefined {
  const file = quotedFile(claim.source);
  if (!file) return undefined;
  if (!seedText.has(file)) seedText.set(file, existsSync(file) ? normalize(readFileSync(file, 'utf8')) : null);
  const text = seedText.get(file);
  if (text === null || text === undefined) return undefined; // notebooks not beside the checkout: nothing to check against
  return text.includes(normalize(claim.quote)) ? undefined : `claim quote not found in ${claim.source}: "${claim.quote}"`;
}

function metaProblem(meta: SpecMeta): string | undefined {
  if (!meta || typeof meta.id !== 'string' || !ID_PATTERN.test(meta.id)) return `bad or missing spec id "${meta?.id}"`;
  if (!meta.claim?.source || !meta.claim.quote) return `spec ${meta.id}: missing claim (source and quote)`;
  return checkQuote(meta.claim);
}

let current: Implementation | undefined;
const announced = new Set<string>();

/** Tell a conformance run what the implementation is, once per worker (src/conform/protocol.ts 'impl'). */
async function announce(impl: Implementation): Promise<void> {
  if (!eventsEnabled() || announced.has(impl.name)) return;
  announced.add(impl.name);
  const real = impl instanceof LazyImplementation ? await impl.load() : impl;
  const base = { t: 'impl' as const, name: impl.name, declaredName: real.name, version: real.version, capabilities: real.capabilities };
  try {
    emit({ ...base, info: await real.info() });
  } catch (e) {
    emit({ ...base, infoError: (e as Error).message });
  }
}

/** JSON-safe copy for artifacts: typed arrays become arrays. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v)));
}

/** Skip reason when this implementation/environment cannot run the spec, else undefined. */
function skipReason(meta: SpecMeta, impl: Implementation | undefined): string | undefined {
  const tier = meta.tier ?? 'fast';
  if (tier === 'full' && TIER !== 'full') return 'full tier: run `npm run test:full` (MNIST_DIR set)';
  if (impl?.unavailable) return `implementation "${impl.name}" is unavailable here: ${impl.unavailable}`;
  const needs = meta.needs ?? {};
  if (needs.fullData && !process.env.MNIST_DIR) return 'needs the full MNIST set: set MNIST_DIR to a directory of the four IDX files';
  if (impl && needs.layers) {
    const missing = needs.layers.filter((l) => !impl.capabilities.layers.includes(l));
    if (missing.length) return `implementation "${impl.name}" does not declare layers ${missing.join(', ')}`;
  }
  if (impl && needs.train) {
    const train = impl.capabilities.train;
    if (!train) return `implementation "${impl.name}" is inference-only (no train capability)`;
    if (typeof needs.train === 'object') {
      if (needs.train.optimizer && !train.optimizers.includes(needs.train.optimizer)) {
        return `implementation "${impl.name}" does not declare optimizer ${needs.train.optimizer}`;
      }
      if (needs.train.loss && !train.losses.includes(needs.train.loss)) return `implementation "${impl.name}" does not declare loss ${needs.train.loss}`;
    }
  }
  return undefined;
}

function tagsOf(meta: SpecMeta): string[] {
  const tags: string[] = [meta.tier ?? 'fast'];
  if (meta.needs?.fullData) tags.push('needs-full-data');
  if (meta.needs?.train) tags.push('trains');
  if (meta.stochastic) tags.push('stochastic');
  return tags;
}

/** Register one spec (once per implementation when inside forEachImplementation). */
export function spec(meta: SpecMeta, fn: (ctx: SpecContext) => Promise<void> | void): void {
  const problem = metaProblem(meta);
  if (problem) {
    test(`INVALID SPEC: ${meta?.id ?? '(no id)'}`, () => {
      throw new Error(problem);
    });
    return;
  }
  const impl = current;
  const recorded: RecordedSpec = {
    id: meta.id,
    claim: meta.claim,
    tier: meta.tier ?? 'fast',
    tags: tagsOf(meta),
    ...(meta.stochastic ? { stochastic: meta.stochastic } : {}),
    ...(impl ? { implementation: impl.name } : {}),
  };
  test(meta.id, { meta: { spec: recorded }, ...(meta.timeoutMs ? { timeout: meta.timeoutMs } : {}) }, async (vitest) => {
    const record = vitest.task.meta.spec!;
    const name = impl ? `${impl.name} > ${meta.id}` : meta.id;
    const skip = (reason: string): never => {
      record.skipReason = reason;
      return vitest.skip(reason);
    };
    const expected = expectedSkip(name);
    if (expected !== undefined) skip(`expectations: ${expected}`);
    const attach = (key: string, value: unknown): void => {
      (record.artifacts ??= {})[key] = plain(value);
    };
    const active = { name, attach, histories: [] };
    emit({ t: 'spec-start', name, id: meta.id, ...(impl ? { impl: impl.name } : {}), timeoutMs: vitest.task.timeout });
    setActiveSpec(active);
    try {
      await runSpec(vitest, record, skip, attach);
    } finally {
      if (activeSpec() === active) setActiveSpec(undefined);
      emit({ t: 'spec-end', name });
    }
  });

  async function runSpec(vitest: TestContext, record: RecordedSpec, skip: (reason: string) => never, attach: SpecContext['attach']): Promise<void> {
    if (impl instanceof LazyImplementation) await impl.load();
    const reason = skipReason(meta, impl);
    if (reason) skip(reason);
    if (impl) await announce(impl);
    const ctx: SpecContext = {
      get impl(): Implementation {
        if (!impl) throw new Error(`spec ${meta.id} uses ctx.impl outside forEachImplementation`);
        return impl;
      },
      record(measured, bound) {
        record.measured = measured;
        if (bound !== undefined) record.bound = bound;
      },
      skip,
      attach,
      vitest,
    };
    await fn(ctx);
  }
}

/** Register the specs in `body` once for each implementation under test (MNIST_SPEC_IMPL, default: all shipped). */
export function forEachImplementation(body: (impl: Implementation) => void): void {
  for (const impl of implementationsUnderTest) {
    describe(impl.name, () => {
      current = impl;
      try {
        body(impl);
      } finally {
        current = undefined;
      }
    });
  }
}
