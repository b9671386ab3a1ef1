import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Browser, LaunchOptions } from 'playwright-core';
import { UnsupportedError } from '../errors.js';

/**
 * Debian's Chromium, headless, driven by playwright-core (nothing downloaded: the browser is the system's).
 *
 * The flags, each for a reason measured on this machine (Chromium 156, no GPU, root, closed network):
 * - `--no-sandbox`: Chromium refuses to start as root with its sandbox (Playwright adds it unless asked for a sandbox).
 * - `--disable-background-networking`, `--disable-component-update`, `--disable-sync`, `--no-first-run`,
 *   `--disable-quic`: no connection attempts to Google's hosts, which this network refuses many at a time.
 * - `--enable-unsafe-webgpu`: without it `navigator.gpu.requestAdapter()` returns null on Linux ("No available
 *   adapters."); with it headless Chromium offers SwiftShader's Vulkan as a WebGPU adapter (vendor google,
 *   architecture swiftshader, isFallbackAdapter true, no shader-f16). Nothing else is needed: no
 *   `--use-angle`, `--use-webgpu-adapter` or `--enable-features=Vulkan`.
 * - `--enable-unsafe-swiftshader` (Playwright adds it too): WebGL on SwiftShader when there is no GPU, rather
 *   than no WebGL; the renderer string then says "SwiftShader".
 * WebGPU also needs a secure context: the page is served from http://127.0.0.1 (a potentially trustworthy
 * origin), never about:blank or file:.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

export const INSTALL_CHROMIUM = 'apt-get install chromium';

/**
 * Chromium puts its singleton socket in $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket and aborts ("Socket path
 * too long") when that exceeds a Unix socket's 107 bytes: under a deep TMPDIR (a conform run's own temporary directory
 * inside a test's) it gets /tmp instead. Its profile directory (Playwright's, under Node's tmpdir) is unaffected.
 */
const SOCKET_DIR_MAX = 60;

export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new UnsupportedError(`no browser at ${CHROMIUM_PATH} (set CHROMIUM_PATH, or: ${INSTALL_CHROMIUM})`);
  const { chromium } = await import('playwright-core');
  const tmp = tmpdir();
  const options: LaunchOptions = {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    ...(tmp.length > SOCKET_DIR_MAX ? { env: { ...process.env, TMPDIR: '/tmp' } } : {}),
  };
  try {
    return await chromium.launch(options);
  } catch (e) {
    // Playwright's own message ("Target page, context or browser has been closed") hides why: Chromium's FATAL line says it.
    const text = (e as Error).message;
    const fatal = /FATAL:[^\]]*\]\s*([^'\n]+)/.exec(text)?.[1];
    throw new UnsupportedError(`${CHROMIUM_PATH} did not start: ${fatal ?? text.split('\n')[0]}`);
  }
}
