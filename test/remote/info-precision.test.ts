import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/impl/remote/errors.js';
import { FieldReader, readInfo } from '../../src/impl/remote/messages.js';

/** The info reply's `precision` (docs/protocol.md): carried when declared, absent means float32, anything else is a schema error. */
describe('info precision over the protocol', () => {
  const read = (header: Record<string, unknown>) => readInfo(FieldReader.of({ type: 'reply', id: 1, ...header }, "reply to 'info'"));

  it('carries float16 and float32, and leaves it out when the implementation does', () => {
    expect(read({ backend: 'webgl', precision: 'float16', details: { WEBGL_FORCE_F16_TEXTURES: true } })).toEqual({
      backend: 'webgl',
      precision: 'float16',
      details: { WEBGL_FORCE_F16_TEXTURES: true },
    });
    expect(read({ backend: 'wasm', precision: 'float32' })).toEqual({ backend: 'wasm', precision: 'float32' });
    expect(read({ backend: 'wasm' })).toEqual({ backend: 'wasm' });
  });

  it('rejects a precision it does not know, naming the field', () => {
    expect(() => read({ backend: 'webgl', precision: 'bfloat16' })).toThrow(ProtocolError);
    expect(() => read({ backend: 'webgl', precision: 'bfloat16' })).toThrow(/field "precision" must be "float32" or "float16", got "bfloat16"/);
    expect(() => read({ backend: 'webgl', precision: 16 })).toThrow(/precision/);
  });
});
