// WaypointInterpolator: the target between two waypoints, so a chunk at 10–30 Hz becomes a
// smooth stream at the publish rate (50 Hz–1 kHz): linear in position and in joint space,
// slerp for orientation (constant angular velocity, shortest arc).

import { slerp } from '../robots/rotation.js';
import type { CommandInterface } from './action_decoder.js';

export class WaypointInterpolator {
  private readonly qa = [0, 0, 0, 0];
  private readonly qb = [0, 0, 0, 0];
  private readonly qo = [0, 0, 0, 0];

  constructor(readonly kind: CommandInterface) {}

  /** out = a + α·(b − a) (pose: lerp xyz, slerp quaternion); α is clamped to [0, 1]. */
  interpolate(a: Float64Array, b: Float64Array, alpha: number, out: Float64Array): Float64Array {
    const t = alpha <= 0 ? 0 : alpha >= 1 ? 1 : alpha;
    if (this.kind === 'joint') {
      for (let i = 0; i < out.length; i++) out[i] = a[i] + t * (b[i] - a[i]);
      return out;
    }
    for (let i = 0; i < 3; i++) out[i] = a[i] + t * (b[i] - a[i]);
    for (let i = 0; i < 4; i++) {
      this.qa[i] = a[3 + i];
      this.qb[i] = b[3 + i];
    }
    slerp(this.qa, this.qb, t, this.qo);
    for (let i = 0; i < 4; i++) out[3 + i] = this.qo[i];
    return out;
  }
}
