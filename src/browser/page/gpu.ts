/**
 * What the page's browser offers for GPU compute, read in the page: the WebGPU adapter (vendor, architecture,
 * whether it is a fallback/software adapter, shader-f16) and WebGL's unmasked renderer string. Typed with the
 * few structural types it needs rather than the DOM lib, which the Node code must not see.
 */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}
interface PageGlobals {
  navigator: { userAgent: string; hardwareConcurrency: number; gpu?: { requestAdapter(o?: object): Promise<GpuAdapterLike | null> } };
  document?: { createElement(tag: 'canvas'): { getContext(kind: string): GlLike | null } };
  crossOriginIsolated?: boolean;
}
interface GlLike {
  RENDERER: number;
  VENDOR: number;
  VERSION: number;
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
}

const page = globalThis as unknown as PageGlobals;

export async function describeAdapter(): Promise<Record<string, string | number | boolean>> {
  const gpu = page.navigator.gpu;
  if (!gpu) return { webgpu: 'navigator.gpu is absent (WebGPU needs a secure context and, on Linux, --enable-unsafe-webgpu)' };
  const a = await gpu.requestAdapter();
  if (!a) return { webgpu: 'requestAdapter() returned null: no adapter' };
  const i = a.info ?? {};
  return {
    adapterVendor: i.vendor ?? '',
    adapterArchitecture: i.architecture ?? '',
    adapterDevice: i.device ?? '',
    adapterDescription: i.description ?? '',
    adapterIsFallback: Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter),
    shaderF16: a.features.has('shader-f16'),
    maxBufferSize: a.limits.maxBufferSize,
  };
}

export interface PageEnvironment {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  webgl: { version: string; vendor: string; renderer: string; floatColorBuffer: boolean } | null;
  webgpu: Record<string, string | number | boolean>;
}

/** Everything a report should say about the page's browser, GPU-wise. */
export async function describeEnvironment(): Promise<PageEnvironment> {
  let webgl: PageEnvironment['webgl'] = null;
  const gl = page.document?.createElement('canvas').getContext('webgl2') ?? null;
  if (gl) {
    const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number; UNMASKED_VENDOR_WEBGL: number } | null;
    webgl = {
      version: String(gl.getParameter(gl.VERSION)),
      vendor: String(gl.getParameter(ext ? ext.UNMASKED_VENDOR_WEBGL : gl.VENDOR)),
      renderer: String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
      floatColorBuffer: !!gl.getExtension('EXT_color_buffer_float'),
    };
  }
  return {
    userAgent: page.navigator.userAgent,
    hardwareConcurrency: page.navigator.hardwareConcurrency,
    crossOriginIsolated: page.crossOriginIsolated === true,
    webgl,
    webgpu: await describeAdapter(),
  };
}
