// The real controller_bridge node on the embedded backend in virtual time, with a simulated
// robot and a probe node (policy, failure monitor, operator) in the same namespace.

import { controllerBridge } from '../../nodes/controller_bridge/node.js';
import type { ChunkInput } from '../../nodes/controller_bridge/action_decoder.js';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import type { RosNode } from '../../nodes/ros/node.js';
import type { ParameterOverride, ParameterValue } from '../../nodes/ros/parameter.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import { robotFixture, robotSections, type RobotName } from './helpers.js';
import { SimulatedRobot, type SimulatedRobotOptions } from './sim_robot.js';

export const NS = '/arm';

function override(name: string, value: ParameterValue): ParameterOverride {
  const type =
    typeof value === 'boolean'
      ? 'bool'
      : typeof value === 'string'
        ? 'string'
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? 'integer'
            : 'double'
          : 'double_array';
  return { name, type, value, source: 'test' };
}

export interface Harness {
  time: VirtualTimeBase;
  backend: EmbeddedBackend;
  logs: LogRecord[];
  probe: RosNode;
  robot: SimulatedRobot;
  running: RunningNode;
  publishChunk(c: ChunkInput): void;
  stop(): Promise<void>;
}

export function chunkMessage(c: ChunkInput): vla_ros_msgs.msg.ActionChunk {
  return {
    header: { stamp: toRosTime(c.stamp), frame_id: c.frameId },
    start_time: toRosTime(c.startTime),
    dt: c.dt,
    horizon: c.horizon,
    action_space: c.actionSpace,
    rotation: c.rotation,
    gripper: c.gripper,
    dimension_names: [...c.dimensionNames],
    data: Float32Array.from(c.data),
    sequence: c.sequence,
    latent_version: 0,
    latent_age: 0,
    inference_latency: 0,
    observation_stamp: toRosTime(c.observationStamp ?? c.stamp),
  };
}

/** Starts robot + bridge (not activated unless `autostart`); the robot publishes state from t = 100. */
export async function startHarness(
  robotName: RobotName,
  params: Record<string, ParameterValue> = {},
  options: { autostart?: boolean; robot?: SimulatedRobotOptions; startRobot?: boolean } = {},
): Promise<Harness> {
  const time = new VirtualTimeBase(100);
  const logs: LogRecord[] = [];
  const backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
  const base = { namespace: NS, remaps: [], parameterSections: [], logLevel: 'warn' as const, rosArgv: [] };
  const probe = await backend.createNode({ ...base, name: 'probe' });
  const robotNode = await backend.createNode({ ...base, name: 'robot' });
  const robot = new SimulatedRobot(robotNode, robotFixture(robotName), options.robot);
  if (options.startRobot !== false) robot.start();
  await time.advanceBy(0.01);
  const running = await startNode(controllerBridge, backend, {
    ...base,
    name: 'controller_bridge',
    logLevel: 'info',
    parameterSections: [
      ...robotSections(robotName),
      {
        nodePattern: `${NS}/controller_bridge`,
        params: Object.entries({ autostart: options.autostart ?? false, ...params }).map(([k, v]) => override(k, v)),
      },
    ],
  });
  const chunkPub = probe.createPublisher('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10);
  return {
    time,
    backend,
    logs,
    probe,
    robot,
    running,
    publishChunk: (c) => chunkPub.publish(chunkMessage(c)),
    async stop() {
      robot.stop();
      await running.stop();
      await backend.shutdown();
    },
  };
}

/** Runs a lifecycle transition while virtual time moves (activation may wait for state). */
export async function transition(h: Harness, step: 'configure' | 'activate' | 'deactivate', advance = 0.2): Promise<boolean> {
  const pending = h.running.instance.lifecycle!.trigger(step);
  let done = false;
  void pending.then(() => (done = true));
  for (let t = 0; t < advance && !done; t += 0.05) await h.time.advanceBy(0.05);
  return (await pending).success;
}

export async function activate(h: Harness, advance = 0.2): Promise<boolean> {
  return (await transition(h, 'configure', 0.05)) && (await transition(h, 'activate', advance));
}
