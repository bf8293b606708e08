// Benchmark results as printed tables. Each bench/<area>.ts exports `bench(): Promise<BenchSection[]>`;
// run_all.ts runs them and prints every section (and writes JSON when asked).

import os from 'node:os';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The target from the issue, e.g. '<= 2 ms', when there is one. */
  target?: string;
  /** Whether the target is met (undefined: no target). */
  pass?: boolean;
  /** What the hardware allows for this measure, measured in the same run (same unit). */
  floor?: number;
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
}

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function cell(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** value / floor; n/a where the floor is 0 or missing. */
function ratio(r: BenchRow): string {
  if (r.floor === undefined || !(r.floor > 0)) return r.floor === undefined ? '' : 'n/a';
  return `${cell(r.value / r.floor)}×`;
}

export function formatSection(s: BenchSection): string {
  // The floor and ratio columns only in sections that measure a floor.
  const floors = s.rows.some((r) => r.floor !== undefined);
  const rows = s.rows.map((r) => [
    r.name,
    `${cell(r.value)} ${r.unit}`,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS',
    ...(floors ? [r.floor === undefined ? '' : `${cell(r.floor)} ${r.unit}`, ratio(r)] : []),
    r.note ?? '',
  ]);
  const header = ['measure', 'value', 'target', '', ...(floors ? ['floor', 'ratio'] : []), 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [`### ${s.title}`, '', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line), ''].join('\n');
}

/** Summary statistics of a sample of numbers (nearest-rank percentiles). */
export function stats(sample: readonly number[]): { n: number; mean: number; p50: number; p99: number; max: number } {
  const s = [...sample].sort((a, b) => a - b);
  const q = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    p50: q(50),
    p99: q(99),
    max: s.length ? s[s.length - 1] : NaN,
  };
}
