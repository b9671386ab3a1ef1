/**
 * The protocol's messages (docs/protocol.md "Messages"), version 1: what each request carries, what its
 * reply must hold, and the checks the suite applies to everything that comes back. Both sides use these
 * types: the suite (RemoteImplementation) and an implementation side written in TypeScript (serve.ts, a
 * browser page). Tensors travel in the frame's payload, named as listed here, never as JSON arrays.
 */
import type { ResolvedArchitecture } from '../../arch/resolve.js';
import { modelWeightSpecs } from '../../arch/resolve.js';
import { LAYER_TYPES, type Architecture, type LayerType } from '../../arch/types.js';
import type { FitConfig, History, LossName, OptimizerType } from '../../train/config.js';
import type { Capabilities, ImplementationInfo, LayerInfo } from '../interface.js';
import { ProtocolError } from './errors.js';
import { describeHeader, type FrameHeader, type WireTensor } from './frame.js';

/** The protocol versions this suite speaks. A new version is added when a message changes meaning. */
export const PROTOCOL_VERSIONS: readonly number[] = [1];

export type RequestType = 'hello' | 'info' | 'build' | 'get_weights' | 'set_weights' | 'predict' | 'fit' | 'dispose' | 'goodbye';
export const REQUEST_TYPES: readonly RequestType[] = ['hello', 'info', 'build', 'get_weights', 'set_weights', 'predict', 'fit', 'dispose', 'goodbye'];

/** Tensor names on the wire. */
export const TENSOR = {
  x: 'x',
  y: 'y',
  validationX: 'validation_x',
  validationY: 'validation_y',
  probabilities: 'probabilities',
  /** set_weights: `weights[0]`, `weights[1]`, … in Keras get_weights() order. */
  weight: (i: number): string => `weights[${i}]`,
} as const;

/** A layer of the build message: the architecture's layer with its Keras name, shapes and weights settled by the suite. */
export type WireLayer = ResolvedArchitecture['layers'][number] & { weights: { name: string; shape: number[]; trainable: boolean }[] };
export interface WireResolved {
  kind: ResolvedArchitecture['kind'];
  inputName: string;
  inputShape: number[];
  outputShape: number[];
  layers: WireLayer[];
}

/** The resolved architecture as the build message carries it, so no implementation has to re-derive Keras's names and shapes. */
export function wireResolved(resolved: ResolvedArchitecture): WireResolved {
  const weights = modelWeightSpecs(resolved);
  return {
    kind: resolved.kind,
    inputName: resolved.inputName,
    inputShape: resolved.inputShape,
    outputShape: resolved.outputShape,
    layers: resolved.layers.map((l) => ({
      ...l,
      weights: weights.filter((w) => w.layer === l.name).map(({ name, shape, trainable }) => ({ name, shape, trainable })),
    })),
  };
}

export interface HelloRequest extends FrameHeader {
  type: 'hello';
  protocols: number[];
  suite: { name: string; version: string };
}
export interface HelloReply {
  protocol: number;
  implementation: { name: string; version: string };
  capabilities: Capabilities;
  info?: ImplementationInfo;
  /** The implementation cannot run here (a missing library): every spec skips with this reason. */
  unavailable?: { reason: string; install?: string };
}
export interface BuildRequest extends FrameHeader {
  type: 'build';
  architecture: Architecture;
  resolved: WireResolved;
  seed?: number;
}
/** Fit's configuration on the wire: validationData travels as the tensors validation_x / validation_y. */
export type WireFitConfig = Omit<FitConfig, 'validationData'>;

export type ProgressMessage =
  | { event: 'batch'; epoch: number; seen: number; total: number; loss: number; acc: number }
  | { event: 'epoch'; epoch: number; loss: number; acc: number; valLoss?: number; valAcc?: number; seconds: number }
  | { event: 'heartbeat' };

/** JSON has no NaN or Infinity: metrics may carry them as these strings. */
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** A number field, with the strings "NaN", "Infinity", "-Infinity" for the values JSON cannot write. */
export function wireNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value];
  return undefined;
}

/** A number as JSON can carry it (see wireNumber). */
export function toWireNumber(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** Checks of what the other side sent, each failing with a ProtocolError('schema') that names the message and field. */
export class FieldReader {
  constructor(
    private readonly obj: Record<string, unknown>,
    readonly context: string,
  ) {}
  static of(header: FrameHeader, what: string): FieldReader {
    return new FieldReader(header as Record<string, unknown>, `${what} ${describeHeader(header)}`);
  }
  private fail(field: string, want: string, got: unknown): never {
    throw new ProtocolError('schema', `${this.context}: field "${field}" must be ${want}, got ${JSON.stringify(got)?.slice(0, 120) ?? 'nothing'}`);
  }
  has(field: string): boolean {
    return this.obj[field] !== undefined && this.obj[field] !== null;
  }
  string(field: string): string {
    const v = this.obj[field];
    return typeof v === 'string' ? v : this.fail(field, 'a string', v);
  }
  number(field: string): number {
    const v = wireNumber(this.obj[field]);
    return v !== undefined ? v : this.fail(field, 'a number', this.obj[field]);
  }
  optionalNumber(field: string): number | undefined {
    return this.has(field) ? this.number(field) : undefined;
  }
  integer(field: string, min = 0): number {
    const v = this.obj[field];
    return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : this.fail(field, `an integer ≥ ${min}`, v);
  }
  object(field: string): FieldReader {
    const v = this.obj[field];
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'an object', v);
    return new FieldReader(v as Record<string, unknown>, `${this.context}.${field}`);
  }
  array(field: string): unknown[] {
    const v = this.obj[field];
    return Array.isArray(v) ? v : this.fail(field, 'an array', v);
  }
  strings(field: string): string[] {
    const v = this.array(field);
    return v.every((s) => typeof s === 'string') ? (v as string[]) : this.fail(field, 'an array of strings', v);
  }
  raw(field: string): unknown {
    return this.obj[field];
  }
  entries(): [string, unknown][] {
    return Object.entries(this.obj);
  }
  at(field: string, i: number): FieldReader {
    const v = this.array(field)[i];
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(`${field}[${i}]`, 'an object', v);
    return new FieldReader(v as Record<string, unknown>, `${this.context}.${field}[${i}]`);
  }
}

