// A simulator for offline tools (data collection, in-thread evaluation): the robot facts from
// config/robots/<robot>.yaml and CRISP's default gains (what config/sim/<robot>.yaml keeps for the
// Cartesian controller), no ROS.

import { cartesianImpedanceDefaults, jointImpedanceDefaults } from './crisp_law.js';
import type { FailureSpec } from './failures.js';
import { loadRobotFacts, type SimRobot } from './robot_facts.js';
import { Simulator } from './simulator.js';
import type { EpisodeChoice } from './tasks.js';

export async function createDefaultSimulator(
  robot: SimRobot,
  seed: number,
  episode: EpisodeChoice,
  failure?: FailureSpec,
): Promise<Simulator> {
  const facts = loadRobotFacts(robot);
  const n = facts.jointNames.length;
  return Simulator.create({
    facts,
    gains: { cartesian_impedance_controller: cartesianImpedanceDefaults(n), joint_impedance_controller: jointImpedanceDefaults(n) },
    controller: 'cartesian_impedance_controller',
    seed,
    episode,
    ...(failure === undefined ? {} : { failure }),
  });
}
