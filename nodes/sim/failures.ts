// Failure injection: what can go wrong in an episode, decided at reset from the episode's seed
// (so a failed rollout can be replayed exactly), and applied by the simulator at its time.
//
//   object_moved          the target object is teleported 8–15 cm away (on the table) at `start`
//   arm_blocked           from `start` for `duration`: 'brake' holds every arm joint where it is
//                         (stiff joint PD overriding the controller, as a tripped brake or a
//                         collision stop would); 'wall' puts a virtual wall through the gripper,
//                         normal to the way to the target object, that the gripper cannot pass
//   camera_frozen         from `start` for `duration` the camera(s) keep sending their last image
//                         with fresh stamps
//   camera_dropped        from `start` for `duration` the camera(s) send nothing
//   instruction_switched  at `start` the instruction becomes another task's (another object or
//                         another kind); the success check stays the original task's
// duration ≤ 0 means until the end of the episode.

import { OBJECT_COLOURS, type ObjectColour } from './scene_mjcf.js';
import { TASK_KINDS, instructionFor, type EpisodeSetup, type TaskKind, type TaskRegion } from './tasks.js';
import { mixSeed, mulberry32, pick, uniform } from '../random/seeded_random.js';

export const FAILURE_KINDS = ['none', 'object_moved', 'arm_blocked', 'camera_frozen', 'camera_dropped', 'instruction_switched'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
/** Every kind that injects something: what `sim eval` cycles through and SAFE's training rollouts draw from. */
export const INJECTED_FAILURE_KINDS: readonly Exclude<FailureKind, 'none'>[] = FAILURE_KINDS.filter(
  (k): k is Exclude<FailureKind, 'none'> => k !== 'none',
);
export const BLOCK_MODES = ['brake', 'wall'] as const;
export type BlockMode = (typeof BLOCK_MODES)[number];
export type CameraSelector = 'scene' | 'wrist' | 'all';

/** What to inject (node parameters `failure.*`). */
export interface FailureSpec {
  kind: FailureKind;
  /** Chance that an episode gets the failure (drawn from the episode seed). */
  probability: number;
  /** The failure starts at a time drawn uniformly from [startMin, startMax] after the episode starts [s]. */
  startMin: number;
  startMax: number;
  /** [s]; ≤ 0: until the episode ends. */
  duration: number;
  camera: CameraSelector;
  blockMode: BlockMode;
}

export const NO_FAILURE: FailureSpec = Object.freeze({
  kind: 'none',
  probability: 1,
  startMin: 1,
  startMax: 3,
  duration: 0,
  camera: 'all',
  blockMode: 'brake',
});

/** One episode's failure, fully decided. */
export interface ScheduledFailure {
  kind: Exclude<FailureKind, 'none'>;
  /** Episode time it starts [s]. */
  start: number;
  /** Episode time it ends [s] (Infinity: never). */
  end: number;
  camera: CameraSelector;
  blockMode: BlockMode;
  /** object_moved: where the target object goes (x, y) and its new yaw. */
  moveTo?: { x: number; y: number; yaw: number };
  /** instruction_switched: the new instruction. */
  instruction?: string;
}

export function failureSpecProblems(s: FailureSpec): string[] {
  const out: string[] = [];
  if (!(FAILURE_KINDS as readonly string[]).includes(s.kind)) out.push(`failure.kind '${s.kind}' (expected ${FAILURE_KINDS.join(', ')})`);
  if (!(s.probability >= 0 && s.probability <= 1)) out.push('failure.probability must be in [0, 1]');
  if (!(s.startMin >= 0 && s.startMax >= s.startMin)) out.push('failure.start_min/start_max: need 0 <= start_min <= start_max');
  return out;
}

/** Decides episode `setup`'s failure from its seed (independent of the layout draw). */
export function scheduleFailure(spec: FailureSpec, setup: EpisodeSetup, region: TaskRegion): ScheduledFailure | undefined {
  if (spec.kind === 'none') return undefined;
  const random = mulberry32(mixSeed(setup.seed, 0xfa11));
  const happens = random() < spec.probability;
  const start = uniform(random, spec.startMin, spec.startMax);
  if (!happens) return undefined;
  const end = spec.duration > 0 ? start + spec.duration : Infinity;
  const f: ScheduledFailure = { kind: spec.kind, start, end, camera: spec.camera, blockMode: spec.blockMode };
  if (spec.kind === 'object_moved') {
    const from = setup.placements.find((p) => p.colour === setup.colour)!;
    // 8–15 cm in a random direction, kept on the table near the region.
    for (let i = 0; i < 100; i++) {
      const angle = uniform(random, -Math.PI, Math.PI);
      const dist = uniform(random, 0.08, 0.15);
      const x = from.x + dist * Math.cos(angle);
      const y = from.y + dist * Math.sin(angle);
      if (Math.abs(x - region.centre[0]) <= region.half[0] + 0.05 && Math.abs(y - region.centre[1]) <= region.half[1] + 0.05) {
        f.moveTo = { x, y, yaw: uniform(random, -0.5, 0.5) };
        break;
      }
    }
    f.moveTo ??= { x: region.centre[0], y: region.centre[1], yaw: 0 };
  } else if (spec.kind === 'instruction_switched') {
    const kinds = TASK_KINDS.filter((k) => k !== 'lift');
    let kind: TaskKind = setup.kind;
    let colour: ObjectColour = setup.colour;
    while (kind === setup.kind && colour === setup.colour) {
      kind = pick(random, kinds);
      colour = pick(random, OBJECT_COLOURS);
    }
    f.instruction = instructionFor(kind, colour);
  }
  return f;
}

/** Whether the failure affects `camera` at episode time `t`. */
export function cameraFailure(f: ScheduledFailure | undefined, camera: string, t: number): 'live' | 'frozen' | 'dropped' {
  if (f === undefined || (f.kind !== 'camera_frozen' && f.kind !== 'camera_dropped')) return 'live';
  if (t < f.start || t >= f.end) return 'live';
  if (f.camera !== 'all' && f.camera !== camera) return 'live';
  return f.kind === 'camera_frozen' ? 'frozen' : 'dropped';
}

export function isActive(f: ScheduledFailure | undefined, t: number): boolean {
  return f !== undefined && t >= f.start && t < f.end;
}
