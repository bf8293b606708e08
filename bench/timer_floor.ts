// The floor of control timing on this machine, measured in the same run as the timers it
// bounds: the bare timing-thread loop (nodes/ros/timing_thread.ts: Atomics.wait + a short spin
// on a worker thread doing nothing else) keeping a periodic schedule, with nobody to wake.

import { floorOnThread } from '../nodes/ros/timing_thread.js';
import { stats } from './bench_table.js';

export interface TimerFloor {
  rateHz: number;
  seconds: number;
  /** Wake-up − deadline [ms]. */
  latenessMs: ReturnType<typeof stats>;
  /** |Δ wake-up − period| of consecutive ticks [ms]. */
  periodErrorMs: ReturnType<typeof stats>;
  missed: number;
}

export async function timerFloor(rateHz: number, seconds: number): Promise<TimerFloor> {
  const f = await floorOnThread(rateHz, seconds);
  return {
    rateHz,
    seconds,
    latenessMs: stats(f.lateness.map((x) => x * 1000)),
    periodErrorMs: stats(f.periodError.map((x) => x * 1000)),
    missed: f.missed,
  };
}

/**
 * Lateness of the ticks of a drift-free timer (due at start + k·period) from their stamps alone
 * [ms]. The start is unknown to an observer: each stamp's offset from the period grid is taken
 * around the median tick (a tick can be late by up to 7/8 of a period, never early by more than
 * 1/8 — the median tick is nearly on time), and lateness is the offset beyond the least-late
 * tick's (precise alarms never run early, so that one is about on time).
 */
export function latenessFromStamps(stamps: readonly number[], period: number): number[] {
  if (stamps.length === 0) return [];
  const wrap = (x: number, from: number) => x - Math.floor((x - from) / period) * period;
  const grid = stamps.map((s) => wrap(s - stamps[0], -period / 2));
  const median = [...grid].sort((a, b) => a - b)[grid.length >> 1];
  const offsets = grid.map((g) => wrap(g - median, -period / 8));
  const least = Math.min(...offsets);
  return offsets.map((o) => (o - least) * 1000);
}
