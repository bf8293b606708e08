// The sim node's parameters, declared as data: robot facts (the shared robot parameters, with the
// simulated robot's file as defaults), CRISP's gains per controller under CRISP's own names
// (`<controller>.task.k_pos_x`, `<controller>.nullspace.stiffness`, `<controller>.filter.target_pose`,
// …, as CRISP's controllers.yaml nests them; made from the control law's defaults), and the
// simulator's own settings. Declaration and reading only; node.ts wires the rest.

import type { ParameterChange, ParameterStore } from '../ros/parameter_store.js';
import {
  declareParameters,
  param,
  pickParameters,
  readParameters,
  withDefaults,
  type ParameterSpec,
  type ParameterValues,
} from '../ros/parameter_schema.js';
import { robotFactProblems } from '../robots/robot_facts.js';
import { CRISP_PARAMETERS, ROBOT_PARAMETERS } from '../robots/robot_parameters.js';
import { PROJECTOR_TYPES, cartesianImpedanceDefaults, crispParamProblems, jointImpedanceDefaults, type CrispParams } from './crisp_law.js';
import { BLOCK_MODES, FAILURE_KINDS, failureSpecProblems, type FailureSpec } from './failures.js';
import { isSimRobot, loadRobotFacts, SIM_ROBOTS, type SimRobot, type SimRobotFacts } from './robot_facts.js';
import { OBJECT_COLOURS } from './scene_mjcf.js';
import { CONTROLLERS, type ControllerName } from './simulator.js';
import { DEFAULT_RANDOM_TASKS, TASK_KINDS, type EpisodeChoice } from './tasks.js';
import { CAMERA_NAMES, SIM_CAMERA_SIZE, type CameraName, type CameraSize } from './camera_rig.js';

/** The sim node's default output rates [Hz] (`vla-ros sim eval` runs the pipeline on the same ones). */
export const SIM_OUTPUT_RATES = Object.freeze({ jointStates: 250, currentPose: 250, gripperState: 50, cameras: 30, clock: 1000 });

export interface SimTopics {
  targetPose: string;
  targetJoint: string;
  currentPose: string;
  jointStates: string;
  gripperCommand: string;
  gripperState: string;
}

export interface SimNodeSettings {
  facts: SimRobotFacts;
  topics: SimTopics;
  rates: { jointStates: number; currentPose: number; gripperState: number; cameras: number; clock: number };
  cameras: { enabled: boolean; sizes: Record<CameraName, CameraSize> };
  episodeManager: string;
  startEpisodeOnActivate: boolean;
  endEpisodeOnSuccess: boolean;
  episodeTimeout: number;
  autoReset: boolean;
  resetDelay: number;
  maxCatchUp: number;
}

/** What can change while the node runs. */
export interface SimDynamicSettings {
  realTimeFactor: number;
  controller: ControllerName;
  seed: number;
  episode: EpisodeChoice;
  failure: FailureSpec;
  gains: Record<ControllerName, CrispParams>;
}

type Leaf = { path: string; value: number | boolean | string };

/** The leaves of a CRISP parameter set, CRISP-named (weights become nullspace.weights.<joint>.value). */
function crispLeaves(p: CrispParams, jointNames: readonly string[]): Leaf[] {
  const out: Leaf[] = [];
  const walk = (obj: object, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      if (path === 'nullspace.weights') {
        (v as number[]).forEach((w, i) => out.push({ path: `nullspace.weights.${jointNames[i]}.value`, value: w }));
      } else if (typeof v === 'object' && v !== null) {
        walk(v as object, path);
      } else {
        out.push({ path, value: v as number | boolean | string });
      }
    }
  };
  walk(p, '');
  return out;
}

