// The facts about a robot arm that the nodes work from: joint names (controller order), limits,
// frames, home pose and gripper opening. They are ROS parameters from config/robots/<robot>.yaml
// (declared once, in robot_parameters.ts); this module is their one type and their one check.

export interface RobotFacts {
  name: string;
  /** Controller joint order (CRISP reads target_joint by index in this order). */
  jointNames: readonly string[];
  /** [rad] */
  positionMin: readonly number[];
  positionMax: readonly number[];
  /** [rad/s] */
  velocityMax: readonly number[];
  baseFrame: string;
  eeFrame: string;
  /** [Nm]; absent: the maker's figures where a node needs them (the simulator). */
  effortMax?: readonly number[] | undefined;
  /** [rad] */
  home?: readonly number[];
  /** Fully open gripper [m]. */
  gripperMaxWidth?: number;
}

/** Robot facts from the parameter values of a robot file, by the names robot_parameters.ts declares. */
export function robotFactsFrom(get: <T>(name: string) => T): RobotFacts {
  return {
    name: get<string>('robot.name'),
    jointNames: get<string[]>('robot.joint_names'),
    positionMin: get<number[]>('robot.joint_position_min'),
    positionMax: get<number[]>('robot.joint_position_max'),
    velocityMax: get<number[]>('robot.joint_velocity_max'),
    baseFrame: get<string>('robot.base_frame'),
    eeFrame: get<string>('robot.ee_frame'),
  };
}

/**
 * What is wrong with a set of facts, as sentences naming the parameter (empty: nothing).
 * `margin`: joint limits must leave more than 2·margin of room (the controller bridge shrinks
 * them by its joint_limit_margin).
 */
export function robotFactProblems(r: RobotFacts, margin = 0): string[] {
  const problems: string[] = [];
  const n = r.jointNames.length;
  if (n === 0) problems.push('robot.joint_names is empty: pass the robot config (config/robots/<robot>.yaml)');
  if (new Set(r.jointNames).size !== n) problems.push('robot.joint_names has duplicates');
  for (const [key, values] of [
    ['robot.joint_position_min', r.positionMin],
    ['robot.joint_position_max', r.positionMax],
    ['robot.joint_velocity_max', r.velocityMax],
    ['robot.joint_effort_max', r.effortMax],
    ['robot.home_joint_positions', r.home],
  ] as const) {
    if (values === undefined) continue;
    if (values.length !== n) problems.push(`${key} has ${values.length} values for ${n} joints`);
    else if (!values.every(Number.isFinite)) problems.push(`${key} has non-finite values`);
  }
  if (problems.length > 0) return problems;
  for (let i = 0; i < n; i++) {
    const joint = r.jointNames[i];
    if (!(r.positionMax[i] - r.positionMin[i] > 2 * margin)) {
      problems.push(
        margin > 0
          ? `joint ${joint}: limits [${r.positionMin[i]}, ${r.positionMax[i]}] leave no room inside joint_limit_margin ${margin}`
          : `joint ${joint}: min ${r.positionMin[i]} >= max ${r.positionMax[i]}`,
      );
    } else if (r.home !== undefined && (r.home[i] < r.positionMin[i] || r.home[i] > r.positionMax[i])) {
      problems.push(`home of ${joint} (${r.home[i]}) is outside its limits`);
    }
    if (!(r.velocityMax[i] > 0)) problems.push(`joint ${joint}: robot.joint_velocity_max must be > 0`);
  }
  if (r.baseFrame === '') problems.push('robot.base_frame is empty');
  if (r.gripperMaxWidth !== undefined && !(r.gripperMaxWidth > 0 && r.gripperMaxWidth <= 0.2)) {
    problems.push(`robot.gripper.max_width ${r.gripperMaxWidth} m is not in (0, 0.2]`);
  }
  return problems;
}
