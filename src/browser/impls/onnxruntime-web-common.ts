import * as ort from 'onnxruntime-web';
import { initialWeights } from '../../arch/init.js';
import { resolveArchitecture } from '../../arch/resolve.js';
import { LAYER_TYPES, type Architecture } from '../../arch/types.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import type { BuildOptions, Implementation, ImplementationInfo, Model } from '../../impl/interface.js';
import { OrtModel, type OrtRuntime } from '../../impl/onnxruntime/model.js';
import { DEFAULT_OPSET } from '../../onnx/export.js';
import { ASSETS } from '../page/assets.js';
import { describeAdapter } from '../page/gpu.js';

/**
 * onnxruntime-web in the page, inference only, like `onnxruntime` in Node: the same OrtModel runs the graph
 * src/onnx/export.ts writes, on the WebAssembly execution provider or (JSEP build) the WebGPU one. Its .wasm
 * and glue .mjs come from node_modules through the runner's server (ASSETS.ortWasm), never from a CDN.
 */
export type OrtWebProvider = 'wasm' | 'webgpu';

export function onnxruntimeWebImplementation(provider: OrtWebProvider): Implementation {
  const name = provider === 'wasm' ? 'onnxruntime-web' : 'onnxruntime-web-webgpu';
  let ready: Promise<Record<string, string | number | boolean>> | undefined;
  const init = async (): Promise<Record<string, string | number | boolean>> => {
    ort.env.wasm.wasmPaths = ASSETS.ortWasm;
    // Quiet unless something is wrong; warnings of the graph optimiser are not results.
    ort.env.logLevel = 'error';
    const details: Record<string, string | number | boolean> = { onnxruntime: ort.env.versions.web ?? ort.env.versions.common, opset: DEFAULT_OPSET };
    if (provider === 'webgpu') {
      const adapter = await describeAdapter();
      if (!('adapterVendor' in adapter)) throw new UnsupportedError(`${name}: no WebGPU adapter in this browser (${String(adapter.webgpu)})`);
      Object.assign(details, adapter);
    }
    return details;
  };
  const ensure = () => {
    ready ??= init().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: [provider], graphOptimizationLevel: 'all' };

  return {
    name,
    version: ort.env.versions.web ?? ort.env.versions.common,
    capabilities: { layers: LAYER_TYPES },

    async info(): Promise<ImplementationInfo> {
      const details = await ensure();
      // numThreads is settled once the first session has started the wasm runtime.
      return {
        backend: `onnxruntime-web-${provider}`,
        precision: 'float32',
        details: { ...details, wasmThreads: ort.env.wasm.numThreads ?? 'default: min(4, ceil(cores / 2)) when cross-origin isolated' },
      };
    },

    async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
      const resolved = resolveArchitecture(arch);
      await ensure();
      const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
      if (!Number.isSafeInteger(seed)) throw new ArgumentError('seed', `must be an integer, got ${seed}`);
      return new OrtModel(arch, resolved, initialWeights(resolved, seed), ort as unknown as OrtRuntime, sessionOptions);
    },
  };
}