/** A CRISP gain's spec, with CRISP's documented bounds (cartesian_controller.yaml); every gain is dynamic. */
function crispSpec(path: string, value: number | boolean | string): ParameterSpec<unknown> {
  const dynamic = true;
  const d = (description: string, range?: [number, number]) =>
    param.double(value as number, description, range === undefined ? { dynamic } : { dynamic, range });
  if (typeof value === 'boolean') return param.bool(value, `CRISP ${path}.`, { dynamic });
  if (typeof value === 'string') {
    return param.choice(
      PROJECTOR_TYPES,
      value as CrispParams['nullspace']['projector_type'],
      'Nullspace projector: kinematic (N = I − J⁺J) or none.',
      {
        dynamic,
      },
    );
  }
  if (/^task\.k_pos_/.test(path)) return d('Cartesian stiffness, translation [N/m].', [0, 5000]);
  if (/^task\.k_rot_/.test(path)) return d('Cartesian stiffness, rotation [Nm/rad].', [0, 5000]);
  if (/^task\.d_/.test(path)) return d('Cartesian damping; ≤ 0: 2·sqrt(stiffness).', [-1, 5000]);
  if (/^task\.error_clip\./.test(path)) return d('Largest pose error per axis (limit_error) [m | rad].', [1e-6, 100]);
  if (path === 'nullspace.stiffness') return d('Nullspace stiffness (× weights) [Nm/rad].', [0, 500]);
  if (path === 'nullspace.damping') return d('Nullspace damping (× weights); negative: 2·sqrt(stiffness·weight).', [-1, 500]);
  if (path.startsWith('nullspace.weights.')) return d('Per-joint weight of nullspace stiffness and damping.', [0, 500]);
  if (path === 'nullspace.regularization') return d('Damping ε of the pseudo-inverse J⁺ = V·σ/(σ²+ε²)·Uᵀ.', [1e-9, 1]);
  if (path === 'nullspace.max_tau') return d('Largest nullspace torque per joint [Nm].', [0, 1000]);
  if (path === 'filter.target_pose') return d('EMA weight of the previous desired pose per 1 ms tick (slerp for orientation).', [0.1, 1]);
  if (path.startsWith('filter.')) return d(`EMA weight of the previous value per tick (${path}).`, [0, 1]);
  if (path === 'max_delta_tau') return d('Largest torque change per joint per tick (limit_torques) [Nm].', [1e-6, 1000]);
  if (path === 'joint_limit_repulsion.safe_range') return d('Distance from a joint limit where repulsion starts [rad].', [0.01, 1]);
  if (path === 'joint_limit_repulsion.max_torque') return d('Repulsion torque at the limit [Nm].', [0, 50]);
  return d(`CRISP ${path}.`);
}

const CRISP_DEFAULTS: Record<ControllerName, (dof: number) => CrispParams> = {
  cartesian_impedance_controller: cartesianImpedanceDefaults,
  joint_impedance_controller: jointImpedanceDefaults,
};

/** Both controllers' gains, `<controller>.<CRISP path>`, for a robot's joints. */
function gainParameters(jointNames: readonly string[]): Record<string, ParameterSpec<unknown>> {
  const schema: Record<string, ParameterSpec<unknown>> = {};
  for (const c of CONTROLLERS) {
    for (const leaf of crispLeaves(CRISP_DEFAULTS[c](jointNames.length), jointNames))
      schema[`${c}.${leaf.path}`] = crispSpec(leaf.path, leaf.value);
  }
  return schema;
}

/** A controller's CRISP set from parameter values by name: the defaults' shape with every leaf read. */
function crispFrom(controller: ControllerName, jointNames: readonly string[], get: (name: string) => unknown): CrispParams {
  const rebuild = (obj: object, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      if (path === 'nullspace.weights') out[k] = jointNames.map((j) => get(`${controller}.nullspace.weights.${j}.value`));
      else if (typeof v === 'object' && v !== null) out[k] = rebuild(v as object, path);
      else out[k] = get(`${controller}.${path}`);
    }
    return out;
  };
  // Same shape as the defaults, each leaf a declared (type-checked) parameter of the same type.
  return rebuild(CRISP_DEFAULTS[controller](jointNames.length), '') as unknown as CrispParams;
}

