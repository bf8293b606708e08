// Activation waits for robot state on node time: polls a condition through the port's timers.

import type { RosNode } from '../ros/node.js';

/** Resolves true as soon as `ready()` holds (checked every 50 ms of node time), false after `timeoutSec`. */
export function waitUntil(node: RosNode, ready: () => boolean, timeoutSec: number): Promise<boolean> {
  if (ready()) return Promise.resolve(true);
  if (timeoutSec <= 0) return Promise.resolve(false);
  // On simulated time the wait starts at the first /clock (Clock.isValid).
  const clockValid = () => node.clock.isValid;
  let start = clockValid() ? node.clock.now() : undefined;
  return new Promise<boolean>((resolve) => {
    const timer = node.createTimer(0.05, () => {
      if (start === undefined && clockValid()) start = node.clock.now();
      if (ready()) {
        timer.cancel();
        resolve(true);
      } else if (start !== undefined && node.clock.now() - start >= timeoutSec) {
        timer.cancel();
        resolve(false);
      }
    });
  });
}
