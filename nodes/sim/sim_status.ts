// What the sim's ~/status and /diagnostics say, once per status period: running, degraded when
// it falls behind its real-time factor, or starting while inactive; the episode; simulated time
// and the real-time factor achieved since the last report.

import type { NodeHealth } from '../runtime/node_status.js';
import type { Simulator } from './simulator.js';

/** The real-time factor achieved between two readings of (wall, simulated) time. */
export class RealTimeFactorMeter {
  private last: { wall: number; sim: number };

  constructor(wall: number, sim: number) {
    this.last = { wall, sim };
  }

  /** Simulated seconds per wall second since the last reading. */
  read(wall: number, sim: number): number {
    const rtf = (sim - this.last.sim) / Math.max(1e-9, wall - this.last.wall);
    this.last = { wall, sim };
    return rtf;
  }
}

export interface SimHealth {
  state: NodeHealth;
  message: string;
  values: Array<[key: string, value: string | number]>;
}

export interface SimHealthInput {
  simulator: Pick<Simulator, 'episode' | 'instruction' | 'taskStatus' | 'controllerName' | 'failure'>;
  pacer: { readonly lagEvents: number; readonly realTimeFactor: number };
  running: boolean;
  episodeId: string;
  simTime: number;
  /** Real-time factor achieved since the last report. */
  rtf: number;
}

/** Degraded when the sim had to slow down and achieves under this share of its real-time factor. */
const LAGGING_SHARE = 0.9;

export function simHealth(h: SimHealthInput): SimHealth {
  const { simulator, pacer } = h;
  const ts = simulator.taskStatus;
  const lagging = pacer.lagEvents > 0 && h.rtf < LAGGING_SHARE * pacer.realTimeFactor;
  return {
    state: h.running ? (lagging ? 'degraded' : 'running') : 'starting',
    message: simulator.episode === undefined ? 'no episode' : `${h.episodeId} "${simulator.instruction}": ${ts?.detail ?? ''}`,
    values: [
      ['sim_time', h.simTime.toFixed(3)],
      ['real_time_factor', h.rtf.toFixed(2)],
      ['lag_events', pacer.lagEvents],
      ['controller', simulator.controllerName],
      ['success', String(ts?.success ?? false)],
      ['failure', simulator.failure?.kind ?? 'none'],
    ],
  };
}
