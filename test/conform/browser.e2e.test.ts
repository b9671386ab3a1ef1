import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/conform/render/html.js';
import { renderJunit } from '../../src/conform/render/junit.js';
import { sampleReport } from './sample.js';

/**
 * report.html in a real headless browser (Debian's chromium, driven by playwright-core): it renders with
 * no request leaving the page and no script error, the tables, charts and digits are there and visible,
 * and a screenshot shows them. junit.xml goes through the browser's XML parser. Without /usr/bin/chromium
 * (`apt-get install chromium`, as .ci/run does) the test is skipped, saying so.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const dir = mkdtempSync(join(tmpdir(), 'conform-browser-'));
/** Screenshots are kept for a person to look at: reports/tmp/ is git-ignored. */
const SHOTS = join(process.cwd(), 'reports', 'tmp');

type Browser = Awaited<ReturnType<typeof import('playwright-core').chromium.launch>>;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!available) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)(`report.html in headless chromium (${available ? CHROMIUM : `skipped: ${CHROMIUM} is absent; apt-get install chromium`})`, () => {
  it('renders the verdict, the notebook table, the charts, the confusion matrix and the digits, fetching nothing', async () => {
    const report = sampleReport();
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(report));
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(await page.title()).toBe('mnist-spec conformance: sample');
    expect(await page.textContent('#verdict')).toContain('DOES NOT CONFORM: 2 pass, 1 fail, 1 skip');
    expect(await page.locator('#notebooks tbody tr').count()).toBe(report.specs.length);
    expect(await page.locator('#confusion tbody tr').count()).toBe(10);
    // two charts (loss, accuracy), each with a drawn curve per series
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(2);
    for (const i of [0, 1]) expect(await charts.nth(i).locator('path').count()).toBe(2);
    // every digit decoded: 28×28 PNGs, drawn 84 px wide
    const digits = await page.$$eval('#misclassified img', (imgs) =>
      imgs.map((el) => {
        const im = el as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number; getBoundingClientRect(): { width: number } };
        return [im.complete, im.naturalWidth, im.naturalHeight, Math.round(im.getBoundingClientRect().width)];
      }),
    );
    expect(digits).toEqual([
      [true, 28, 28, 84],
      [true, 28, 28, 84],
      [true, 28, 28, 84],
    ]);
    for (const sel of ['#notebooks', 'svg.chart >> nth=0', 'svg.chart >> nth=1', '#confusion', '#misclassified', '#specs']) {
      const box = await page.locator(sel).boundingBox();
      expect(box && box.width > 100 && box.height > 50, `${sel} is laid out: ${JSON.stringify(box)}`).toBe(true);
      expect(await page.locator(sel).isVisible(), sel).toBe(true);
    }
    // the status filter
    await page.click('.filters button[data-filter="fail"]');
    const visible = await page.$$eval('#specs tbody tr', (rows) =>
      rows.filter((r) => (r as unknown as { style: { display: string } }).style.display !== 'none').map((r) => r.getAttribute('data-status')),
    );
    expect(visible).toEqual(['fail']);
    await page.click('.filters button[data-filter="all"]');

    mkdirSync(SHOTS, { recursive: true });
    const shot = await page.screenshot({ path: join(SHOTS, 'conform-report.png'), fullPage: true });
    expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(shot.readUInt32BE(16)).toBe(1280); // width
    expect(shot.readUInt32BE(20)).toBeGreaterThan(1500); // the whole page: tables, charts, digits
    // A screenshot of the charts alone is not blank: it holds more than one colour.
    const chartShot = await page.locator('.charts').screenshot({ path: join(SHOTS, 'conform-report-charts.png') });
    expect(chartShot.length).toBeGreaterThan(3000);

    expect(
      requests.every((u) => u.startsWith('file:') || u.startsWith('data:')),
      requests.join('\n'),
    ).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('parses junit.xml as well-formed XML with one testcase per spec', async () => {
    const report = sampleReport();
    const page = await browser!.newPage();
    const result = await page.evaluate((xml) => {
      type Doc = { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } };
      const { DOMParser } = globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): Doc } };
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        cases: doc.querySelectorAll('testcase').length,
        failures: doc.querySelectorAll('testcase > failure').length,
        skipped: doc.querySelectorAll('testcase > skipped').length,
      };
    }, renderJunit(report));
    expect(result).toEqual({ error: null, cases: 6, failures: 1, skipped: 1 });
    await page.close();
  }, 30_000);
});

// Keep the file meaningful without chromium: the page itself is still checked for external references.
it('report.html references nothing outside itself', () => {
  const html = renderHtml(sampleReport());
  expect(html).not.toMatch(/\b(src|href)="(?!data:|#)/);
});
