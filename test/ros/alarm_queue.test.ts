// AlarmQueue: the min-heap every time base orders its pending work with. Ties at one instant
// must run in insertion order, cancelled alarms must never run, and `size` must count only
// live alarms whatever the mix of cancel / popDue / clear.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { AlarmQueue, type AlarmEntry } from '../../nodes/ros/alarm_queue.js';

/** Pops everything due at `now`, running each callback; returns the labels in run order. */
function drain(q: AlarmQueue, now: number, ran: string[]): string[] {
  const start = ran.length;
  for (let e = q.popDue(now); e; e = q.popDue(now)) e.fn();
  return ran.slice(start);
}

function labelled(q: AlarmQueue, ran: string[], time: number, label: string): AlarmEntry {
  return q.push(time, () => ran.push(label));
}

describe('AlarmQueue', () => {
  it('orders by time, then by insertion for equal times', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    labelled(q, ran, 3, 'a');
    labelled(q, ran, 1, 'b');
    labelled(q, ran, 2, 'c');
    labelled(q, ran, 1, 'd');
    labelled(q, ran, 2, 'e');
    labelled(q, ran, 1, 'f');
    labelled(q, ran, 0.5, 'g');
    assert.equal(q.size, 7);
    assert.deepEqual(drain(q, Infinity, ran), ['g', 'b', 'd', 'f', 'c', 'e', 'a']);
    assert.equal(q.size, 0);
    assert.equal(q.peek(), undefined);
  });

  it('keeps insertion order among many alarms at one instant', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    const labels = Array.from({ length: 100 }, (_, i) => `x${i}`);
    for (const l of labels) labelled(q, ran, 42, l);
    assert.deepEqual(drain(q, 42, ran), labels);
  });

  it('popDue returns only alarms with time <= now, earliest first', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    labelled(q, ran, 10, 'ten');
    labelled(q, ran, 20, 'twenty');
    labelled(q, ran, 30, 'thirty');
    assert.equal(q.popDue(9.999), undefined);
    assert.equal(q.size, 3);
    assert.deepEqual(drain(q, 20, ran), ['ten', 'twenty']);
    assert.equal(q.size, 1);
    assert.equal(q.peek()?.time, 30);
    assert.equal(q.popDue(29), undefined);
    assert.deepEqual(drain(q, 30, ran), ['thirty']);
    assert.equal(q.size, 0);
  });

  it('peek shows the earliest alarm without removing it', () => {
    const q = new AlarmQueue();
    const a = q.push(5, () => {});
    q.push(7, () => {});
    assert.equal(q.peek(), a);
    assert.equal(q.peek(), a);
    assert.equal(q.size, 2);
  });

  it('never runs an alarm cancelled before it is due, and counts it out once', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    const a = labelled(q, ran, 1, 'a');
    const b = labelled(q, ran, 2, 'b');
    labelled(q, ran, 3, 'c');
    b.cancel();
    assert.equal(q.size, 2);
    b.cancel(); // idempotent
    assert.equal(q.size, 2);
    a.cancel(); // the top of the heap
    assert.equal(q.size, 1);
    assert.equal(q.peek()?.time, 3, 'peek skips cancelled alarms');
    assert.deepEqual(drain(q, Infinity, ran), ['c']);
    assert.deepEqual(ran, ['c']);
    assert.equal(q.size, 0);
  });

  it('ignores cancel() of an alarm that already ran', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    const a = labelled(q, ran, 1, 'a');
    labelled(q, ran, 2, 'b');
    const popped = q.popDue(1);
    assert.equal(popped, a);
    assert.equal(q.size, 1);
    a.cancel();
    assert.equal(q.size, 1, 'a cancel after running must not decrement again');
    assert.deepEqual(drain(q, 2, ran), ['b']);
    assert.equal(q.size, 0);
  });

  it('clear() drops everything, and later cancels of cleared alarms do not go negative', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    const a = labelled(q, ran, 1, 'a');
    const b = labelled(q, ran, 2, 'b');
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.popDue(Infinity), undefined);
    a.cancel();
    b.cancel();
    assert.equal(q.size, 0);
    labelled(q, ran, 0, 'fresh');
    assert.equal(q.size, 1);
    assert.deepEqual(drain(q, 0, ran), ['fresh']);
  });

  it('shiftAll moves every pending alarm by delta and keeps their order', () => {
    const q = new AlarmQueue();
    const ran: string[] = [];
    labelled(q, ran, 10, 'a');
    labelled(q, ran, 20, 'b');
    labelled(q, ran, 10, 'c');
    labelled(q, ran, 15, 'gone').cancel();
    q.shiftAll(-5);
    assert.equal(q.peek()?.time, 5);
    assert.equal(q.popDue(4.999), undefined);
    assert.deepEqual(drain(q, 5, ran), ['a', 'c']);
    q.shiftAll(100);
    assert.equal(q.popDue(114.999), undefined);
    assert.deepEqual(drain(q, 115, ran), ['b']);
    assert.equal(q.size, 0);
  });

  it('matches a sorted reference for random push / cancel / popDue sequences', () => {
    type Op =
      | { kind: 'push'; time: number }
      | { kind: 'cancel'; pick: number }
      | { kind: 'pop'; advance: number }
      | { kind: 'shift'; delta: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 30 }).map((time): Op => ({ kind: 'push', time })) },
      { weight: 2, arbitrary: fc.nat(1000).map((pick): Op => ({ kind: 'cancel', pick })) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 6 }).map((advance): Op => ({ kind: 'pop', advance })) },
      { weight: 1, arbitrary: fc.integer({ min: -8, max: 8 }).map((delta): Op => ({ kind: 'shift', delta })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new AlarmQueue();
        interface Ref {
          time: number;
          seq: number;
          entry: AlarmEntry;
          live: boolean;
        }
        const ref: Ref[] = [];
        let seq = 0;
        let now = 0;
        const ran: number[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            const id = seq++;
            const entry = q.push(now + o.time, () => ran.push(id));
            ref.push({ time: now + o.time, seq: id, entry, live: true });
          } else if (o.kind === 'cancel') {
            if (ref.length === 0) continue;
            const r = ref[o.pick % ref.length];
            r.entry.cancel(); // may be one that already ran or was cancelled: must be a no-op then
            r.live = false;
          } else if (o.kind === 'shift') {
            q.shiftAll(o.delta);
            for (const r of ref) r.time += o.delta;
          } else {
            now += o.advance;
            const expected = ref
              .filter((r) => r.live && r.time <= now)
              .sort((x, y) => x.time - y.time || x.seq - y.seq)
              .map((r) => r.seq);
            ran.length = 0;
            for (let e = q.popDue(now); e; e = q.popDue(now)) e.fn();
            assert.deepEqual(ran, expected);
            for (const r of ref) if (r.live && r.time <= now) r.live = false;
          }
          assert.equal(q.size, ref.filter((r) => r.live).length, 'size counts live alarms');
          const earliest = ref.filter((r) => r.live).sort((x, y) => x.time - y.time || x.seq - y.seq)[0];
          assert.equal(q.peek(), earliest?.entry);
        }
      }),
      { numRuns: 300, seed: 20240611 },
    );
  });
});
