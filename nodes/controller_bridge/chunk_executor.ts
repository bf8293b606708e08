// ChunkExecutor: chunks in, the (not yet safety-filtered) target at any instant out.
//
// Time is a grid of control steps: step k is due at τ_k = epoch + k·dt, epoch and dt taken from
// the first chunk (a chunk with another dt or action layout starts a new grid). A chunk's action
// i goes to step round((start_time − epoch)/dt) + i, i.e. chunks are indexed by the step of the
// observation they answer. Between waypoints the target moves along a segment from the previous
// waypoint A (at t0) to the next one B (at t1 = τ_j), interpolated to whatever rate sample() is
// called at. B is committed when its segment starts: a new chunk can only change steps after
// it, so the target never jumps when a chunk arrives — it bends at the next waypoint.
//
// - Gap (no action for the next step): B = the previous waypoint — hold the last target.
// - Nothing pending at all: stationary (idle). A chunk arriving then starts its first segment
//   from the current target *now*, lasting at least dt/2, so the first move is never rushed.
// - Deltas (ee_delta, joint_delta) integrate on the previous waypoint, i.e. the previous target
//   after static clamping (crisp_gym: target_pose + delta, with the safety box applied).
// - Every step is processed, even when several fall between two samples (publish rate < 1/dt),
//   so no delta is skipped.

import { targetFromAction, type ActionLayout, type CommandInterface, type DecodedChunk } from './action_decoder.js';
import { ChunkTimeline } from './chunk_timeline.js';
import { gripperTarget } from './gripper_command.js';
import type { MergeRule } from './merge_rule.js';
import { WaypointInterpolator } from './waypoint_interpolator.js';

export interface ExecutorOptions {
  kind: CommandInterface;
  /** 7 for poses, the joint count for joints. */
  targetSize: number;
  rule: MergeRule;
  /** Static limits applied to every waypoint in place (workspace box, joint limits). */
  clampWaypoint: (waypoint: Float64Array) => void;
  /** absolute_binary gripper threshold (crisp_gym: 0.1). */
  gripperThreshold: number;
}

export interface ChunkInsertion {
  /** Rows merged into the timeline. */
  used: number;
  /** Rows for steps already executed or committed, dropped. */
  executed: number;
  /** Rows that met an earlier prediction. */
  overlapped: number;
  /** The chunk started a new step grid (first chunk, new dt or layout). */
  rebased: boolean;
  /** Step index of the chunk's first action. */
  firstStep: number;
  /** Last committed step when the chunk arrived. */
  committed: number;
}

interface Grid {
  epoch: number;
  dt: number;
  layout: ActionLayout;
}

export class ChunkExecutor {
  private grid: Grid | undefined;
  private timeline: ChunkTimeline | undefined;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private t0 = 0;
  private t1 = Infinity;
  /** Step index of waypoint b (−Infinity before a grid exists). */
  private step = -Infinity;
  private idle = true;
  private gripper: number | undefined;
  private readonly interpolator: WaypointInterpolator;
  private initialized = false;

  constructor(private readonly options: ExecutorOptions) {
    this.a = new Float64Array(options.targetSize);
    this.b = new Float64Array(options.targetSize);
    this.interpolator = new WaypointInterpolator(options.kind);
  }

  get dt(): number | undefined {
    return this.grid?.dt;
  }

  /** Steps waiting in the timeline. */
  get pending(): number {
    return this.timeline?.size ?? 0;
  }

  /** Nothing to execute: the target stands still. */
  get isIdle(): boolean {
    return this.idle;
  }

  /** Step of the waypoint being approached (the last committed step). */
  get committedStep(): number {
    return this.step;
  }

  /** Gripper target of the last committed step that carried one. */
  get gripperTarget(): number | undefined {
    return this.gripper;
  }

  get layout(): ActionLayout | undefined {
    return this.grid?.layout;
  }