/** robot.name first: the other robot facts default to that robot's file. */
const SIM_ROBOT_NAME = withDefaults(pickParameters(ROBOT_PARAMETERS, ['robot.name']), { 'robot.name': 'fr3' });

/** The robot facts, with the simulated robot's file (config/robots/<robot>.yaml) as defaults. */
function simRobotParameters(d: SimRobotFacts) {
  return withDefaults(
    pickParameters(ROBOT_PARAMETERS, [
      'robot.joint_names',
      'robot.joint_position_min',
      'robot.joint_position_max',
      'robot.joint_velocity_max',
      'robot.joint_effort_max',
      'robot.home_joint_positions',
      'robot.base_frame',
      'robot.ee_frame',
      'robot.gripper.type',
      'robot.gripper.max_width',
    ]),
    {
      'robot.joint_names': d.jointNames,
      'robot.joint_position_min': d.positionMin,
      'robot.joint_position_max': d.positionMax,
      'robot.joint_velocity_max': d.velocityMax,
      'robot.joint_effort_max': d.effortMax ?? [],
      'robot.home_joint_positions': d.home,
      'robot.base_frame': d.baseFrame,
      'robot.ee_frame': d.eeFrame,
      'robot.gripper.max_width': d.gripperMaxWidth,
    },
  );
}

const rate = (value: number, description: string) => param.double(value, description, { range: [1, 1000] });

function cameraSizeParameters(): Record<`cameras.${CameraName}.${'width' | 'height'}`, ParameterSpec<number>> {
  const schema: Record<string, ParameterSpec<number>> = {};
  for (const cam of CAMERA_NAMES) {
    for (const k of ['width', 'height'] as const) {
      schema[`cameras.${cam}.${k}`] = param.integer(SIM_CAMERA_SIZE, `${cam} camera image ${k} [px].`, { range: [8, 4096] });
    }
  }
  return schema;
}

/** The simulator's fixed settings. */
const SIM_SETTINGS = {
  ...pickParameters(CRISP_PARAMETERS, [
    'crisp.target_pose_topic',
    'crisp.target_joint_topic',
    'crisp.current_pose_topic',
    'crisp.joint_states_topic',
    'crisp.gripper_command_topic',
  ]),
  gripper_state_topic: param.string('gripper/joint_states', 'Finger joint states (sensor_msgs/JointState, positions in m; opening = sum).'),
  joint_state_rate_hz: rate(SIM_OUTPUT_RATES.jointStates, 'joint_states rate [Hz] of simulated time.'),
  current_pose_rate_hz: rate(SIM_OUTPUT_RATES.currentPose, 'current_pose rate [Hz] (CRISP pose broadcaster: ~250).'),
  gripper_state_rate_hz: rate(SIM_OUTPUT_RATES.gripperState, 'Gripper joint state rate [Hz].'),
  camera_rate_hz: rate(SIM_OUTPUT_RATES.cameras, 'Camera image + camera_info rate [Hz].'),
  clock_rate_hz: rate(SIM_OUTPUT_RATES.clock, '/clock rate [Hz] of simulated time (1000: every physics step).'),
  'cameras.enabled': param.bool(true, 'Render and publish the cameras.'),
  ...cameraSizeParameters(),
  episode_manager: param.string(
    'episode_manager',
    'The episode_manager node whose ~/set_instruction and ~/end_episode the sim calls (relative to the namespace; empty: none).',
  ),
  start_episode_on_activate: param.bool(true, 'Start episode 0 of the seed sequence when activated.'),
  end_episode_on_success: param.bool(true, "Call the episode manager's ~/end_episode (success) when the task succeeds."),
  episode_timeout: param.double(0.0, 'End an episode as failed after this much simulated time [s] (0: never).', { range: [0, 86400] }),
  auto_reset: param.bool(false, 'Start the next episode by itself, reset_delay after one ends.'),
  reset_delay: param.double(1.0, 'Simulated time between an episode end and the automatic reset [s].', { range: [0, 600] }),
  max_catch_up_steps: param.integer(100, 'Most physics steps one wall-time tick may run to catch up; beyond, the sim slows down (lag).', {
    range: [1, 100000],
  }),
};

