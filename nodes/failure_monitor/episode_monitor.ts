// The failure monitor's decisions, free of ROS and of the detector: which episode a feature
// message belongs to, the step index t compared with δ_t, the alarm (at the first t with
// s_t ≥ δ_t, at most once per episode, whatever its reason) and the feature timeout.
//
// Step index: t counts the feature messages scored in the episode (0-based), not the policy's
// own step counter. The calibration curves are indexed the same way (one score per recorded
// PolicyFeatures message), so a dropped message shifts neither side differently.
//
// Feature timeout: while an episode runs, features must arrive at least every `featureTimeout`
// seconds; before its first features, `startupTimeout` applies (0: wait for them indefinitely,
// since the first latent of a slow VLM can take seconds). An ended episode has no timeout.
// Time-outs count from the first valid clock: an episode that begins (or is re-armed) before
// it (simulated time before the first /clock, `now` = NaN) is armed at the first check.

import type { ConformalBand } from './conformal_band.js';

export type AlarmReason = 'score' | 'feature_timeout';

export interface MonitorConfig {
  /** Longest allowed gap between feature messages of a running episode [s]. */
  featureTimeout: number;
  /** Longest allowed wait for an episode's first features [s]; 0 = no limit. */
  startupTimeout: number;
}

export interface AlarmEvent {
  reason: AlarmReason;
  episodeId: string;
  /** Step index t (0-based count of scored steps); for a timeout, the steps scored so far. */
  index: number;
  /** The policy's step number of the last features (0 if none). */
  step: number;
  score: number;
  threshold: number;
  detail: string;
}

export interface StepDecision {
  episodeId: string;
  index: number;
  threshold: number;
  /** s_t ≥ δ_t at this step (published every step). */
  exceeds: boolean;
  /** Set at the step that raises the episode's alarm. */
  alarm?: AlarmEvent;
}

export interface EpisodeState {
  readonly id: string;
  running: boolean;
  alarmed: boolean;
  /** Steps scored. */
  index: number;
  startedAt: number;
  /** Time of the last features, NaN before the first. */
  lastFeaturesAt: number;
  /** Reference time of the timeout when no features came yet (start, or re-arm); NaN until the clock is valid. */
  armedAt: number;
  lastScore: number;
  lastThreshold: number;
  lastStep: number;
}

/** The node's default time-outs (its feature_timeout and startup_timeout parameters). */
export const MONITOR_TIMEOUT_DEFAULTS: Readonly<MonitorConfig> = Object.freeze({ featureTimeout: 0.5, startupTimeout: 5.0 });

/** How often the node checks the feature timeout [s]: a fifth of it, within [5 ms, 100 ms]. */
export function timeoutCheckPeriod(featureTimeout: number): number {
  return Math.min(0.1, Math.max(0.005, featureTimeout / 5));
}

/** Where a feature message goes, from its episode id. */
export type Route = 'current' | 'new_episode' | 'stale';

/** Past episode ids remembered to drop their late features (bounded). */
const FINISHED_MEMORY = 64;

export class EpisodeMonitor {
  private state: EpisodeState | undefined;
  private readonly finished: string[] = [];

  constructor(
    private readonly band: ConformalBand,
    private readonly config: MonitorConfig,
  ) {
    if (!(config.featureTimeout > 0)) throw new RangeError(`featureTimeout must be > 0, got ${config.featureTimeout}`);
    if (!(config.startupTimeout >= 0)) throw new RangeError(`startupTimeout must be >= 0, got ${config.startupTimeout}`);
  }

  get episode(): Readonly<EpisodeState> | undefined {
    return this.state;
  }

  get thresholdBand(): ConformalBand {
    return this.band;
  }

