// ApproximateSync at its edges: a frame exactly at the last observation, a prune exactly at a
// frame's stamp, the camera index range, construction limits, and what reset reports.
import { strict as assert } from 'node:assert';
import { ApproximateSync, type SyncDrop } from '../../nodes/camera_ingestion/frame_sync.js';

const SKEW = 0.02;
const text = (drops: SyncDrop[]) => drops.map((d) => `${d.camera}:${d.reason}@${d.stamp}`);

describe('camera_ingestion approximate-time sync: boundaries', () => {
  it('a frame stamped exactly at the last observation is out of order (not late); just below it is late', () => {
    const s = new ApproximateSync<string>(2, 2);
    s.offer(0, 1.0, 'a', SKEW);
    assert.ok(s.offer(1, 1.01, 'b', SKEW).set);
    assert.equal(s.lastObservationStamp, 1.0);
    assert.deepEqual(text(s.offer(1, 1.0, 'x', SKEW).drops), ['1:out_of_order@1']);
    assert.equal(s.precheck(1, 1.0), 'out_of_order');
    assert.equal(s.precheck(1, 0.999), 'late');
    assert.equal(s.precheck(0, 1.001), undefined, "newer than camera 0's newest and than the observation");
    assert.equal(s.precheck(1, 1.01), 'out_of_order', "equal to camera 1's newest");
    assert.equal(s.pending(0) + s.pending(1), 0, 'refused frames are not queued');
  });

  it('prune keeps a frame stamped exactly at the cut-off and drops older ones, every camera', () => {
    const s = new ApproximateSync<string>(3, 3);
    s.offer(0, 1.0, 'a1', SKEW);
    s.offer(0, 1.1, 'a2', SKEW);
    s.offer(2, 0.9, 'c1', SKEW);
    s.offer(2, 1.2, 'c2', SKEW);
    assert.deepEqual(text(s.prune(1.1)), ['0:stale@1', '2:stale@0.9']);
    assert.deepEqual([s.pending(0), s.pending(1), s.pending(2)], [1, 0, 1]);
    assert.deepEqual(s.prune(1.1), []);
  });

  it('reset reports every waiting frame of every camera as stale, with its camera and stamp', () => {
    const s = new ApproximateSync<string>(2, 2);
    s.offer(0, 1.0, 'a1', SKEW);
    s.offer(0, 1.1, 'a2', SKEW);
    s.offer(1, 2.0, 'b', SKEW);
    assert.deepEqual(text(s.reset()), ['0:stale@1', '0:stale@1.1', '1:stale@2']);
    assert.equal(s.lastObservationStamp, -Infinity);
    assert.deepEqual(s.reset(), []);
  });

  it('refuses camera indices outside [0, cameras) and non-integer construction with the value in the message', () => {
    const s = new ApproximateSync<string>(2);
    assert.throws(() => s.offer(-1, 1, '', SKEW), /^RangeError: camera index -1 out of range \[0, 2\)$/);
    assert.throws(() => s.offer(2, 1, '', SKEW), /camera index 2 out of range \[0, 2\)/);
    assert.ok(s.offer(1, 1, '', SKEW).drops.length === 0);
    assert.throws(() => new ApproximateSync(1.5), /^RangeError: ApproximateSync needs at least one camera, got 1.5$/);
    assert.throws(() => new ApproximateSync(1, 1.5), /^RangeError: ApproximateSync history must be an integer >= 1, got 1.5$/);
    assert.equal(new ApproximateSync(1, 1).history, 1);
    assert.equal(new ApproximateSync(1).cameras, 1);
  });

  it('a window edge exactly max_skew after the oldest frame is inside; the set takes each camera’s newest frame in the window', () => {
    const s = new ApproximateSync<string>(2, 4);
    s.offer(0, 10.0, 'a1', 0.5);
    s.offer(0, 10.25, 'a2', 0.5);
    s.offer(0, 10.5, 'a3', 0.5);
    // b at 10.0: the windows [10.0, 10.5] — a3 is camera 0's newest frame in it.
    const r = s.offer(1, 10.0, 'b', 0.5);
    assert.deepEqual(
      r.set?.frames.map((f) => f.payload),
      ['a3', 'b'],
    );
    assert.equal(r.set?.stamp, 10.0);
    assert.deepEqual(text(r.drops), ['0:superseded@10', '0:superseded@10.25']);
    assert.equal(s.pending(0), 0);
  });

  it('an older waiting frame of the new frame’s camera does not form a set on its own', () => {
    const s = new ApproximateSync<string>(2, 3);
    s.offer(1, 5.0, 'b1', SKEW);
    s.offer(0, 5.5, 'a', SKEW);
    // b2 at 5.51 pairs with a (5.5); b1 (5.0) is older and superseded.
    const r = s.offer(1, 5.51, 'b2', SKEW);
    assert.deepEqual(
      r.set?.frames.map((f) => f.payload),
      ['a', 'b2'],
    );
    assert.deepEqual(text(r.drops), ['1:superseded@5']);
  });

  it('a new frame that is not the newest in its window forms no set with a frame beyond the window', () => {
    const s = new ApproximateSync<string>(2, 3);
    s.offer(0, 1.0, 'a', SKEW);
    assert.equal(s.offer(1, 1.05, 'b', SKEW).set, undefined, '50 ms apart');
    assert.equal(s.offer(1, 0.97, 'old', SKEW).drops[0]?.reason, 'out_of_order');
    assert.deepEqual([s.pending(0), s.pending(1)], [1, 1]);
  });

  it('of two feasible sets it takes the one with the newer oldest frame, even when an older frame is queued first', () => {
    const s = new ApproximateSync<string>(2, 3);
    s.offer(0, 1.0, 'a1', SKEW);
    s.offer(0, 1.03, 'a2', SKEW);
    // b (1.019) pairs with a1 (skew 0.019) or a2 (skew 0.011): the freshest set is {a2, b}, stamped 1.019.
    const r = s.offer(1, 1.019, 'b', SKEW);
    assert.deepEqual(
      r.set?.frames.map((f) => f.payload),
      ['a2', 'b'],
    );
    assert.equal(r.set?.stamp, 1.019);
    assert.deepEqual(text(r.drops), ['0:superseded@1']);
  });

  it('the skew window includes its 1 µs float tolerance exactly', () => {
    const edge = 0.5 + 1e-6; // max_skew + the tolerance, computed as the window is
    const s = new ApproximateSync<string>(2, 2);
    s.offer(0, edge, 'a', 0.5);
    assert.equal(s.offer(1, 0, 'b', 0.5).set?.stamp, 0);
    const u = new ApproximateSync<string>(2, 2);
    u.offer(0, edge + 1e-9, 'a', 0.5);
    assert.equal(u.offer(1, 0, 'b', 0.5).set, undefined);
  });
});
