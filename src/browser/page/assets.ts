/**
 * Where the runner's loopback server (src/browser/server.ts) serves what a page loads besides its bundles:
 * the backends' WebAssembly files, straight from node_modules. Shared by the server and the page code so
 * the two cannot drift. Paths end in '/' because the runtimes take them as prefixes.
 */
export const ASSETS = {
  tfjsWasm: '/assets/tfjs-backend-wasm/',
  ortWasm: '/assets/onnxruntime-web/',
} as const;
