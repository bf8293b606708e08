// Language-conditioned tabletop tasks: the instruction, a seeded object layout, and the success
// check. Directions are the robot's (base frame, REP 103): forward = +x (away from the base),
// left = +y, right = −y. Every episode places all four objects; the layout sampler keeps them
// apart (the gripper fits between any two) and keeps the push corridor of the target clear.

import { OBJECT_COLOURS, objectSpec, type ObjectColour } from './scene_mjcf.js';
import { mulberry32, pick, uniform, type Random } from '../random/seeded_random.js';
import { episodeSeed } from './episode_seed.js';
import type { SimRobot } from './robot_facts.js';
import type { BodyPose } from './physics.js';

export const TASK_KINDS = ['push_left', 'push_right', 'push_forward', 'touch', 'lift'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export type TaskChoice = TaskKind | 'random';
export type ObjectChoice = ObjectColour | 'random';

/** How far a push must move the object along its direction [m]. */
export const PUSH_SUCCESS_DISTANCE = 0.08;
/** How high a lift must raise the object [m]. */
export const LIFT_SUCCESS_HEIGHT = 0.05;

export function isTaskKind(s: string): s is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(s);
}

export function isObjectColour(s: string): s is ObjectColour {
  return (OBJECT_COLOURS as readonly string[]).includes(s);
}

/** Unit push direction in the base frame (x, y); undefined for non-push tasks. */
export function pushDirection(kind: TaskKind): [number, number] | undefined {
  switch (kind) {
    case 'push_left':
      return [0, 1];
    case 'push_right':
      return [0, -1];
    case 'push_forward':
      return [1, 0];
    default:
      return undefined;
  }
}

export function instructionFor(kind: TaskKind, colour: ObjectColour): string {
  const thing = `the ${colour} ${objectSpec(colour).noun}`;
  switch (kind) {
    case 'push_left':
      return `push ${thing} to the left`;
    case 'push_right':
      return `push ${thing} to the right`;
    case 'push_forward':
      return `move ${thing} forward`;
    case 'touch':
      return `touch ${thing}`;
    case 'lift':
      return `lift ${thing}`;
  }
}

/** Where objects are placed: a rectangle in front of the arm, within comfortable reach [m]. */
export interface TaskRegion {
  centre: [number, number];
  half: [number, number];
}

export function taskRegion(robot: SimRobot): TaskRegion {
  // The UR5e's base_link puts its home pose's tool at y ≈ 0.13, the FR3's at y = 0.
  return robot === 'fr3' ? { centre: [0.5, 0], half: [0.1, 0.2] } : { centre: [0.48, 0.12], half: [0.1, 0.2] };
}

export interface ObjectPlacement {
  colour: ObjectColour;
  x: number;
  y: number;
  /** Rotation about z [rad]. */
  yaw: number;
}

export interface EpisodeSetup {
  /** Position in the seed sequence (0, 1, …). */
  index: number;
  /** This episode's own seed (from the sequence seed and the index). */
  seed: number;
  kind: TaskKind;
  colour: ObjectColour;
  instruction: string;
  placements: ObjectPlacement[];
}

export interface EpisodeChoice {
  task: TaskChoice;
  object: ObjectChoice;
  /** Tasks drawn from when task = 'random' (default: all but lift). */
  randomTasks?: readonly TaskKind[];
}

/** The task kinds 'random' draws from by default (lift needs a grasp: opt in). */
export const DEFAULT_RANDOM_TASKS: readonly TaskKind[] = ['push_left', 'push_right', 'push_forward', 'touch'];

/** Half extent of an object's footprint along a horizontal unit direction, given its yaw. */
export function extentAlong(colour: ObjectColour, yaw: number, dir: [number, number]): number {
  const h = objectSpec(colour).halfSize;
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  // Object axes in the base frame: (c, s) and (−s, c).
  return h[0] * Math.abs(c * dir[0] + s * dir[1]) + h[1] * Math.abs(-s * dir[0] + c * dir[1]);
}

const MIN_SEPARATION = 0.12;
/** Free corridor width on each side of a push line, and how far behind the object it starts [m]. */
const CORRIDOR_HALF_WIDTH = 0.09;
const CORRIDOR_BEHIND = 0.12;
const CORRIDOR_AHEAD = 0.2;

function layoutOk(placements: ObjectPlacement[], target: ObjectColour, kind: TaskKind, region: TaskRegion): boolean {
  for (let i = 0; i < placements.length; i++) {
    for (let j = i + 1; j < placements.length; j++) {
      if (Math.hypot(placements[i].x - placements[j].x, placements[i].y - placements[j].y) < MIN_SEPARATION) return false;
    }
  }
  const t = placements.find((p) => p.colour === target)!;
  const dir = pushDirection(kind);
  if (dir !== undefined) {
    // The pushed object ends inside the region grown by the push distance.
    const endX = t.x + dir[0] * (PUSH_SUCCESS_DISTANCE + 0.04);
    const endY = t.y + dir[1] * (PUSH_SUCCESS_DISTANCE + 0.04);
    if (Math.abs(endX - region.centre[0]) > region.half[0] + 0.12 || Math.abs(endY - region.centre[1]) > region.half[1] + 0.12)
      return false;
    for (const o of placements) {
      if (o.colour === target) continue;
      const rx = o.x - t.x;
      const ry = o.y - t.y;
      const along = rx * dir[0] + ry * dir[1];
      const across = Math.abs(-rx * dir[1] + ry * dir[0]);
      if (along > -CORRIDOR_BEHIND && along < CORRIDOR_AHEAD && across < CORRIDOR_HALF_WIDTH) return false;
    }
  } else {
    // Touch / lift: room around the target for the fingers.
    for (const o of placements) {
      if (o.colour !== target && Math.hypot(o.x - t.x, o.y - t.y) < MIN_SEPARATION + 0.02) return false;
    }
  }
  return true;
}

