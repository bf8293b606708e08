import { strict as assert } from 'node:assert';
import { ApproximateSync, type OfferResult } from '../../nodes/camera_ingestion/frame_sync.js';

const SKEW = 0.02;
const setOf = (r: OfferResult<string>) =>
  r.set === undefined ? undefined : { stamp: r.set.stamp, payloads: r.set.frames.map((f) => f.payload) };
const reasons = (r: OfferResult<string>) => r.drops.map((d) => `${d.camera}:${d.reason}@${d.stamp}`);

describe('camera_ingestion approximate-time sync', () => {
  it('one camera: every frame is an observation of its own', () => {
    const s = new ApproximateSync<string>(1);
    assert.deepEqual(setOf(s.offer(0, 1.0, 'a', SKEW)), { stamp: 1.0, payloads: ['a'] });
    assert.deepEqual(setOf(s.offer(0, 1.033, 'b', SKEW)), { stamp: 1.033, payloads: ['b'] });
  });

  it('emits when every camera has a frame within max_skew; the stamp is the oldest frame', () => {
    const s = new ApproximateSync<string>(3);
    assert.equal(s.offer(0, 10.015, 'a', SKEW).set, undefined);
    assert.equal(s.offer(2, 10.0, 'c', SKEW).set, undefined);
    const r = s.offer(1, 10.01, 'b', SKEW);
    assert.deepEqual(setOf(r), { stamp: 10.0, payloads: ['a', 'b', 'c'] }, 'frames in camera order, stamp = min');
    assert.deepEqual(r.drops, []);
    assert.equal(s.lastObservationStamp, 10.0);
  });

  it('a spread of exactly max_skew passes (within float rounding of epoch stamps); more does not', () => {
    const s = new ApproximateSync<string>(2);
    const t0 = 1_700_000_000.1;
    s.offer(0, t0, 'a', SKEW);
    assert.ok(s.offer(1, t0 + 0.02, 'b', SKEW).set !== undefined);
    const u = new ApproximateSync<string>(2);
    u.offer(0, t0, 'a', SKEW);
    assert.equal(u.offer(1, t0 + 0.0201, 'b', SKEW).set, undefined);
  });

  it('uses each frame at most once: the next set needs a new frame from every camera', () => {
    const s = new ApproximateSync<string>(2);
    s.offer(0, 1.0, 'a1', SKEW);
    assert.ok(s.offer(1, 1.005, 'b1', SKEW).set);
    assert.equal(s.offer(1, 1.038, 'b2', SKEW).set, undefined, 'a1 was used already');
    assert.deepEqual(setOf(s.offer(0, 1.033, 'a2', SKEW)), { stamp: 1.033, payloads: ['a2', 'b2'] });
  });

  it('latest only (history 1): a newer frame replaces an unmatched one, counted superseded', () => {
    const s = new ApproximateSync<string>(2, 1);
    s.offer(0, 1.0, 'a1', SKEW);
    const r = s.offer(0, 1.033, 'a2', SKEW);
    assert.deepEqual(reasons(r), ['0:superseded@1']);
    assert.deepEqual(setOf(s.offer(1, 1.04, 'b', SKEW)), { stamp: 1.033, payloads: ['a2', 'b'] });
  });

  it("frames older than the last observation are late; not newer than the camera's last are out of order", () => {
    const s = new ApproximateSync<string>(2);
    s.offer(0, 2.0, 'a', SKEW);
    s.offer(1, 2.01, 'b', SKEW);
    assert.deepEqual(reasons(s.offer(1, 1.99, 'late', SKEW)), ['1:late@1.99']);
    assert.deepEqual(reasons(s.offer(0, 2.0, 'dup', SKEW)), ['0:out_of_order@2'], 'a duplicate stamp');
    assert.deepEqual(reasons(s.offer(1, 2.005, 'reordered', SKEW)), ['1:out_of_order@2.005']);
    assert.equal(s.precheck(0, 2.05), undefined);
    assert.equal(s.precheck(0, 1.5), 'late');
  });

  it('observation stamps strictly increase', () => {
    const s = new ApproximateSync<string>(2, 3);
    const stamps: number[] = [];
    // Camera 1 runs 7 ms behind camera 0, both at 30 Hz, with some jitter.
    for (let k = 0; k < 60; k++) {
      const t = 5 + k / 30;
      for (const [cam, stamp] of [
        [0, t + (k % 3) * 0.002],
        [1, t + 0.007 - (k % 2) * 0.003],
      ] as const) {
        const r = s.offer(cam, stamp, `${cam}@${k}`, SKEW);
        if (r.set) stamps.push(r.set.stamp);
      }
    }
    assert.equal(stamps.length, 60, 'every pair matched');
    stamps.forEach((t, i) => i > 0 && assert.ok(t > stamps[i - 1]));
  });

  it('with history, cameras whose frames arrive a frame period apart still pair up (latest-only starves)', () => {
    // Camera 1's frames (same stamps as camera 0's) reach the node 40 ms later: when b(k) arrives,
    // a(k+1) is already the latest of camera 0.
    const run = (history: number) => {
      const s = new ApproximateSync<string>(2, history);
      const sets: number[] = [];
      const events: Array<[number, number, number]> = []; // arrival, camera, stamp
      for (let k = 0; k < 30; k++) {
        events.push([k / 30, 0, k / 30], [k / 30 + 0.04, 1, k / 30 + 0.001]);
      }
      events.sort((x, y) => x[0] - y[0]);
      for (const [, cam, stamp] of events) {
        const r = s.offer(cam, stamp, '', SKEW);
        if (r.set) sets.push(r.set.stamp);
      }
      return sets;
    };
    assert.equal(run(1).length, 1, 'latest only: in sync only at the very end, when no newer frame of camera 0 came');
    const sets = run(3);
    assert.equal(sets.length, 30);
    assert.ok(Math.abs(sets[5] - 5 / 30) < 1e-12, 'pairs a(k) with b(k)');
  });

  it('takes the freshest feasible set, dropping older waiting frames as superseded', () => {
    const s = new ApproximateSync<string>(2, 4);
    s.offer(0, 1.0, 'a1', SKEW);
    s.offer(0, 1.033, 'a2', SKEW);
    s.offer(0, 1.066, 'a3', SKEW);
    const r = s.offer(1, 1.04, 'b', SKEW);
    assert.deepEqual(setOf(r), { stamp: 1.033, payloads: ['a2', 'b'] });
    assert.deepEqual(reasons(r), ['0:superseded@1']);
    assert.equal(s.pending(0), 1, 'a3 (newer than the set) still waits');
  });

  it('full history pushes out the oldest frame; prune drops frames too old to use', () => {
    const s = new ApproximateSync<string>(2, 2);
    s.offer(0, 1.0, 'a1', SKEW);
    s.offer(0, 1.1, 'a2', SKEW);
    assert.deepEqual(reasons(s.offer(0, 1.2, 'a3', SKEW)), ['0:superseded@1']);
    assert.deepEqual(
      s.prune(1.15).map((d) => `${d.camera}:${d.reason}@${d.stamp}`),
      ['0:stale@1.1'],
    );
    assert.equal(s.pending(0), 1);
  });

  it('reset forgets everything: older stamps (a replayed bag) are accepted again', () => {
    const s = new ApproximateSync<string>(2);
    s.offer(0, 5.0, 'a', SKEW);
    s.offer(1, 5.0, 'b', SKEW);
    s.offer(0, 5.1, 'waiting', SKEW);
    assert.deepEqual(
      s.reset().map((d) => d.reason),
      ['stale'],
    );
    s.offer(0, 1.0, 'a', SKEW);
    assert.deepEqual(setOf(s.offer(1, 1.0, 'b', SKEW)), { stamp: 1.0, payloads: ['a', 'b'] });
  });

  it('max_skew 0 pairs only identical stamps (hardware-triggered cameras)', () => {
    const s = new ApproximateSync<string>(2);
    s.offer(0, 3.0, 'a', 0);
    assert.equal(s.offer(1, 3.001, 'b', 0).set, undefined);
    assert.equal(s.offer(1, 3.0 + 1 / 30, 'b2', 0).set, undefined);
    assert.deepEqual(setOf(s.offer(0, 3.0 + 1 / 30, 'a2', 0)), { stamp: 3.0 + 1 / 30, payloads: ['a2', 'b2'] });
  });

  it('refuses nonsense construction and camera indices', () => {
    assert.throws(() => new ApproximateSync(0), /at least one camera/);
    assert.throws(() => new ApproximateSync(1, 0), /history/);
    assert.throws(() => new ApproximateSync<string>(2).offer(2, 1, '', SKEW), /out of range/);
  });
});
