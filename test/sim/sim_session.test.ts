// The sim's per-step work without ROS: a configured session steps the physics and publishes what
// is due at each step, stamped with simulated time; the status and the stepping loop beside it.

import { strict as assert } from 'node:assert';
import { ParameterStore } from '../../nodes/ros/parameter_store.js';
import { fromRosTime } from '../../nodes/ros/time.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { toolNodeConfig } from '../../nodes/ros/node_config.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { declareSimParameters } from '../../nodes/sim/node_params.js';
import { Pacer } from '../../nodes/sim/pacing.js';
import { SimSession, type StepOutputs } from '../../nodes/sim/sim_session.js';
import { RealTimeFactorMeter, simHealth } from '../../nodes/sim/sim_status.js';
import { AFAP_BATCH, StepLoop } from '../../nodes/sim/step_loop.js';

function recorder(): { out: StepOutputs; got: Record<string, number[]>; frames: string[] } {
  const got: Record<string, number[]> = { clock: [], joints: [], pose: [], gripper: [] };
  const frames: string[] = [];
  const stamped = (key: string) => ({
    publish: (m: { header: { stamp: { sec: number; nanosec: number } } }) => got[key].push(fromRosTime(m.header.stamp)),
  });
  const camera = (name: string) => ({
    image: { publish: () => frames.push(`${name} image`) },
    info: { publish: () => frames.push(`${name} info`) },
  });
  return {
    out: {
      clock: { publish: (m) => got.clock.push(fromRosTime(m.clock)) },
      joints: stamped('joints'),
      pose: stamped('pose'),
      gripper: stamped('gripper'),
      cameras: new Map([
        ['scene', camera('scene')],
        ['wrist', camera('wrist')],
      ] as const),
    },
    got,
    frames,
  };
}

describe('sim session, status and step loop', function () {
  this.timeout(60_000);

  it('each step publishes what is due at its rate, stamped offset + physics time; the offset is fixed at the first activation', async () => {
    const { settings, dynamic } = declareSimParameters(new ParameterStore('/sim', new Map(), new Set()));
    const session = await SimSession.create({ ...settings, cameras: { ...settings.cameras, enabled: false } }, dynamic, 1);
    try {
      assert.equal(session.feed, undefined);
      const r = recorder();
      session.activate(100);
      let t = 0;
      for (let i = 0; i < 20; i++) t = session.step(r.out, () => {});
      assert.ok(Math.abs(t - 100.02) < 1e-9, `step time ${t}`);
      assert.equal(r.got.clock.length, 20, '/clock every step');
      assert.equal(r.got.joints.length, 5, 'joint_states at 250 Hz');
      assert.equal(r.got.pose.length, 5, 'current_pose at 250 Hz');
      assert.equal(r.got.gripper.length, 1, 'gripper state at 50 Hz');
      assert.ok(Math.abs(r.got.joints[0] - 100.004) < 1e-9, 'stamped with the step time');
      assert.deepEqual(r.frames, [], 'cameras off: no frames');
      session.activate(500);
      assert.ok(Math.abs(session.time(500) - 100.02) < 1e-9, 'a second activation keeps the offset');
    } finally {
      session.dispose();
    }
  });

  it('with cameras on, publishes image and camera_info of both cameras at the camera rate', async () => {
    const { settings, dynamic } = declareSimParameters(new ParameterStore('/sim', new Map(), new Set()));
    const small = { scene: { width: 16, height: 16 }, wrist: { width: 16, height: 16 } };
    const session = await SimSession.create({ ...settings, cameras: { enabled: true, sizes: small } }, dynamic, 1);
    try {
      const r = recorder();
      let frames = 0;
      session.activate(0);
      for (let i = 0; i < 34; i++) session.step(r.out, () => frames++);
      assert.deepEqual(r.frames, ['scene image', 'scene info', 'wrist image', 'wrist info'], 'one frame per camera by 34 ms at 30 Hz');
      assert.equal(frames, 2);
    } finally {
      session.dispose();
    }
  });

  it('applyControl switches the controller only when it changes', async () => {
    const { settings, dynamic } = declareSimParameters(new ParameterStore('/sim', new Map(), new Set()));
    const session = await SimSession.create({ ...settings, cameras: { ...settings.cameras, enabled: false } }, dynamic, 1);
    try {
      assert.equal(session.applyControl(dynamic), undefined);
      assert.equal(session.applyControl({ ...dynamic, controller: 'joint_impedance_controller' }), 'joint_impedance_controller');
      assert.equal(session.simulator.controllerName, 'joint_impedance_controller');
    } finally {
      session.dispose();
    }
  });

  it('status: running, degraded when lagging below 90 % of the factor, starting while inactive; the achieved factor', () => {
    const meter = new RealTimeFactorMeter(10, 0);
    assert.equal(meter.read(12, 1), 0.5);
    assert.equal(meter.read(13, 2), 1);
    const simulator = {
      episode: undefined,
      instruction: '',
      taskStatus: undefined,
      controllerName: 'cartesian_impedance_controller' as const,
      failure: undefined,
    };
    const input = { simulator, pacer: { lagEvents: 0, realTimeFactor: 1 }, running: true, episodeId: 'sim-0-0000', simTime: 1.5, rtf: 0.5 };
    const h = simHealth(input);
    assert.equal(h.state, 'running', 'slow but never lagged');
    assert.equal(h.message, 'no episode');
    assert.deepEqual(h.values, [
      ['sim_time', '1.500'],
      ['real_time_factor', '0.50'],
      ['lag_events', 0],
      ['controller', 'cartesian_impedance_controller'],
      ['success', 'false'],
      ['failure', 'none'],
    ]);
    assert.equal(simHealth({ ...input, pacer: { lagEvents: 1, realTimeFactor: 1 } }).state, 'degraded');
    assert.equal(simHealth({ ...input, pacer: { lagEvents: 1, realTimeFactor: 1 }, rtf: 0.95 }).state, 'running');
    assert.equal(simHealth({ ...input, running: false }).state, 'starting');
  });

  it('step loop: one step per timestep in virtual time, nothing after stop; as fast as possible in batches at factor 0 on wall time', async () => {
    const time = new VirtualTimeBase(10);
    const backend = new EmbeddedBackend({ time, logSink: () => {} });
    try {
      const node = await backend.createNode(toolNodeConfig('sim'));
      const sim = { timestep: 0.001, steps: 0 };
      const loop = new StepLoop(node);
      loop.start(new Pacer(0.001, 1, 50), sim, () => sim.steps++);
      loop.start(new Pacer(0.001, 1, 50), sim, () => sim.steps++);
      assert.equal(loop.running, true);
      await time.advanceBy(0.01);
      assert.equal(sim.steps, 10, 'a second start is a no-op');
      loop.stop();
      assert.equal(loop.running, false);
      await time.advanceBy(0.01);
      assert.equal(sim.steps, 10);
    } finally {
      await backend.shutdown();
    }
    const wall = new EmbeddedBackend({ logSink: () => {} });
    try {
      const node = await wall.createNode(toolNodeConfig('sim'));
      const sim = { timestep: 0.001, steps: 0 };
      const loop = new StepLoop(node);
      loop.start(new Pacer(0.001, 0, 50), sim, () => sim.steps++);
      for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
      loop.stop();
      const done = sim.steps;
      assert.ok(done >= AFAP_BATCH && done % AFAP_BATCH === 0, `whole batches (${done} steps)`);
      for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
      assert.equal(sim.steps, done, 'nothing after stop');
    } finally {
      await wall.shutdown();
    }
  });
});
