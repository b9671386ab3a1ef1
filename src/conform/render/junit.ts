import type { ConformanceReport, SpecResult } from '../report.js';
import { formatPlacement, verdictLabel } from './format.js';

/**
 * junit.xml for CI systems: one <testsuite> per spec area (`model`, `inference`, …), one <testcase> per
 * spec. fail → <failure>; skip → <skipped message=reason>; warn → passes, with each warning as a `warning`
 * property and in <system-out> (JUnit has no warning element; CI systems show both); expected-fail → passes, with
 * the expectation in <system-out>; unexpected-pass → passes with a note (it fails `conform` only under --strict,
 * where it is a <failure>). A stochastic spec carries its estimated false-failure probability and, per bounded
 * value, its percentile in the reference's distribution, as properties.
 */
const xml = (s: unknown): string =>
  String(s ?? '')
    // characters XML 1.0 cannot hold at all
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

function testcase(s: SpecResult, impl: string, strict: boolean): string {
  const area = s.id.split(':')[0]!;
  const attrs = `name="${xml(s.id)}" classname="mnist-spec.${xml(impl)}.${xml(area)}" time="${(s.durationMs / 1000).toFixed(3)}" file="${xml(s.file)}"`;
  const out: string[] = [];
  const props = [
    s.claim ? `<property name="claim" value="${xml(`${s.claim.source}: ${s.claim.quote}`)}"/>` : '',
    s.measured !== undefined ? `<property name="measured" value="${xml(JSON.stringify(s.measured))}"/>` : '',
    s.bound ? `<property name="bound" value="${xml(s.bound)}"/>` : '',
    typeof s.stochastic === 'object' && s.stochastic.falseFailure !== undefined
      ? `<property name="false-failure-probability" value="${s.stochastic.falseFailure}"/>`
      : '',
    ...(s.placements ?? []).map((p) => `<property name="percentile:${xml(p.quantity)}" value="${xml(formatPlacement(p))}"/>`),
    ...(s.warnings ?? []).map((w) => `<property name="warning" value="${xml(w)}"/>`),
    s.training ? `<property name="samples-per-second" value="${s.training.samplesPerSecond}"/>` : '',
    `<property name="status" value="${s.status}"/>`,
  ].join('');
  out.push(`<properties>${props}</properties>`);
  if (s.status === 'fail' || (strict && s.status === 'unexpected-pass')) {
    out.push(`<failure message="${xml(s.reason ?? 'failed')}" type="${s.status}">${xml(s.errors.join('\n\n') || s.reason)}</failure>`);
  } else if (s.status === 'skip') out.push(`<skipped message="${xml(s.reason ?? 'skipped')}"/>`);
  const notes =
    s.status === 'expected-fail' || s.status === 'unexpected-pass' ? [`${s.status}: ${s.reason ?? ''}`] : (s.warnings ?? []).map((w) => `warning: ${w}`);
  const sysout = [...notes, ...s.logs].filter(Boolean).join('\n');
  if (sysout) out.push(`<system-out>${xml(sysout)}</system-out>`);
  return `    <testcase ${attrs}>${out.join('')}</testcase>`;
}

/** Where the implementation ran and what judged it: on every suite, as the verdict is. */
function environmentProperties(r: ConformanceReport): [string, string][] {
  const i = r.implementation;
  const out: [string, string][] = [];
  if (i.precision) out.push(['precision', `${i.precision.value}${i.precision.declared ? '' : ' (not declared)'}`], ['tolerance-profile', i.precision.value]);
  if (i.browser) {
    out.push(
      ['browser', i.browser.name],
      ['browser-version', i.browser.version],
      ['user-agent', i.browser.userAgent],
      ['webgl-renderer', i.browser.webglRenderer],
      ['webgpu-adapter', i.browser.webgpuAdapter],
    );
  }
  return out;
}

export function renderJunit(r: ConformanceReport, strict = false): string {
  const areas = new Map<string, SpecResult[]>();
  for (const s of r.specs) {
    const a = s.id.split(':')[0]!;
    areas.set(a, [...(areas.get(a) ?? []), s]);
  }
  const failed = (s: SpecResult): boolean => s.status === 'fail' || (strict && s.status === 'unexpected-pass');
  // The run's verdict and its coverage of the notebook claims, on every suite (a CI system shows suite properties).
  const nb = r.summary.notebookClaims;
  const verdictProps = [
    `<property name="verdict" value="${xml(verdictLabel(r))}"/>`,
    nb ? `<property name="notebook-claims-judged" value="${nb.judged}"/><property name="notebook-claims" value="${nb.total}"/>` : '',
    r.run.errors.length ? `<property name="run-errors" value="${r.run.errors.length}"/>` : '',
    r.summary.warn ? `<property name="warnings" value="${r.summary.warn}"/>` : '',
    ...environmentProperties(r).map(([k, v]) => `<property name="${k}" value="${xml(v)}"/>`),
  ].join('');
  const suites = [...areas].map(([area, specs]) => {
    const time = specs.reduce((a, s) => a + s.durationMs, 0) / 1000;
    return [
      `  <testsuite name="mnist-spec ${xml(r.implementation.name)} ${xml(area)}" tests="${specs.length}" failures="${specs.filter(failed).length}" errors="0" skipped="${specs.filter((s) => s.status === 'skip').length}" time="${time.toFixed(3)}" timestamp="${xml(r.run.startedAt.replace(/\.\d+Z$/, ''))}">`,
      `    <properties>${verdictProps}</properties>`,
      ...specs.map((s) => testcase(s, r.implementation.name, strict)),
      '  </testsuite>',
    ].join('\n');
  });
  const total = r.specs.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mnist-spec conformance: ${xml(r.implementation.name)}" tests="${total}" failures="${r.specs.filter(failed).length}" errors="${r.run.errors.length}" skipped="${r.summary.skip}" time="${r.run.wallSeconds}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
