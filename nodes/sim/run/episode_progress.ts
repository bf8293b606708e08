// Console progress of a suite running on the built-in sim: per episode, what the operator wants to
// see (instruction, success, chunk rate, latent age, SAFE score) and a closing summary. Plain
// bookkeeping fed by the `sim run` command's probe node; times are simulated seconds.

export interface EpisodeLine {
  index: number;
  id: string;
  instruction: string;
  success: boolean;
  /** Simulated seconds from START to END. */
  duration: number;
  chunks: number;
  chunkRate: number;
  latentAgeMean: number;
  /** Highest SAFE score and whether the monitor raised an alarm. */
  maxScore: number;
  alarm: boolean;
}

interface Open {
  id: string;
  instruction: string;
  start: number;
  chunks: number;
  ageSum: number;
  maxScore: number;
  alarm: boolean;
}

export class EpisodeProgress {
  private current: Open | undefined;
  readonly finished: EpisodeLine[] = [];

  /** An episode started (EpisodeEvent START). */
  start(id: string, instruction: string, time: number): void {
    this.current = { id, instruction, start: time, chunks: 0, ageSum: 0, maxScore: -Infinity, alarm: false };
  }

  chunk(latentAge: number): void {
    if (this.current === undefined) return;
    this.current.chunks++;
    this.current.ageSum += latentAge;
  }

  score(episodeId: string, score: number, alarm: boolean): void {
    const c = this.current;
    if (c === undefined || c.id !== episodeId || !Number.isFinite(score)) return;
    c.maxScore = Math.max(c.maxScore, score);
    c.alarm ||= alarm;
  }

  /** The episode ended (EpisodeEvent END); returns its line, undefined for an unknown id. */
  end(id: string, success: boolean, time: number): EpisodeLine | undefined {
    const c = this.current;
    if (c === undefined || c.id !== id) return undefined;
    this.current = undefined;
    const duration = time - c.start;
    const line: EpisodeLine = {
      index: this.finished.length,
      id,
      instruction: c.instruction,
      success,
      duration,
      chunks: c.chunks,
      chunkRate: duration > 0 ? c.chunks / duration : NaN,
      latentAgeMean: c.chunks > 0 ? c.ageSum / c.chunks : NaN,
      maxScore: c.maxScore,
      alarm: c.alarm,
    };
    this.finished.push(line);
    return line;
  }

  /** A live status for the episode in progress. */
  status(time: number): string | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    const t = time - c.start;
    return `  … ${t.toFixed(1)} s, ${c.chunks} chunks (${t > 0 ? (c.chunks / t).toFixed(1) : '-'}/s), latent age ${c.chunks > 0 ? (c.ageSum / c.chunks).toFixed(3) : '-'} s, SAFE ${Number.isFinite(c.maxScore) ? c.maxScore.toFixed(3) : '-'}${c.alarm ? ' ALARM' : ''}`;
  }

  summary(): string {
    const n = this.finished.length;
    const ok = this.finished.filter((l) => l.success);
    const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
    const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
    return (
      `${n} episode(s), ${ok.length} success(es) (${n > 0 ? ((100 * ok.length) / n).toFixed(0) : 0}%), ` +
      `mean time to success ${f(mean(ok.map((l) => l.duration)))} s, chunk rate ${f(mean(this.finished.map((l) => l.chunkRate)), 1)}/s, ` +
      `latent age ${f(mean(this.finished.map((l) => l.latentAgeMean).filter(Number.isFinite)), 3)} s, SAFE alarms ${this.finished.filter((l) => l.alarm).length}`
    );
  }
}

export function formatEpisodeLine(l: EpisodeLine): string {
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  return (
    `episode ${l.index} "${l.instruction}": ${l.success ? 'SUCCESS' : 'failed'} after ${l.duration.toFixed(1)} s · ` +
    `${f(l.chunkRate, 1)} chunks/s · latent age ${f(l.latentAgeMean, 3)} s · SAFE max ${f(l.maxScore, 3)}${l.alarm ? ' (alarm)' : ''}`
  );
}
