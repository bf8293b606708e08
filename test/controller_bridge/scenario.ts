// Random and adversarial event sequences for the property tests (fast-check arbitraries), and
// the invariants every published target must satisfy whatever the sequence.

import fc from 'fast-check';
import type { ChunkInput } from '../../nodes/controller_bridge/action_decoder.js';
import type { BridgeConfig } from '../../nodes/controller_bridge/bridge_config.js';
import { quatAngle } from '../../nodes/robots/rotation.js';
import { mulberry32 } from '../../nodes/random/seeded_random.js';

export type Flavour =
  | 'valid'
  | 'huge'
  | 'out_of_workspace'
  | 'nan'
  | 'inf'
  | 'wrong_dimension'
  | 'unknown_space'
  | 'duplicate'
  | 'out_of_order'
  | 'future'
  | 'bad_dt';

export interface ChunkSpec {
  flavour: Flavour;
  /** Index into the interface's spaces (absolute / delta). */
  delta: boolean;
  rotation: 'euler_xyz' | 'quaternion' | 'rotation_vector';
  gripper: '' | 'absolute_continuous' | 'absolute_binary' | 'relative_continuous' | 'relative_binary';
  horizon: number;
  dt: number;
  /** Arrival − observation [s]. */
  delay: number;
  seed: number;
}

export type ScenarioEvent =
  | { kind: 'advance'; ticks: number }
  | { kind: 'chunk'; spec: ChunkSpec }
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'jump'; back: number };

const chunkSpec: fc.Arbitrary<ChunkSpec> = fc.record({
  flavour: fc.oneof(
    { weight: 8, arbitrary: fc.constant<Flavour>('valid') },
    {
      weight: 6,
      arbitrary: fc.constantFrom<Flavour>(
        'huge',
        'out_of_workspace',
        'nan',
        'inf',
        'wrong_dimension',
        'unknown_space',
        'duplicate',
        'out_of_order',
        'future',
        'bad_dt',
      ),
    },
  ),
  delta: fc.boolean(),
  rotation: fc.constantFrom('euler_xyz' as const, 'quaternion' as const, 'rotation_vector' as const),
  gripper: fc.constantFrom(
    '' as const,
    'absolute_continuous' as const,
    'absolute_binary' as const,
    'relative_continuous' as const,
    'relative_binary' as const,
  ),
  horizon: fc.integer({ min: 1, max: 20 }),
  dt: fc.constantFrom(0.02, 1 / 30, 0.05, 0.1),
  delay: fc.oneof(fc.double({ min: 0, max: 0.3, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

export const scenarioEvents: fc.Arbitrary<ScenarioEvent[]> = fc.array(
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('advance' as const), ticks: fc.integer({ min: 1, max: 40 }) }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('chunk' as const), spec: chunkSpec }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'hold' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'resume' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('jump' as const), back: fc.double({ min: 0.001, max: 30, noNaN: true }) }) },
  ),
  { minLength: 5, maxLength: 60 },
);

export interface ChunkContext {
  now: number;
  kind: 'pose' | 'joint';
  /** Current target: the centre of valid actions. */
  centre: ArrayLike<number>;
  jointNames: readonly string[];
  previous: ChunkInput | undefined;
  sequence: number;
}

