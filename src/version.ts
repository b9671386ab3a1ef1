import { readFileSync } from 'node:fs';

/** The package version, which is also the spec-suite version reports carry. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
