import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArgumentError } from '../errors.js';
import type { Implementation, ImplementationModule } from './interface.js';
import { isExecSpec, parseExecSpec } from './remote/exec-spec.js';

// What the conform runner needs of exec: specs, through the registry (the runner may import the contract, not an implementation).
export { isExecSpec } from './remote/exec-spec.js';
export { execSpecForRunner } from './remote/exec-preflight.js';

/**
 * The one registry of shipped implementations. Every list the project uses — what `npm test` judges, what the
 * full tier trains with, which reference reports are kept, what the bench measures, what `check` and `reproduce`
 * run by default — is derived from the roles here, never written out again.
 */
export type Role =
  /** The reference the others are compared with (TF.js Layers: Keras's own semantics). */
  | 'reference'
  /** `npm test` judges it by default (MNIST_SPEC_IMPL unset). */
  | 'under-test'
  /**
   * `npm test` trains the notebook outcomes on embedded data with it (MNIST_SPEC_IMPL unset; the others skip saying so,
   * unless named). The reference's own outcomes are judged through the built CLI by `npm run test:e2e`.
   */
  | 'default-tier-trainer'
  /** The full tier trains it at the notebooks' budgets by default (the others skip saying so, unless named). */
  | 'full-tier-trainer'
  /** Its conformance report is kept in reports/<name>/ (`npm run conform:reports`), and conforms. */
  | 'reference-report'
  /** A shipped example of a port that must not conform: its report is kept in reports/<name>/ and fails. */
  | 'caught-example'
  /** `npm run bench` measures it. */
  | 'bench'
  /** `mnist-spec check` runs a model with it by default, to hold the implementations' agreement. */
  | 'check'
  /** `mnist-spec reproduce` trains with it by default. */
  | 'reproduce';

/**
 * Where an implementation runs: `node` in the spec runner's own process; `process` in a child process of its own,
 * behind the protocol (src/impl/remote, docs/protocol.md), which its `load` starts; `browser` in a headless browser
 * page (`mnist-spec conform --browser chromium`), bundled with the page host (src/browser/) and judged over the same
 * protocol.
 */
export type RunsIn = 'node' | 'process' | 'browser';

/** The browsers `--browser` accepts. */
export const BROWSERS = ['chromium'] as const;
export type BrowserName = (typeof BROWSERS)[number];

interface ShippedBase {
  name: string;
  runsIn: RunsIn;
  /** One line for the CLI's help and the README. */
  summary: string;
  roles: readonly Role[];
}

export interface NodeShipped extends ShippedBase {
  runsIn: 'node' | 'process';
  /** Loaded lazily: naming one must not start the others' runtimes. */
  load(): Promise<{ default: ImplementationModule }>;
}

export interface BrowserShipped extends ShippedBase {
  runsIn: 'browser';
  /** Its page module: src/browser/impls/<page>.ts, bundled for the page at run time. */
  page: string;
}

export type ShippedImplementation = NodeShipped | BrowserShipped;

