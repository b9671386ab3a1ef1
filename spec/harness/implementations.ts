import type { Architecture } from '../../src/arch/types.js';
import type { BuildOptions, Capabilities, Implementation, ImplementationInfo, Model } from '../../src/impl/interface.js';
import { loadImplementation, SHIPPED_IMPLEMENTATIONS } from '../../src/impl/registry.js';
import { implementationName } from '../../src/conform/names.js';
import { guardModel } from './guard.js';

/**
 * An implementation under test, loaded on first use: spec files register their specs by name at
 * collection time, but only a spec that runs pays for starting a runtime (TF.js, onnxruntime).
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
    this.loading ??= loadImplementation(this.nameOrPath).then((impl) => (this.loaded = impl));
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
  async close(): Promise<void> {
    if (this.loaded) await this.loaded.close?.();
  }
}

/**
 * MNIST_SPEC_IMPL: comma-separated shipped names or module paths, or a JSON array of them (how `conform` passes
 * an `exec:` command, which may hold commas); default every shipped in-process implementation.
 */
const requested = process.env.MNIST_SPEC_IMPL ?? SHIPPED_IMPLEMENTATIONS.join(',');
export const implementationsUnderTest: LazyImplementation[] = (requested.trim().startsWith('[') ? (JSON.parse(requested) as string[]) : requested.split(','))
  .map((s) => s.trim())
  .filter(Boolean)
  .map((s) => new LazyImplementation(implementationName(s), s));

/**
 * The full tier's trainings are the notebooks' own budgets (000 and 000-scaled are 100 epochs each): about
 * 11 minutes with engine, over an hour with tfjs on wasm. Unless MNIST_SPEC_IMPL names the implementations
 * (as `mnist-spec conform --tier full --impl X` does), only these train there; the others skip saying so.
 */
export const FULL_TIER_TRAINERS: readonly string[] = ['engine'];

/** Why `name` does not train in the full tier of this run, or undefined when it does. */
export function fullTierTrainingSkip(name: string): string | undefined {
  if (process.env.MNIST_SPEC_IMPL || FULL_TIER_TRAINERS.includes(name)) return undefined;
  return `the full tier trains with ${FULL_TIER_TRAINERS.join(', ')} by default: name this implementation in MNIST_SPEC_IMPL to train it at the notebooks' budgets`;
}
