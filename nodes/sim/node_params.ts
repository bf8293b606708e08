// The sim node's parameters: robot facts (config/robots/<robot>.yaml, read-only), CRISP's gains per
// controller under CRISP's own names (`<controller>.task.k_pos_x`, `<controller>.nullspace.stiffness`,
// `<controller>.filter.target_pose`, …, as CRISP's controllers.yaml nests them), and the
// simulator's own settings. Declaration and reading only; node.ts wires the rest.

import type { ParameterDescriptor } from '../ros/parameter.js';
import type { ParameterStore } from '../ros/parameter_store.js';
import { PROJECTOR_TYPES, cartesianImpedanceDefaults, crispParamProblems, jointImpedanceDefaults, type CrispParams } from './crisp_law.js';
import { BLOCK_MODES, FAILURE_KINDS, failureSpecProblems, type FailureSpec } from './failures.js';
import { isSimRobot, loadRobotFacts, robotFactProblems, SIM_ROBOTS, type RobotFacts } from './robot_facts.js';
import { OBJECT_COLOURS } from './scene_mjcf.js';
import { CONTROLLERS, type ControllerName } from './simulator.js';
import { DEFAULT_RANDOM_TASKS, TASK_KINDS, type EpisodeChoice, type ObjectChoice, type TaskChoice, type TaskKind } from './tasks.js';
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
  facts: RobotFacts;
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

const RO = { readOnly: true };

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

