import type { ConformanceReport, SpecResult, Status } from '../report.js';
import { lineChart } from './chart.js';
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
  type Confusion,
  type Misclassified,
} from './format.js';
import { dataLine } from './markdown.js';
import { digitDataUri } from './png.js';

/**
 * report.html: one self-contained page (inline CSS, SVG charts, digits as PNG data URIs, a few lines of
 * script for the status filter; nothing fetched) rendered from report.json.
 */
const esc = (s: unknown): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const STATUS_CLASS: Record<Status, string> = { pass: 'pass', warn: 'warn', fail: 'fail', skip: 'skip', 'expected-fail': 'xfail', 'unexpected-pass': 'xpass' };

const CSS = `
:root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--skip:#6e7781;--xfail:#9a6700;--xpass:#bc4c00;--ink:#1f2328;--mute:#656d76;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px}h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.banner{padding:12px 16px;border-radius:6px;color:#fff;font-weight:600;font-size:16px;margin:12px 0}.banner.ok{background:var(--pass)}.banner.bad{background:var(--fail)}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:110px;background:var(--bg)}.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:var(--bg)}
td.num{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.env td:first-child{width:140px;color:var(--mute)}
.st{font-weight:600;white-space:nowrap}.st.pass{color:var(--pass)}.st.warn{color:var(--warn)}
.warnings{border:1px solid var(--warn);border-left-width:6px;border-radius:6px;padding:8px 14px;margin:8px 0;background:#fff8c5}.warnings ul{margin:4px 0;padding-left:20px}.st.fail{color:var(--fail)}.st.skip{color:var(--skip)}.st.xfail{color:var(--xfail)}.st.xpass{color:var(--xpass)}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid var(--line);border-radius:6px;background:#fff}.chart .grid{stroke:#eaeef2}.chart .axis{stroke:#8c959f}.chart .tick{font-size:10px;fill:#57606a}.chart .chart-title{font-size:12px;font-weight:600;fill:#1f2328}
.confusion{width:auto}.confusion td{width:44px;text-align:right;font-variant-numeric:tabular-nums}.confusion td.diag{font-weight:700}
.digits{display:flex;flex-wrap:wrap;gap:8px}.digit{border:1px solid var(--line);border-radius:4px;padding:4px;text-align:center;width:92px;font-size:11px}.digit img{width:84px;height:84px;image-rendering:pixelated;display:block}
.filters button{margin:0 6px 6px 0;border:1px solid var(--line);background:var(--bg);border-radius:14px;padding:2px 10px;cursor:pointer}.filters button.on{background:#0969da;color:#fff;border-color:#0969da}
#notebooks,#specs{table-layout:fixed}#notebooks td,#specs td{overflow-wrap:anywhere}
#notebooks th:nth-child(1){width:80px}#notebooks th:nth-child(2){width:20%}#notebooks th:nth-child(3){width:22%}#notebooks th:nth-child(5){width:14%}#notebooks th:nth-child(6){width:11%}#notebooks th:nth-child(7){width:10%}
#specs th:nth-child(1){width:34%}#specs th:nth-child(2){width:9%}#specs th:nth-child(4){width:14%}#specs th:nth-child(5){width:64px}
details summary{cursor:pointer}pre{background:var(--bg);padding:8px;overflow:auto;max-height:320px;font-size:12px}.muted{color:var(--mute)}
`;

const SCRIPT = `
document.querySelectorAll('.filters button').forEach(function(b){b.addEventListener('click',function(){
  var s=b.getAttribute('data-filter');document.querySelectorAll('.filters button').forEach(function(x){x.classList.toggle('on',x===b)});
  document.querySelectorAll('#specs tbody tr').forEach(function(tr){tr.style.display=(s==='all'||tr.getAttribute('data-status')===s)?'':'none'});
})});`;

function status(s: SpecResult): string {
  return `<span class="st ${STATUS_CLASS[s.status]}">${esc(STATUS_LABEL[s.status])}</span>`;
}