export const SHIPPED: readonly ShippedImplementation[] = [
  {
    name: 'tfjs',
    runsIn: 'node',
    summary: 'TensorFlow.js Layers (tfjs-node when installed, else wasm), trained with Keras 2.2 semantics: the reference',
    roles: ['reference', 'under-test', 'reference-report', 'bench', 'check'],
    load: () => import('./tfjs/index.js'),
  },
  {
    name: 'engine',
    runsIn: 'node',
    summary: 'our own: each Keras training step generated as one ONNX graph and run by onnxruntime',
    roles: ['under-test', 'default-tier-trainer', 'full-tier-trainer', 'reference-report', 'bench', 'reproduce'],
    load: () => import('./engine/index.js'),
  },
  {
    name: 'onnxruntime',
    runsIn: 'node',
    summary: 'inference only: the model exported to ONNX and run by onnxruntime-node',
    roles: ['under-test', 'reference-report', 'bench', 'check'],
    load: () => import('./onnxruntime/index.js'),
  },
  // In a process of their own: they need /usr/bin/python3 with torch (else their specs skip saying what to install),
  // so `npm test` does not judge them; `mnist-spec conform --impl pytorch` does.
  {
    name: 'pytorch',
    runsIn: 'process',
    summary: "the notebooks' models in PyTorch (python3-torch) with Keras's semantics, judged through the process protocol",
    roles: ['reference-report'],
    load: () => import('./pytorch/index.js'),
  },
  {
    name: 'pytorch-defaults',
    runsIn: 'process',
    summary: "the same PyTorch code with PyTorch's own defaults (init, optimizers, batch norm, loss): the commonest porting mistake, shipped to be caught",
    roles: ['caught-example'],
    load: () => import('./pytorch/defaults.js'),
  },
  // In a headless browser page (src/browser/impls/), judged with `--browser chromium`. Not under test in `npm test`
  // (each spec file would start a browser; test/browser/conform.e2e.test.ts, in `npm run test:e2e`, runs tfjs-wasm on a few specs): `npm run
  // conform:reports` keeps the reports of those with the role. tfjs-webgl-f16 has none: it does not conform (float16
  // training gives NaN), its report in reports/tfjs-webgl-f16/ shows where; onnxruntime-web-webgpu's is not kept yet.
  {
    name: 'tfjs-wasm',
    summary: "TensorFlow.js on WebAssembly in a browser page (SIMD, threads when cross-origin isolated): the Node reference's model code",
    roles: ['reference-report'],
    runsIn: 'browser',
    page: 'tfjs-wasm',
  },
  {
    name: 'tfjs-webgl',
    summary: 'TensorFlow.js on WebGL 2 in a browser page; float32 where WebGL renders to float32 textures, else float16 (declared)',
    roles: ['reference-report'],
    runsIn: 'browser',
    page: 'tfjs-webgl',
  },
  {
    name: 'tfjs-webgl-f16',
    summary:
      'TensorFlow.js on WebGL 2 told to store every intermediate in float16 textures (WEBGL_FORCE_F16_TEXTURES), as on GPUs without float32 render targets: judged with the float16 profile',
    roles: [],
    runsIn: 'browser',
    page: 'tfjs-webgl-f16',
  },
  {
    name: 'tfjs-webgpu',
    summary: "TensorFlow.js on WebGPU in a browser page, where the browser offers an adapter (headless Chromium: SwiftShader's Vulkan)",
    roles: ['reference-report'],
    runsIn: 'browser',
    page: 'tfjs-webgpu',
  },
  {
    name: 'onnxruntime-web',
    summary: "inference only: the exported ONNX model run by onnxruntime-web's WebAssembly execution provider in a browser page",
    roles: ['reference-report'],
    runsIn: 'browser',
    page: 'onnxruntime-web',
  },
  {
    name: 'onnxruntime-web-webgpu',
    summary: "inference only: onnxruntime-web's WebGPU execution provider (JSEP) in a browser page, where the browser offers an adapter",
    roles: [],
    runsIn: 'browser',
    page: 'onnxruntime-web-webgpu',
  },
];

export const SHIPPED_IMPLEMENTATIONS: readonly string[] = SHIPPED.map((s) => s.name);

/** The shipped implementations that have a role, in registry order. */
export function withRole(role: Role): string[] {
  return SHIPPED.filter((s) => s.roles.includes(role)).map((s) => s.name);
}

/** Where a shipped implementation runs (undefined for anything else: a module path, exec:, a process implementation). */
export function runsIn(name: string): RunsIn | undefined {
  return SHIPPED.find((s) => s.name === name)?.runsIn;
}

/** The shipped implementations that run in a browser page. */
export const BROWSER_IMPLEMENTATIONS: readonly BrowserShipped[] = SHIPPED.filter((s): s is BrowserShipped => s.runsIn === 'browser');

export function checkBrowser(browser: string): BrowserName {
  if (!(BROWSERS as readonly string[]).includes(browser))
    throw new ArgumentError('--browser', `"${browser}" is not a browser this suite drives (${BROWSERS.join(', ')})`);
  return browser as BrowserName;
}

/** The one shipped implementation with a role that only one may have (reference, reproduce). */
export function theOneWithRole(role: 'reference' | 'reproduce'): string {
  const [name, ...more] = withRole(role);
  if (!name || more.length) throw new Error(`registry: exactly one implementation must have the role ${role}`);
  return name;
}

export const isShipped = (nameOrPath: string): boolean => SHIPPED_IMPLEMENTATIONS.includes(nameOrPath);

/**
 * The name an implementation's specs are registered under (`<name> > <spec id>`): a shipped name, or a module's
 * base name without extension — the directory's name for an `index` module, so examples/plain-ts/index.ts
 * is "plain-ts"; for `exec:…` its script's base name or the name it gives.
 */
export function implementationName(nameOrPath: string): string {
  if (isShipped(nameOrPath)) return nameOrPath;
  if (isExecSpec(nameOrPath)) return parseExecSpec(nameOrPath).name;
  const base = basename(nameOrPath).replace(/\.[cm]?[jt]s$/, '');
  return base === 'index' ? basename(dirname(nameOrPath)) : base;
}

let typeScriptLoader: Promise<unknown> | undefined;