/** What can change while the node runs (besides the gains). */
const SIM_DYNAMIC = {
  real_time_factor: param.double(
    1.0,
    'Simulated seconds per wall second (0: as fast as possible). Ignored in deterministic (virtual-time) runs.',
    { range: [0, 1000], dynamic: true },
  ),
  controller: param.choice(
    CONTROLLERS,
    'cartesian_impedance_controller',
    'Active CRISP controller; switching activates the new one where the arm is (as ros2_control does).',
    { dynamic: true },
  ),
  seed: param.integer(0, 'Seed of the episode sequence (a new seed restarts it at episode 0).', { range: [0, 4294967295], dynamic: true }),
  task: param.choice([...TASK_KINDS, 'random'], 'random', 'Task of the next episodes (random: drawn per episode from random_tasks).', {
    dynamic: true,
  }),
  target_object: param.choice([...OBJECT_COLOURS, 'random'], 'random', 'Object the task is about (random: drawn per episode).', {
    dynamic: true,
  }),
  random_tasks: param.choiceArray(TASK_KINDS, DEFAULT_RANDOM_TASKS, "Tasks 'random' draws from.", { dynamic: true }),
  'failure.kind': param.choice(FAILURE_KINDS, 'none', 'Failure to inject (decided per episode from its seed).', { dynamic: true }),
  'failure.probability': param.double(1.0, 'Chance an episode gets the failure.', { range: [0, 1], dynamic: true }),
  'failure.start_min': param.double(1.0, 'Earliest failure start after the episode starts [s].', { range: [0, 3600], dynamic: true }),
  'failure.start_max': param.double(3.0, 'Latest failure start [s].', { range: [0, 3600], dynamic: true }),
  'failure.duration': param.double(0.0, 'How long arm_blocked / camera failures last [s] (≤ 0: until the episode ends).', {
    dynamic: true,
  }),
  'failure.camera': param.choice(['scene', 'wrist', 'all'], 'all', 'Camera(s) a camera failure affects.', { dynamic: true }),
  'failure.block_mode': param.choice(BLOCK_MODES, 'brake', 'arm_blocked: brake (joints held) or wall (virtual wall through the gripper).', {
    dynamic: true,
  }),
};

/** Every parameter of the sim for `robot` with that robot's defaults (--help-params, docs, config checks). */
export function simParameters(robot: SimRobot): Record<string, ParameterSpec<unknown>> {
  const facts = loadRobotFacts(robot);
  return {
    ...withDefaults(SIM_ROBOT_NAME, { 'robot.name': robot }),
    ...simRobotParameters(facts),
    ...SIM_SETTINGS,
    ...SIM_DYNAMIC,
    ...gainParameters(facts.jointNames),
  };
}

