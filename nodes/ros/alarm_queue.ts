// A min-heap of callbacks keyed by (time, insertion order). Every time base in the port
// (wall clock, virtual time, simulated /clock time) orders its pending work with it, so
// that ties at the same instant always run in the order they were scheduled.

export interface Alarm {
  cancel(): void;
}

export class AlarmEntry implements Alarm {
  cancelled = false;
  constructor(
    public time: number,
    readonly seq: number,
    readonly fn: () => void,
    private readonly onCancel: (entry: AlarmEntry) => void,
  ) {}

  cancel(): void {
    if (!this.cancelled) {
      this.cancelled = true;
      this.onCancel(this);
    }
  }
}

export class AlarmQueue {
  private heap: AlarmEntry[] = [];
  private seq = 0;
  private live = 0;

  /** Number of pending, non-cancelled alarms. */
  get size(): number {
    return this.live;
  }

  push(time: number, fn: () => void): AlarmEntry {
    const entry = new AlarmEntry(time, this.seq++, fn, () => {
      this.live--;
    });
    this.heap.push(entry);
    this.live++;
    this.siftUp(this.heap.length - 1);
    return entry;
  }

  /** Earliest pending alarm, skipping cancelled ones. */
  peek(): AlarmEntry | undefined {
    this.dropCancelledTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest alarm if it is due at `now`. */
  popDue(now: number): AlarmEntry | undefined {
    const top = this.peek();
    if (top === undefined || top.time > now) return undefined;
    this.popTop();
    this.live--;
    top.cancelled = true; // it has run; a later cancel() must not decrement again
    return top;
  }

  /** Shifts every pending alarm by `delta` seconds (used when simulated time jumps). */
  shiftAll(delta: number): void {
    for (const e of this.heap) e.time += delta;
  }

  clear(): void {
    for (const e of this.heap) e.cancelled = true;
    this.heap = [];
    this.live = 0;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.popTop();
  }

  private popTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  private less(a: AlarmEntry, b: AlarmEntry): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