/**
 * Import a user's module. Node 20 cannot import TypeScript: when it refuses a .ts/.mts/.cts file for its extension,
 * tsx's loader is registered in this process (once) and the import retried — so `reproduce`, `summary`, `check` and
 * `serve` take `--impl ./my-runtime.ts` as `conform` (whose specs run under vitest) does. Under vitest or a runtime
 * that reads TypeScript itself, the first import succeeds and nothing is registered.
 */
async function importModule(path: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as { default?: unknown };
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(path)) throw e;
  }
  typeScriptLoader ??= import('tsx/esm/api').then((tsx) => tsx.register());
  await typeScriptLoader;
  // Node keeps the failed load of `url` in its module map: the retry asks for the same file under another URL.
  return (await import(`${url}?typescript`)) as { default?: unknown };
}

function isImplementation(v: unknown): v is Implementation {
  const o = v as Implementation | undefined;
  return !!o && typeof o.name === 'string' && typeof o.build === 'function' && typeof o.info === 'function' && !!o.capabilities;
}

/** How loadImplementation opens an implementation that runs in a browser page. */
export interface LoadOptions {
  /** Open it in this browser's page (a module path too); a shipped browser implementation defaults to chromium. */
  browser?: string;
  /** A page bundle built beforehand (`mnist-spec conform` bundles once for all its spec files). */
  pageBundle?: string;
  /** How long a page may take to load and connect (default 60 s). */
  pageLoadTimeoutMs?: number;
  /** Silence allowed per call to the page (the remote protocol's timeout; default 45 s). */
  callTimeoutMs?: number;
}

/**
 * `name` of a shipped implementation, `exec:<command>` (docs/protocol.md), or a path to a module whose default export is
 * one (or a factory). With `browser` (or for a shipped browser implementation), the module is bundled into a page of a
 * headless browser and judged there over the remote protocol (src/browser/).
 */
export async function loadImplementation(nameOrPath: string, options: LoadOptions = {}): Promise<Implementation> {
  const entry = SHIPPED.find((s) => s.name === nameOrPath);
  if (options.browser !== undefined || entry?.runsIn === 'browser') {
    checkBrowser(options.browser ?? 'chromium');
    if ((entry && entry.runsIn !== 'browser') || isExecSpec(nameOrPath)) {
      throw new ArgumentError(
        '--browser',
        `${nameOrPath} runs in ${entry?.runsIn === 'node' ? 'Node' : 'a process of its own'}, not in a browser page: the browser implementations are ${BROWSER_IMPLEMENTATIONS.map((s) => s.name).join(', ')}, or a module path`,
      );
    }
    // The browser layer, loaded lazily like the implementations: a Node-only run never imports playwright or esbuild.
    const { openBrowserImplementation } = await import('../browser/page-implementation.js');
    return openBrowserImplementation(nameOrPath, {
      ...(options.pageBundle ? { bundleFile: options.pageBundle } : {}),
      ...(options.pageLoadTimeoutMs ? { loadTimeoutMs: options.pageLoadTimeoutMs } : {}),
      ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
    });
  }
  let mod: { default?: unknown };
  const shipped = entry?.load;
  if (shipped) mod = await shipped();
  else if (isExecSpec(nameOrPath)) return (await import('./remote/exec.js')).execImplementation(nameOrPath);
  else if (/[\\/]|\.[cm]?[jt]s$/.test(nameOrPath)) {
    try {
      mod = await importModule(resolve(nameOrPath));
    } catch (e) {
      throw new ArgumentError('--impl', `cannot load module ${nameOrPath}: ${(e as Error).message}`);
    }
  } else {
    throw new ArgumentError(
      '--impl',
      `"${nameOrPath}" is neither a shipped implementation (${SHIPPED_IMPLEMENTATIONS.join(', ')}), an exec: command nor a module path`,
    );
  }
  let impl = mod.default;
  if (typeof impl === 'function') impl = await (impl as () => unknown)();
  if (!isImplementation(impl)) {
    throw new ArgumentError('--impl', `${nameOrPath}: default export is not an Implementation (needs name, capabilities, info(), build())`);
  }
  return impl;
}

/**
 * Bundle the page of a browser implementation (a shipped name or a module path) into `file`, once for a whole run:
 * every spec file's page loads it. A module that cannot run in a page (it imports node:*) is an ArgumentError
 * naming the module and the import.
 */
export async function bundleBrowserPage(nameOrPath: string, file: string): Promise<{ bytes: number; milliseconds: number }> {
  const { bundlePage } = await import('../browser/bundle.js');
  const bundle = await bundlePage(nameOrPath);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, bundle.code);
  return { bytes: bundle.bytes, milliseconds: bundle.milliseconds };
}
