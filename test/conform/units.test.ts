import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/errors.js';
import { expectationFor, parseExpectations, skipPatterns } from '../../src/conform/expectations.js';
import { listFaults } from '../../src/conform/faults.js';
import { implementationName } from '../../src/impl/registry.js';
import { matchesQuery, queryReachesPrefix, querySource, testNamePattern } from '../../src/conform/query.js';
import { linesFromVitestJson, mergeReports, toSpecResult, type ConformanceReport } from '../../src/conform/report.js';
import { conformanceSpecFiles } from '../../src/conform/run.js';
import { headline } from '../../src/conform/render/format.js';
import { renderHtml } from '../../src/conform/render/html.js';
import { renderJunit } from '../../src/conform/render/junit.js';
import { renderMarkdown } from '../../src/conform/render/markdown.js';
import { validateReport } from '../../src/conform/validate.js';
import type { ResultLine } from '../../src/conform/protocol.js';
import { digitDataUri, encodeGrayPng } from '../../src/conform/render/png.js';
import { writeReports } from '../../src/conform/write.js';
import { sampleReport, warnedReport } from './sample.js';

describe('queries', () => {
  it('match ids CTS-style: exact, or * for any run of characters', () => {
    expect(matchesQuery('model:summary:recipe=001', ['model:summary:recipe=001'])).toBe(true);
    expect(matchesQuery('model:summary:recipe=0011', ['model:summary:recipe=001'])).toBe(false);
    expect(matchesQuery('model:summary:recipe=001', ['model:*'])).toBe(true);
    expect(matchesQuery('model:summary:recipe=001', ['*:recipe=001'])).toBe(true);
    expect(matchesQuery('notebook:outcome:recipe=001;data=full;epochs=20', ['notebook:outcome:*;data=full;*'])).toBe(true);
    expect(matchesQuery('inference:forward:recipe=001', ['model:*', 'train:*'])).toBe(false);
    // regex characters in ids are literal
    expect(matchesQuery('a:b+c', ['a:b+c'])).toBe(true);
    expect(matchesQuery('a:bbc', ['a:b+c'])).toBe(false);
    expect(querySource('a.b')).toBe('a\\.b');
  });
  it('refuse patterns with spaces', () => {
    expect(() => querySource('model summary')).toThrow(ArgumentError);
  });
  it('become a vitest name pattern that matches with or without the file, and leaves exclusions out', () => {
    const re = new RegExp(testNamePattern(['tfjs', 'my.impl'], ['model:*'], ['tfjs > model:summary:recipe=001']));
    expect(re.test('tfjs model:build:layers:recipe=001')).toBe(true);
    expect(re.test('spec/conformance/model/build.spec.ts tfjs model:build:layers:recipe=001')).toBe(true);
    expect(re.test('my.impl model:build:layers:recipe=001')).toBe(true);
    expect(re.test('myximpl model:build:layers:recipe=001')).toBe(false);
    expect(re.test('tfjs model:summary:recipe=001')).toBe(false);
    expect(re.test('onnxruntime model:summary:recipe=001')).toBe(false);
    expect(re.test('model:summary:functional-input-row')).toBe(false);
    expect(re.test('tfjs inference:forward:recipe=001')).toBe(false);
  });
});

