// The simulated gripper's controller: the command of crisp.gripper_command_topic (std_msgs/Float64,
// 0 closed .. 1 open, as the controller bridge sends it) → an opening reference that moves at the
// gripper's speed → a force-limited PD per finger. A blocked finger (an object in the way)
// squeezes with at most `maxForce`, which is what holds a grasped object.

export interface GripperOptions {
  /** Fully open [m] (robot.gripper.max_width). */
  maxWidth: number;
  /** Largest force per finger [N]. */
  maxForce: number;
  /** Opening speed [m/s] (Franka Hand: ~0.1). */
  speed?: number;
  /** PD gains per finger [N/m], [N·s/m]. */
  kp?: number;
  kd?: number;
}

export class GripperController {
  private command = 1;
  /** The opening reference, moving toward command·maxWidth at `speed` [m]. */
  reference: number;
  readonly maxWidth: number;
  private readonly maxForce: number;
  private readonly speed: number;
  private readonly kp: number;
  private readonly kd: number;

  constructor(options: GripperOptions) {
    this.maxWidth = options.maxWidth;
    this.maxForce = options.maxForce;
    this.speed = options.speed ?? 0.1;
    this.kp = options.kp ?? 1500;
    this.kd = options.kd ?? 5;
    this.reference = this.maxWidth;
  }

  /** 0 closed .. 1 open; non-finite commands are ignored (returns false). */
  setCommand(value: number): boolean {
    if (!Number.isFinite(value)) return false;
    this.command = Math.min(1, Math.max(0, value));
    return true;
  }

  get commanded(): number {
    return this.command;
  }

  /** Jumps to an opening (episode reset). */
  reset(command: number): void {
    this.setCommand(command);
    this.reference = this.command * this.maxWidth;
  }

  /** One tick: finger travels and velocities → finger forces (positive opens) [N]. */
  update(dt: number, position: ArrayLike<number>, velocity: ArrayLike<number>, force: Float64Array): Float64Array {
    const goal = this.command * this.maxWidth;
    const step = this.speed * dt;
    this.reference += Math.min(step, Math.max(-step, goal - this.reference));
    for (let i = 0; i < 2; i++) {
      const f = this.kp * (this.reference / 2 - position[i]) - this.kd * velocity[i];
      force[i] = Math.min(this.maxForce, Math.max(-this.maxForce, f));
    }
    return force;
  }
}
