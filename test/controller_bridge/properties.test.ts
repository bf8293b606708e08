// Property tests: whatever arrives — random chunks and adversarial ones (NaN, Inf, huge jumps,
// out of the workspace, wrong dimension, unknown space, duplicates, out-of-order and future
// stamps, bad dt), holds, resumes and clock jumps backwards — no published target violates a
// configured limit and every published value is finite.

import fc from 'fast-check';
import type { ChunkInput } from '../../nodes/controller_bridge/action_decoder.js';
import type { BridgeConfig } from '../../nodes/controller_bridge/bridge_config.js';
import { ControlLoop } from '../../nodes/controller_bridge/control_loop.js';
import { bridgeConfig, poseArray, robotFixture, type RobotFixture } from './helpers.js';
import { buildChunk, checkJointTrack, checkStream, scenarioEvents, type Published, type ScenarioEvent } from './scenario.js';

const T0 = 1000;

/** Runs a scenario against the pure control loop; returns what it published (and the joint track). */
export function runScenario(events: readonly ScenarioEvent[], config: BridgeConfig, robot: RobotFixture) {
  const loop = new ControlLoop(config, robot.chain);
  const start =
    config.commandInterface === 'pose' ? { pose: poseArray(robot.chain.pose(robot.home)), joints: robot.home } : { joints: robot.home };
  const activated = loop.activate(T0, start);
  if (!activated.ok) throw new Error(activated.reason);
  const period = 1 / config.publishRateHz;
  const stream: Published[] = [];
  const track: Float64Array[] = [];
  let now = T0;
  let previous: ChunkInput | undefined;
  let sequence = 0;
  let accepted = 0;
  for (const e of events) {
    switch (e.kind) {
      case 'advance':
        for (let i = 0; i < e.ticks; i++) {
          now += period;
          const out = loop.tick(now)!;
          stream.push({ target: Float64Array.from(out.target), gripper: out.gripper });
          if (loop.commandedJoints !== undefined) track.push(Float64Array.from(loop.commandedJoints));
        }
        break;
      case 'chunk': {
        // Chunks arrive between ticks.
        const at = now + period * 0.37;
        const c = buildChunk(e.spec, {
          now: at,
          kind: config.commandInterface,
          centre: loop.lastTarget,
          jointNames: config.robot.jointNames,
          previous,
          sequence: ++sequence,
        });
        if (loop.offerChunk(c, at).accepted) accepted++;
        previous = c;
        break;
      }
      case 'hold':
        loop.hold(now);
        break;
      case 'resume':
        loop.resume(now);
        break;
      case 'jump':
        now -= e.back;
        loop.clockJumped(now);
        break;
    }
  }
  return { stream, track, loop, accepted };
}

/** What the runs exercised, summed: a property that never moves the arm proves nothing. */
class Coverage {
  readonly counts = new Map<string, number>();
  add(loop: ControlLoop, accepted: number): void {
    this.bump('accepted', accepted);
    for (const [k, v] of loop.drops) this.bump(`drop:${k}`, v);
    for (const [k, v] of loop.limitHits) this.bump(`limit:${k}`, v);
    this.bump('watchdog', loop.watchdogTrips);
  }
  bump(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
  expect(keys: string[]): void {
    const missing = keys.filter((k) => !(this.counts.get(k)! > 0));
    if (missing.length > 0)
      throw new Error(`the generated scenarios never exercised ${missing.join(', ')}: ${JSON.stringify(Object.fromEntries(this.counts))}`);
  }
}

// Reasons the random scenarios hit often (≥ ~15 per 100 runs), so the check cannot flake; the
// rarer ones (duplicate, stale, late) are pinned down in control_loop.test.ts.
const DROPS = ['non_finite', 'wrong_dimension', 'unknown_space', 'out_of_order', 'from_future', 'malformed', 'held'].map(
  (d) => `drop:${d}`,
);

describe('controller bridge properties', function () {
  this.timeout(60_000);

  it('FR3, pose targets with the kinematic model: targets stay in the box, under the speed limits, finite; joints within limits', () => {
    const robot = robotFixture('fr3');
    const config = bridgeConfig(robot, { workspace: { min: [0.1, -0.4, 0.2], max: [0.6, 0.4, 0.7] } });
    const coverage = new Coverage();
    fc.assert(
      fc.property(
        scenarioEvents,
        fc.constantFrom('rtc' as const, 'latest_only' as const, 'weighted_average' as const, 'temporal_ensemble' as const),
        (events, rule) => {
          const { stream, track, loop, accepted } = runScenario(events, { ...config, mergeRule: rule }, robot);
          checkStream(stream, config, 'pose');
          if (!loop.poseJointLimitsActive) throw new Error('the model should be active');
          checkJointTrack(track, config);
          coverage.add(loop, accepted);
        },
      ),
      { numRuns: 150 },
    );
    coverage.expect([...DROPS, 'accepted', 'limit:translation', 'limit:rotation', 'limit:jointVelocity', 'watchdog']);
  });

  it('Panda, pose targets far out of reach (default 3 m box): the model holds joints within their limits', () => {
    const robot = robotFixture('panda');
    const config = bridgeConfig(robot, { maxTranslationSpeed: 2, maxRotationSpeed: 6, jointVelocityScale: 1 });
    const coverage = new Coverage();
    fc.assert(
      fc.property(scenarioEvents, (events) => {
        const { stream, track, loop, accepted } = runScenario(events, config, robot);
        checkStream(stream, config, 'pose');
        checkJointTrack(track, config);
        coverage.add(loop, accepted);
      }),
      // 200 runs: with 100, a whole run without a joint-position limit hit was seen once in ~30.
      { numRuns: 200 },
    );
    coverage.expect(['accepted', 'limit:jointVelocity', 'limit:jointPosition']);
  });

  it('UR5e, joint targets: within joint limits shrunk by the margin, under v_max·scale·Δt, finite', () => {
    const robot = robotFixture('ur5e');
    const config = bridgeConfig(robot, { commandInterface: 'joint', publishRateHz: 100 });
    const coverage = new Coverage();
    fc.assert(
      fc.property(
        scenarioEvents,
        fc.constantFrom('rtc' as const, 'conservative' as const, 'temporal_ensemble' as const),
        (events, rule) => {
          const { stream, loop, accepted } = runScenario(events, { ...config, mergeRule: rule }, robot);
          checkStream(stream, config, 'joint');
          coverage.add(loop, accepted);
        },
      ),
      { numRuns: 150 },
    );
    coverage.expect([...DROPS, 'accepted', 'limit:jointVelocity', 'watchdog']);
  });

  it('UR10e, pose targets in Cartesian space only (no model): box, speed, finite', () => {
    const robot = robotFixture('ur10e');
    const config = bridgeConfig(robot, { poseJointLimits: false, workspace: { min: [-1, -1, 0], max: [1, 1, 1] } });
    fc.assert(
      fc.property(scenarioEvents, (events) => {
        const { stream } = runScenario(events, config, robot);
        checkStream(stream, config, 'pose');
      }),
      { numRuns: 100 },
    );
  });
});
