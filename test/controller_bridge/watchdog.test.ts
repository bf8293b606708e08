// The watchdog on its own: it trips only when the age is strictly past the timeout, counts from a
// reset, and never trips before the first feed.

import { strict as assert } from 'node:assert';
import { Watchdog } from '../../nodes/controller_bridge/watchdog.js';

describe('watchdog', () => {
  it('exactly at the timeout is still fresh; any later is expired', () => {
    // Binary-exact times, so `now - last` equals the timeout with no rounding.
    const w = new Watchdog(0.5);
    w.feed(10);
    assert.equal(w.expired(10.5), false);
    assert.equal(w.expired(10.5 + 2 ** -20), true);
    assert.equal(w.age(10.5), 0.5);
  });

  it('a feed restarts the count; reset(now) arms, reset() disarms', () => {
    const w = new Watchdog(0.25);
    assert.equal(w.expired(1e9), false, 'never fed: nothing to time out');
    assert.equal(w.age(3), Infinity);
    w.reset(1);
    assert.equal(w.expired(1.5), true);
    w.feed(1.5);
    assert.equal(w.expired(1.75), false);
    assert.equal(w.expired(2), true);
    w.reset();
    assert.equal(w.expired(100), false);
    assert.equal(w.age(100), Infinity);
  });

  it('refuses a timeout that is not > 0', () => {
    for (const bad of [0, -1, NaN]) assert.throws(() => new Watchdog(bad), /watchdog timeout must be > 0 s/);
    assert.equal(new Watchdog(Number.MIN_VALUE).timeout, Number.MIN_VALUE);
  });
});
