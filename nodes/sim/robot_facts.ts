// The robot facts the simulator builds its arm from: joint names (controller order), limits, home
// pose, frames and gripper opening. They are the suite's ROS parameters from
// config/robots/<robot>.yaml (the same file every node reads), never duplicated here; the node
// gets them as parameters, tools and tests read the file with `loadRobotFacts`.

import { collectOverrides, loadParamsFile } from '../ros/params_file.js';
import { packagePath } from '../package_paths.js';

/** The arms the built-in simulator has a physical model of. */
export const SIM_ROBOTS = ['fr3', 'ur5e'] as const;
export type SimRobot = (typeof SIM_ROBOTS)[number];

export interface RobotFacts {
  name: SimRobot;
  /** Controller order: CRISP reads target_joint by index in this order. */
  jointNames: string[];
  /** [rad] */
  positionMin: number[];
  positionMax: number[];
  /** [rad/s] */
  velocityMax: number[];
  /** [Nm]; robots whose file gives none get the maker's figures (see arm_models.ts). */
  effortMax: number[] | undefined;
  /** [rad] */
  home: number[];
  baseFrame: string;
  eeFrame: string;
  /** Fully open gripper [m]. */
  gripperMaxWidth: number;
}

export function isSimRobot(name: string): name is SimRobot {
  return (SIM_ROBOTS as readonly string[]).includes(name);
}

/** What is wrong with a set of facts (empty: nothing). */
export function robotFactProblems(f: RobotFacts): string[] {
  const n = f.jointNames.length;
  const problems: string[] = [];
  if (n === 0) problems.push('robot.joint_names is empty');
  const check = (name: string, v: readonly number[] | undefined) => {
    if (v === undefined) return;
    if (v.length !== n) problems.push(`${name} has ${v.length} values for ${n} joints`);
    else if (!v.every(Number.isFinite)) problems.push(`${name} has a non-finite value`);
  };
  check('robot.joint_position_min', f.positionMin);
  check('robot.joint_position_max', f.positionMax);
  check('robot.joint_velocity_max', f.velocityMax);
  check('robot.joint_effort_max', f.effortMax);
  check('robot.home_joint_positions', f.home);
  if (problems.length > 0) return problems;
  for (let i = 0; i < n; i++) {
    if (!(f.positionMin[i] < f.positionMax[i]))
      problems.push(`joint ${f.jointNames[i]}: min ${f.positionMin[i]} >= max ${f.positionMax[i]}`);
    else if (f.home[i] < f.positionMin[i] || f.home[i] > f.positionMax[i])
      problems.push(`home of ${f.jointNames[i]} (${f.home[i]}) is outside its limits`);
  }
  if (!(f.gripperMaxWidth > 0 && f.gripperMaxWidth <= 0.2))
    problems.push(`robot.gripper.max_width ${f.gripperMaxWidth} m is not in (0, 0.2]`);
  return problems;
}

/** Reads config/robots/<robot>.yaml (its `/**` section) as the node would receive it. */
export function loadRobotFacts(robot: SimRobot, file = packagePath('config', 'robots', `${robot}.yaml`)): RobotFacts {
  const { overrides } = collectOverrides(loadParamsFile(file), '/sim');
  const get = (name: string): unknown => overrides.get(name)?.value;
  const strings = (name: string) => (get(name) as string[] | undefined) ?? [];
  const numbers = (name: string) => get(name) as number[] | undefined;
  const facts: RobotFacts = {
    name: robot,
    jointNames: strings('robot.joint_names'),
    positionMin: numbers('robot.joint_position_min') ?? [],
    positionMax: numbers('robot.joint_position_max') ?? [],
    velocityMax: numbers('robot.joint_velocity_max') ?? [],
    effortMax: numbers('robot.joint_effort_max'),
    home: numbers('robot.home_joint_positions') ?? [],
    baseFrame: (get('robot.base_frame') as string | undefined) ?? '',
    eeFrame: (get('robot.ee_frame') as string | undefined) ?? '',
    gripperMaxWidth: (get('robot.gripper.max_width') as number | undefined) ?? 0.08,
  };
  const problems = robotFactProblems(facts);
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return facts;
}
