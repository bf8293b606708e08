// Console progress of a suite running on the built-in sim: per episode, what the operator wants to
// see (instruction, success, chunk rate, latent age, SAFE score) and a closing summary. Plain
// bookkeeping fed by the `sim run` command's probe node; times are simulated seconds.

export interface EpisodeLine {
  index: number;
  id: string;
  instruction: string;
  success: boolean;
  /** Cut short (Ctrl-C, --duration) before its END: no outcome. */
  interrupted: boolean;
  /** Simulated seconds from START to END (or to the interruption). */
  duration: number;
  chunks: number;
  chunkRate: number;
  latentAgeMean: number;
  /** Highest SAFE score and whether the monitor raised an alarm. */
  maxScore: number;
  alarm: boolean;
  /** Simulated seconds from START to the first alarm (NaN: none). */
  alarmAt: number;
  /** The controller bridge was asked to hold the arm for this episode. */
  held: boolean;
}

interface Open {
  id: string;
  instruction: string;
  start: number;
  chunks: number;
  ageSum: number;
  maxScore: number;
  alarmAt: number;
  held: boolean;
}

export class EpisodeProgress {
  private current: Open | undefined;
  readonly finished: EpisodeLine[] = [];

  /** `monitored`: a failure monitor runs (else the summary says there was none to raise alarms). */
  constructor(private readonly monitored = true) {}

  /** An episode started (EpisodeEvent START). */
  start(id: string, instruction: string, time: number): void {
    this.current = { id, instruction, start: time, chunks: 0, ageSum: 0, maxScore: -Infinity, alarmAt: NaN, held: false };
  }

  chunk(latentAge: number): void {
    if (this.current === undefined) return;
    this.current.chunks++;
    this.current.ageSum += latentAge;
  }

  /** A FailureScore of `episodeId` at `time` (its stamp). */
  score(episodeId: string, score: number, alarm: boolean, time = NaN): void {
    const c = this.current;
    if (c === undefined || c.id !== episodeId || !Number.isFinite(score)) return;
    c.maxScore = Math.max(c.maxScore, score);
    if (alarm && !(c.alarmAt >= 0)) c.alarmAt = Number.isFinite(time) ? Math.max(0, time - c.start) : 0;
  }

  /** A HoldRequest (hold=true) for `episodeId` ('' : the running episode). */
  hold(episodeId: string): void {
    const c = this.current;
    if (c !== undefined && (episodeId === '' || c.id === episodeId)) c.held = true;
  }

  /** The episode ended (EpisodeEvent END); returns its line, undefined for an unknown id. */
  end(id: string, success: boolean, time: number): EpisodeLine | undefined {
    const c = this.current;
    if (c === undefined || c.id !== id) return undefined;
    return this.close(c, success, false, time);
  }

  /** The run stops with an episode in progress: its line (marked interrupted), undefined if none. */
  interrupt(time: number): EpisodeLine | undefined {
    const c = this.current;
    return c === undefined ? undefined : this.close(c, false, true, time);
  }

  private close(c: Open, success: boolean, interrupted: boolean, time: number): EpisodeLine {
    this.current = undefined;
    const duration = Math.max(0, time - c.start);
    const line: EpisodeLine = {
      index: this.finished.length,
      id: c.id,
      instruction: c.instruction,
      success,
      interrupted,
      duration,
      chunks: c.chunks,
      chunkRate: duration > 0 ? c.chunks / duration : NaN,
      latentAgeMean: c.chunks > 0 ? c.ageSum / c.chunks : NaN,
      maxScore: c.maxScore,
      alarm: c.alarmAt >= 0,
      alarmAt: c.alarmAt,
      held: c.held,
    };
    this.finished.push(line);
    return line;
  }

  /** A live status for the episode in progress. */
  status(time: number): string | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    const t = time - c.start;
    return `  … ${t.toFixed(1)} s, ${c.chunks} chunks (${t > 0 ? (c.chunks / t).toFixed(1) : '-'}/s), latent age ${c.chunks > 0 ? (c.ageSum / c.chunks).toFixed(3) : '-'} s, SAFE ${Number.isFinite(c.maxScore) ? c.maxScore.toFixed(3) : '-'}${c.alarmAt >= 0 ? ' ALARM' : ''}${c.held ? ', arm held' : ''}`;
  }

  /** Every episode that ran, the interrupted one included; the success rate is of the complete ones. */
  summary(): string {
    const interrupted = this.finished.filter((l) => l.interrupted).length;
    const complete = this.finished.length - interrupted;
    const ok = this.finished.filter((l) => l.success);
    const alarms = this.finished.filter((l) => l.alarm);
    const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
    return (
      `${this.finished.length} episode(s)${interrupted > 0 ? ` (${complete} complete, ${interrupted} interrupted)` : ''}, ` +
      `${ok.length} success(es) (${complete > 0 ? ((100 * ok.length) / complete).toFixed(0) : 0}%${interrupted > 0 ? ' of the complete ones' : ''}), ` +
      `mean time to success ${measure(mean(ok.map((l) => l.duration)), 2, ' s')}, ` +
      `chunk rate ${measure(mean(this.finished.map((l) => l.chunkRate)), 1, '/s')}, ` +
      `latent age ${measure(mean(this.finished.map((l) => l.latentAgeMean).filter(Number.isFinite)), 3, ' s')}, ` +
      `SAFE alarms ${this.monitored ? alarms.length : 'n/a (no failure monitor)'}` +
      `${alarms.length > 0 ? ` (${alarms.filter((l) => l.held).length} held the arm)` : ''}`
    );
  }
}

/** `x` with `digits` decimals and its unit, or n/a (nothing measured). */
function measure(x: number, digits: number, unit: string): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}${unit}` : 'n/a';
}

export function formatEpisodeLine(l: EpisodeLine): string {
  const outcome = l.interrupted ? 'INTERRUPTED' : l.success ? 'SUCCESS' : 'failed';
  const alarm = l.alarm ? ` (alarm at ${l.alarmAt.toFixed(1)} s${l.held ? ', arm held for the rest of the episode' : ''})` : '';
  return (
    `episode ${l.index} "${l.instruction}": ${outcome} after ${l.duration.toFixed(1)} s · ` +
    `${measure(l.chunkRate, 1, ' chunks/s')} · latent age ${measure(l.latentAgeMean, 3, ' s')} · SAFE max ${measure(l.maxScore, 3, '')}${alarm}`
  );
}
