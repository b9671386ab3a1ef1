import type { ConformanceReport, SpecResult } from '../report.js';
import {
  browserLine,
  curves,
  evaluations,
  formatMeasured,
  formatNumber,
  formatPlacement,
  formatStochastic,
  gpuLine,
  headline,
  notebookOf,
  notebookRows,
  placementCell,
  precisionLine,
  profileValues,
  seconds,
  STATUS_LABEL,
  trainingRates,
  warned,
} from './format.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** report.md: the same content as report.html, as text a code host renders. */
export function renderMarkdown(r: ConformanceReport): string {
  const impl = r.implementation;
  const out: string[] = [];
  out.push(`# mnist-spec conformance: ${impl.name}`, '', `**${headline(r)}**`, '');
  const coverage = r.summary.notebookClaims;
  if (coverage)
    out.push(
      `Coverage: ${coverage.judged} of ${coverage.total} notebook claims judged${coverage.judged < coverage.total ? ' (the others skipped, each with its reason below)' : ''}; ${r.summary.judged ?? r.summary.total - r.summary.skip} of ${r.summary.total} specs judged.`,
      '',
    );
  // Passes worth a second look, on the first screen: they do not fail the run, but a correct implementation rarely lands there.
  const warnings = warned(r);
  if (warnings.length) {
    out.push(`## Warnings (${warnings.length}): passed, but worth a look`, '');
    for (const s of warnings) for (const w of s.warnings ?? [s.reason ?? '']) out.push(`- **${cell(s.name)}**: ${cell(w)}`);
    out.push('');
  }
  out.push(
    table(
      ['', ''],
      [
        ['implementation', `${impl.declaredName ?? impl.name} ${impl.version ?? ''} (\`--impl ${impl.module}\`)`],
        [
          'backend',
          `${impl.backend ?? '—'}${impl.details ? ` ${JSON.stringify(impl.details)}` : ''}${impl.infoError ? ` (info failed: ${impl.infoError})` : ''}`,
        ],
        ['precision', precisionLine(impl)],
        ...(impl.profile ? [['tolerances', profileValues(impl)]] : []),
        ...(impl.browser
          ? [
              ['browser', browserLine(impl)],
              ['user agent', impl.browser.userAgent],
              ['GPU', gpuLine(impl)],
            ]
          : []),
        [
          'capabilities',
          impl.capabilities
            ? `layers ${impl.capabilities.layers.join(', ')}; ${impl.capabilities.train ? `trains (${impl.capabilities.train.optimizers.join(', ')}; ${impl.capabilities.train.losses.join(', ')})` : 'inference only'}`
            : '—',
        ],
        ['spec suite', `mnist-spec ${r.suite.version}, commit ${r.suite.commit ?? 'unknown'}${r.suite.dirty ? ' (uncommitted changes)' : ''}`],
        [
          'run',
          `tier ${r.run.tier}; query ${r.run.queries.join(' ')}${r.run.shards.length ? `; shards ${r.run.shards.join(', ')}` : ''}; expectations ${r.run.expectationsFile ?? 'none'}; ${r.run.wallSeconds} s; ${r.run.startedAt}`,
        ],
        ['data', dataLine(r)],
        [
          'machine',
          `${r.machine.cpu}, ${r.machine.cores} cores, ${(r.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${r.machine.platform}-${r.machine.arch}, Node ${r.machine.node}`,
        ],
      ],
    ),
    '',
  );
  if (r.run.errors.length) out.push('## Errors outside any spec', '', ...r.run.errors.map((e) => `- ${cell(e)}`), '');

  const nb = notebookRows(r);
  out.push('## The notebooks vs this implementation', '');
  out.push(
    nb.length
      ? table(
          ['notebook', 'printed', 'spec', 'measured', 'bound', 'in the reference', 'status'],
          nb.map((s) => [
            notebookOf(s.claim!.source)!,
            `\`${s.claim!.quote.split('\n')[0]!.slice(0, 80)}\``,
            s.id,
            formatMeasured(s.measured),
            s.bound ?? '',
            placementCell(s),
            statusCell(s),
          ]),
        )
      : '_No notebook claim was among the specs run._',
    '',
  );

  const rates = trainingRates(r);
  if (rates.length) {
    out.push(
      '## Training speed',
      '',
      "Samples per second of each training spec's fits (train samples × epochs over the epochs' own seconds, validation included; the first five fits of a spec).",
      '',
    );
    out.push(
      table(
        ['spec', 'fits', 'samples', 'seconds', 'samples/s', 'status'],
        rates.map((s) => [
          s.id,
          String(s.training!.fits),
          String(s.training!.samples),
          formatNumber(s.training!.seconds),
          formatNumber(s.training!.samplesPerSecond),
          statusCell(s),
        ]),
      ),
      '',
    );
  }

  const cs = curves(r);
  if (cs.length) {
    out.push('## Training', '');
    for (const c of cs) {
      out.push(`### ${c.spec.id}`, '', `Train on ${c.history.trainSamples} samples${c.history.valSamples ? `, validate on ${c.history.valSamples}` : ''}.`, '');
      out.push(
        table(
          ['epoch', 'loss', 'acc', 'val_loss', 'val_acc', 'seconds'],
          c.history.epochs.map((e) => [
            String(e.epoch + 1),
            formatNumber(e.loss),
            formatNumber(e.acc),
            e.valLoss === undefined ? '' : formatNumber(e.valLoss),
            e.valAcc === undefined ? '' : formatNumber(e.valAcc),
            e.seconds.toFixed(1),
          ]),
        ),
        '',
      );
    }
  }

  for (const e of evaluations(r)) {
    out.push(`## Evaluation: ${e.spec.id}`, '', `Measured: ${formatMeasured(e.spec.measured)} — ${statusCell(e.spec)}`, '');
    if (e.confusion) {
      out.push('Confusion matrix (rows: true label, columns: predicted):', '');
      out.push(
        table(
          ['', ...e.confusion.labels.map(String)],
          e.confusion.matrix.map((row, i) => [`**${e.confusion!.labels[i]}**`, ...row.map((v, j) => (i === j ? `**${v}**` : v ? String(v) : '·'))]),
        ),
        '',
      );
    }
    if (e.misclassified) {
      const m = e.misclassified;
      out.push(`${m.total} misclassified on the ${m.data}; the first ${m.shown} (index: true → predicted), drawn in report.html:`, '');
      out.push(m.samples.map((s) => `${s.index}: ${s.label} → ${s.predicted}`).join(', '), '');
    }
  }

  const problems = r.specs.filter((s) => s.status === 'fail' || s.status === 'unexpected-pass');
  if (problems.length) {
    out.push('## Failures', '');
    for (const s of problems)
      out.push(
        `### ${s.name}`,
        '',
        `${STATUS_LABEL[s.status]}: ${s.reason ?? ''}`,
        '',
        '```',
        (s.errors[0] ?? '').split('\n').slice(0, 25).join('\n'),
        '```',
        '',
      );
  }

  if (impl.profile) {
    out.push(
      `## Tolerance profile: ${impl.profile.precision}`,
      '',
      `${impl.profile.summary}. Declared in src/golden/tolerances.ts; applied by the inference specs to an implementation that declares ${impl.profile.precision}. Training specs hold every precision to their own float32 bounds.`,
      '',
    );
    out.push(
      table(
        ['tolerance', 'value', 'why'],
        impl.profile.tolerances.map((t) => [t.name, t.value, t.reason]),
      ),
      '',
    );
  }

  out.push('## Every spec', '');
  out.push(
    table(
      ['spec', 'status', 'measured', 'bound', 'time', 'reason'],
      r.specs.map((s) => [
        s.name,
        statusCell(s),
        formatMeasured(s.measured, 80),
        s.bound ?? '',
        seconds(s.durationMs),
        s.status === 'pass' ? '' : (s.reason ?? ''),
      ]),
    ),
    '',
  );

  const stochastic = r.specs.filter((s) => s.stochastic);
  if (stochastic.length) {
    out.push(
      '## Stochastic bounds',
      '',
      "How each bound on a random outcome was chosen, the estimated probability that a correct implementation fails it, and where this implementation's value falls among the reference's calibrated runs.",
      '',
    );
    for (const s of stochastic) {
      out.push(`- **${cell(s.name)}** (${STATUS_LABEL[s.status]}): ${cell(formatStochastic(s.stochastic!))}`);
      for (const p of s.placements ?? []) out.push(`  - ${cell(formatPlacement(p))}`);
    }
    out.push('');
  }
  out.push(`_Rendered from report.json (schema ${r.schemaVersion}) by mnist-spec ${r.suite.version}._`, '');
  return out.join('\n');
}

function statusCell(s: SpecResult): string {
  return s.status === 'pass' ? 'pass' : `**${STATUS_LABEL[s.status]}**`;
}

export function dataLine(r: ConformanceReport): string {
  const parts: string[] = [];
  const e = r.data.embedded;
  if (e) parts.push(`embedded ${e.location} split ${e.split ?? ''} (${e.counts.train}/${e.counts.test})`);
  const f = r.data.full as (typeof r.data.full & { error?: string }) | null;
  if (f?.error) parts.push(`full set: ${f.error}`);
  else if (f)
    parts.push(
      `full ${f.source} ${f.location} (${f.counts.train}/${f.counts.test}, ${f.canonical ? 'canonical MNIST: every sha256 matches' : 'NOT canonical MNIST'})`,
    );
  else if (r.data.note) parts.push(r.data.note);
  return parts.join('; ');
}
