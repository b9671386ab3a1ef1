/**
 * Spec ids, derived from where a spec lives (as the WebGPU CTS derives `suite:file,path:test:params`):
 *
 *   spec/conformance/train/optimizer.spec.ts  +  name 'sgd'  +  params { lr: 0.1 }   →   train:optimizer:sgd:lr=0.1
 *   <file path under spec/conformance/ or spec/suite/, '/' → ':'>[:<name>][:<params>]
 *
 * A file may be split for scheduling into parts `outcome.cnn.spec.ts`, `outcome.mlp.spec.ts`: everything after
 * the first dot is the part, and the parts share the id space `notebook:outcome`. Parameters are data, rendered one
 * way: `key=value` joined by `;` in the order declared. No imports: used by the harness, the conformance runner and
 * the reports alike.
 */
export type SpecKind = 'conformance' | 'suite';
export type ParamValue = string | number | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

/** One word of a file path or a name: lower-case letters, digits, `-`, `_` and `.` (x_train.0, 004-cnn). */
const WORD = /^[a-z0-9][a-z0-9._-]*$/i;
/** A parameter value renders without the id's own separators (`:`, `;`, `=`), spaces or `*`. */
const VALUE = /^[A-Za-z0-9._+,-]+$/;

export class SpecIdError extends Error {
  override name = 'SpecIdError';
}

/** The kind and id prefix of a spec file, from its path: `…/spec/<kind>/<a>/<b>.spec.ts` → { kind, prefix: 'a:b' }. */
export function locateSpecFile(path: string): { kind: SpecKind; prefix: string } {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('spec');
  const kind = parts[at + 1];
  if (at < 0 || (kind !== 'conformance' && kind !== 'suite')) {
    throw new SpecIdError(`${path}: a spec file lives under spec/conformance/ (judges an implementation) or spec/suite/ (judges the suite's own code)`);
  }
  const rel = parts.slice(at + 2);
  const file = rel.pop() ?? '';
  if (!file.endsWith('.spec.ts') && !file.endsWith('.spec.js')) throw new SpecIdError(`${path}: a spec file's name ends in .spec.ts`);
  const segments = [...rel, file.slice(0, file.indexOf('.'))];
  for (const s of segments) if (!WORD.test(s)) throw new SpecIdError(`${path}: "${s}" cannot be part of a spec id (letters, digits, - _ .)`);
  return { kind, prefix: segments.join(':') };
}

/** `key=value;key=value`, in the order declared. */
export function renderParams(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => {
      if (!WORD.test(k)) throw new SpecIdError(`parameter name "${k}" (letters, digits, - _ .)`);
      const value = String(v);
      if (!VALUE.test(value)) throw new SpecIdError(`parameter ${k}="${value}" (letters, digits, . _ + , -)`);
      return `${k}=${value}`;
    })
    .join(';');
}

/** The id of a spec: the file's prefix, then its name (a `:`-separated path of words), then its rendered parameters. */
export function specId(prefix: string, name?: string, params?: Params): string {
  const parts = [prefix];
  if (name !== undefined && name !== '') {
    for (const w of name.split(':')) if (!WORD.test(w)) throw new SpecIdError(`spec name "${name}": "${w}" (letters, digits, - _ .)`);
    parts.push(name);
  }
  if (params && Object.keys(params).length) parts.push(renderParams(params));
  if (parts.length === 1) throw new SpecIdError(`a spec in ${prefix} needs a name or parameters`);
  return parts.join(':');
}

/** The grammar every id satisfies (for ids read back from reports and expectations). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*(:[A-Za-z0-9=,;._+-]+)+$/i;
