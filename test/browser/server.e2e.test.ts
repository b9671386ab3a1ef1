import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bundlePage, implementationEntry } from '../../src/browser/bundle.js';
import { ASSETS } from '../../src/browser/page/assets.js';
import { startPageServer, type PageServer } from '../../src/browser/server.js';
import { ArgumentError } from '../../src/errors.js';

/**
 * The runner's loopback server for browser pages (src/browser/server.ts) and the page bundler
 * (src/browser/bundle.ts): what is served and what is not, the WebSocket's token and origin checks, and that
 * nothing is left listening after close. No browser needed.
 */
let server: PageServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function get(url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('latin1')));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

function openSocket(url: string, origin: string): Promise<'open' | string> {
  return new Promise((done) => {
    const ws = new WebSocket(url, { origin });
    ws.on('open', () => {
      ws.close();
      done('open');
    });
    ws.on('error', (e) => done(e.message));
  });
}

describe('page server', () => {
  it('serves the page, its bundle and the allowlisted wasm files on 127.0.0.1, cross-origin isolated, and nothing else', async () => {
    server = await startPageServer({ bundle: 'export {};' });
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const page = await get(server.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/page.js">');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect((await get(`${server.url}page.js`)).body).toBe('export {};');
    const wasm = await get(`${server.url}${ASSETS.tfjsWasm.slice(1)}tfjs-backend-wasm-simd.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect((await get(`${server.url}${ASSETS.ortWasm.slice(1)}ort-wasm-simd-threaded.jsep.mjs`)).status).toBe(200);
    // Not on the allowlist, outside it, or a method that writes.
    for (const path of [
      `${ASSETS.tfjsWasm}tfjs-backend-wasm.js`,
      `${ASSETS.tfjsWasm}..%2F..%2Fpackage.json`,
      `${ASSETS.ortWasm}ort.min.mjs`,
      '/data/train-images-idx3-ubyte',
      '/package.json',
    ]) {
      expect((await get(server.url + path.slice(1))).status, path).toBe(404);
    }
    expect((await get(server.url, 'POST')).status).toBe(405);
  });

  it('accepts a WebSocket only on its token path and from its own origin', async () => {
    let opened = 0;
    server = await startPageServer({ bundle: '', onSocket: (ws) => (opened++, ws.close()) });
    const origin = server.url.slice(0, -1);
    expect(await openSocket(server.wsUrl, 'http://evil.example')).toContain('403');
    expect(await openSocket(server.wsUrl.replace(/[0-9a-f]{32}$/, '0'.repeat(32)), origin)).toContain('403');
    expect(await openSocket(server.wsUrl, origin)).toBe('open');
    expect(opened).toBe(1);
  });

  it('leaves nothing listening once closed', async () => {
    const s = await startPageServer({ bundle: '', onSocket: () => undefined });
    const ws = new WebSocket(s.wsUrl, { origin: s.url.slice(0, -1) });
    await new Promise((ok) => ws.on('open', ok));
    const closedSocket = new Promise((ok) => ws.on('close', ok));
    await s.close();
    await closedSocket;
    await expect(get(s.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('page bundle', () => {
  it('names the module and the node: import a browser page cannot load', async () => {
    const err = await bundlePage('test/fixtures/browser/uses-fs.ts').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toMatch(/uses-fs\.ts.*node:fs/);
  });

  it('rejects a name that is neither a browser implementation nor a path', () => {
    expect(() => implementationEntry('tfjs')).toThrow(/tfjs runs in Node, not in a browser page: the browser implementations are tfjs-wasm, tfjs-webgl/);
    expect(() => implementationEntry('pytorch')).toThrow(/pytorch runs in a process of its own, not in a browser page/);
    expect(() => implementationEntry('no-such-runtime')).toThrow(/"no-such-runtime" is neither a browser implementation \(tfjs-wasm, tfjs-webgl/);
    expect(() => implementationEntry('./missing.js')).toThrow(/no such file/);
  });
});
