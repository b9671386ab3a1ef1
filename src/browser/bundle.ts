import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ArgumentError } from '../errors.js';
import { BROWSER_IMPLEMENTATIONS, SHIPPED } from '../impl/registry.js';
import { VERSION } from '../version.js';

/**
 * Bundles one implementation module with the page host (src/browser/page/host.ts) into a single ES module
 * for the page, with esbuild, at run time: the shipped browser implementations and a user's own module
 * (`--impl ./my-web-runtime.js`) go the same way. Everything comes from node_modules; the backends' .wasm
 * files are not bundled but served beside (src/browser/server.ts).
 *
 * The project's modules are shared with Node; two things a page cannot have are replaced here:
 * src/version.ts (reads package.json with fs) becomes its value, and any `node:` import is an error that
 * names the module importing it, rather than a page that fails at load.
 */
const here = fileURLToPath(new URL('.', import.meta.url));

/** A module of this directory: its compiled .js in dist/, its .ts source when run from src/ (tsx, vitest). */
function own(rel: string): string {
  const js = resolve(here, `${rel}.js`);
  return existsSync(js) ? js : resolve(here, `${rel}.ts`);
}

/** The module a page runs: a shipped browser implementation's (the registry's `page`, in impls/) or the user's module path. */
export function implementationEntry(nameOrPath: string): string {
  const shipped = BROWSER_IMPLEMENTATIONS.find((s) => s.name === nameOrPath);
  if (shipped) return own(`impls/${shipped.page}`);
  const other = SHIPPED.find((s) => s.name === nameOrPath);
  if (other)
    throw new ArgumentError(
      '--impl',
      `${nameOrPath} runs in ${other.runsIn === 'process' ? 'a process of its own' : 'Node'}, not in a browser page: the browser implementations are ${BROWSER_IMPLEMENTATIONS.map((s) => s.name).join(', ')}, or a module path`,
    );
  if (/[\\/]|\.[cm]?[jt]s$/.test(nameOrPath)) {
    const path = resolve(nameOrPath);
    if (!existsSync(path)) throw new ArgumentError('--impl', `${nameOrPath}: no such file`);
    return path;
  }
  throw new ArgumentError(
    '--impl',
    `"${nameOrPath}" is neither a browser implementation (${BROWSER_IMPLEMENTATIONS.map((s) => s.name).join(', ')}) nor a module path`,
  );
}

// src/version.ts and its build: an implementation importing the package root ('mnist-spec', as examples/plain-ts
// does) reaches dist/version.js even when this module runs from src/.
const VERSION_MODULES = new Set(['src', 'dist'].map((dir) => resolve(here, '../..', dir, 'version.js')));

const pageShims: esbuild.Plugin = {
  name: 'mnist-spec-page',
  setup(build) {
    build.onResolve({ filter: /(^|\/)version\.js$/ }, (args) =>
      VERSION_MODULES.has(resolve(args.resolveDir, args.path)) ? { path: 'version', namespace: 'mnist-spec-shim' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'mnist-spec-shim' }, () => ({ contents: `export const VERSION = ${JSON.stringify(VERSION)};`, loader: 'js' }));
    build.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.importer} imports ${args.path}, which a browser page cannot load` }],
    }));
  },
};

export interface PageBundle {
  code: string;
  bytes: number;
  milliseconds: number;
}

/** Bundle the page for one implementation (a shipped name or a module path). Throws ArgumentError naming the module on a build error. */
export async function bundlePage(nameOrPath: string): Promise<PageBundle> {
  const entry = implementationEntry(nameOrPath);
  const started = performance.now();
  const contents = `import impl from ${JSON.stringify(entry)};\nimport { startHost } from ${JSON.stringify(own('page/host'))};\nstartHost(impl);\n`;
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      stdin: { contents, resolveDir: here, sourcefile: 'mnist-spec-page.js', loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      // onnxruntime-web: the build that loads its .wasm and glue from ort.env.wasm.wasmPaths instead of inlining them.
      conditions: ['onnxruntime-web-use-extern-wasm'],
      plugins: [pageShims],
      logLevel: 'silent',
      legalComments: 'none',
    });
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors ?? [];
    const first = errors[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new ArgumentError('--impl', `${nameOrPath}: cannot bundle it for the browser: ${where}${first?.text ?? (e as Error).message}`);
  }
  const code = result.outputFiles[0]!.text;
  return { code, bytes: Buffer.byteLength(code), milliseconds: performance.now() - started };
}
