// Progress of a long bag operation (record, replay, report, reading a big bag). On a terminal:
// one line redrawn in place — a bar when the total is known, the rate and the ETA; otherwise
// (CI logs, pipes): a plain line every `intervalSec`, so logs stay readable.

export interface ProgressOptions {
  label: string;
  /** Units of work in all (undefined: unknown, no bar / ETA). */
  total?: number;
  /** What one unit is: 'msg', 's' (bag seconds), 'B'. */
  unit?: string;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Seconds between plain lines when not on a terminal (default 5). */
  intervalSec?: number;
  /** Disable output entirely. */
  quiet?: boolean;
}

/** Bytes in binary units: `62.0 KiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatCount(n: number, unit: string): string {
  if (unit === 'B') return formatBytes(n);
  if (unit === 's') return `${n.toFixed(1)} s`;
  return `${Math.round(n).toLocaleString('en-US')} ${unit}`;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private done = 0;
  private extra = '';
  private finished = false;
  private updated = false;
  private readonly tty: boolean;
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
  }

  get total(): number | undefined {
    return this.options.total;
  }

  set total(value: number | undefined) {
    this.options.total = value;
  }

  /** Reports `done` units so far; `extra` is shown after the figures. */
  update(done: number, extra = ''): void {
    this.updated = true;
    this.done = done;
    this.extra = extra;
    if (this.options.quiet === true || this.finished) return;
    const now = performance.now();
    const every = this.tty ? 100 : (this.options.intervalSec ?? 5) * 1000;
    if (now - this.lastDraw < every) return;
    this.lastDraw = now;
    this.draw(false);
  }

  /** The current line, as it would be drawn (tests). */
  line(): string {
    const o = this.options;
    const unit = o.unit ?? '';
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const parts: string[] = [];
    if (o.total !== undefined && o.total > 0) {
      const fraction = Math.min(1, this.done / o.total);
      const width = 24;
      const filled = Math.round(fraction * width);
      const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
      parts.push(`${bar}${(fraction * 100).toFixed(0).padStart(3)}%`, `${formatCount(this.done, unit)} of ${formatCount(o.total, unit)}`);
      parts.push(`${formatCount(rate, unit)}/s`, `ETA ${formatDuration(rate > 0 ? (o.total - this.done) / rate : NaN)}`);
    } else {
      parts.push(formatCount(this.done, unit), `${formatCount(rate, unit)}/s`, `elapsed ${formatDuration(elapsed)}`);
    }
    if (this.extra !== '') parts.push(this.extra);
    return `${o.label}: ${parts.join(', ')}`;
  }

  private draw(final: boolean): void {
    let text = this.line();
    if (this.tty) {
      const cols = this.stream.columns ?? 120;
      if (text.length > cols - 1) text = text.slice(0, cols - 1);
      this.stream.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Draws the final state (and ends the terminal line). */
  finish(extra?: string): void {
    if (this.finished) return;
    if (extra !== undefined) this.extra = extra;
    this.finished = true;
    if (this.options.quiet !== true) this.draw(true);
  }

  /**
   * Ends after a failure: the final state only when there was progress to show, so an operation
   * that fails before its first update (a bag that cannot be opened) leaves just its error.
   */
  abort(): void {
    if (this.updated) this.finish();
    this.finished = true;
  }
}
