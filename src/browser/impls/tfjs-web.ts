import * as tf from '@tensorflow/tfjs';
import { initialWeights } from '../../arch/init.js';
import { resolveArchitecture } from '../../arch/resolve.js';
import { LAYER_TYPES, type Architecture } from '../../arch/types.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import { buildTfjsModel } from '../../impl/tfjs/build.js';
import { TfjsModel, TRAIN_CAPABILITY } from '../../impl/tfjs/model.js';
import type { BuildOptions, Implementation, ImplementationInfo, Model, Precision } from '../../impl/interface.js';

/**
 * TensorFlow.js in a browser page, on one of its browser backends (WebGL, WebAssembly, WebGPU). The model
 * code is the Node reference's own (src/impl/tfjs: tf.layers models, the Keras optimizers, batch-norm and
 * fit loop); only the backend differs, so a difference between this and `tfjs` in Node is the backend's.
 * Bundled for the page by src/browser/bundle.ts; each backend has a three-line entry beside this file.
 */
export type TfjsWebBackend = 'webgl' | 'wasm' | 'webgpu';

export interface BackendSetup {
  /** The name it declares, when not `tfjs-<backend>` (a variant of a backend, such as WebGL on float16 textures). */
  name?: string;
  /** Registers the backend with tfjs (imports its package, points it at its .wasm files). */
  register(): Promise<void> | void;
  /** Runs once the backend is ready: extra kernels, and what the report should say about it. */
  describe(): Promise<BackendDescription> | BackendDescription;
}

export interface BackendDescription {
  precision: Precision;
  /** Why this precision: the flags or adapter facts it was read from. */
  precisionReason: string;
  details: Record<string, string | number | boolean>;
}

/** WebGL computes in float32 only where it can render to float32 textures and is not told to use float16 ones. */
export function describeWebgl(): BackendDescription {
  const env = tf.env();
  const flag = (name: string): boolean | number => {
    try {
      const v = env.get(name);
      return typeof v === 'number' || typeof v === 'boolean' ? v : String(v) === 'true';
    } catch {
      return false;
    }
  };
  const renderFloat32 = flag('WEBGL_RENDER_FLOAT32_ENABLED') === true;
  const forceF16 = flag('WEBGL_FORCE_F16_TEXTURES') === true;
  const precision: Precision = renderFloat32 && !forceF16 ? 'float32' : 'float16';
  const details: Record<string, string | number | boolean> = {
    WEBGL_VERSION: flag('WEBGL_VERSION'),
    WEBGL_RENDER_FLOAT32_CAPABLE: flag('WEBGL_RENDER_FLOAT32_CAPABLE'),
    WEBGL_RENDER_FLOAT32_ENABLED: renderFloat32,
    WEBGL_FORCE_F16_TEXTURES: forceF16,
    WEBGL_DOWNLOAD_FLOAT_ENABLED: flag('WEBGL_DOWNLOAD_FLOAT_ENABLED'),
    WEBGL_PACK: flag('WEBGL_PACK'),
  };
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLLike } };
  const gl = backend.gpgpu?.gl;
  if (gl) {
    const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
    if (ext) details.renderer = String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL));
    // The fragment shader's highp float: 23 mantissa bits is float32; a GPU without highp computes in mediump.
    const fs = gl.getShaderPrecisionFormat(gl.FRAGMENT_SHADER, gl.HIGH_FLOAT);
    if (fs) details.fragmentHighpMantissaBits = fs.precision;
  }
  const reason = forceF16
    ? 'WEBGL_FORCE_F16_TEXTURES is set: every intermediate is stored in a float16 texture'
    : renderFloat32
      ? 'WEBGL_RENDER_FLOAT32_ENABLED: textures and render targets are float32'
      : 'this WebGL cannot render to float32 textures (WEBGL_RENDER_FLOAT32_ENABLED false): tfjs stores intermediates as float16';
  return { precision, precisionReason: reason, details };
}

interface WebGLLike {
  FRAGMENT_SHADER: number;
  HIGH_FLOAT: number;
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
  getShaderPrecisionFormat(shader: number, type: number): { precision: number } | null;
}

/** One browser backend of TF.js as an Implementation. The backend starts on first use (info or build). */
export function tfjsWebImplementation(backend: TfjsWebBackend, setup: BackendSetup): Implementation {
  let ready: Promise<BackendDescription> | undefined;
  const init = async (): Promise<BackendDescription> => {
    // PROD silences tfjs's console banners; it changes no math.
    tf.enableProdMode();
    await setup.register();
    let ok: boolean;
    try {
      ok = await tf.setBackend(backend);
    } catch (e) {
      throw new UnsupportedError(`${setup.name ?? `tfjs-${backend}`}: the ${backend} backend failed to initialise: ${(e as Error).message}`);
    }
    if (!ok || tf.getBackend() !== backend)
      throw new UnsupportedError(`${setup.name ?? `tfjs-${backend}`}: the ${backend} backend is not available in this browser`);
    await tf.ready();
    return setup.describe();
  };
  const ensure = (): Promise<BackendDescription> => {
    ready ??= init().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };

  return {
    name: setup.name ?? `tfjs-${backend}`,
    version: tf.version.tfjs,
    capabilities: { layers: LAYER_TYPES, train: TRAIN_CAPABILITY },

    async info(): Promise<ImplementationInfo> {
      const d = await ensure();
      return {
        backend,
        precision: d.precision,
        details: { tfjs: tf.version.tfjs, ...d.details, precisionReason: d.precisionReason, liveTensors: tf.memory().numTensors },
      };
    },

    async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
      const resolved = resolveArchitecture(arch);
      await ensure();
      const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
      if (!Number.isSafeInteger(seed)) throw new ArgumentError('seed', `must be an integer, got ${seed}`);
      const model = new TfjsModel(buildTfjsModel(resolved, arch.name), resolved);
      await model.setWeights(initialWeights(resolved, seed));
      return model;
    },
  };
}
