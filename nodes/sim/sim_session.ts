// One configured simulator and what it publishes: the sim node's configure creates it, cleanup
// disposes it. Each step advances the physics and publishes the outputs due at that step (rates
// on the step grid, pacing.ts), stamped with simulated time. It publishes through the publishers
// it is handed, so it runs without ROS.

import type { Publisher } from '../ros/node.js';
import { toRosTime, type RosTime } from '../ros/time.js';
import type { geometry_msgs, rosgraph_msgs, sensor_msgs } from '../msgs/generated/interfaces.js';
import { CameraFeed, CameraRig, type CameraName } from './camera_rig.js';
import type { SimDynamicSettings, SimNodeSettings } from './node_params.js';
import { Pacer, rateSchedules, type RateSchedule } from './pacing.js';
import { Renderer } from './render/renderer.js';
import { cameraMessages, gripperStateMessage, jointStateMessage, poseMessage } from './sim_messages.js';
import { Simulator } from './simulator.js';

type Pub<T> = Pick<Publisher<T>, 'publish'>;

/** Where a session's step outputs go (the sim's lifecycle publishers, or a test's recorders). */
export interface StepOutputs {
  clock: Pub<rosgraph_msgs.msg.Clock>;
  joints: Pub<sensor_msgs.msg.JointState>;
  pose: Pub<geometry_msgs.msg.PoseStamped>;
  gripper: Pub<sensor_msgs.msg.JointState>;
  /** Undefined with cameras off. */
  cameras: ReadonlyMap<CameraName, { image: Pub<sensor_msgs.msg.Image>; info: Pub<sensor_msgs.msg.CameraInfo> }> | undefined;
}

export type SessionSettings = Pick<SimNodeSettings, 'facts' | 'cameras' | 'rates' | 'maxCatchUp'>;

export class SimSession {
  readonly pacer: Pacer;
  private readonly jointNames: string[];
  private readonly fingerNames: string[];
  /** Simulated time = offset + physics time; fixed at the first activation. */
  private offset: number | undefined;
  private schedules: Record<keyof SimNodeSettings['rates'], RateSchedule> | undefined;

  /** Loads the model with the settings as they are now; `realTimeFactor` paces wall-time runs. */
  static async create(settings: SessionSettings, d: SimDynamicSettings, realTimeFactor: number): Promise<SimSession> {
    const { facts, cameras } = settings;
    const simulator = await Simulator.create({
      facts,
      gains: d.gains,
      controller: d.controller,
      seed: d.seed,
      episode: d.episode,
      failure: d.failure,
    });
    const rig = cameras.enabled ? new CameraRig(simulator.physics, facts.name, cameras.sizes) : undefined;
    return new SimSession(settings, simulator, rig && new CameraFeed(simulator, rig, new Renderer()), realTimeFactor);
  }

  private constructor(
    private readonly settings: SessionSettings,
    readonly simulator: Simulator,
    readonly feed: CameraFeed | undefined,
    realTimeFactor: number,
  ) {
    this.pacer = new Pacer(simulator.timestep, realTimeFactor, settings.maxCatchUp);
    this.jointNames = [...settings.facts.jointNames];
    this.fingerNames = [...simulator.physics.scene.arm.fingerJoints];
  }

  /** Simulated time now; `offset` until the first activation fixes it. */
  time(offset: number): number {
    return (this.offset ?? offset) + this.simulator.time;
  }

  /** Before stepping: fixes the time offset at the first call, and restarts the output rates from this step. */
  activate(offset: number): void {
    this.offset ??= offset;
    this.schedules = rateSchedules(this.settings.rates, this.simulator.timestep, this.simulator.steps);
  }

  /** One physics step, then the outputs due at it; returns the step's simulated time. `onFrame` hears each camera frame. */
  step(out: StepOutputs, onFrame: () => void): number {
    const { simulator } = this;
    simulator.step();
    const s = this.schedules!;
    const k = simulator.steps;
    const t = this.time(0);
    const stamp = toRosTime(t);
    if (s.clock.due(k)) out.clock.publish({ clock: stamp });
    if (s.jointStates.due(k)) out.joints.publish(jointStateMessage(stamp, this.jointNames, simulator.jointState()));
    if (s.currentPose.due(k)) out.pose.publish(poseMessage(stamp, this.settings.facts.baseFrame, simulator.eePose()));
    if (s.gripperState.due(k)) out.gripper.publish(gripperStateMessage(stamp, this.fingerNames, simulator.gripperState()));
    if (s.cameras.due(k)) this.publishCameras(out, stamp, onFrame);
    return t;
  }

  /** Takes new gains and controller (the dynamic parameters); returns the controller switched to, if any. */
  applyControl(d: SimDynamicSettings): string | undefined {
    const { simulator } = this;
    for (const name of ['cartesian_impedance_controller', 'joint_impedance_controller'] as const) simulator.setParams(name, d.gains[name]);
    if (d.controller === simulator.controllerName) return undefined;
    simulator.switchController(d.controller);
    return d.controller;
  }

  dispose(): void {
    this.simulator.dispose();
  }

  private publishCameras(out: StepOutputs, stamp: RosTime, onFrame: () => void): void {
    if (this.feed === undefined || out.cameras === undefined) return;
    for (const frame of this.feed.capture()) {
      const m = cameraMessages(stamp, frame);
      const p = out.cameras.get(frame.camera)!;
      p.image.publish(m.image);
      p.info.publish(m.info);
      onFrame();
    }
  }
}
