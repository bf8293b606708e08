// The robot facts the simulator builds its arm from: joint names (controller order), limits, home
// pose, frames and gripper opening: the suite's one RobotFacts (nodes/robots/robot_facts.ts) with
// what a simulated arm needs besides. They are the ROS parameters from config/robots/<robot>.yaml
// (the same file every node reads), never duplicated here; the node gets them as parameters,
// tools and tests read the file with `loadRobotFacts`.

import { collectOverrides, loadParamsFile } from '../ros/params_file.js';
import { robotFactProblems, type RobotFacts } from '../robots/robot_facts.js';
import { packagePath } from '../package_paths.js';

/** The arms the built-in simulator has a physical model of. */
export const SIM_ROBOTS = ['fr3', 'ur5e'] as const;
export type SimRobot = (typeof SIM_ROBOTS)[number];

/** The robot facts the simulator needs: a simulated model, a home pose and a gripper. */
export interface SimRobotFacts extends RobotFacts {
  name: SimRobot;
  /** [Nm]; robots whose file gives none get the maker's figures (see arm_models.ts). */
  effortMax: readonly number[] | undefined;
  /** [rad] */
  home: readonly number[];
  /** Fully open gripper [m]. */
  gripperMaxWidth: number;
}

/**
 * The shipped reference bundle of each simulated robot (config/policies/, trained in this
 * simulator: docs/training.md): `sim run` and `sim eval` use it unless told otherwise, as does
 * sim.launch.xml's `policy` argument.
 */
export const REFERENCE_BUNDLES: Readonly<Record<SimRobot, string>> = { fr3: 'reference', ur5e: 'reference_ur5e' };

export function isSimRobot(name: string): name is SimRobot {
  return (SIM_ROBOTS as readonly string[]).includes(name);
}

/** Reads config/robots/<robot>.yaml (its `/**` section) as the node would receive it. */
export function loadRobotFacts(robot: SimRobot, file = packagePath('config', 'robots', `${robot}.yaml`)): SimRobotFacts {
  const { overrides } = collectOverrides(loadParamsFile(file), '/sim');
  const get = (name: string): unknown => overrides.get(name)?.value;
  const strings = (name: string) => (get(name) as string[] | undefined) ?? [];
  const numbers = (name: string) => get(name) as number[] | undefined;
  const facts: SimRobotFacts = {
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