/** Declares every parameter; returns the fixed settings and the initial dynamic ones. */
export function declareSimParameters(p: ParameterStore): { settings: SimNodeSettings; dynamic: SimDynamicSettings } {
  const { 'robot.name': name } = declareParameters(p, SIM_ROBOT_NAME);
  if (!isSimRobot(name)) throw new Error(`sim: robot.name '${name}' has no simulated model (available: ${SIM_ROBOTS.join(', ')})`);
  // Defaults: the robot's own file, so `vla-ros run sim -p robot.name:=ur5e` works without it.
  const r = declareParameters(p, simRobotParameters(loadRobotFacts(name)));
  const facts: SimRobotFacts = {
    name,
    jointNames: r['robot.joint_names'],
    positionMin: r['robot.joint_position_min'],
    positionMax: r['robot.joint_position_max'],
    velocityMax: r['robot.joint_velocity_max'],
    effortMax: r['robot.joint_effort_max'].length > 0 ? r['robot.joint_effort_max'] : undefined,
    home: r['robot.home_joint_positions'],
    baseFrame: r['robot.base_frame'],
    eeFrame: r['robot.ee_frame'],
    gripperMaxWidth: r['robot.gripper.max_width'],
  };
  const problems = robotFactProblems(facts);
  if (problems.length > 0) throw new Error(`sim: ${problems.join('; ')} (load config/robots/<robot>.yaml)`);
  const v = declareParameters(p, SIM_SETTINGS);
  declareParameters(p, SIM_DYNAMIC);
  declareParameters(p, gainParameters(facts.jointNames));
  const sizes = {} as Record<CameraName, CameraSize>;
  for (const cam of CAMERA_NAMES) sizes[cam] = { width: v[`cameras.${cam}.width`], height: v[`cameras.${cam}.height`] };
  const settings: SimNodeSettings = {
    facts,
    topics: {
      targetPose: v['crisp.target_pose_topic'],
      targetJoint: v['crisp.target_joint_topic'],
      currentPose: v['crisp.current_pose_topic'],
      jointStates: v['crisp.joint_states_topic'],
      gripperCommand: v['crisp.gripper_command_topic'],
      gripperState: v.gripper_state_topic,
    },
    rates: {
      jointStates: v.joint_state_rate_hz,
      currentPose: v.current_pose_rate_hz,
      gripperState: v.gripper_state_rate_hz,
      cameras: v.camera_rate_hz,
      clock: v.clock_rate_hz,
    },
    cameras: { enabled: v['cameras.enabled'], sizes },
    episodeManager: v.episode_manager,
    startEpisodeOnActivate: v.start_episode_on_activate,
    endEpisodeOnSuccess: v.end_episode_on_success,
    episodeTimeout: v.episode_timeout,
    autoReset: v.auto_reset,
    resetDelay: v.reset_delay,
    maxCatchUp: v.max_catch_up_steps,
  };
  const dynamic = readDynamic(p, facts);
  const dynamicErrors = dynamicProblems(dynamic, facts.jointNames.length);
  if (dynamicErrors.length > 0) throw new Error(`sim: ${dynamicErrors.join('; ')}`);
  return { settings, dynamic };
}

export function randomTaskProblems(list: readonly string[]): string[] {
  // The store refuses unknown tasks (random_tasks' choices); empty is the one thing left.
  return list.length === 0 ? ['random_tasks is empty'] : [];
}

/** Reads the dynamic settings with `pending` changes applied (for validation before they take effect). */
export function readDynamic(p: ParameterStore, facts: SimRobotFacts, pending: readonly ParameterChange[] = []): SimDynamicSettings {
  const d: ParameterValues<typeof SIM_DYNAMIC> = readParameters(p, SIM_DYNAMIC, pending);
  const changed = new Map(pending.map((c) => [c.name, c.value]));
  const get = (name: string): unknown => (changed.has(name) ? changed.get(name) : p.get(name));
  return {
    realTimeFactor: d.real_time_factor,
    controller: d.controller,
    seed: d.seed,
    episode: { task: d.task, object: d.target_object, randomTasks: d.random_tasks },
    failure: {
      kind: d['failure.kind'],
      probability: d['failure.probability'],
      startMin: d['failure.start_min'],
      startMax: d['failure.start_max'],
      duration: d['failure.duration'],
      camera: d['failure.camera'],
      blockMode: d['failure.block_mode'],
    },
    gains: {
      cartesian_impedance_controller: crispFrom('cartesian_impedance_controller', facts.jointNames, get),
      joint_impedance_controller: crispFrom('joint_impedance_controller', facts.jointNames, get),
    },
  };
}

/** What is wrong with a dynamic settings candidate (empty: fine). */
export function dynamicProblems(d: SimDynamicSettings, dof: number): string[] {
  return [
    ...CONTROLLERS.flatMap((c) => crispParamProblems(d.gains[c], dof).map((m) => `${c}.${m}`)),
    ...failureSpecProblems(d.failure),
    ...randomTaskProblems(d.episode.randomTasks ?? []),
  ];
}
