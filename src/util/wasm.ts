/**
 * The little of the WebAssembly JS API the project's kernels use (src/util/keep-mask-wasm.ts, the engine's
 * src/impl/engine/update.ts): Node's types declare no WebAssembly values without lib "dom".
 */
export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** One page of WebAssembly memory, in bytes. */
export const WASM_PAGE = 65536;

/** The runtime's WebAssembly, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}
