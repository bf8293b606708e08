// Gripper actions → the gripper command (std_msgs/Float64, 0 closed .. 1 open), with
// crisp_gym's semantics (envs/manipulator_env.py `_set_gripper_action`, crisp_py Gripper):
//   absolute_continuous  target = clip(a, 0, 1)
//   absolute_binary      a < threshold → close (0), a >= threshold → open (1)   (threshold 0.1)
//   relative_continuous  target = clip(previous + a, 0, 1)
//   relative_binary      a < 0 → close, a > 0 → open, a = 0 → keep
// and crisp_py's per-command step limit (max_delta 0.1): command = previous + clip(target −
// previous, ±max_step). crisp_py steps from the *measured* opening; no gripper state topic is
// configured here, so "previous" is the previous command (and the previous target for the
// relative modes). The first command after (re)activation is the target itself: the actual
// opening is unknown then, and the policy chose its target from an observation of it.

import type { GripperMode } from '../policy/manifest.js';

export function gripperTarget(mode: GripperMode, action: number, previous: number | undefined, threshold: number): number | undefined {
  switch (mode) {
    case 'none':
      return undefined;
    case 'absolute_continuous':
      return clamp01(action);
    case 'absolute_binary':
      return action < threshold ? 0 : 1;
    case 'relative_continuous':
      return clamp01((previous ?? 0) + action);
    case 'relative_binary':
      return action < 0 ? 0 : action > 0 ? 1 : previous;
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

export class GripperCommander {
  private targetValue: number | undefined;
  private commandValue: number | undefined;

  constructor(private readonly maxStep: number) {}

  get target(): number | undefined {
    return this.targetValue;
  }

  /** The last command produced. */
  get command(): number | undefined {
    return this.commandValue;
  }

  setTarget(target: number | undefined): void {
    // Non-finite targets cannot come out of gripperTarget; keep the guard local anyway.
    if (target !== undefined && Number.isFinite(target)) this.targetValue = clamp01(target);
  }

  /** Freezes at the last command (hold). */
  hold(): void {
    this.targetValue = this.commandValue;
  }

  reset(): void {
    this.targetValue = undefined;
    this.commandValue = undefined;
  }

  /** The next command, one limited step toward the target; undefined before any target. */
  next(): number | undefined {
    const target = this.targetValue;
    if (target === undefined) return this.commandValue;
    const previous = this.commandValue;
    this.commandValue = previous === undefined ? target : previous + Math.min(this.maxStep, Math.max(-this.maxStep, target - previous));
    return this.commandValue;
  }
}
