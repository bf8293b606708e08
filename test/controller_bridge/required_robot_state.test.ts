// The robot state the bridge waits for before it starts (activation, an episode's START): one
// rule shared by the bridge node and sim eval's closed loop.

import { strict as assert } from 'node:assert';
import { requiredRobotState } from '../../nodes/controller_bridge/bridge_config.js';
import { bridgeConfig, robotFixture } from './helpers.js';

describe('requiredRobotState', () => {
  const robot = robotFixture('fr3');

  it('pose commands need the current pose, and joint states only for the joint limiter with a kinematic chain', () => {
    assert.deepEqual(requiredRobotState(bridgeConfig(robot, { commandInterface: 'pose', poseJointLimits: true }), true), {
      pose: true,
      joints: true,
    });
    assert.deepEqual(requiredRobotState(bridgeConfig(robot, { commandInterface: 'pose', poseJointLimits: true }), false), {
      pose: true,
      joints: false,
    });
    assert.deepEqual(requiredRobotState(bridgeConfig(robot, { commandInterface: 'pose', poseJointLimits: false }), true), {
      pose: true,
      joints: false,
    });
  });

  it('joint commands need joint states only', () => {
    for (const hasKinematics of [true, false]) {
      assert.deepEqual(requiredRobotState(bridgeConfig(robot, { commandInterface: 'joint', poseJointLimits: false }), hasKinematics), {
        pose: false,
        joints: true,
      });
    }
  });
});