describe('expectations', () => {
  const text = JSON.stringify({
    implementation: 'x',
    expectations: [
      { query: 'inference:forward:recipe=004-cnn', status: 'fail', reason: 'issue 12' },
      { query: 'notebook:*', status: 'skip', reason: 'too slow here' },
    ],
  });
  it('parse, and the first matching entry applies', () => {
    const ex = parseExpectations(text, 'x.json');
    expect(expectationFor('inference:forward:recipe=004-cnn', ex)?.status).toBe('fail');
    expect(expectationFor('notebook:history:recipe=001', ex)?.reason).toBe('too slow here');
    expect(expectationFor('model:summary:recipe=001', ex)).toBeUndefined();
    const skips = skipPatterns(ex, 'my.impl');
    expect(skips).toHaveLength(1);
    expect(new RegExp(skips[0]!.pattern).test('my.impl > notebook:history:recipe=001')).toBe(true);
    expect(new RegExp(skips[0]!.pattern).test('myximpl > notebook:history:recipe=001')).toBe(false);
  });
  it('refuse an entry without a reason, a bad status, bad JSON, naming the entry', () => {
    const bad = (e: unknown): string => {
      try {
        parseExpectations(JSON.stringify({ expectations: [e] }), 'e.json');
      } catch (err) {
        expect(err).toBeInstanceOf(ArgumentError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ query: 'a:b', status: 'fail' })).toMatch(/e\.json: expectations\[0\]: every expectation needs a "reason"/);
    expect(bad({ query: 'a:b', status: 'flaky', reason: 'r' })).toMatch(/"status" must be "fail" or "skip"/);
    expect(bad({ query: 'a b', status: 'fail', reason: 'r' })).toMatch(/no spaces/);
    expect(() => parseExpectations('{', 'e.json')).toThrow(/e\.json: not JSON/);
  });
});

