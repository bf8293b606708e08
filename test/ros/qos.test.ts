// QoS: the standard profiles, resolving what node code passes (profile, name, depth), and the
// DDS request/offer rules for reliability × durability.
import { strict as assert } from 'node:assert';
import {
  QoSProfiles,
  checkQoSCompatibility,
  describeQoS,
  resolveQoS,
  type Durability,
  type QoSProfile,
  type QoSProfileName,
  type Reliability,
} from '../../nodes/ros/qos.js';

const qos = (reliability: Reliability, durability: Durability, depth = 10): QoSProfile => ({
  history: 'keep_last',
  depth,
  reliability,
  durability,
});

describe('QoS profiles', () => {
  it('have the values of rmw/qos_profiles.h and the suite’s own profiles', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(QoSProfiles).map(([name, p]) => [name, describeQoS(p)])), {
      default: 'keep_last(10), reliable, volatile',
      sensorData: 'keep_last(5), best_effort, volatile',
      services: 'keep_last(10), reliable, volatile',
      parameterEvents: 'keep_last(1000), reliable, volatile',
      clock: 'keep_last(1), best_effort, volatile',
      transientLocal: 'keep_last(1), reliable, transient_local',
      command: 'keep_last(1), reliable, volatile',
    });
  });

  it('are frozen', () => {
    assert.ok(Object.isFrozen(QoSProfiles));
    for (const p of Object.values(QoSProfiles)) assert.ok(Object.isFrozen(p));
    assert.throws(() => {
      (QoSProfiles.default as { depth: number }).depth = 1;
    }, TypeError);
    assert.equal(QoSProfiles.default.depth, 10);
  });

  it('describeQoS writes keep_all without a depth', () => {
    assert.equal(
      describeQoS({ history: 'keep_all', depth: 0, reliability: 'reliable', durability: 'transient_local' }),
      'keep_all, reliable, transient_local',
    );
  });
});

describe('resolveQoS', () => {
  it('gives the default profile for undefined', () => {
    assert.equal(resolveQoS(undefined), QoSProfiles.default);
  });

  it('resolves every profile name to that profile', () => {
    for (const name of Object.keys(QoSProfiles) as QoSProfileName[]) {
      assert.equal(resolveQoS(name), QoSProfiles[name], name);
    }
  });

  it('turns a depth into the default profile with that depth', () => {
    for (const depth of [1, 7, 10, 1000]) {
      assert.deepEqual(resolveQoS(depth), { history: 'keep_last', depth, reliability: 'reliable', durability: 'volatile' });
    }
  });

  it('refuses depths that are not positive integers', () => {
    for (const depth of [0, -1, 2.5, NaN, Infinity]) {
      assert.throws(
        () => resolveQoS(depth),
        (err: unknown) => err instanceof RangeError && err.message === `QoS depth must be a positive integer, got ${depth}`,
        `depth ${depth}`,
      );
    }
  });

  it('refuses an unknown profile name, listing the known ones', () => {
    assert.throws(
      () => resolveQoS('sensor_data' as QoSProfileName),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message ===
          "unknown QoS profile 'sensor_data': expected one of default, sensorData, services, parameterEvents, clock, transientLocal, command",
    );
  });

  it('passes a valid profile through unchanged', () => {
    const custom = qos('best_effort', 'transient_local', 3);
    assert.equal(resolveQoS(custom), custom);
    const keepAll: QoSProfile = { history: 'keep_all', depth: 0, reliability: 'reliable', durability: 'volatile' };
    assert.equal(resolveQoS(keepAll), keepAll, 'keep_all ignores depth');
  });

  it('refuses a keep_last profile without a positive integer depth', () => {
    for (const depth of [0, -3, 1.5]) {
      assert.throws(() => resolveQoS(qos('reliable', 'volatile', depth)), /QoS depth must be a positive integer for keep_last/);
    }
  });
});

describe('checkQoSCompatibility', () => {
  const reliabilities: Reliability[] = ['reliable', 'best_effort'];
  const durabilities: Durability[] = ['volatile', 'transient_local'];

  it('follows the request/offer truth table for reliability × durability', () => {
    const rows: string[] = [];
    for (const offR of reliabilities) {
      for (const offD of durabilities) {
        for (const reqR of reliabilities) {
          for (const reqD of durabilities) {
            const c = checkQoSCompatibility(qos(offR, offD), qos(reqR, reqD));
            const verdict = c.compatible ? 'ok' : c.reason!.split(':')[0];
            rows.push(`${offR}/${offD} -> ${reqR}/${reqD}: ${verdict}`);
          }
        }
      }
    }
    assert.deepEqual(rows, [
      'reliable/volatile -> reliable/volatile: ok',
      'reliable/volatile -> reliable/transient_local: DURABILITY',
      'reliable/volatile -> best_effort/volatile: ok',
      'reliable/volatile -> best_effort/transient_local: DURABILITY',
      'reliable/transient_local -> reliable/volatile: ok',
      'reliable/transient_local -> reliable/transient_local: ok',
      'reliable/transient_local -> best_effort/volatile: ok',
      'reliable/transient_local -> best_effort/transient_local: ok',
      'best_effort/volatile -> reliable/volatile: RELIABILITY',
      'best_effort/volatile -> reliable/transient_local: RELIABILITY',
      'best_effort/volatile -> best_effort/volatile: ok',
      'best_effort/volatile -> best_effort/transient_local: DURABILITY',
      'best_effort/transient_local -> reliable/volatile: RELIABILITY',
      'best_effort/transient_local -> reliable/transient_local: RELIABILITY',
      'best_effort/transient_local -> best_effort/volatile: ok',
      'best_effort/transient_local -> best_effort/transient_local: ok',
    ]);
  });

  it('words the incompatible policy as ROS 2 reports it, with no reason when compatible', () => {
    assert.deepEqual(checkQoSCompatibility(QoSProfiles.sensorData, QoSProfiles.default), {
      compatible: false,
      reason: 'RELIABILITY: subscription requests reliable, publisher offers best effort',
    });
    assert.deepEqual(checkQoSCompatibility(QoSProfiles.default, QoSProfiles.transientLocal), {
      compatible: false,
      reason: 'DURABILITY: subscription requests transient local, publisher offers volatile',
    });
    assert.deepEqual(checkQoSCompatibility(QoSProfiles.default, QoSProfiles.sensorData), { compatible: true });
  });

  it('ignores history and depth', () => {
    assert.equal(checkQoSCompatibility(qos('reliable', 'volatile', 1), qos('reliable', 'volatile', 1000)).compatible, true);
    assert.equal(checkQoSCompatibility({ ...QoSProfiles.default, history: 'keep_all' }, QoSProfiles.command).compatible, true);
  });
});
