import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { renderHtml } from './render/html.js';
import { renderJunit } from './render/junit.js';
import { renderMarkdown } from './render/markdown.js';
import type { ConformanceReport } from './report.js';

export const REPORT_FILES = ['report.json', 'report.md', 'report.html', 'junit.xml'] as const;

/**
 * Write the four report files into `dir`. Everything is rendered first, then each file is replaced
 * atomically (temp file, fsync, rename), so an interrupted run leaves the previous reports whole. The
 * JSON is written last: a reader that sees a new report.json sees the renderings made from it.
 */
export async function writeReports(dir: string, report: ConformanceReport, opts: { strict?: boolean } = {}): Promise<string[]> {
  const files: [string, string][] = [
    ['report.md', renderMarkdown(report)],
    ['report.html', renderHtml(report)],
    ['junit.xml', renderJunit(report, opts.strict)],
    ['report.json', JSON.stringify(report, null, 1) + '\n'],
  ];
  await mkdir(dir, { recursive: true });
  for (const [name, text] of files) await writeFileAtomic(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