  /**
   * Starts episode `id` (the previous one, if any, is finished) at `now` (NaN: the clock is not
   * valid yet). Returns false if `id` is already the running episode.
   */
  begin(id: string, now: number, restart = false): boolean {
    if (this.state !== undefined && this.state.id === id && this.state.running && !restart) return false;
    if (this.state !== undefined && this.state.id !== id) this.remember(this.state.id);
    this.state = {
      id,
      running: true,
      alarmed: false,
      index: 0,
      startedAt: now,
      lastFeaturesAt: NaN,
      armedAt: now,
      lastScore: NaN,
      lastThreshold: NaN,
      lastStep: 0,
    };
    return true;
  }

  /** Ends episode `id` if it is the current one: no more scoring or timeout for it. */
  end(id: string): boolean {
    if (this.state === undefined || this.state.id !== id || !this.state.running) return false;
    this.state.running = false;
    this.remember(id);
    return true;
  }

  /** Restarts the timeout from `now` (after activation, or a time jump). */
  rearm(now: number): void {
    if (this.state === undefined) return;
    this.state.armedAt = now;
    if (Number.isFinite(this.state.lastFeaturesAt) && !Number.isNaN(now)) this.state.lastFeaturesAt = now;
  }

  /**
   * Features for `episodeId` ('' = whichever runs): the current episode, a new one (an id never
   * seen: the monitor follows the policy even if it missed the instruction), or stale (an ended
   * or superseded episode's late features: dropped).
   */
  route(episodeId: string): Route {
    const s = this.state;
    if (episodeId === '') return s !== undefined && s.running ? 'current' : s === undefined ? 'new_episode' : 'stale';
    if (s !== undefined && s.id === episodeId) return s.running ? 'current' : 'stale';
    return this.finished.includes(episodeId) ? 'stale' : 'new_episode';
  }

  /** Records the scored step of the current episode and decides. */
  scored(step: number, score: number, now: number): StepDecision {
    const s = this.state;
    if (s === undefined || !s.running) throw new Error('scored() without a running episode');
    const index = s.index++;
    const threshold = this.band.threshold(index);
    const exceeds = score >= threshold;
    s.lastFeaturesAt = now;
    s.lastScore = score;
    s.lastThreshold = threshold;
    s.lastStep = step;
    const decision: StepDecision = { episodeId: s.id, index, threshold, exceeds };
    if (exceeds && !s.alarmed) {
      s.alarmed = true;
      decision.alarm = {
        reason: 'score',
        episodeId: s.id,
        index,
        step,
        score,
        threshold,
        detail: `SAFE score ${score.toFixed(4)} >= conformal threshold ${threshold.toFixed(4)} at step ${index} (alpha ${this.band.params.alpha})`,
      };
    }
    return decision;
  }

  /** The timeout alarm, once, when the running episode's features are overdue at `now` (a valid clock). */
  checkTimeout(now: number): AlarmEvent | undefined {
    const s = this.state;
    if (s === undefined || !s.running || s.alarmed) return undefined;
    const first = !Number.isFinite(s.lastFeaturesAt);
    const limit = first ? this.config.startupTimeout : this.config.featureTimeout;
    if (limit === 0) return undefined;
    if (first && Number.isNaN(s.armedAt)) {
      s.armedAt = now;
      return undefined;
    }
    const since = first ? s.armedAt : s.lastFeaturesAt;
    const gap = now - since;
    if (!(gap > limit)) return undefined;
    s.alarmed = true;
    return {
      reason: 'feature_timeout',
      episodeId: s.id,
      index: s.index,
      step: s.lastStep,
      score: Number.isFinite(s.lastScore) ? s.lastScore : 0,
      threshold: Number.isFinite(s.lastThreshold) ? s.lastThreshold : this.band.threshold(s.index),
      detail: first
        ? `no policy features ${gap.toFixed(3)} s after the episode started (startup_timeout ${this.config.startupTimeout} s)`
        : `no policy features for ${gap.toFixed(3)} s (feature_timeout ${this.config.featureTimeout} s) after step ${s.index}`,
    };
  }

  private remember(id: string): void {
    if (this.finished.includes(id)) return;
    this.finished.push(id);
    if (this.finished.length > FINISHED_MEMORY) this.finished.shift();
  }
}
