import { formatNumber } from './format.js';

/** A small self-contained SVG line chart (no script, no external font): the training curves of a report. */
export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  points: [x: number, y: number][];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round-ish tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 4): number[] {
  if (lo === hi) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / count));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= count) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

export function lineChart(opts: { title: string; xLabel: string; series: Series[]; width?: number; height?: number }): string {
  const W = opts.width ?? 360;
  const H = opts.height ?? 220;
  const m = { l: 48, r: 12, t: 26, b: 34 };
  const pts = opts.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (!pts.length)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(opts.title)}"><text x="8" y="20">${esc(opts.title)}: no data</text></svg>`;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const pad = (y1 - y0) * 0.06;
  [y0, y1] = [y0 - pad, y1 + pad];
  const X = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">`,
  );
  parts.push(`<text x="${m.l}" y="16" class="chart-title">${esc(opts.title)}</text>`);
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.l - 4}" y="${(Y(t) + 3).toFixed(1)}" text-anchor="end" class="tick">${esc(formatNumber(t))}</text>`);
  }
  const xt = ticks(x0, x1, Math.min(8, Math.max(1, Math.round(x1 - x0)))).filter((t) => Number.isInteger(t));
  for (const t of xt) parts.push(`<text x="${X(t).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle" class="tick">${t}</text>`);
  parts.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" class="axis"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" class="axis"/>`,
  );
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 28}" text-anchor="middle" class="tick">${esc(opts.xLabel)}</text>`);
  opts.series.forEach((s, i) => {
    const p = s.points.filter(([, y]) => Number.isFinite(y));
    if (!p.length) return;
    const d = p.map(([x, y], k) => `${k ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(s.name)}</title></path>`,
    );
    for (const [x, y] of p)
      parts.push(
        `<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${s.color}"><title>${esc(`${s.name} epoch ${x}: ${formatNumber(y)}`)}</title></circle>`,
      );
    // legend, top right, beside the title
    const lx = W - m.r - (opts.series.length - i) * 78;
    parts.push(
      `<line x1="${lx}" x2="${lx + 16}" y1="12" y2="12" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${lx + 20}" y="16" class="tick">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