/** The chunk a spec describes, at `ctx.now`. */
export function buildChunk(spec: ChunkSpec, ctx: ChunkContext): ChunkInput {
  if (spec.flavour === 'duplicate' && ctx.previous !== undefined) return ctx.previous;
  const rand = mulberry32(spec.seed); // a chunk is a function of its spec
  const r = (scale: number) => (rand() * 2 - 1) * scale;
  const big = spec.flavour === 'huge' ? 100 : spec.flavour === 'out_of_workspace' ? 5 : 1;
  const withGripper = spec.gripper !== '';
  const rows: number[][] = [];
  let names: string[];
  let actionSpace: string;
  let rotation = 'none';
  if (ctx.kind === 'pose') {
    actionSpace = spec.delta ? 'ee_delta' : 'ee_absolute';
    rotation = spec.rotation;
    const rotDim = spec.rotation === 'quaternion' ? 4 : 3;
    names = ['x', 'y', 'z', ...Array.from({ length: rotDim }, (_, i) => `r${i}`)];
    for (let i = 0; i < spec.horizon; i++) {
      const p = spec.delta ? [r(0.03 * big), r(0.03 * big), r(0.03 * big)] : [0, 1, 2].map((k) => ctx.centre[k] + r(0.3 * big));
      const rot =
        spec.rotation === 'quaternion'
          ? [r(1), r(1), r(1), r(1)]
          : [r(spec.delta ? 0.1 * big : Math.PI), r(spec.delta ? 0.1 * big : Math.PI), r(spec.delta ? 0.1 * big : Math.PI)];
      rows.push([...p, ...rot]);
    }
  } else {
    actionSpace = spec.delta ? 'joint_delta' : 'joint_position';
    names = [...ctx.jointNames];
    for (let i = 0; i < spec.horizon; i++) {
      rows.push(names.map((_, k) => (spec.delta ? r(0.05 * big) : ctx.centre[k] + r(0.5 * big))));
    }
  }
  if (withGripper) {
    names.push('gripper');
    for (const row of rows) row.push(spec.gripper.startsWith('relative') ? r(0.5) : rand());
  }
  if (spec.flavour === 'nan' || spec.flavour === 'inf') {
    const row = rows[Math.floor(rand() * rows.length)];
    row[Math.floor(rand() * row.length)] = spec.flavour === 'nan' ? NaN : -Infinity;
  }
  if (spec.flavour === 'wrong_dimension') {
    names.pop();
    for (const row of rows) row.pop();
  }
  if (spec.flavour === 'unknown_space') actionSpace = 'ee_twist';
  let stamp = ctx.now - spec.delay;
  if (spec.flavour === 'out_of_order' && ctx.previous !== undefined) stamp = ctx.previous.stamp - spec.delay;
  if (spec.flavour === 'future') stamp = ctx.now + 1 + spec.delay;
  const dt = spec.flavour === 'bad_dt' ? [0, -0.1, NaN][Math.floor(rand() * 3)] : spec.dt;
  return {
    stamp,
    startTime: stamp,
    dt,
    horizon: rows.length,
    actionSpace,
    rotation,
    gripper: spec.gripper,
    dimensionNames: names,
    data: Float32Array.from(rows.flat()),
    sequence: ctx.sequence,
    frameId: '',
  };
}

/** One published command as the invariants see it. */
export interface Published {
  target: ArrayLike<number>;
  gripper?: number;
}

/** Every invariant the safety layer promises, over a stream of published commands. */
export function checkStream(stream: readonly Published[], config: BridgeConfig, kind: 'pose' | 'joint'): void {
  const tick = 1 / config.publishRateHz;
  const eps = 1e-9;
  let previous: ArrayLike<number> | undefined;
  let previousGripper: number | undefined;
  for (let i = 0; i < stream.length; i++) {
    const { target, gripper } = stream[i];
    for (let k = 0; k < target.length; k++)
      if (!Number.isFinite(target[k])) throw new Error(`tick ${i}: non-finite target ${Array.from(target).join(', ')}`);
    if (kind === 'pose') {
      const { min, max } = config.workspace;
      for (let k = 0; k < 3; k++) {
        if (target[k] < min[k] - eps || target[k] > max[k] + eps)
          throw new Error(`tick ${i}: outside the workspace: ${Array.from(target).join(', ')}`);
      }
      const n = Math.hypot(target[3], target[4], target[5], target[6]);
      if (Math.abs(n - 1) > 1e-9) throw new Error(`tick ${i}: quaternion norm ${n}`);
      if (previous !== undefined) {
        const dp = Math.hypot(target[0] - previous[0], target[1] - previous[1], target[2] - previous[2]);
        if (dp > config.maxTranslationSpeed * tick + eps) throw new Error(`tick ${i}: moved ${dp} m in one tick`);
        const da = quatAngle([previous[3], previous[4], previous[5], previous[6]], [target[3], target[4], target[5], target[6]]);
        if (da > config.maxRotationSpeed * tick + 1e-7) throw new Error(`tick ${i}: turned ${da} rad in one tick`);
      }
    } else {
      const r = config.robot;
      for (let k = 0; k < target.length; k++) {
        if (target[k] < r.positionMin[k] + config.jointLimitMargin - eps || target[k] > r.positionMax[k] - config.jointLimitMargin + eps) {
          throw new Error(`tick ${i}: joint ${r.jointNames[k]} at ${target[k]} outside its limits with margin`);
        }
        if (previous !== undefined) {
          const step = Math.abs(target[k] - previous[k]);
          if (step > r.velocityMax[k] * config.jointVelocityScale * tick + eps)
            throw new Error(`tick ${i}: joint ${r.jointNames[k]} moved ${step} rad in one tick`);
        }
      }
    }
    if (gripper !== undefined) {
      if (!(gripper >= 0 && gripper <= 1)) throw new Error(`tick ${i}: gripper command ${gripper}`);
      if (previousGripper !== undefined && Math.abs(gripper - previousGripper) > config.gripperMaxStep + eps) {
        throw new Error(`tick ${i}: gripper stepped ${Math.abs(gripper - previousGripper)}`);
      }
      previousGripper = gripper;
    }
    previous = Array.from(target);
  }
}

/** Joint positions (pose mode: the configuration tracking the published pose) within limits and speed. */
export function checkJointTrack(track: readonly ArrayLike<number>[], config: BridgeConfig): void {
  checkStream(
    track.map((target) => ({ target })),
    config,
    'joint',
  );
}
