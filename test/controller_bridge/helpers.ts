// Shared fixtures of the controller bridge tests: robot facts read from the real
// config/robots/*.yaml (one source of truth), a default BridgeConfig, chunk builders.

import type { ChunkInput } from '../../nodes/controller_bridge/action_decoder.js';
import { defaultBridgeConfig, robotFactsFrom, type BridgeConfig, type RobotFacts } from '../../nodes/controller_bridge/bridge_config.js';
import { packagePath } from '../../nodes/package_paths.js';
import type { ParamsFileSection } from '../../nodes/ros/params_file.js';
import { loadParamsFile } from '../../nodes/ros/params_file.js';
import { kinematicsFor } from '../../nodes/robots/robot_models.js';
import type { SerialChain } from '../../nodes/robots/kinematics.js';

export type RobotName = 'fr3' | 'panda' | 'ur5e' | 'ur10e';

export function robotConfigPath(robot: RobotName): string {
  return packagePath('config', 'robots', `${robot}.yaml`);
}

export function robotSections(robot: RobotName): ParamsFileSection[] {
  return loadParamsFile(robotConfigPath(robot));
}

export interface RobotFixture {
  facts: RobotFacts;
  home: number[];
  chain: SerialChain;
}

export function robotFixture(robot: RobotName): RobotFixture {
  const params = new Map(robotSections(robot).flatMap((s) => s.params.map((p) => [p.name, p.value] as const)));
  const get = <T>(name: string) => {
    if (!params.has(name)) throw new Error(`${robot}.yaml has no ${name}`);
    return params.get(name) as T;
  };
  const facts = robotFactsFrom(get);
  const chain = kinematicsFor(facts.name, facts.eeFrame);
  if (chain === undefined) throw new Error(`no kinematic model for ${robot}`);
  return { facts, home: get<number[]>('robot.home_joint_positions'), chain };
}

export function bridgeConfig(robot: RobotFixture, overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return defaultBridgeConfig(robot.facts, overrides);
}

/** A chunk with sensible defaults; `rows` are the actions, one array per step. */
export function chunk(rows: readonly (readonly number[])[], fields: Partial<ChunkInput> = {}): ChunkInput {
  const d = rows[0]?.length ?? 0;
  const stamp = fields.stamp ?? 0;
  return {
    stamp,
    startTime: fields.startTime ?? stamp,
    dt: 0.1,
    horizon: rows.length,
    actionSpace: 'joint_position',
    rotation: 'none',
    gripper: '',
    dimensionNames: Array.from({ length: d }, (_, i) => `a${i}`),
    data: Float32Array.from(rows.flat()),
    sequence: 0,
    frameId: '',
    ...fields,
  };
}

/** Pose of [x y z qx qy qz qw] as a plain array. */
export function poseArray(p: { p: readonly number[]; q: readonly number[] }): number[] {
  return [...p.p, ...p.q];
}
