import { fileURLToPath } from 'node:url';
import { afterAll, describe, test, type TestContext } from 'vitest';
import type { Implementation } from '../impl/interface.js';
import { claimProblem, type Claim } from './claims.js';
import { unknownBehaviours } from './contract.js';
import { activeSpec, emit, eventsEnabled, expectedSkip, setActiveSpec } from './events.js';
import { locateSpecFile, specId, type Params, type SpecKind } from './ids.js';
import { implementationsUnderTest, LazyImplementation } from './implementations.js';
import type { Placement, SpecRecord, Stochastic } from './record.js';
import { skipReason, tagsOf, type SpecNeeds, type Tier } from './tiers.js';

/**
 * The vitest binding of the harness. A spec file opens with one of
 *
 *   const spec = conformanceSpecs(import.meta.url);   // spec/conformance/**: judges each implementation under test
 *   const spec = suiteSpecs(import.meta.url);         // spec/suite/**: judges the suite's own code
 *
 * and registers each spec with `spec(decl, fn)`. The id comes from the file's location plus the declared name
 * and parameters (ids.ts); the claim's quote is checked against its source; a bad id, a claim that is not in its
 * notebook, a file in the wrong folder or a duplicate id registers a failing test instead. A conformance spec is
 * registered once per implementation under test, as `<impl> > <id>`; its metadata travels to every reporter as
 * task.meta.spec (record.ts).
 */
export interface SpecDecl {
  /** A `:`-separated path of words after the file's prefix (`sgd`, `history`); optional when params say it all. */
  name?: string;
  /** Parameters, as data: rendered `key=value;…` in the id. */
  params?: Params;
  claim: Claim;
  /** 'fast' (default `npm test`) or 'full' (`npm run test:full`, the notebooks' own budgets). */
  tier?: Tier;
  needs?: SpecNeeds;
  /** For a bound on a random outcome: how it was chosen, and the estimated probability that a correct implementation fails it. */
  stochastic?: Stochastic;
  /** The behaviours of the contract this spec judges (keys of src/harness/contract.ts BEHAVIOURS). Conformance specs only. */
  judges?: readonly string[];
  timeoutMs?: number;
}

export interface SpecContext {
  readonly id: string;
  /** Record the measured value and the bound it was held to, for the reports. */
  record(measured: unknown, bound?: string): void;
  /** Skip with a reason (a missing capability or data): never a pass. */
  skip(reason: string): never;
  /** Attach a named JSON value for the reports (a confusion matrix, misclassified samples). Keep it small. */
  attach(name: string, value: unknown): void;
  /**
   * A pass that deserves a second look (CTS's `warn`): the spec still passes, and is reported as `warn` with this
   * reason — judged, never failing the run. For what is legal but unlikely, e.g. a value in its bound but beyond the
   * reference's 1% tail. A spec that then fails is reported as failed (the warning stays in its record).
   */
  warn(reason: string): void;
  /** Record where a measured value falls in the reference's calibrated distribution (a stochastic bound's value). */
  place(placement: Placement): void;
  vitest: TestContext;
}

export interface ConformanceContext extends SpecContext {
  /** The implementation under test. */
  readonly impl: Implementation;
}

export type SpecFn<C> = (ctx: C) => Promise<void> | void;
export type RegisterSpec<C> = (decl: SpecDecl, fn: SpecFn<C>) => void;

declare module 'vitest' {
  interface TaskMeta {
    spec?: SpecRecord;
  }
}

/** Ids registered in this process (each spec file runs in its own): `<impl>|<id>`. */
const registered = new Set<string>();

/** A failing test in place of a spec that cannot be registered as declared. */
function invalid(label: string, problem: string): void {
  test(`INVALID SPEC: ${label}`, () => {
    throw new Error(problem);
  });
}

function locate(fileUrl: string, kind: SpecKind): string | undefined {
  const path = fileURLToPath(fileUrl);
  try {
    const where = locateSpecFile(path);
    if (where.kind !== kind) {
      invalid(
        path,
        `${path}: ${kind === 'conformance' ? 'conformanceSpecs' : 'suiteSpecs'} used in spec/${where.kind}/: a file under spec/conformance/ judges implementations, one under spec/suite/ the suite itself`,
      );
      return undefined;
    }
    return where.prefix;
  } catch (e) {
    invalid(path, (e as Error).message);
    return undefined;
  }
}

/** Specs of a file under spec/conformance/: each registered once per implementation under test. */
export function conformanceSpecs(fileUrl: string): RegisterSpec<ConformanceContext> {
  const prefix = locate(fileUrl, 'conformance');
  // What an implementation holds (a browser, a process) is closed when the file's specs are done, not left to exit.
  afterAll(async () => {
    for (const impl of implementationsUnderTest()) await impl.close();
  });
  return (decl, fn) => {
    if (prefix === undefined) return;
    for (const impl of implementationsUnderTest()) describe(impl.name, () => register('conformance', prefix, decl, impl, fn as SpecFn<SpecContext>));
  };
}