describe('report model', () => {
  const line = (state: 'passed' | 'failed' | 'skipped') => ({
    t: 'result' as const,
    name: 'i > a:b',
    file: 'f',
    state,
    durationMs: 1,
    errors: state === 'failed' ? ['boom\nstack'] : [],
    logs: [],
    spec: { id: 'a:b', skipReason: state === 'skipped' ? 'no Conv2D' : undefined },
  });
  const fail = { file: 'e', expectations: [{ query: 'a:*', status: 'fail' as const, reason: 'known' }] };
  it('judges each result against the expectations', () => {
    expect(toSpecResult(line('passed'))).toMatchObject({ status: 'pass' });
    expect(toSpecResult(line('failed'))).toMatchObject({ status: 'fail', reason: 'boom' });
    expect(toSpecResult(line('skipped'))).toMatchObject({ status: 'skip', reason: 'no Conv2D' });
    expect(toSpecResult(line('failed'), fail)).toMatchObject({ status: 'expected-fail', reason: 'expected: known' });
    expect(toSpecResult(line('passed'), fail)).toMatchObject({ status: 'unexpected-pass' });
  });
  it('is ok unless something unexpected failed (unexpected passes too, when strict)', () => {
    const r = sampleReport();
    expect(r.summary).toEqual({
      total: 6,
      pass: 2,
      warn: 0,
      fail: 1,
      skip: 1,
      expectedFail: 1,
      unexpectedPass: 1,
      ok: false,
      judged: 5,
      notebookClaims: { judged: 5, total: 6 },
      verdict: 'does-not-conform',
      runErrors: 0,
    });
    const noFail = { ...r, specs: r.specs.filter((s) => s.status !== 'fail') };
    expect(mergeReports([noFail]).summary).toMatchObject({ ok: true, verdict: 'conforms-partial' });
    expect(headline(mergeReports([noFail]))).toMatch(/^CONFORMS \(partial: 4 of 5 notebook claims judged\): 2 pass/);
    expect(mergeReports([noFail], true).summary.ok).toBe(false);
  });
  it('needs a judgement: no pass is never ok, nor is an error outside the specs; all judged is a plain CONFORMS', () => {
    const r = sampleReport();
    const only = (st: string[]): typeof r => ({ ...r, specs: r.specs.filter((s) => st.includes(s.status)) });
    expect(mergeReports([only(['skip'])]).summary).toMatchObject({ ok: false, verdict: 'nothing-judged', judged: 0 });
    expect(headline(mergeReports([only(['skip'])]))).toBe('NOTHING JUDGED (does not conform): 0 pass, 0 fail, 1 skip (1 specs)');
    expect(mergeReports([only([])]).summary).toMatchObject({ ok: false, verdict: 'nothing-judged', total: 0 });
    expect(mergeReports([only(['expected-fail'])]).summary.ok).toBe(false);
    const crashed = { ...only(['pass']), run: { ...r.run, errors: ['a worker exited'] } };
    expect(mergeReports([crashed]).summary).toMatchObject({ ok: false, verdict: 'does-not-conform', runErrors: 1 });
    expect(headline(mergeReports([crashed]))).toMatch(/^DOES NOT CONFORM \(1 run error\): 2 pass/);
    expect(headline(mergeReports([only(['pass'])]))).toBe('CONFORMS: 2 pass, 0 fail, 0 skip (2 specs)');
    expect(renderJunit(mergeReports([only(['pass', 'skip'])]))).toContain(
      '<property name="verdict" value="CONFORMS (partial: 2 of 3 notebook claims judged)"/><property name="notebook-claims-judged" value="2"/><property name="notebook-claims" value="3"/>',
    );
  });
  it('merges shards: every spec once, the worst status wins, times span the shards', () => {
    const r = sampleReport();
    const a: ConformanceReport = { ...r, specs: r.specs.slice(0, 3), run: { ...r.run, shards: ['1/2'], startedAt: '2025-01-01T00:00:00.000Z' } };
    const b: ConformanceReport = { ...r, specs: r.specs.slice(2), run: { ...r.run, shards: ['2/2'], finishedAt: '2025-01-03T00:00:00.000Z' } };
    const m = mergeReports([a, b]);
    expect(m.specs.map((s) => s.name).sort()).toEqual(r.specs.map((s) => s.name).sort());
    expect(m.run.shards).toEqual(['1/2', '2/2']);
    expect([m.run.startedAt, m.run.finishedAt]).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-03T00:00:00.000Z']);
    const passed = { ...r.specs[2]!, status: 'pass' as const };
    expect(
      mergeReports([
        { ...a, specs: [passed] },
        { ...b, specs: [r.specs[2]!] },
      ]).specs[0]!.status,
    ).toBe('fail');
    expect(() => mergeReports([a, { ...b, implementation: { ...b.implementation, name: 'other' } }])).toThrow(/different implementations/);
  });
  it('reads vitest JSON reporter output (task.meta included)', () => {
    const lines = linesFromVitestJson({
      testResults: [
        {
          name: '/x/spec/model/a.spec.ts',
          assertionResults: [
            { ancestorTitles: ['tfjs'], title: 'model:a', status: 'failed', duration: 5, failureMessages: ['no'], meta: { spec: { id: 'model:a' } } },
          ],
        },
      ],
    });
    expect(lines).toEqual([
      {
        t: 'result',
        name: 'tfjs > model:a',
        file: '/x/spec/model/a.spec.ts',
        state: 'failed',
        durationMs: 5,
        errors: ['no'],
        logs: [],
        spec: { id: 'model:a' },
      },
    ]);
  });
});

