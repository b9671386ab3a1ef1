import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, INSTALL_CHROMIUM } from '../../src/browser/chromium.js';
import { openBrowserImplementation, type BrowserImplementation } from '../../src/browser/page-implementation.js';
import { compareArgmax, compareClose } from '../../src/golden/compare.js';
import { GOLDEN_DIR, INPUT_FILE, MODEL_FILE, OUTPUT_FILE, readManifest } from '../../src/golden/manifest.js';
import { decodeTensorPb } from '../../src/golden/tensor-pb.js';
import { loadImplementation } from '../../src/impl/registry.js';
import { importOnnx } from '../../src/onnx/import.js';
import { getRecipe } from '../../src/recipes/index.js';
import type { Architecture } from '../../src/arch/types.js';

/**
 * Browser implementations in Debian's headless Chromium (src/browser/): tfjs on the page's WebAssembly
 * backend computes what the Node reference computes on the golden 004-cnn model; a page-side error comes
 * back as the same kind of error; WebGL declares float16 when told to use float16 textures, float32 on
 * SwiftShader otherwise. Without /usr/bin/chromium (.ci/run installs it) the tests skip, saying so.
 */
const available = existsSync(CHROMIUM_PATH);
const manifest = await readManifest();
const ID = '004-cnn';
const read = (f: string) => new Uint8Array(readFileSync(join(GOLDEN_DIR, ID, f)));

describe.skipIf(!available)(
  `tfjs-wasm in headless chromium (${available ? CHROMIUM_PATH : `skipped: ${CHROMIUM_PATH} is absent; ${INSTALL_CHROMIUM}`})`,
  () => {
    let impl: BrowserImplementation;
    beforeAll(async () => {
      impl = await openBrowserImplementation('tfjs-wasm');
    }, 120_000);
    afterAll(async () => impl?.close());

    it('records the browser, its user agent and what the page offers for GPU compute', async () => {
      expect(impl.environment.browser).toBe('chromium');
      expect(impl.environment.browserVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(impl.environment.userAgent).toContain('HeadlessChrome/');
      expect(impl.environment.crossOriginIsolated).toBe(true);
      expect(impl.environment.webgl?.renderer).toBeTruthy();
      const info = await impl.info();
      expect(info).toMatchObject({ backend: 'wasm', precision: 'float32' });
      expect(impl.capabilities.train?.optimizers).toContain('adam');
    });

    it('predicts the golden 004-cnn outputs as the Node reference does', async () => {
      const imported = importOnnx(read(MODEL_FILE), `golden/${ID}/${MODEL_FILE}`);
      const input = decodeTensorPb(read(INPUT_FILE), INPUT_FILE).tensor;
      const expected = decodeTensorPb(read(OUTPUT_FILE), OUTPUT_FILE).tensor;
      const node = await loadImplementation('tfjs');
      const reference = await node.build(imported.arch, { seed: 1 });
      await reference.setWeights(imported.weights);
      const want = await reference.predict(input, { batchSize: 128 });
      reference.dispose();

      const model = await impl.build(imported.arch, { seed: 1 });
      expect(model.layers().map((l) => l.type)).toEqual(imported.arch.layers.map((l) => l.type));
      await model.setWeights(imported.weights);
      const got = await model.predict(input, { batchSize: 128 });
      model.dispose();
      expect(got.shape).toEqual(want.shape);
      expect(got.data).toBeInstanceOf(Float32Array);
      const tol = manifest.recipes[ID]!.tolerances;
      expect(compareClose(got.data, want.data, tol.implementations).outside, 'against Node tfjs').toBe(0);
      expect(compareClose(got.data, expected.data, tol.implementations).outside, 'against output_0.pb').toBe(0);
      expect(compareArgmax(got.data, expected.data, 10, tol.argmax.minMargin).disagreements).toEqual([]);
    }, 120_000);

    it('returns a page-side error as the same kind of error', async () => {
      const model = await impl.build(getRecipe('001').arch, { seed: 1 });
      await expect(model.predict({ shape: [2, 28, 28], data: new Float32Array(2 * 784) })).rejects.toMatchObject({ name: 'ArgumentError', argument: 'x' });
      await expect(model.setWeights([])).rejects.toMatchObject({ name: 'ArgumentError' });
      model.dispose();
      await expect(model.predict({ shape: [1, 784], data: new Float32Array(784) })).rejects.toThrow(/disposed/);
    }, 60_000);
  },
);

describe.skipIf(!available)('a module that cannot become a page implementation', () => {
  it('is refused with the reason', async () => {
    await expect(openBrowserImplementation('test/fixtures/browser/throws-at-load.ts')).rejects.toThrow(/threw while loading: .*boom while loading/);
    await expect(openBrowserImplementation('test/fixtures/browser/not-an-implementation.ts')).rejects.toThrow(/default export is not an Implementation/);
  }, 120_000);
});

describe.skipIf(!available)('a page that hangs', () => {
  it('fails the call at the protocol timeout, loses its models, and the next call gets a fresh page', async () => {
    const impl = await openBrowserImplementation('test/fixtures/browser/hangs.ts', { callTimeoutMs: 3000 });
    try {
      const arch: Architecture = { kind: 'sequential', inputShape: [4], layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] };
      const model = await impl.build(arch, { seed: 1 });
      const ok = await model.predict({ shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) });
      expect(ok.shape).toEqual([1, 3]);
      await expect(model.predict({ shape: [1, 4], data: new Float32Array([42, 0, 0, 0]) })).rejects.toMatchObject({ name: 'ProtocolError', kind: 'timeout' });
      await expect(model.predict({ shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) })).rejects.toMatchObject({ name: 'ProtocolError', kind: 'lost' });
      const again = await impl.build(arch, { seed: 1 });
      const p = await again.predict({ shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) });
      expect(Array.from(p.data)).toEqual(Array.from(ok.data));
    } finally {
      await impl.close();
    }
  }, 120_000);
});

describe.skipIf(!available)('tfjs-webgl declares the precision it computes in', () => {
  it('float16 when told to use float16 textures, float32 on a WebGL that renders to float32 (SwiftShader here)', async () => {
    for (const [flags, want] of [
      [{ WEBGL_FORCE_F16_TEXTURES: true }, 'float16'],
      [{}, 'float32'],
    ] as const) {
      const impl = await openBrowserImplementation('tfjs-webgl', { tfjsFlags: flags });
      try {
        const info = await impl.info();
        expect(info.backend).toBe('webgl');
        expect(info.precision, JSON.stringify(info.details)).toBe(want);
        expect(info.details?.precisionReason).toBeTruthy();
      } finally {
        await impl.close();
      }
    }
  }, 180_000);
});