  /** Step of the grid that `time` falls in. */
  stepAt(time: number): number {
    const g = this.grid;
    if (g === undefined) return -Infinity;
    return Math.floor((time - g.epoch) / g.dt + 1e-9);
  }

  /**
   * Stands still at `target` from now on, forgetting every pending action (hold, watchdog,
   * activation). `forgetGrid` also drops the step grid (clock jumps make it meaningless).
   */
  hold(now: number, target: Float64Array, forgetGrid = false): void {
    this.a.set(target);
    this.b.set(target);
    this.t0 = now;
    this.t1 = Infinity;
    this.idle = true;
    this.initialized = true;
    this.timeline?.clear();
    if (forgetGrid) {
      this.grid = undefined;
      this.timeline = undefined;
      this.step = -Infinity;
    } else if (this.grid !== undefined) {
      this.step = Math.max(this.step, this.stepAt(now));
    }
  }

  /** Resets the gripper target (activation). */
  resetGripper(target?: number): void {
    this.gripper = target;
  }

  /** Merges a chunk into the timeline; `freezeSteps`: RTC's frozen window from its first action. */
  insert(chunk: DecodedChunk, now: number, freezeSteps = 0): ChunkInsertion {
    if (!this.initialized) throw new Error('ChunkExecutor.insert before hold(): the executor needs a starting target');
    const current = new Float64Array(this.options.targetSize);
    this.sample(now, current);
    let rebased = false;
    const g = this.grid;
    if (g === undefined || Math.abs(chunk.dt - g.dt) > 1e-9 * g.dt || chunk.layout.key !== g.layout.key) {
      this.grid = { epoch: chunk.startTime, dt: chunk.dt, layout: chunk.layout };
      this.timeline = new ChunkTimeline(this.options.rule, chunk.layout);
      this.step = this.stepAt(now);
      this.restartFrom(now, current);
      rebased = true;
    } else if (this.idle) {
      this.step = Math.max(this.step, this.stepAt(now));
      this.restartFrom(now, current);
    }
    const grid = this.grid!;
    const firstStep = Math.round((chunk.startTime - grid.epoch) / grid.dt);
    const committed = this.step;
    const r = this.timeline!.insert(firstStep, chunk.rows, committed, firstStep + freezeSteps);
    return { ...r, rebased, firstStep, committed };
  }

  /** The target at `now` (written to `out`), committing every step that has become due. */
  sample(now: number, out: Float64Array): Float64Array {
    while (now >= this.t1) this.advance(now);
    return this.interpolator.interpolate(this.a, this.b, this.t1 === Infinity ? 1 : (now - this.t0) / (this.t1 - this.t0), out);
  }

  private restartFrom(now: number, current: Float64Array): void {
    // A segment that ends now: the next advance starts the first real segment from here.
    this.a.set(current);
    this.b.set(current);
    this.t0 = now;
    this.t1 = now;
    this.idle = false;
  }

  private advance(now: number): void {
    const grid = this.grid;
    const timeline = this.timeline;
    this.a.set(this.b);
    this.t0 = this.t1;
    if (grid === undefined || timeline === undefined || timeline.size === 0) {
      // Nothing ahead: stand still at the last waypoint; steps that pass meanwhile count as executed.
      this.t1 = Infinity;
      this.idle = true;
      if (grid !== undefined) this.step = Math.max(this.step, this.stepAt(now));
      return;
    }
    const j = this.step + 1;
    const action = timeline.take(j);
    this.step = j;
    this.t1 = Math.max(grid.epoch + j * grid.dt, this.t0 + grid.dt / 2);
    if (action === undefined) return; // gap: b stays, the segment stands still
    targetFromAction(grid.layout, action, this.a, this.b);
    this.options.clampWaypoint(this.b);
    if (grid.layout.gripperIndex >= 0) {
      this.gripper = gripperTarget(grid.layout.gripper, action[grid.layout.gripperIndex], this.gripper, this.options.gripperThreshold);
    }
  }
}