describe('renderings', () => {
  const r = sampleReport();
  it('report.md has the header, the notebook table, the curves, the confusion matrix and the failures', () => {
    const md = renderMarkdown(r);
    expect(md).toMatch(/^# mnist-spec conformance: sample\n/);
    expect(md).toContain('**DOES NOT CONFORM: 2 pass, 1 fail, 1 skip, 1 expected fail, 1 unexpected pass (6 specs)**');
    expect(md).toContain('## The notebooks vs this implementation');
    expect(md).toContain('| 001 | `Test accuracy: 0.9842` | model:summary:recipe=001 | Total params: 1 | Total params: 669,706 |  | **FAIL** |');
    expect(md).toContain('| 4 | 0.2 | 0.9 | 0.22 | 0.8833 | 1.5 |');
    expect(md).toContain('| **0** | **190** |');
    expect(md).toContain('### sample > model:summary:recipe=001');
  });
  it('report.html is self-contained: no external resource, charts as inline SVG, digits as PNG data URIs', () => {
    const html = renderHtml(r);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link |@import|url\(/);
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html.match(/<img [^>]*src="data:image\/png;base64,/g)?.length).toBe(3);
    expect(html).toContain('id="confusion"');
    expect(html).toContain('a line the spec logged &lt;b&gt;not html&lt;/b&gt;');
    expect(html).not.toContain('<b>not html</b>');
  });
  it('junit.xml has one testcase per spec, failures and skips marked, text escaped', () => {
    const xml = renderJunit(r);
    expect(xml.match(/<testcase /g)?.length).toBe(6);
    expect(xml).toMatch(/<testsuites name="mnist-spec conformance: sample" tests="6" failures="1" errors="0" skipped="1"/);
    expect(xml).toContain('<failure message="AssertionError: expected 1 to be 669706 &amp; &lt;x&gt;" type="fail">');
    expect(xml).toContain('<skipped message="implementation &quot;sample&quot; does not declare layers Conv2D"/>');
    expect(renderJunit(r, true).match(/<failure /g)?.length).toBe(2);
  });
  it('PNG digits decode to the pixels they were made from', () => {
    const px = Uint8Array.from({ length: 28 * 28 }, (_, i) => i % 256);
    const png = encodeGrayPng(px, 28, 28);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const idatLen = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(28 * 29);
    expect([...raw.subarray(29 + 1, 29 + 29)]).toEqual([...px.subarray(28, 56)]);
    expect(digitDataUri(Buffer.from(px).toString('base64'))).toMatch(/^data:image\/png;base64,/);
  });
});

describe('warnings (a pass worth a look, CTS-style warn)', () => {
  const PLACEMENT = {
    quantity: 'accuracy',
    value: 0.61,
    side: 'low' as const,
    reference: { implementation: 'tfjs', data: 'embedded', seeds: 20 },
    percentile: 0,
    tail: 0.7012,
    beyondTail: true,
  };
  const warning = "accuracy 0.61 passes its bound but lies below the reference's 1st percentile 0.7012";
  const line = (state: ResultLine['state']): ResultLine => ({
    t: 'result',
    name: 'i > notebook:outcome:recipe=004-cnn',
    file: 'f',
    state,
    durationMs: 1,
    errors: state === 'failed' ? ['boom'] : [],
    logs: [],
    spec: {
      id: 'notebook:outcome:recipe=004-cnn',
      warnings: [warning],
      placements: [PLACEMENT],
      stochastic: { why: 'calibrated', method: 't', falseFailure: 3e-7 },
    },
  });
  it('a passed spec with warnings is `warn`, its first warning the reason; a failed one stays failed; an expected failure that passes is unexpected', () => {
    expect(toSpecResult(line('passed'))).toMatchObject({
      status: 'warn',
      reason: warning,
      warnings: [warning],
      placements: [PLACEMENT],
      stochastic: { falseFailure: 3e-7 },
    });
    expect(toSpecResult(line('failed'))).toMatchObject({ status: 'fail', reason: 'boom', warnings: [warning] });
    expect(toSpecResult(line('passed'), { file: 'e', expectations: [{ query: 'notebook:*', status: 'fail', reason: 'known' }] }).status).toBe(
      'unexpected-pass',
    );
  });
  it('counts as judged and never fails the run: warn alone conforms, the headline and the counts show it', () => {
    const r = warnedReport();
    expect(r.summary).toMatchObject({ total: 3, pass: 1, warn: 1, fail: 0, skip: 1, judged: 2, ok: true });
    expect(headline(r)).toMatch(/^CONFORMS \(partial: 2 of 3 notebook claims judged\): 1 pass, 1 warn, 0 fail, 1 skip \(3 specs\)$/);
    const onlyWarn = mergeReports([{ ...r, specs: r.specs.filter((s) => s.status === 'warn') }]);
    expect(onlyWarn.summary).toMatchObject({ ok: true, verdict: 'conforms', warn: 1, pass: 0 });
  });
  it('a merge keeps the worse of pass and warn, and fail over warn', () => {
    const r = warnedReport();
    const warned = r.specs.find((s) => s.status === 'warn')!;
    expect(mergeReports([r, { ...r, specs: [{ ...warned, status: 'pass' }] }]).specs.find((s) => s.name === warned.name)!.status).toBe('warn');
    expect(mergeReports([r, { ...r, specs: [{ ...warned, status: 'fail' }] }]).specs.find((s) => s.name === warned.name)!.status).toBe('fail');
  });
  it('report.md shows the warnings on its first screen, the percentile in the notebook table, the error rate in the stochastic section', () => {
    const md = renderMarkdown(warnedReport());
    const at = (s: string): number => md.indexOf(s);
    expect(at('## Warnings (1): passed, but worth a look')).toBeGreaterThan(0);
    expect(at('## Warnings')).toBeLessThan(at('## The notebooks vs this implementation'));
    expect(md).toContain(`- **sample > notebook:outcome:recipe=004-cnn;data=embedded;epochs=1**: ${warning}`);
    expect(md).toMatch(
      /\| notebook:outcome:recipe=004-cnn;data=embedded;epochs=1 \| accuracy 0\.61, loss 1\.1 \| accuracy ≥ 0\.5 \| p0 of tfjs×20 \(below 1st pct\) \| \*\*WARN\*\* \|/,
    );
    expect(md).toContain('estimated probability that a correct implementation fails it: 3e-7');
    expect(md).toContain("  - accuracy 0.61: percentile 0 among tfjs's 20 seeds (1st percentile 0.7012) — beyond it");
  });
  it('report.html shows them above the counts, with a warn card', () => {
    const html = renderHtml(warnedReport());
    expect(html.indexOf('id="warnings"')).toBeGreaterThan(html.indexOf('id="verdict"'));
    expect(html.indexOf('id="warnings"')).toBeLessThan(html.indexOf('class="cards"'));
    expect(html).toContain('<b class="st warn">1</b>warn');
    expect(html).toContain('p0 of tfjs×20 (below 1st pct)');
    expect(html).toContain('<span class="st warn">WARN</span>');
  });
  it('junit.xml passes the testcase, with the warning as a property and in system-out, and the error rate and percentile as properties', () => {
    const xml = renderJunit(warnedReport());
    const tc = xml.split('\n').find((l) => l.includes('name="notebook:outcome:recipe=004-cnn;data=embedded;epochs=1"'))!;
    expect(tc).not.toContain('<failure');
    expect(tc).not.toContain('<skipped');
    expect(tc).toContain(
      `<property name="warning" value="accuracy 0.61 passes its bound but lies below the reference&apos;s 1st percentile 0.7012"/>`.replace('&apos;', "'"),
    );
    expect(tc).toContain(`<system-out>warning: ${warning}</system-out>`);
    expect(tc).toContain('<property name="false-failure-probability" value="3e-7"/>');
    expect(tc).toContain('<property name="percentile:accuracy" value="accuracy 0.61: percentile 0 among tfjs&apos;s 20 seeds'.replace('&apos;', "'"));
    expect(xml).toMatch(/<testsuites [^>]*failures="0"/);
    expect(xml).toContain('<property name="warnings" value="1"/>');
  });
  it('conform merge reads it back, and reads an older report whose stochastic metadata was text', () => {
    const r = JSON.parse(JSON.stringify(warnedReport())) as ConformanceReport;
    expect(validateReport(r, 'w.json').specs.find((s) => s.status === 'warn')?.placements?.[0]?.percentile).toBe(0);
    (r.specs[0] as { stochastic: unknown }).stochastic = 'seeds 1-3 reached 0.91-0.92';
    expect(validateReport(r, 'old.json').specs[0]!.stochastic).toEqual({ why: 'seeds 1-3 reached 0.91-0.92' });
    (r.specs[1] as { placements: unknown }).placements = [{ quantity: 'accuracy' }];
    expect(() => validateReport(r, 'bad.json')).toThrow(/bad\.json: report\.specs\[1\]\.placements\[0\]\.value: expected a finite number/);
  });
});

describe('writing reports', () => {
  it('writes the four files, each atomically, leaving no temp file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'conform-write-')), 'nested', 'sample');
    const files = await writeReports(dir, sampleReport());
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    expect(readdirSync(dir).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).implementation.name).toBe('sample');
  });
  it('leaves the previous reports whole when rendering fails part way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-write-'));
    await writeReports(dir, sampleReport());
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const broken = sampleReport();
    (broken.specs[0] as { measured: unknown }).measured = {
      toJSON() {
        throw new Error('interrupted');
      },
    };
    await expect(writeReports(dir, broken)).rejects.toThrow('interrupted');
    expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]))).toEqual(before);
  });
});

