// What camera_ingestion's status says about its pipeline, once per status period: counts per drop
// reason and per camera, preprocessing times and, while active, why no observation came for a
// while (cameras that send nothing, or frames that arrive but are never usable or in sync).

import { percentile } from '../runtime/node_status.js';
import { DROP_REASONS, type IngestionPipeline } from './ingestion_pipeline.js';

/** No observation for this long while active: the status says why [s]. */
export const STALL_AFTER = 1;

export interface IngestionHealth {
  /** /diagnostics key/values, in the order they are shown. */
  values: Array<[key: string, value: string | number]>;
  /** Set when no observation came for more than STALL_AFTER while active. */
  stall?: { state: 'starting' | 'degraded'; message: string };
}

export function ingestionHealth(
  pipeline: IngestionPipeline,
  at: { now: number; lastObservationAt: number; active: boolean; maxSkew: number },
): IngestionHealth {
  const drops = pipeline.dropCounts();
  const values: IngestionHealth['values'] = DROP_REASONS.map((r) => [`drops_${r}`, drops[r]]);
  pipeline.cameras.forEach((c, i) => {
    values.push([`camera_${c.name}_frames`, pipeline.receivedCount(i)], [`camera_${c.name}_drops`, pipeline.cameraDropCount(i)]);
  });
  const ms = pipeline.recentPreprocessMs();
  values.push(
    ['observations', pipeline.observations],
    ['preprocess_ms_p50', percentile(ms, 50).toFixed(3)],
    ['preprocess_ms_p99', percentile(ms, 99).toFixed(3)],
  );
  const { now, lastObservationAt } = at;
  if (!at.active || now - lastObservationAt <= STALL_AFTER) return { values };
  const silent = pipeline.cameras.filter((_, i) => now - pipeline.lastReceiveTime(i) > STALL_AFTER).map((c) => c.name);
  const why =
    silent.length > 0
      ? `no frames from ${silent.join(', ')}`
      : `frames arrive but none were usable or in sync (see drops_*; max_skew ${at.maxSkew} s)`;
  const message = `no observation for ${(now - lastObservationAt).toFixed(1)} s: ${why}`;
  return { values, stall: { state: pipeline.observations === 0 ? 'starting' : 'degraded', message } };
}
