// camera_ingestion's health report (nodes/camera_ingestion/ingestion_health.ts): the counts it
// shows and, while active, why no observation came.

import { strict as assert } from 'node:assert';
import { resolveCameras } from '../../nodes/camera_ingestion/camera_config.js';
import { plainAllocator } from '../../nodes/camera_ingestion/image_preprocessor.js';
import { ingestionHealth } from '../../nodes/camera_ingestion/ingestion_health.js';
import { DROP_REASONS, IngestionPipeline, type Stamp } from '../../nodes/camera_ingestion/ingestion_pipeline.js';
import { camera, makeImage } from './helpers.js';

const stampOf = (t: number): Stamp => ({ sec: Math.floor(t), nanosec: Math.round((t - Math.floor(t)) * 1e9) });
const frame = (t: number) => ({
  ...makeImage('mono8', [
    [[9], [9], [9], [9]],
    [[9], [9], [9], [9]],
  ]),
  stamp: stampOf(t),
});

describe('camera_ingestion: ingestionHealth', () => {
  let now = 100;
  const pipeline = new IngestionPipeline({
    cameras: resolveCameras([camera('a'), camera('b')], { names: [], topics: [], transports: [], expectedWidths: [], expectedHeights: [] }),
    syncHistory: 1,
    now: () => now,
    maxSkew: () => 0.02,
    maxFrameAge: () => 0.2,
    allocate: plainAllocator,
    decode: () => Promise.reject(new Error('no compressed frames here')),
    onObservation: () => undefined,
    onDrop: () => undefined,
    onError: () => undefined,
  });

  it('shows drops per reason, frames and drops per camera, observations and preprocessing times, in that order', () => {
    pipeline.raw(0, frame(now));
    pipeline.raw(0, { ...frame(now), stamp: { sec: 0, nanosec: 0 } });
    const { values, stall } = ingestionHealth(pipeline, { now, lastObservationAt: now, active: true, maxSkew: 0.02 });
    assert.deepEqual(
      values.map(([k]) => k),
      [
        ...DROP_REASONS.map((r) => `drops_${r}`),
        'camera_a_frames',
        'camera_a_drops',
        'camera_b_frames',
        'camera_b_drops',
        'observations',
        'preprocess_ms_p50',
        'preprocess_ms_p99',
      ],
    );
    const v = Object.fromEntries(values);
    assert.equal(v.drops_zero_stamp, 1);
    assert.equal(v.camera_a_frames, 2);
    assert.equal(v.camera_a_drops, 1);
    assert.equal(v.camera_b_frames, 0);
    assert.equal(v.observations, 0);
    assert.match(String(v.preprocess_ms_p50), /^\d+\.\d{3}$/);
    assert.equal(stall, undefined, 'an observation just now: no stall');
  });

  it('after STALL_AFTER without an observation while active, names the silent camera; inactive, says nothing', () => {
    const lastObservationAt = now;
    now += 1.5;
    pipeline.raw(0, frame(now));
    const health = (active: boolean) => ingestionHealth(pipeline, { now, lastObservationAt, active, maxSkew: 0.02 });
    assert.deepEqual(health(true).stall, { state: 'starting', message: 'no observation for 1.5 s: no frames from b' });
    assert.equal(health(false).stall, undefined);
    pipeline.raw(1, frame(now - 0.1));
    assert.deepEqual(health(true).stall, {
      state: 'starting',
      message: 'no observation for 1.5 s: frames arrive but none were usable or in sync (see drops_*; max_skew 0.02 s)',
    });
  });
});
