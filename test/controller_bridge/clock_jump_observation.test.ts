// After time goes backwards, the observation-age hold still guards the chunks accepted in the new
// time: a clock jump must forget the old newest-observation time, not make it unbeatable.

import { strict as assert } from 'node:assert';
import { defaultBridgeConfig } from '../../nodes/controller_bridge/bridge_config.js';
import { ControlLoop } from '../../nodes/controller_bridge/control_loop.js';
import { chunk } from './helpers.js';

const T0 = 100;

describe('control loop: clock jump and observation age', () => {
  it('a chunk accepted after a clock jump is held once its camera image is older than max_observation_age', () => {
    const arm = {
      name: 'two_joint',
      jointNames: ['j1', 'j2'],
      positionMin: [-1, -1],
      positionMax: [1, 1],
      velocityMax: [10, 10],
      baseFrame: 'base',
      eeFrame: 'tool',
    };
    const loop = new ControlLoop(defaultBridgeConfig(arm, { commandInterface: 'joint', maxChunkAge: 1, maxObservationAge: 0.5 }));
    assert.ok(loop.activate(T0, { joints: [0, 0] }).ok);
    const rows = Array.from({ length: 30 }, () => [0, 0]);
    const offer = (stamp: number, sequence: number, observationStamp: number) =>
      loop.offerChunk(chunk(rows, { stamp, dt: 0.1, sequence, dimensionNames: ['j1', 'j2'], observationStamp }), stamp);
    assert.ok(offer(T0, 1, T0).accepted);
    loop.tick(T0 + 0.25);
    assert.equal(loop.tick(T0 - 10)!.state, 'waiting', 'time went back');
    assert.equal(loop.observationAge(T0 - 10), Infinity);
    assert.ok(offer(T0 - 10, 2, T0 - 10.25).accepted);
    assert.equal(loop.tick(T0 - 10 + 0.125)!.state, 'running');
    assert.equal(loop.tick(T0 - 10 + 0.375)!.state, 'stale');
    assert.equal(loop.staleReason, 'observation');
  });
});
