import { PRECISION_PROFILES, type PrecisionProfile } from '../golden/tolerances.js';
import type { Implementation, Precision } from '../impl/interface.js';
import { ContractError } from './guard.js';

/**
 * Which tolerance profile judges an implementation: the one named for the precision it declares
 * (ImplementationInfo.precision; absent = float32). The profiles themselves are written once, with their reasons,
 * beside the golden tolerances (src/golden/tolerances.ts). A float32 implementation is always judged with float32's.
 */
export type { PrecisionProfile, Tolerance } from '../golden/tolerances.js';

export function profileOf(precision: Precision | undefined): PrecisionProfile {
  const name = precision ?? 'float32';
  const profile = (PRECISION_PROFILES as Record<string, PrecisionProfile | undefined>)[name];
  if (!profile)
    throw new ContractError(
      `info().precision is ${JSON.stringify(precision)}: the suite knows ${Object.keys(PRECISION_PROFILES).join(', ')} (absent means float32)`,
    );
  return profile;
}

const asked = new WeakMap<Implementation, Promise<PrecisionProfile>>();

/** The profile of the precision `impl` declares in info(), asked once per implementation. */
export function toleranceProfile(impl: Implementation): Promise<PrecisionProfile> {
  let p = asked.get(impl);
  if (!p) {
    p = impl.info().then((i) => profileOf(i.precision));
    p.catch(() => asked.delete(impl));
    asked.set(impl, p);
  }
  return p;
}

/** What a spec's bound says of the profile: nothing for float32 (the default), `(float16 profile)` otherwise. */
export const profileNote = (p: PrecisionProfile): string => (p.precision === 'float32' ? '' : ` (${p.precision} profile)`);

/** Every tolerance of a profile as rows for a report: name, value, reason. */
export function profileRows(p: PrecisionProfile): { name: string; value: string; reason: string }[] {
  const rows: { name: string; value: string; reason: string }[] = [];
  for (const [name, v] of Object.entries(p)) {
    if (typeof v !== 'object' || v === null) continue;
    if ('rtol' in v) rows.push({ name, value: `|Δ| ≤ ${v.atol} + ${v.rtol}·|expected|`, reason: v.reason });
    else if ('value' in v) rows.push({ name, value: String(v.value), reason: v.reason });
  }
  return rows;
}