/** Specs of a file under spec/suite/: registered once. */
export function suiteSpecs(fileUrl: string): RegisterSpec<SpecContext> {
  const prefix = locate(fileUrl, 'suite');
  return (decl, fn) => {
    if (prefix !== undefined) register('suite', prefix, decl, undefined, fn);
  };
}

const announced = new Set<string>();

/** Tell a conformance run what the implementation is, once per worker (the 'impl' event). */
async function announce(impl: Implementation): Promise<void> {
  if (!eventsEnabled() || announced.has(impl.name)) return;
  announced.add(impl.name);
  const real = impl instanceof LazyImplementation ? await impl.load() : impl;
  // An implementation in a browser page also says which browser, user agent and GPU adapter/renderer (src/browser).
  const environment = (real as { environment?: unknown }).environment;
  const base = {
    t: 'impl' as const,
    name: impl.name,
    declaredName: real.name,
    version: real.version,
    capabilities: real.capabilities,
    ...(environment && typeof environment === 'object' ? { environment: environment as Record<string, unknown> } : {}),
  };
  try {
    emit({ ...base, info: await real.info() });
  } catch (e) {
    emit({ ...base, infoError: (e as Error).message });
  }
}

/** JSON-safe copy for artifacts: typed arrays become arrays. */
function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v)),
  );
}

function register(kind: SpecKind, prefix: string, decl: SpecDecl, impl: Implementation | undefined, fn: SpecFn<SpecContext>): void {
  let id: string;
  try {
    id = specId(prefix, decl.name, decl.params);
  } catch (e) {
    return invalid(`${prefix}:${decl.name ?? ''}`, (e as Error).message);
  }
  const problem = claimProblem(decl.claim);
  if (problem) return invalid(id, `spec ${id}: ${problem}`);
  const unknown = unknownBehaviours(decl.judges ?? []);
  if (unknown.length) return invalid(id, `spec ${id}: judges unknown behaviours ${unknown.join(', ')} (src/harness/contract.ts)`);
  if (kind === 'conformance' && !decl.judges?.length)
    return invalid(id, `spec ${id}: a conformance spec names the behaviours it judges (judges: src/harness/contract.ts)`);
  const key = `${impl?.name ?? ''}|${id}`;
  if (registered.has(key)) return invalid(id, `spec ${id} is registered twice${impl ? ` for ${impl.name}` : ''}: ids must be unique`);
  registered.add(key);

  const tier = decl.tier ?? 'fast';
  const needs = decl.needs ?? {};
  const recorded: SpecRecord = {
    id,
    kind,
    claim: decl.claim,
    tier,
    tags: tagsOf(tier, needs, decl.stochastic !== undefined),
    ...(decl.params ? { params: decl.params } : {}),
    ...(decl.needs ? { needs: decl.needs } : {}),
    ...(decl.stochastic ? { stochastic: decl.stochastic } : {}),
    ...(decl.judges ? { judges: [...decl.judges] } : {}),
    ...(impl ? { implementation: impl.name } : {}),
  };
  test(id, { meta: { spec: recorded }, ...(decl.timeoutMs ? { timeout: decl.timeoutMs } : {}) }, async (vitest) => {
    const record = vitest.task.meta.spec!;
    const name = impl ? `${impl.name} > ${id}` : id;
    const skip = (reason: string): never => {
      record.skipReason = reason;
      return vitest.skip(reason);
    };
    const attach = (key: string, value: unknown): void => {
      (record.artifacts ??= {})[key] = plain(value);
    };
    const expected = expectedSkip(name);
    if (expected !== undefined) skip(`expectations: ${expected}`);
    const active = { name, attach, histories: [] };
    emit({ t: 'spec-start', name, id, ...(impl ? { impl: impl.name } : {}), timeoutMs: vitest.task.timeout });
    setActiveSpec(active);
    try {
      if (impl instanceof LazyImplementation) await impl.load();
      const reason = skipReason(tier, needs, impl);
      if (reason) skip(reason);
      if (impl) await announce(impl);
      const ctx: SpecContext & { impl?: Implementation } = {
        id,
        record(measured, bound) {
          record.measured = measured;
          if (bound !== undefined) record.bound = bound;
        },
        skip,
        attach,
        warn(reason) {
          (record.warnings ??= []).push(reason);
        },
        place(placement) {
          (record.placements ??= []).push(placement);
        },
        vitest,
        ...(impl ? { impl } : {}),
      };
      await fn(ctx);
    } finally {
      if (activeSpec() === active) setActiveSpec(undefined);
      emit({ t: 'spec-end', name });
    }
  });
}
