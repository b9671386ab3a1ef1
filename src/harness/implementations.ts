import type { Architecture } from '../arch/types.js';
import type { BuildOptions, Capabilities, Implementation, ImplementationInfo, Model } from '../impl/interface.js';
import { implementationName, loadImplementation, withRole, type LoadOptions } from '../impl/registry.js';
import { ENV } from './env.js';
import { guardModel } from './guard.js';

/**
 * Which implementations a run judges, and how: each is loaded on first use (spec files register their specs by
 * name at collection time, but only a spec that runs pays for starting a runtime), and every model it builds
 * comes back guarded against the interface's contract (guard.ts).
 */
export class LazyImplementation implements Implementation {
  private loaded: Implementation | undefined;
  private loading: Promise<Implementation> | undefined;
  constructor(
    /** The shipped name, or the module file's base name for a module path. */
    readonly name: string,
    private readonly nameOrPath: string,
  ) {}
  async load(): Promise<Implementation> {
    this.loading ??= loadImplementation(this.nameOrPath, loadOptions()).then((impl) => (this.loaded = impl));
    return this.loading;
  }
  private get real(): Implementation {
    if (!this.loaded) throw new Error(`implementation "${this.name}" used before it was loaded`);
    return this.loaded;
  }
  get version(): string {
    return this.real.version;
  }
  get capabilities(): Capabilities {
    return this.real.capabilities;
  }
  get unavailable(): string | undefined {
    return this.real.unavailable;
  }
  async info(): Promise<ImplementationInfo> {
    return (await this.load()).info();
  }
  /** Models come back guarded: whatever they return is checked against the interface (see guard.ts). */
  async build(arch: Architecture, options?: BuildOptions): Promise<Model> {
    return guardModel(await (await this.load()).build(arch, options), arch, this.name);
  }
  /** Close what it holds (a browser, a process); the next use loads it afresh. */
  async close(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    this.loading = undefined;
    if (loaded) await loaded.close?.();
  }
}

const seconds = (name: string): number | undefined => {
  const v = Number(process.env[name]);
  return v > 0 ? v * 1000 : undefined;
};

/** How this run opens implementations that run in a browser page (ENV.browser, set by `mnist-spec conform --browser`). */
function loadOptions(): LoadOptions {
  const browser = process.env[ENV.browser];
  const pageBundle = process.env[ENV.pageBundle];
  const pageLoadTimeoutMs = seconds(ENV.pageLoadTimeout);
  const callTimeoutMs = seconds(ENV.remoteTimeout);
  return {
    ...(browser ? { browser } : {}),
    ...(pageBundle ? { pageBundle } : {}),
    ...(pageLoadTimeoutMs ? { pageLoadTimeoutMs } : {}),
    ...(callTimeoutMs ? { callTimeoutMs } : {}),
  };
}

let underTest: LazyImplementation[] | undefined;

/**
 * MNIST_SPEC_IMPL: comma-separated shipped names or module paths, or a JSON array of them (how `conform` passes
 * an `exec:` command, which may hold commas); default the registry's `under-test` role.
 */
export function implementationsUnderTest(): LazyImplementation[] {
  const requested = process.env[ENV.impl] ?? withRole('under-test').join(',');
  underTest ??= (requested.trim().startsWith('[') ? (JSON.parse(requested) as string[]) : requested.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => new LazyImplementation(implementationName(s), s));
  return underTest;
}

/**
 * Why `name` does not train the notebook outcomes of this run on `data`, or undefined when it does. Unless
 * MNIST_SPEC_IMPL names the implementations (as `mnist-spec conform --impl X` always does), only the registry's
 * trainers of that tier train there; the others skip saying so.
 * - full: the notebooks' own budgets (000 and 000-scaled are 100 epochs each): minutes with the engine, over an hour
 *   with tfjs on wasm. `full-tier-trainer`.
 * - embedded: the default tier's short budgets: `npm test` trains them with its `default-tier-trainer`s, so that it
 *   stays a developer's loop of a minute or two; the reference's outcomes (tfjs on wasm: 90 s of the CPU) are judged
 *   through the built CLI by `npm run test:e2e` (test/conform/reference-outcomes.e2e.test.ts), which CI runs too.
 */
export function outcomeTrainingSkip(name: string, data: 'embedded' | 'full'): string | undefined {
  const trainers = withRole(data === 'full' ? 'full-tier-trainer' : 'default-tier-trainer');
  if (process.env[ENV.impl] || trainers.includes(name)) return undefined;
  return data === 'full'
    ? `the full tier trains with ${trainers.join(', ')} by default: name this implementation in ${ENV.impl} to train it at the notebooks' budgets`
    : `npm test trains the embedded outcomes with ${trainers.join(', ')}; ${name}'s are judged through the built CLI by npm run test:e2e (name it in ${ENV.impl} to train it here)`;
}