/** The capabilities of a hello reply, every layer and optimizer name checked against the ones the suite knows. */
export function readCapabilities(r: FieldReader): Capabilities {
  const c = r.object('capabilities');
  const layers = c.strings('layers');
  const unknown = layers.filter((l) => !(LAYER_TYPES as readonly string[]).includes(l));
  if (unknown.length) throw new ProtocolError('schema', `${c.context}.layers: unknown layer types ${unknown.join(', ')} (known: ${LAYER_TYPES.join(', ')})`);
  if (!c.has('train')) return { layers: layers as LayerType[] };
  const t = c.object('train');
  return { layers: layers as LayerType[], train: { optimizers: t.strings('optimizers') as OptimizerType[], losses: t.strings('losses') as LossName[] } };
}

export function readInfo(r: FieldReader): ImplementationInfo {
  const backend = r.string('backend');
  const precision = r.has('precision') ? r.string('precision') : undefined;
  if (precision !== undefined && precision !== 'float32' && precision !== 'float16') {
    throw new ProtocolError('schema', `${r.context}: field "precision" must be "float32" or "float16", got ${JSON.stringify(precision)}`);
  }
  const base: ImplementationInfo = precision ? { backend, precision } : { backend };
  if (!r.has('details')) return base;
  const d = r.object('details');
  const details: Record<string, string | number | boolean> = {};
  for (const [k, v] of d.entries()) {
    details[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return { ...base, details };
}

export function readHello(r: FieldReader): HelloReply {
  const protocol = r.integer('protocol', 1);
  const impl = r.object('implementation');
  const hello: HelloReply = { protocol, implementation: { name: impl.string('name'), version: impl.string('version') }, capabilities: readCapabilities(r) };
  if (r.has('info')) hello.info = readInfo(r.object('info'));
  if (r.has('unavailable')) {
    const u = r.object('unavailable');
    hello.unavailable = { reason: u.string('reason'), ...(u.has('install') ? { install: u.string('install') } : {}) };
  }
  return hello;
}

export function readLayers(r: FieldReader): LayerInfo[] {
  return r.array('layers').map((_, i) => {
    const l = r.at('layers', i);
    const shape = l.array('outputShape');
    if (!shape.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) >= 0)))
      throw new ProtocolError('schema', `${l.context}.outputShape must hold integers and nulls, got ${JSON.stringify(shape)}`);
    return {
      name: l.string('name'),
      type: l.string('type'),
      outputShape: shape as (number | null)[],
      params: l.integer('params'),
      trainableParams: l.integer('trainableParams'),
    };
  });
}

export function readProgress(r: FieldReader): ProgressMessage {
  const event = r.string('event');
  switch (event) {
    case 'batch':
      return { event, epoch: r.integer('epoch'), seen: r.integer('seen'), total: r.integer('total'), loss: r.number('loss'), acc: r.number('acc') };
    case 'epoch': {
      const valLoss = r.optionalNumber('valLoss');
      const valAcc = r.optionalNumber('valAcc');
      return {
        event,
        epoch: r.integer('epoch'),
        loss: r.number('loss'),
        acc: r.number('acc'),
        ...(valLoss !== undefined ? { valLoss } : {}),
        ...(valAcc !== undefined ? { valAcc } : {}),
        seconds: r.number('seconds'),
      };
    }
    case 'heartbeat':
      return { event };
    default:
      throw new ProtocolError('schema', `${r.context}: unknown progress event "${event}" (batch, epoch, heartbeat)`);
  }
}

export function readHistory(r: FieldReader): History {
  const h = r.object('history');
  return {
    trainSamples: h.integer('trainSamples'),
    valSamples: h.integer('valSamples'),
    epochs: h.array('epochs').map((_, i) => {
      const e = h.at('epochs', i);
      const valLoss = e.optionalNumber('valLoss');
      const valAcc = e.optionalNumber('valAcc');
      return {
        epoch: e.integer('epoch'),
        loss: e.number('loss'),
        acc: e.number('acc'),
        ...(valLoss !== undefined ? { valLoss } : {}),
        ...(valAcc !== undefined ? { valAcc } : {}),
        seconds: e.number('seconds'),
      };
    }),
  };
}

/** The one tensor of a reply named `name`, float32 of exactly `shape`: anything else is a lie about the reply. */
export function expectTensor(tensors: readonly WireTensor[], name: string, shape: readonly number[], context: string): WireTensor & { data: Float32Array } {
  const matches = tensors.filter((t) => t.name === name);
  if (matches.length !== 1) {
    throw new ProtocolError(
      'tensor',
      `${context}: expected one tensor "${name}", got ${matches.length} (tensors: ${tensors.map((t) => t.name).join(', ') || 'none'})`,
    );
  }
  const t = matches[0]!;
  if (t.dtype !== 'float32') throw new ProtocolError('tensor', `${context}: tensor "${name}" has dtype ${t.dtype}, expected float32`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ProtocolError('tensor', `${context}: tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t as WireTensor & { data: Float32Array };
}