/** CRISP's documented bounds for its parameters (cartesian_controller.yaml). */
function crispDescriptor(path: string, value: number | boolean | string): Partial<ParameterDescriptor> {
  const d = (description: string, range?: [number, number]): Partial<ParameterDescriptor> =>
    range === undefined ? { type: 'double', description } : { type: 'double', description, range: { from: range[0], to: range[1] } };
  if (typeof value === 'boolean') return { type: 'bool', description: `CRISP ${path}.` };
  if (typeof value === 'string')
    return { type: 'string', choices: PROJECTOR_TYPES, description: 'Nullspace projector: kinematic (N = I − J⁺J) or none.' };
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

function declareCrisp(p: ParameterStore, controller: ControllerName, defaults: CrispParams, jointNames: readonly string[]): void {
  for (const leaf of crispLeaves(defaults, jointNames)) {
    p.declare(`${controller}.${leaf.path}`, leaf.value, crispDescriptor(leaf.path, leaf.value));
  }
}

/** Reads a controller's CRISP set from the store, with pending `changes` applied first. */
export function readCrisp(
  p: ParameterStore,
  controller: ControllerName,
  jointNames: readonly string[],
  changes?: ReadonlyMap<string, unknown>,
): CrispParams {
  const get = (path: string): unknown => {
    const name = `${controller}.${path}`;
    return changes?.has(name) ? changes.get(name) : p.get(name);
  };
  const n = (path: string) => get(path) as number;
  const t = (k: string) => n(`task.${k}`);
  return {
    task: {
      k_pos_x: t('k_pos_x'),
      k_pos_y: t('k_pos_y'),
      k_pos_z: t('k_pos_z'),
      k_rot_x: t('k_rot_x'),
      k_rot_y: t('k_rot_y'),
      k_rot_z: t('k_rot_z'),
      d_pos_x: t('d_pos_x'),
      d_pos_y: t('d_pos_y'),
      d_pos_z: t('d_pos_z'),
      d_rot_x: t('d_rot_x'),
      d_rot_y: t('d_rot_y'),
      d_rot_z: t('d_rot_z'),
      error_clip: {
        x: t('error_clip.x'),
        y: t('error_clip.y'),
        z: t('error_clip.z'),
        rx: t('error_clip.rx'),
        ry: t('error_clip.ry'),
        rz: t('error_clip.rz'),
      },
    },
    nullspace: {
      stiffness: n('nullspace.stiffness'),
      damping: n('nullspace.damping'),
      weights: jointNames.map((j) => n(`nullspace.weights.${j}.value`)),
      regularization: n('nullspace.regularization'),
      projector_type: get('nullspace.projector_type') as CrispParams['nullspace']['projector_type'],
      max_tau: n('nullspace.max_tau'),
    },
    filter: {
      target_pose: n('filter.target_pose'),
      q: n('filter.q'),
      dq: n('filter.dq'),
      q_ref: n('filter.q_ref'),
      output_torque: n('filter.output_torque'),
    },
    limit_error: get('limit_error') as boolean,
    limit_torques: get('limit_torques') as boolean,
    max_delta_tau: n('max_delta_tau'),
    joint_limit_repulsion: {
      enabled: get('joint_limit_repulsion.enabled') as boolean,
      safe_range: n('joint_limit_repulsion.safe_range'),
      max_torque: n('joint_limit_repulsion.max_torque'),
    },
    use_local_jacobian: get('use_local_jacobian') as boolean,
  };
}

function declareFacts(p: ParameterStore): RobotFacts {
  const name = p.declare('robot.name', 'fr3', {
    ...RO,
    type: 'string',
    description: `Robot model; the simulator has ${SIM_ROBOTS.join(' and ')}.`,
  });
  if (!isSimRobot(name)) throw new Error(`sim: robot.name '${name}' has no simulated model (available: ${SIM_ROBOTS.join(', ')})`);
  // Defaults: the robot's own file, so `vla-ros run sim -p robot.name:=ur5e` works without it.
  const d = loadRobotFacts(name);
  const strings = (key: string, value: string[], description: string) =>
    p.declare(key, value, { ...RO, type: 'string_array', description });
  const numbers = (key: string, value: number[], description: string) =>
    p.declare(key, value, { ...RO, type: 'double_array', description });
  const facts: RobotFacts = {
    name,
    jointNames: strings('robot.joint_names', d.jointNames, 'Controller joint order (target_joint is read by index in this order).'),
    positionMin: numbers(
      'robot.joint_position_min',
      d.positionMin,
      'Joint lower limits [rad] (MJCF ranges and CRISP joint-limit repulsion).',
    ),
    positionMax: numbers('robot.joint_position_max', d.positionMax, 'Joint upper limits [rad].'),
    velocityMax: numbers(
      'robot.joint_velocity_max',
      d.velocityMax,
      'Joint velocity limits [rad/s] (reported, not enforced: CRISP does not).',
    ),
    effortMax: undefined,
    home: numbers('robot.home_joint_positions', d.home, 'Joint positions every episode starts from [rad].'),
    baseFrame: p.declare('robot.base_frame', d.baseFrame, {
      ...RO,
      type: 'string',
      description: 'Frame of target_pose and current_pose (the world frame of the simulation).',
    }),
    eeFrame: p.declare('robot.ee_frame', d.eeFrame, {
      ...RO,
      type: 'string',
      description: 'End-effector frame CRISP controls and the pose broadcaster reports.',
    }),
    gripperMaxWidth: p.declare('robot.gripper.max_width', d.gripperMaxWidth, {
      ...RO,
      type: 'double',
      range: { from: 0.01, to: 0.2 },
      description: 'Gripper opening at command 1 [m].',
    }),
  };
  const effort = numbers(
    'robot.joint_effort_max',
    d.effortMax ?? [],
    "Joint torque limits [Nm]; empty: the maker's figures for the robot.",
  );
  if (effort.length > 0) facts.effortMax = effort;
  p.declare('robot.gripper.type', '', {
    ...RO,
    type: 'string',
    description: 'Gripper kind (informational; the simulated gripper is a parallel two-finger one).',
  });
  const problems = robotFactProblems(facts);
  if (problems.length > 0) throw new Error(`sim: ${problems.join('; ')} (load config/robots/<robot>.yaml)`);
  return facts;
}

/** Declares every parameter; returns the fixed settings and the initial dynamic ones. */
export function declareSimParameters(p: ParameterStore): { settings: SimNodeSettings; dynamic: SimDynamicSettings } {
  const facts = declareFacts(p);
  const topic = (key: string, value: string, what: string) =>
    p.declare(`crisp.${key}`, value, { ...RO, type: 'string', description: what });
  const topics: SimTopics = {
    targetPose: topic(
      'target_pose_topic',
      'target_pose',
      'CRISP Cartesian target (geometry_msgs/PoseStamped, base frame; header ignored).',
    ),
    targetJoint: topic(
      'target_joint_topic',
      'target_joint',
      'CRISP joint target / nullspace reference (sensor_msgs/JointState, read by index).',
    ),
    currentPose: topic('current_pose_topic', 'current_pose', 'Pose broadcaster output (geometry_msgs/PoseStamped).'),
    jointStates: topic('joint_states_topic', 'joint_states', 'Joint states (sensor_msgs/JointState, by name).'),
    gripperCommand: topic('gripper_command_topic', 'gripper/command', 'Gripper command (std_msgs/Float64, 0 closed .. 1 open).'),
    gripperState: p.declare('gripper_state_topic', 'gripper/joint_states', {
      ...RO,
      type: 'string',
      description: 'Finger joint states (sensor_msgs/JointState, positions in m; opening = sum).',
    }),
  };
  const rate = (key: string, value: number, what: string) =>
    p.declare(key, value, { ...RO, type: 'double', range: { from: 1, to: 1000 }, description: what });
  const rates = {
    jointStates: rate('joint_state_rate_hz', SIM_OUTPUT_RATES.jointStates, 'joint_states rate [Hz] of simulated time.'),
    currentPose: rate('current_pose_rate_hz', SIM_OUTPUT_RATES.currentPose, 'current_pose rate [Hz] (CRISP pose broadcaster: ~250).'),
    gripperState: rate('gripper_state_rate_hz', SIM_OUTPUT_RATES.gripperState, 'Gripper joint state rate [Hz].'),
    cameras: rate('camera_rate_hz', SIM_OUTPUT_RATES.cameras, 'Camera image + camera_info rate [Hz].'),
    clock: rate('clock_rate_hz', SIM_OUTPUT_RATES.clock, '/clock rate [Hz] of simulated time (1000: every physics step).'),
  };
  const enabled = p.declare('cameras.enabled', true, { ...RO, type: 'bool', description: 'Render and publish the cameras.' });
  const sizes = {} as Record<CameraName, CameraSize>;
  for (const cam of CAMERA_NAMES) {
    const dim = (k: 'width' | 'height') =>
      p.declare(`cameras.${cam}.${k}`, SIM_CAMERA_SIZE, {
        ...RO,
        type: 'integer',
        range: { from: 8, to: 4096 },
        description: `${cam} camera image ${k} [px].`,
      });
    sizes[cam] = { width: dim('width'), height: dim('height') };
  }
  const settings: SimNodeSettings = {
    facts,
    topics,
    rates,
    cameras: { enabled, sizes },
    episodeManager: p.declare('episode_manager', 'episode_manager', {
      ...RO,
      type: 'string',
      description:
        'The episode_manager node whose ~/set_instruction and ~/end_episode the sim calls (relative to the namespace; empty: none).',
    }),
    startEpisodeOnActivate: p.declare('start_episode_on_activate', true, {
      ...RO,
      type: 'bool',
      description: 'Start episode 0 of the seed sequence when activated.',
    }),
    endEpisodeOnSuccess: p.declare('end_episode_on_success', true, {
      ...RO,
      type: 'bool',
      description: "Call the episode manager's ~/end_episode (success) when the task succeeds.",
    }),
    episodeTimeout: p.declare('episode_timeout', 0.0, {
      ...RO,
      type: 'double',
      range: { from: 0, to: 86400 },
      description: 'End an episode as failed after this much simulated time [s] (0: never).',
    }),
    autoReset: p.declare('auto_reset', false, {
      ...RO,
      type: 'bool',
      description: 'Start the next episode by itself, reset_delay after one ends.',
    }),
    resetDelay: p.declare('reset_delay', 1.0, {
      ...RO,
      type: 'double',
      range: { from: 0, to: 600 },
      description: 'Simulated time between an episode end and the automatic reset [s].',
    }),
    maxCatchUp: p.declare('max_catch_up_steps', 100, {
      ...RO,
      type: 'integer',
      range: { from: 1, to: 100000 },
      description: 'Most physics steps one wall-time tick may run to catch up; beyond, the sim slows down (lag).',
    }),
  };

  const dyn = (d: string) => ({ type: 'double' as const, description: d });
  const realTimeFactor = p.declare('real_time_factor', 1.0, {
    ...dyn('Simulated seconds per wall second (0: as fast as possible). Ignored in deterministic (virtual-time) runs.'),
    range: { from: 0, to: 1000 },
  });
  const controller = p.declare('controller', 'cartesian_impedance_controller', {
    type: 'string',
    choices: CONTROLLERS,
    description: 'Active CRISP controller; switching activates the new one where the arm is (as ros2_control does).',
  }) as ControllerName;
  const seed = p.declare('seed', 0, {
    type: 'integer',
    range: { from: 0, to: 4294967295 },
    description: 'Seed of the episode sequence (a new seed restarts it at episode 0).',
  });
  const task = p.declare('task', 'random', {
    type: 'string',
    choices: [...TASK_KINDS, 'random'],
    description: 'Task of the next episodes (random: drawn per episode from random_tasks).',
  }) as TaskChoice;
  const object = p.declare('target_object', 'random', {
    type: 'string',
    choices: [...OBJECT_COLOURS, 'random'],
    description: 'Object the task is about (random: drawn per episode).',
  }) as ObjectChoice;
  const randomTasks = p.declare('random_tasks', [...DEFAULT_RANDOM_TASKS] as string[], {
    type: 'string_array',
    description: `Tasks 'random' draws from (${TASK_KINDS.join(', ')}).`,
  });
  const failure: FailureSpec = {
    kind: p.declare('failure.kind', 'none', {
      type: 'string',
      choices: FAILURE_KINDS,
      description: 'Failure to inject (decided per episode from its seed).',
    }) as FailureSpec['kind'],
    probability: p.declare('failure.probability', 1.0, { ...dyn('Chance an episode gets the failure.'), range: { from: 0, to: 1 } }),
    startMin: p.declare('failure.start_min', 1.0, {
      ...dyn('Earliest failure start after the episode starts [s].'),
      range: { from: 0, to: 3600 },
    }),
    startMax: p.declare('failure.start_max', 3.0, { ...dyn('Latest failure start [s].'), range: { from: 0, to: 3600 } }),
    duration: p.declare('failure.duration', 0.0, dyn('How long arm_blocked / camera failures last [s] (≤ 0: until the episode ends).')),
    camera: p.declare('failure.camera', 'all', {
      type: 'string',
      choices: ['scene', 'wrist', 'all'],
      description: 'Camera(s) a camera failure affects.',
    }) as FailureSpec['camera'],
    blockMode: p.declare('failure.block_mode', 'brake', {
      type: 'string',
      choices: BLOCK_MODES,
      description: 'arm_blocked: brake (joints held) or wall (virtual wall through the gripper).',
    }) as FailureSpec['blockMode'],
  };
  const n = facts.jointNames.length;
  declareCrisp(p, 'cartesian_impedance_controller', cartesianImpedanceDefaults(n), facts.jointNames);
  declareCrisp(p, 'joint_impedance_controller', jointImpedanceDefaults(n), facts.jointNames);
  const gains = {
    cartesian_impedance_controller: readCrisp(p, 'cartesian_impedance_controller', facts.jointNames),
    joint_impedance_controller: readCrisp(p, 'joint_impedance_controller', facts.jointNames),
  };
  const problems = [
    ...CONTROLLERS.flatMap((c) => crispParamProblems(gains[c], n).map((m) => `${c}.${m}`)),
    ...failureSpecProblems(failure),
    ...randomTaskProblems(randomTasks),
  ];
  if (problems.length > 0) throw new Error(`sim: ${problems.join('; ')}`);
  return {
    settings,
    dynamic: { realTimeFactor, controller, seed, episode: { task, object, randomTasks: randomTasks as TaskKind[] }, failure, gains },
  };
}

export function randomTaskProblems(list: readonly string[]): string[] {
  if (list.length === 0) return ['random_tasks is empty'];
  const bad = list.filter((t) => !(TASK_KINDS as readonly string[]).includes(t));
  return bad.length > 0 ? [`random_tasks has unknown task(s) ${bad.join(', ')} (known: ${TASK_KINDS.join(', ')})`] : [];
}

/** Reads the dynamic settings with pending changes applied (for validation before they take effect). */
export function readDynamic(p: ParameterStore, facts: RobotFacts, changes: ReadonlyMap<string, unknown> = new Map()): SimDynamicSettings {
  const get = (name: string): unknown => (changes.has(name) ? changes.get(name) : p.get(name));
  return {
    realTimeFactor: get('real_time_factor') as number,
    controller: get('controller') as ControllerName,
    seed: get('seed') as number,
    episode: {
      task: get('task') as TaskChoice,
      object: get('target_object') as ObjectChoice,
      randomTasks: get('random_tasks') as TaskKind[],
    },
    failure: {
      kind: get('failure.kind') as FailureSpec['kind'],
      probability: get('failure.probability') as number,
      startMin: get('failure.start_min') as number,
      startMax: get('failure.start_max') as number,
      duration: get('failure.duration') as number,
      camera: get('failure.camera') as FailureSpec['camera'],
      blockMode: get('failure.block_mode') as FailureSpec['blockMode'],
    },
    gains: {
      cartesian_impedance_controller: readCrisp(p, 'cartesian_impedance_controller', facts.jointNames, changes),
      joint_impedance_controller: readCrisp(p, 'joint_impedance_controller', facts.jointNames, changes),
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
