// ChunkTimeline: the actions still to execute, indexed by control step (step k is due at
// epoch + k·dt on a grid fixed by the executor). A new chunk's rows are merged into it by the
// MergeRule; steps at or before `committed` are already executed (or being executed) and are
// never touched; steps beyond the new chunk's last one are dropped, because a newer chunk
// supersedes older plans there (LeRobot async rebuilds its queue from the new chunk the same way).

import type { ActionLayout } from './action_decoder.js';
import type { MergeRule } from './merge_rule.js';

export interface InsertResult {
  /** Rows merged into or added to the timeline. */
  used: number;
  /** Rows of steps at or before `committed` (already executed), dropped. */
  executed: number;
  /** Rows that met an existing prediction for their step. */
  overlapped: number;
}

export class ChunkTimeline {
  private readonly steps = new Map<number, Float64Array[]>();

  constructor(
    readonly rule: MergeRule,
    readonly layout: ActionLayout,
  ) {}

  get size(): number {
    return this.steps.size;
  }

  has(step: number): boolean {
    return this.steps.has(step);
  }

  /** Predictions held for a step, oldest first (for tests and diagnostics). */
  predictions(step: number): readonly Float64Array[] {
    return this.steps.get(step) ?? [];
  }

  /**
   * Merges `rows` as steps firstStep, firstStep + 1, …; rows for steps <= committed are
   * dropped; steps < freezeUntil are RTC's frozen window.
   */
  insert(firstStep: number, rows: readonly Float64Array[], committed: number, freezeUntil = -Infinity): InsertResult {
    const lastStep = firstStep + rows.length - 1;
    // A chunk with nothing left to execute (late) changes nothing, not even the old plan's tail.
    if (lastStep <= committed) return { used: 0, executed: rows.length, overlapped: 0 };
    for (const step of this.steps.keys()) if (step > lastStep) this.steps.delete(step);
    let used = 0;
    let executed = 0;
    let overlapped = 0;
    for (let i = 0; i < rows.length; i++) {
      const step = firstStep + i;
      if (step <= committed) {
        executed++;
        continue;
      }
      const existing = this.steps.get(step) ?? [];
      if (existing.length > 0) overlapped++;
      this.steps.set(step, this.rule.merge(existing, rows[i], step < freezeUntil, this.layout));
      used++;
    }
    return { used, executed, overlapped };
  }

  /** The action for `step` (undefined: a gap), forgetting it and everything before it. */
  take(step: number): Float64Array | undefined {
    const predictions = this.steps.get(step);
    for (const k of this.steps.keys()) if (k <= step) this.steps.delete(k);
    return predictions === undefined ? undefined : this.rule.resolve(predictions, this.layout);
  }

  clear(): void {
    this.steps.clear();
  }
}
