// Small hand-written SVG line charts for the HTML report (no dependency, renders in any
// browser, inlined in the page). Long series are reduced to min/max per pixel column, which
// keeps spikes visible.

import { niceTicks } from '../failure_monitor/plot.js';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  dashed?: boolean;
  width?: number;
  opacity?: number;
  /** Draw points (dots) instead of a line. */
  dots?: boolean;
  /** Leave out of the legend. */
  hideInLegend?: boolean;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Vertical markers (alarms, jumps). */
  markers?: readonly { x: number; label: string; color?: string }[];
  width?: number;
  height?: number;
  /** Fixed x range; default: the data's. */
  xRange?: readonly [number, number];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Min/max decimation to about `columns` buckets (each bucket keeps its extremes in time order). */
export function decimate(points: readonly (readonly [number, number])[], columns: number): (readonly [number, number])[] {
  if (points.length <= columns * 2) return [...points];
  const x0 = points[0][0];
  const x1 = points[points.length - 1][0];
  const span = x1 - x0 || 1;
  const out: (readonly [number, number])[] = [];
  let bucket = -1;
  let lo: readonly [number, number] | undefined;
  let hi: readonly [number, number] | undefined;
  const flush = () => {
    if (lo === undefined || hi === undefined) return;
    if (lo === hi) out.push(lo);
    else if (lo[0] <= hi[0]) out.push(lo, hi);
    else out.push(hi, lo);
  };
  for (const p of points) {
    const b = Math.floor(((p[0] - x0) / span) * columns);
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = hi = p;
    } else if (Number.isFinite(p[1])) {
      if (!Number.isFinite(lo![1]) || p[1] < lo![1]) lo = p;
      if (!Number.isFinite(hi![1]) || p[1] > hi![1]) hi = p;
    }
  }
  flush();
  return out;
}

/**
 * The clip path's id, from the chart's own content: a page's output then depends only on its
 * data (reports compare byte for byte), not on how many charts this process drew before.
 * FNV-1a over the options; identical charts share an id and an identical clip rectangle.
 */
function clipId(o: ChartOptions): string {
  const text = JSON.stringify(o);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `clip${(h >>> 0).toString(16)}`;
}

export function lineChart(o: ChartOptions): string {
  const clip = clipId(o);
  const W = o.width ?? 920;
  const H = o.height ?? 260;
  const legend = o.series.filter((s) => !s.hideInLegend);
  const m = { left: 64, right: legend.length > 0 ? 170 : 20, top: o.subtitle === undefined ? 34 : 50, bottom: 40 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.left}" y="20" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`);
  if (o.subtitle !== undefined) out.push(`<text x="${m.left}" y="38" fill="#555">${escapeXml(o.subtitle)}</text>`);
  if (all.length === 0) {
    out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle" fill="#888">no data</text></svg>`);
    return out.join('');
  }
  const [xMin, xMaxData] = o.xRange ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let xMax = xMaxData;
  if (!(xMax > xMin)) xMax = xMin + 1;
  let yMin = Math.min(...all.map((p) => p[1]));
  let yMax = Math.max(...all.map((p) => p[1]));
  if (!(yMax > yMin)) {
    yMin -= Math.abs(yMin) * 0.1 + 1e-3;
    yMax += Math.abs(yMax) * 0.1 + 1e-3;
  }
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const x = (v: number) => m.left + ((v - xMin) / (xMax - xMin)) * pw;
  const y = (v: number) => m.top + ph - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * ph;
  for (const v of niceTicks(yMin, yMax, 5)) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 5}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toPrecision(6))}</text>`);
  }
  for (const v of niceTicks(xMin, xMax, 8)) {
    out.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="#f3f3f3"/>`);
    out.push(`<text x="${x(v).toFixed(1)}" y="${m.top + ph + 15}" text-anchor="middle">${Number(v.toPrecision(6))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  out.push(`<clipPath id="${clip}"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath>`);
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = decimate(s.points, Math.max(100, Math.floor(pw)));
    if (s.dots === true) {
      for (const p of pts)
        if (Number.isFinite(p[1]))
          out.push(
            `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="1.6" fill="${color}" fill-opacity="${s.opacity ?? 1}"/>`,
          );
      return;
    }
    let d = '';
    let pen = false;
    for (const p of pts) {
      if (!Number.isFinite(p[1])) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`;
      pen = true;
    }
    if (d !== '') {
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.width ?? 1.4}" stroke-opacity="${s.opacity ?? 1}"${s.dashed === true ? ' stroke-dasharray="5 3"' : ''} clip-path="url(#${clip})"/>`,
      );
    }
  });
  for (const mk of o.markers ?? []) {
    if (mk.x < xMin || mk.x > xMax) continue;
    const color = mk.color ?? '#d62728';
    out.push(
      `<line x1="${x(mk.x).toFixed(1)}" x2="${x(mk.x).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="${color}" stroke-width="1.5" stroke-dasharray="3 2"/>`,
    );
    out.push(`<text x="${(x(mk.x) + 3).toFixed(1)}" y="${m.top + 11}" fill="${color}">${escapeXml(mk.label)}</text>`);
  }
  legend.forEach((s, i) => {
    const color = s.color ?? PALETTE[o.series.indexOf(s) % PALETTE.length];
    const ly = m.top + 8 + i * 15;
    out.push(
      `<line x1="${m.left + pw + 10}" x2="${m.left + pw + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    out.push(`<text x="${m.left + pw + 35}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