describe('spec selection', () => {
  it('runs the spec files under spec/conformance/, narrowed by the queries to those whose id prefix they reach', () => {
    const all = conformanceSpecFiles();
    const rel = (fs: string[]): string[] =>
      fs.map((f) =>
        f
          .split(/[\\/]spec[\\/]conformance[\\/]/)[1]!
          .split('\\')
          .join('/'),
      );
    expect(rel(all)).toContain('inference/forward.spec.ts');
    expect(rel(all)).toContain('notebook/outcome.mlp.spec.ts');
    expect(all.every((f) => /[\\/]spec[\\/]conformance[\\/]/.test(f))).toBe(true);
    expect(rel(conformanceSpecFiles(undefined, ['notebook:outcome:*']))).toEqual([
      'notebook/outcome.000-scaled.spec.ts',
      'notebook/outcome.000.spec.ts',
      'notebook/outcome.cnn.spec.ts',
      'notebook/outcome.mlp.spec.ts',
    ]);
    expect(rel(conformanceSpecFiles(undefined, ['inference:forward:*', 'train:optimizer:rmsprop:*']))).toEqual([
      'inference/forward.spec.ts',
      'train/optimizer.spec.ts',
    ]);
    expect(rel(conformanceSpecFiles(undefined, ['*:recipe=001']))).toEqual(rel(all));
    expect(conformanceSpecFiles(undefined, ['inference:forwar'])).toEqual([]);
  });
  it('reaches a file prefix exactly when some id under it can match', () => {
    expect(queryReachesPrefix('model:summary:recipe=001', 'model:summary')).toBe(true);
    expect(queryReachesPrefix('model:summary', 'model:summary')).toBe(false); // an id has more after the prefix
    expect(queryReachesPrefix('model:*', 'model:summary')).toBe(true);
    expect(queryReachesPrefix('mod*', 'model:summary')).toBe(true);
    expect(queryReachesPrefix('model:summary:*', 'model:weights')).toBe(false);
    expect(queryReachesPrefix('model:summary:re*', 'model:summary')).toBe(true);
    expect(queryReachesPrefix('*', 'anything')).toBe(true);
  });
  it('names a module by its file, an index module by its directory', () => {
    expect(implementationName('tfjs')).toBe('tfjs');
    expect(implementationName('/a/b/my-runtime.js')).toBe('my-runtime');
    expect(implementationName('examples/plain-ts/index.ts')).toBe('plain-ts');
  });
  it('lists the planted faults with their bug from the @fault line', () => {
    const faults = listFaults();
    expect(faults.length).toBeGreaterThanOrEqual(9);
    for (const f of faults) {
      expect(f.bug.length, f.file).toBeGreaterThan(20);
      expect(existsSync(f.file) || existsSync(join(process.cwd(), f.file))).toBe(true);
    }
    // a file without the tag is not a planted fault
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    writeFileSync(join(dir, 'x.ts'), '// helper');
    expect(listFaults(dir)).toEqual([]);
  });
});
