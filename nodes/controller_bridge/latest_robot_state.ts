// The newest robot state the bridge accepted (current pose, joint positions) and whether it is
// fresh enough to start or keep commanding from: activation refuses state that is missing or
// older than state_timeout, as crisp_py does. Messages are validated first (joint_states mapped
// by name within limits, a finite pose); a rejected one is counted and none of it is used.
// Counts the accepted messages so an episode can wait for state received after its START.

import type { geometry_msgs } from '../msgs/generated/interfaces.js';
import type { JointStateMapper } from '../robots/joint_state_mapper.js';
import type { RobotState } from './control_loop.js';

/** Which state the bridge needs (bridge_config.ts's requiredRobotState). */
export interface NeededState {
  readonly pose: boolean;
  readonly joints: boolean;
}

/** How many of each message have arrived so far. */
export interface StateCounts {
  readonly pose: number;
  readonly joints: number;
}

/** What to log (throttled per key) and, for a rejected message, count. */
export interface StateNotice {
  readonly line: string;
  readonly key: string;
  readonly periodSec: number;
  readonly rejected?: { readonly topic: 'joint_states' | 'current_pose'; readonly reason: string; readonly count: number };
}

/** Whether a message updated the state, and what to say about it. */
export interface StateOffer {
  readonly accepted: boolean;
  readonly notice?: StateNotice;
}

interface Stamped {
  readonly value: Float64Array;
  readonly at: number;
}

export class LatestRobotState {
  private pose: Stamped | undefined;
  private joints: Stamped | undefined;
  private poseCount = 0;
  private jointCount = 0;
  private poseRejected = 0;

  /** `topics` are the resolved names, for the reasons given; poses are expected in `baseFrame`. */
  constructor(
    readonly need: NeededState,
    private readonly mapper: JointStateMapper,
    private readonly baseFrame: string,
    private readonly topics: { readonly pose: string; readonly joints: string },
    private readonly stateTimeout: number,
  ) {}

  offerJoints(names: readonly string[], positions: ArrayLike<number>, at: number): StateOffer {
    // Some setups publish the gripper's joints separately on the same topic: not ours, not an error.
    if (!this.mapper.concerns(names)) return { accepted: false };
    const mapped = this.mapper.map(names, positions);
    if (!mapped.ok) {
      const count = this.mapper.rejected.get(mapped.reason) ?? 0;
      return {
        accepted: false,
        notice: {
          line: `joint_states rejected: ${mapped.error}`,
          key: `joint-states-${mapped.reason}`,
          periodSec: 5,
          rejected: { topic: 'joint_states', reason: mapped.reason, count },
        },
      };
    }
    this.joints = { value: mapped.positions, at };
    this.jointCount++;
    return { accepted: true };
  }

  offerPose(m: geometry_msgs.msg.PoseStamped, at: number): StateOffer {
    const { position: p, orientation: o } = m.pose;
    const value = Float64Array.of(p.x, p.y, p.z, o.x, o.y, o.z, o.w);
    if (!value.every(Number.isFinite)) {
      const rejected = { topic: 'current_pose' as const, reason: 'non_finite', count: ++this.poseRejected };
      return { accepted: false, notice: { line: 'current_pose is not finite: ignored', key: 'pose-nan', periodSec: 5, rejected } };
    }
    this.pose = { value, at };
    this.poseCount++;
    const frame = m.header.frame_id;
    if (frame === '' || frame === this.baseFrame) return { accepted: true };
    const line = `current_pose is in frame '${frame}', expected robot.base_frame '${this.baseFrame}'`;
    return { accepted: true, notice: { line, key: 'pose-frame', periodSec: 10 } };
  }

  get values(): RobotState {
    return { pose: this.pose?.value, joints: this.joints?.value };
  }

  get counts(): StateCounts {
    return { pose: this.poseCount, joints: this.jointCount };
  }

  /** True once every needed message has arrived again after `counts` were taken. */
  receivedSince(counts: StateCounts): boolean {
    return (!this.need.pose || this.poseCount > counts.pose) && (!this.need.joints || this.jointCount > counts.joints);
  }

  /** Why the state cannot be used at `now` (missing or too old), or undefined when it can. */
  problem(now: number): string | undefined {
    const check = (what: string, topic: string, s: Stamped | undefined): string | undefined => {
      if (s === undefined) return `no ${what} received on ${topic}`;
      const age = now - s.at;
      return age > this.stateTimeout ? `${what} is ${age.toFixed(2)} s old (state_timeout ${this.stateTimeout} s)` : undefined;
    };
    return (
      (this.need.pose ? check('current_pose', this.topics.pose, this.pose) : undefined) ??
      (this.need.joints ? check('joint_states', this.topics.joints, this.joints) : undefined)
    );
  }
}