function envTable(r: ConformanceReport): string {
  const i = r.implementation;
  const caps = i.capabilities
    ? `layers ${i.capabilities.layers.join(', ')}; ${i.capabilities.train ? `trains: ${i.capabilities.train.optimizers.join(', ')}; ${i.capabilities.train.losses.join(', ')}` : 'inference only'}`
    : '—';
  const rows: [string, string][] = [
    ['implementation', `<b>${esc(i.declaredName ?? i.name)}</b> ${esc(i.version ?? '')} <span class="muted mono">--impl ${esc(i.module)}</span>`],
    [
      'backend',
      `${esc(i.backend ?? '—')} ${i.details ? `<span class="mono muted">${esc(JSON.stringify(i.details))}</span>` : ''}${i.infoError ? ` <span class="st fail">info(): ${esc(i.infoError)}</span>` : ''}`,
    ],
    [
      'precision',
      `<span id="precision">${esc(precisionLine(i))}</span>${i.profile ? `<div class="mono muted" id="tolerances">${esc(profileValues(i))}</div>` : ''}`,
    ],
    ...(i.browser
      ? ([
          ['browser', `<span id="browser">${esc(browserLine(i))}</span>`],
          ['user agent', `<span class="mono">${esc(i.browser.userAgent)}</span>`],
          ['GPU', `<span id="gpu">${esc(gpuLine(i))}</span>`],
        ] as [string, string][])
      : []),
    ['capabilities', esc(caps)],
    [
      'spec suite',
      `mnist-spec ${esc(r.suite.version)}, commit <span class="mono">${esc(r.suite.commit ?? 'unknown')}</span>${r.suite.dirty ? ' (uncommitted changes)' : ''}`,
    ],
    [
      'run',
      `tier ${esc(r.run.tier)}; query <span class="mono">${esc(r.run.queries.join(' '))}</span>${r.run.shards.length ? `; shards ${esc(r.run.shards.join(', '))}` : ''}; expectations ${esc(r.run.expectationsFile ?? 'none')}; ${esc(r.run.wallSeconds)} s from ${esc(r.run.startedAt)}${r.run.watchdogKills ? `; <b>${r.run.watchdogKills} watchdog kill(s)</b>` : ''}`,
    ],
    ['data', esc(dataLine(r))],
    [
      'machine',
      esc(
        `${r.machine.cpu}, ${r.machine.cores} cores, ${(r.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${r.machine.platform}-${r.machine.arch}, Node ${r.machine.node}`,
      ),
    ],
  ];
  return `<table class="env">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function notebookTable(r: ConformanceReport): string {
  const rows = notebookRows(r);
  if (!rows.length) return '<p class="muted">No notebook claim was among the specs run.</p>';
  return `<table id="notebooks"><thead><tr><th>notebook</th><th>the notebook printed</th><th>spec</th><th>measured</th><th>bound</th><th>in the reference</th><th>status</th></tr></thead><tbody>${rows
    .map(
      (s) =>
        `<tr><td>${esc(notebookOf(s.claim!.source))}</td><td><code>${esc(s.claim!.quote.split('\n')[0]!.slice(0, 90))}</code></td><td class="mono">${esc(s.id)}</td><td class="mono">${esc(formatMeasured(s.measured))}</td><td>${esc(s.bound ?? '')}</td><td class="mono">${esc(placementCell(s))}</td><td>${status(s)}${s.status !== 'pass' && s.reason ? `<div class="muted">${esc(s.reason.slice(0, 160))}</div>` : ''}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function trainingSection(r: ConformanceReport): string {
  const cs = curves(r);
  if (!cs.length)
    return '<p class="muted">No spec in this run trained a network on notebook-scale data (an inference-only implementation, or a query without training specs).</p>';
  return cs
    .map((c) => {
      const e = c.history.epochs;
      const x = (i: number): number => e[i]!.epoch + 1;
      const loss = lineChart({
        title: 'loss',
        xLabel: 'epoch',
        series: [
          { name: 'loss', color: '#0969da', points: e.map((l, i) => [x(i), l.loss]) },
          ...(e.some((l) => l.valLoss !== undefined)
            ? [{ name: 'val_loss', color: '#bc4c00', dashed: true, points: e.map((l, i): [number, number] => [x(i), l.valLoss ?? NaN]) }]
            : []),
        ],
      });
      const acc = lineChart({
        title: 'accuracy',
        xLabel: 'epoch',
        series: [
          { name: 'acc', color: '#1a7f37', points: e.map((l, i) => [x(i), l.acc]) },
          ...(e.some((l) => l.valAcc !== undefined)
            ? [{ name: 'val_acc', color: '#8250df', dashed: true, points: e.map((l, i): [number, number] => [x(i), l.valAcc ?? NaN]) }]
            : []),
        ],
      });
      const opt = c.config.optimizer as { type?: string } | undefined;
      return `<h3 class="mono">${esc(c.spec.id)} ${status(c.spec)}</h3><p class="muted">Train on ${c.history.trainSamples} samples${c.history.valSamples ? `, validate on ${c.history.valSamples}` : ''}; ${esc(opt?.type ?? '')} ${esc(c.config.loss ?? '')}, batch ${esc(c.config.batchSize ?? '')}, ${e.length} epoch(s). Measured: <span class="mono">${esc(formatMeasured(c.spec.measured))}</span></p><div class="charts">${loss}${acc}</div>`;
    })
    .join('');
}

function confusionTable(c: Confusion): string {
  const max = Math.max(1, ...c.matrix.flatMap((row, i) => row.filter((_, j) => j !== i)));
  const rowsum = c.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  return `<table class="confusion" id="confusion"><thead><tr><th>true \\ predicted</th>${c.labels.map((l) => `<th>${l}</th>`).join('')}<th>recall</th></tr></thead><tbody>${c.matrix
    .map((row, i) => {
      const cells = row
        .map((v, j) => {
          if (i === j) return `<td class="diag" style="background:rgba(26,127,55,${(0.15 + 0.5 * (v / Math.max(1, rowsum[i]!))).toFixed(2)})">${v}</td>`;
          const a = v ? 0.08 + 0.7 * (v / max) : 0;
          return `<td style="background:rgba(207,34,46,${a.toFixed(2)})">${v || '<span class="muted">·</span>'}</td>`;
        })
        .join('');
      return `<tr><th>${c.labels[i]}</th>${cells}<td class="num">${rowsum[i] ? ((100 * row[i]!) / rowsum[i]!).toFixed(1) : '—'}%</td></tr>`;
    })
    .join('')}</tbody></table>`;
}

function digitsGrid(m: Misclassified): string {
  return `<p>${m.total} misclassified on the ${esc(m.data)}; the first ${m.shown}: <span class="muted">index, true label → predicted (probability)</span></p><div class="digits" id="misclassified">${m.samples
    .map(
      (s) =>
        `<figure class="digit" style="margin:0"><img alt="test image ${s.index}: a ${s.label} predicted as ${s.predicted}" src="${digitDataUri(s.pixels)}"><figcaption>#${s.index}<br><b>${s.label}</b> → <b style="color:var(--fail)">${s.predicted}</b> (${s.confidence.toFixed(3)})</figcaption></figure>`,
    )
    .join('')}</div>`;
}

function evaluationSection(r: ConformanceReport): string {
  const ev = evaluations(r);
  if (!ev.length) return '<p class="muted">No evaluation spec ran.</p>';
  return ev
    .map(
      (e) =>
        `<h3 class="mono">${esc(e.spec.id)} ${status(e.spec)}</h3><p>Measured <span class="mono">${esc(formatMeasured(e.spec.measured))}</span>; bound: ${esc(e.spec.bound ?? '')}</p>${e.confusion ? confusionTable(e.confusion) : ''}${e.misclassified ? digitsGrid(e.misclassified) : ''}`,
    )
    .join('');
}

function speedSection(r: ConformanceReport): string {
  const rates = trainingRates(r);
  if (!rates.length) return '';
  return `<h2 id="speed">Training speed</h2><p class="muted">Samples per second of each training spec's fits (train samples × epochs over the epochs' own seconds, validation included; the first five fits of a spec).</p><table><thead><tr><th>spec</th><th>fits</th><th>samples</th><th>seconds</th><th>samples/s</th><th>status</th></tr></thead><tbody>${rates
    .map(
      (s) =>
        `<tr><td class="mono">${esc(s.id)}</td><td class="num">${s.training!.fits}</td><td class="num">${s.training!.samples}</td><td class="num">${esc(formatNumber(s.training!.seconds))}</td><td class="num">${esc(formatNumber(s.training!.samplesPerSecond))}</td><td>${status(s)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function profileSection(r: ConformanceReport): string {
  const p = r.implementation.profile;
  if (!p) return '';
  return `<h2 id="profile">Tolerance profile: ${esc(p.precision)}</h2><p>${esc(p.summary)}. Declared in src/golden/tolerances.ts; applied by the inference specs to an implementation that declares ${esc(p.precision)}. Training specs hold every precision to their own float32 bounds.</p><table><thead><tr><th>tolerance</th><th>value</th><th>why</th></tr></thead><tbody>${p.tolerances
    .map((t) => `<tr><td class="mono">${esc(t.name)}</td><td class="mono">${esc(t.value)}</td><td>${esc(t.reason)}</td></tr>`)
    .join('')}</tbody></table>`;
}

function specRows(r: ConformanceReport): string {
  return r.specs
    .map((s) => {
      const detail = [
        s.claim ? `<p><b>claim</b> (${esc(s.claim.source)}): <code>${esc(s.claim.quote)}</code></p>` : '',
        s.reason && s.status !== 'pass' ? `<p><b>reason</b>: ${esc(s.reason)}</p>` : '',
        s.stochastic ? `<p><b>stochastic</b>: ${esc(formatStochastic(s.stochastic))}</p>` : '',
        s.placements?.length ? `<p><b>in the reference</b></p><ul>${s.placements.map((p) => `<li>${esc(formatPlacement(p))}</li>`).join('')}</ul>` : '',
        s.warnings?.length ? `<p><b>warnings</b></p><ul>${s.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '',
        s.expectation ? `<p><b>expectation</b>: ${esc(s.expectation.status)} — ${esc(s.expectation.reason)}</p>` : '',
        s.measured !== undefined ? `<p><b>measured</b></p><pre>${esc(JSON.stringify(s.measured, null, 1)?.slice(0, 4000))}</pre>` : '',
        s.errors.length ? `<p><b>errors</b></p><pre>${esc(s.errors.join('\n\n').slice(0, 6000))}</pre>` : '',
        s.logs.length ? `<p><b>logs</b></p><pre>${esc(s.logs.join('\n').slice(0, 6000))}</pre>` : '',
      ].join('');
      return `<tr data-status="${s.status}"><td class="mono"><details><summary>${esc(s.name)}</summary>${detail}</details></td><td>${status(s)}</td><td class="mono">${esc(formatMeasured(s.measured, 90))}</td><td>${esc(s.bound ?? '')}</td><td class="num">${esc(seconds(s.durationMs))}</td><td>${esc(s.status === 'pass' ? '' : (s.reason ?? '').slice(0, 200))}</td></tr>`;
    })
    .join('');
}

export function renderHtml(r: ConformanceReport): string {
  const s = r.summary;
  const cards: [string, number, Status | 'all'][] = [
    ['specs', s.total, 'all'],
    ['pass', s.pass, 'pass'],
    ['warn', s.warn ?? 0, 'warn'],
    ['fail', s.fail, 'fail'],
    ['skip', s.skip, 'skip'],
    ['expected fail', s.expectedFail, 'expected-fail'],
    ['unexpected pass', s.unexpectedPass, 'unexpected-pass'],
  ];
  const problems = r.run.errors.length ? `<h2>Errors outside any spec</h2><pre>${esc(r.run.errors.join('\n\n'))}</pre>` : '';
  // Passes worth a second look, on the first screen: they do not fail the run, but a correct implementation rarely lands there.
  const w = warned(r);
  const warnings = w.length
    ? `<div class="warnings" id="warnings"><b>${w.length} warning${w.length === 1 ? '' : 's'}</b>: passed, but worth a look<ul>${w
        .flatMap((x) => (x.warnings ?? [x.reason ?? '']).map((m) => `<li><span class="mono">${esc(x.name)}</span>: ${esc(m)}</li>`))
        .join('')}</ul></div>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>mnist-spec conformance: ${esc(r.implementation.name)}</title><style>${CSS}</style></head>
<body><main>
<h1>mnist-spec conformance: ${esc(r.implementation.declaredName ?? r.implementation.name)}</h1>
<div class="banner ${s.ok ? 'ok' : 'bad'}" id="verdict">${esc(headline(r))}</div>
${s.notebookClaims ? `<p id="coverage">Coverage: ${s.notebookClaims.judged} of ${s.notebookClaims.total} notebook claims judged; ${s.judged ?? s.total - s.skip} of ${s.total} specs judged.</p>` : ''}
${warnings}
<div class="cards">${cards.map(([k, v, st]) => `<div class="card"><b class="${st === 'all' ? '' : `st ${STATUS_CLASS[st]}`}">${v}</b>${k}</div>`).join('')}</div>
${envTable(r)}
${problems}
<h2>The notebooks vs this implementation</h2>
${notebookTable(r)}
${speedSection(r)}
<h2 id="training">Training curves</h2>
${trainingSection(r)}
<h2>Evaluation on the test set</h2>
${evaluationSection(r)}
${profileSection(r)}
<h2>Every spec</h2>
<div class="filters">${cards.map(([k, v, st]) => `<button data-filter="${st}"${st === 'all' ? ' class="on"' : ''}>${k} (${v})</button>`).join('')}</div>
<table id="specs"><thead><tr><th>spec</th><th>status</th><th>measured</th><th>bound</th><th>time</th><th>reason</th></tr></thead><tbody>${specRows(r)}</tbody></table>
<p class="muted">Rendered from report.json (schema ${r.schemaVersion}) by mnist-spec ${esc(r.suite.version)}.</p>
</main><script>${SCRIPT}</script></body></html>
`;
}
