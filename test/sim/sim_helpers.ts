// Shared fixtures of the simulator tests: simulators built from the real config/robots/*.yaml.

import { cartesianImpedanceDefaults, jointImpedanceDefaults, type CrispParams } from '../../nodes/sim/crisp_law.js';
import type { FailureSpec } from '../../nodes/sim/failures.js';
import { loadRobotFacts, type SimRobot } from '../../nodes/sim/robot_facts.js';
import { Simulator, type ControllerName } from '../../nodes/sim/simulator.js';
import type { EpisodeChoice } from '../../nodes/sim/tasks.js';

export interface SimOptions {
  seed?: number;
  episode?: EpisodeChoice;
  failure?: FailureSpec;
  controller?: ControllerName;
  cartesian?: (p: CrispParams) => void;
}

export async function makeSimulator(robot: SimRobot, o: SimOptions = {}): Promise<Simulator> {
  const facts = loadRobotFacts(robot);
  const n = facts.jointNames.length;
  const cartesian = cartesianImpedanceDefaults(n);
  o.cartesian?.(cartesian);
  return Simulator.create({
    facts,
    gains: { cartesian_impedance_controller: cartesian, joint_impedance_controller: jointImpedanceDefaults(n) },
    controller: o.controller ?? 'cartesian_impedance_controller',
    seed: o.seed ?? 0,
    episode: o.episode ?? { task: 'random', object: 'random' },
    ...(o.failure === undefined ? {} : { failure: o.failure }),
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
