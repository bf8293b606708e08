// An SVG plot of score curves (successes vs failures) with the conformal band: δ_t (the
// threshold) and μ_t. Hand-written SVG: plain text, no dependency, opens in any browser.

export interface PlotCurve {
  scores: readonly number[];
  failure: boolean;
}

export interface PlotOptions {
  title: string;
  curves: readonly PlotCurve[];
  /** δ_t and μ_t over the steps to draw (already extended beyond the horizon if wanted). */
  threshold: readonly number[];
  mean: readonly number[];
  /** Mark of the calibrated horizon T (a vertical line), if inside the plot. */
  horizon?: number;
  subtitle?: string;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round tick steps (1, 2, 5 × 10^k) covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function renderScorePlot(o: PlotOptions): string {
  const W = o.width ?? 900;
  const H = o.height ?? 520;
  const m = { left: 64, right: 170, top: o.subtitle === undefined ? 44 : 62, bottom: 48 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const steps = Math.max(2, o.threshold.length, ...o.curves.map((c) => c.scores.length));
  const finite = (v: number) => Number.isFinite(v);
  const values = [...o.curves.flatMap((c) => c.scores), ...o.mean, ...o.threshold].filter(finite);
  let yMin = Math.min(0, ...values);
  let yMax = Math.max(1e-6, ...values);
  const pad = (yMax - yMin) * 0.05;
  yMin -= yMin < 0 ? pad : 0;
  yMax += pad;
  const x = (t: number) => m.left + (t / (steps - 1)) * pw;
  const y = (v: number) => m.top + ph - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * ph;
  const path = (vals: readonly number[]) => {
    let d = '';
    let pen = false;
    vals.forEach((v, t) => {
      if (!finite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.left}" y="24" font-size="16" font-weight="bold">${esc(o.title)}</text>`);
  if (o.subtitle !== undefined) out.push(`<text x="${m.left}" y="44" fill="#444">${esc(o.subtitle)}</text>`);
  // Axes and grid.
  for (const v of niceTicks(yMin, yMax)) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  for (const t of niceTicks(0, steps - 1)) {
    out.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="black"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle">step t</text>`);
  out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">score s_t</text>`);
  // Curves: successes first, failures on top.
  for (const failure of [false, true]) {
    const colour = failure ? '#d62728' : '#2ca02c';
    const group = o.curves.filter((c) => c.failure === failure);
    out.push(`<g fill="none" stroke="${colour}" stroke-width="1" stroke-opacity="0.45">`);
    for (const c of group) out.push(`<path d="${path(c.scores)}"/>`);
    out.push('</g>');
  }
  out.push(`<path d="${path(o.mean)}" fill="none" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 4"/>`);
  out.push(`<path d="${path(o.threshold)}" fill="none" stroke="black" stroke-width="2.5"/>`);
  if (o.horizon !== undefined && o.horizon > 0 && o.horizon < steps - 1) {
    out.push(
      `<line x1="${x(o.horizon).toFixed(1)}" x2="${x(o.horizon).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="#888" stroke-dasharray="2 3"/>`,
    );
  }
  // Legend.
  const nS = o.curves.filter((c) => !c.failure).length;
  const nF = o.curves.length - nS;
  const lx = m.left + pw + 14;
  const legend: Array<[string, string, string]> = [
    [`successes (${nS})`, '#2ca02c', ''],
    [`failures (${nF})`, '#d62728', ''],
    ['μ_t', '#1f77b4', '6 4'],
    ['δ_t = μ_t + h·σ_t', 'black', ''],
  ];
  if (o.horizon !== undefined) legend.push([`horizon T = ${o.horizon}`, '#888', '2 3']);
  legend.forEach(([label, colour, dash], i) => {
    const ly = m.top + 10 + i * 20;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/>`,
    );
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