function sampleLayout(random: Random, robot: SimRobot, target: ObjectColour, kind: TaskKind): ObjectPlacement[] {
  const region = taskRegion(robot);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const placements = OBJECT_COLOURS.map((colour) => ({
      colour,
      x: uniform(random, region.centre[0] - region.half[0], region.centre[0] + region.half[0]),
      y: uniform(random, region.centre[1] - region.half[1], region.centre[1] + region.half[1]),
      yaw: uniform(random, -0.5, 0.5),
    }));
    if (layoutOk(placements, target, kind, region)) return placements;
  }
  throw new Error(`no layout found for ${kind} of the ${target} object (robot ${robot})`);
}

/** Episode `index` of the sequence `seed`: task, target, instruction and layout. */
export function sampleEpisode(robot: SimRobot, seed: number, index: number, choice: EpisodeChoice): EpisodeSetup {
  const own = episodeSeed(seed, index);
  const random = mulberry32(own);
  const kinds = choice.randomTasks ?? DEFAULT_RANDOM_TASKS;
  if (kinds.length === 0) throw new Error('no tasks to draw from');
  // Always draw both, so a fixed task or object does not change the rest of the episode.
  const drawnKind = pick(random, kinds);
  const drawnColour = pick(random, OBJECT_COLOURS);
  const kind = choice.task === 'random' ? drawnKind : choice.task;
  const colour = choice.object === 'random' ? drawnColour : choice.object;
  const placements = sampleLayout(random, robot, colour, kind);
  return { index, seed: own, kind, colour, instruction: instructionFor(kind, colour), placements };
}

/** What the success check reads from the world. */
export interface TaskWorldView {
  objectPose(colour: ObjectColour): BodyPose;
  gripperContacts(colour: ObjectColour): { any: boolean; fingers: number };
}

export interface TaskStatus {
  success: boolean;
  /** 0..1 toward success (for logs and shaping; not a probability). */
  progress: number;
  detail: string;
}

/** The success check of one episode; success latches (once achieved, the episode is a success). */
export class TaskMonitor {
  private readonly start: Map<ObjectColour, BodyPose>;
  private achieved = false;
  private last: TaskStatus = { success: false, progress: 0, detail: 'not started' };
  /** Time success was first seen (NaN until then). */
  successTime = NaN;

  constructor(
    readonly setup: EpisodeSetup,
    world: TaskWorldView,
  ) {
    this.start = new Map(OBJECT_COLOURS.map((c) => [c, world.objectPose(c)]));
  }

  startPose(colour: ObjectColour): BodyPose {
    return this.start.get(colour)!;
  }

  get status(): TaskStatus {
    return this.last;
  }

  /** Evaluates the check at `time`; returns the (latched) status. */
  update(world: TaskWorldView, time: number): TaskStatus {
    const { kind, colour } = this.setup;
    const s = this.start.get(colour)!;
    const p = world.objectPose(colour);
    let now: TaskStatus;
    const dir = pushDirection(kind);
    if (dir !== undefined) {
      const moved = (p.p[0] - s.p[0]) * dir[0] + (p.p[1] - s.p[1]) * dir[1];
      // On the table (not lifted or knocked off): the push must slide it.
      const onTable = Math.abs(p.p[2] - s.p[2]) < 0.02;
      now = {
        success: moved >= PUSH_SUCCESS_DISTANCE && onTable,
        progress: Math.max(0, Math.min(1, moved / PUSH_SUCCESS_DISTANCE)),
        detail: `moved ${(moved * 100).toFixed(1)} cm ${kind.slice(5)}`,
      };
    } else if (kind === 'touch') {
      const c = world.gripperContacts(colour);
      now = { success: c.any, progress: c.any ? 1 : 0, detail: c.any ? 'gripper touches it' : 'not touched' };
    } else {
      const c = world.gripperContacts(colour);
      const up = p.p[2] - s.p[2];
      now = {
        success: up >= LIFT_SUCCESS_HEIGHT && c.fingers >= 2,
        progress: Math.max(0, Math.min(1, up / LIFT_SUCCESS_HEIGHT)),
        detail: `raised ${(up * 100).toFixed(1)} cm, ${c.fingers} finger(s) on it`,
      };
    }
    if (now.success && !this.achieved) {
      this.achieved = true;
      this.successTime = time;
    }
    if (this.achieved) now = { ...now, success: true, progress: 1 };
    this.last = now;
    return now;
  }
}
