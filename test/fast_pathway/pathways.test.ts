// The slow and fast pathways with the real reference bundle (ONNX in worker threads) on the
// embedded backend in virtual time: rates, stamps, stale latents, overruns, determinism.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { diagnostic_msgs, vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { robotSections } from '../controller_bridge/helpers.js';
import { fastPathway } from '../../nodes/fast_pathway/node.js';
import { slowPathway } from '../../nodes/slow_pathway/node.js';
import { toNamedTensor } from '../../nodes/inference/named_tensor.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { RosNode } from '../../nodes/ros/node.js';
import type { ParamsFileSection } from '../../nodes/ros/params_file.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromRosTime, toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import { executionProviders } from '../../nodes/inference/execution_provider.js';
import { InferenceClient } from '../../nodes/inference/inference_client.js';
import { packagePath } from '../../nodes/package_paths.js';

const JOINTS = ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7'];
const HOME = [0, -0.785, 0, -2.356, 0, 1.571, 0.785];

function image(value: number): vla_ros_msgs.msg.NamedTensor {
  return toNamedTensor('x', { type: 'float32', dims: [3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(value) });
}

class Rig {
  readonly time = new VirtualTimeBase(1000);
  readonly logs: LogRecord[] = [];
  readonly backend = new EmbeddedBackend({ time: this.time, logSink: (r) => this.logs.push(r) });
  readonly running: RunningNode[] = [];
  probe!: RosNode;
  chunks: Array<{ msg: vla_ros_msgs.msg.ActionChunk; at: number }> = [];
  features: vla_ros_msgs.msg.PolicyFeatures[] = [];
  latents: vla_ros_msgs.msg.LatentEntry[] = [];

  async start(nodes: Array<'slow' | 'fast'>, params: ParamsFileSection['params'] = []): Promise<void> {
    this.probe = await this.backend.createNode({
      name: 'probe',
      namespace: '/',
      remaps: [],
      parameterSections: [],
      logLevel: 'warn',
      rosArgv: [],
    });
    this.probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (msg) =>
      this.chunks.push({ msg, at: this.time.now() }),
    );
    this.probe.createSubscription('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', 10, (msg) => this.features.push(msg));
    this.probe.createSubscription('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal, (msg) => this.latents.push(msg));
    for (const n of nodes) {
      const def = n === 'slow' ? slowPathway : fastPathway;
      this.running.push(
        await startNode(def, this.backend, {
          name: def.defaultName,
          namespace: '/',
          remaps: [],
          parameterSections: [{ nodePattern: '/**', params }],
          logLevel: 'info',
          rosArgv: [],
        }),
      );
    }
  }

  instruct(id: string, text: string): void {
    this.probe.createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal).publish({
      header: { stamp: this.time.now() === 0 ? { sec: 0, nanosec: 0 } : toRosTime(this.time.now()), frame_id: '' },
      id,
      text,
    });
  }

  /** Publishes joint states at 100 Hz (shuffled joint order) and observations at 30 Hz while time advances. */
  async run(seconds: number, options: { jointStates?: boolean; observations?: boolean } = {}): Promise<void> {
    const js = this.probe.createPublisher('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData);
    const obs = this.probe.createPublisher('vla_ros_msgs/msg/Observation', 'observation', QoSProfiles.sensorData);
    const order = [3, 0, 6, 1, 5, 2, 4];
    let seq = 0;
    const timers = [
      options.jointStates === false
        ? undefined
        : this.probe.createTimer(0.01, () =>
            js.publish({
              header: { stamp: toRosTime(this.time.now()), frame_id: '' },
              name: order.map((i) => JOINTS[i]),
              position: Float64Array.from(order.map((i) => HOME[i])),
              velocity: new Float64Array(0),
              effort: new Float64Array(0),
            }),
          ),
      options.observations === false
        ? undefined
        : this.probe.createTimer(1 / 30, () =>
            obs.publish({
              header: { stamp: toRosTime(this.time.now()), frame_id: '' },
              sequence: ++seq,
              camera_names: ['scene', 'wrist'],
              camera_stamps: [toRosTime(this.time.now()), toRosTime(this.time.now())],
              images: [
                { ...image(0.1), name: 'scene' },
                { ...image(-0.2), name: 'wrist' },
              ],
            }),
          ),
    ];
    await this.time.advanceBy(seconds);
    for (const t of timers) t?.cancel();
  }

  async stop(): Promise<void> {
    for (const r of this.running) await r.stop();
    await this.backend.shutdown();
  }
}

/** One all-zero latent for instruction 'ep1' of an image captured at `observedAt`, ready now (a slow pathway that then died). */
function publishZeroLatent(rig: Rig, observedAt: number): void {
  rig.probe.createPublisher('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal).publish({
    header: { stamp: toRosTime(observedAt), frame_id: '' },
    ready_time: toRosTime(rig.time.now()),
    version: 1,
    instruction_id: 'ep1',
    instruction: 'touch the blue block',
    inference_latency: 0.001,
    tensors: [
      toNamedTensor('latent_tokens', { type: 'float32', dims: [1, 8, 64], data: new Float32Array(512) }),
      toNamedTensor('latent_pooled', { type: 'float32', dims: [1, 128], data: new Float32Array(128) }),
    ],
  });
}

describe('slow + fast pathways (reference bundle, virtual time)', function () {
  this.timeout(60_000);
  let rig: Rig;
  afterEach(() => rig.stop());

  it('produces 30 Hz chunks with consistent stamps, shapes and finite in-bounds values', async () => {
    rig = new Rig();
    await rig.start(['slow', 'fast']);
    rig.instruct('ep1', 'push the red cube to the left');
    await rig.run(2);
    // The VLM runs at once on the first observation for the instruction, then at 2 Hz.
    assert.ok(rig.latents.length >= 4 && rig.latents.length <= 6, `latents: ${rig.latents.length}`);
    assert.ok(fromRosTime(rig.latents[0].header.stamp) - 1000 < 0.05, 'first latent from the first observation');
    assert.deepEqual(
      rig.latents.map((l) => l.version),
      rig.latents.map((_, i) => i + 1),
    );
    const first = rig.latents[0];
    assert.equal(first.instruction_id, 'ep1');
    assert.deepEqual(
      first.tensors.map((t) => [t.name, [...t.shape]]),
      [
        ['latent_tokens', [1, 8, 64]],
        ['latent_pooled', [1, 128]],
      ],
    );
    assert.ok(
      fromRosTime(first.ready_time) - fromRosTime(first.header.stamp) >= 0.002 - 1e-9,
      'ready time after observation + modelled VLM latency',
    );

    const chunks = rig.chunks;
    assert.ok(chunks.length >= 50, `chunks: ${chunks.length}`);
    // Published exactly modelled_latency (3 ms) after each 30 Hz tick.
    for (let i = 1; i < chunks.length; i++) assert.ok(Math.abs(chunks[i].at - chunks[i - 1].at - 1 / 30) < 1e-6, `period at ${i}`);
    for (const { msg, at } of chunks) {
      assert.equal(msg.horizon, 16);
      assert.equal(msg.data.length, 16 * 7);
      assert.deepEqual(msg.dimension_names, ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper']);
      assert.equal(msg.action_space, 'ee_delta');
      assert.equal(msg.rotation, 'euler_xyz');
      assert.equal(msg.gripper, 'absolute_continuous');
      assert.ok(Math.abs(msg.dt - 1 / 30) < 1e-6);
      assert.ok(Math.abs(at - fromRosTime(msg.header.stamp) - 0.003) < 1e-6, 'stamp = tick time; published after the modelled latency');
      assert.deepEqual(msg.start_time, msg.header.stamp);
      assert.equal(msg.header.frame_id, 'base');
      assert.ok(msg.latent_age >= 0 && msg.latent_age <= 0.5 + 1 / 30 + 0.01, `latent age ${msg.latent_age}`);
      msg.data.forEach((v, k) => {
        assert.ok(Number.isFinite(v));
        const lim = k % 7 < 3 ? 0.05 : k % 7 < 6 ? 0.3 : 1;
        assert.ok(k % 7 === 6 ? v >= 0 && v <= 1 : Math.abs(v) <= lim, `value ${v} at ${k}`);
      });
    }
    assert.deepEqual(
      chunks.map((c) => c.msg.sequence),
      chunks.map((_, i) => i + 1),
    );
    assert.equal(rig.features.length, chunks.length);
    assert.deepEqual(
      rig.features.slice(0, 3).map((f) => [f.episode_id, f.step, f.features.length]),
      [
        ['ep1', 0, 64],
        ['ep1', 1, 64],
        ['ep1', 2, 64],
      ],
    );
  });

  it('stops producing when the latent is older than max_latent_age, and says why', async () => {
    rig = new Rig();
    await rig.start(['fast'], [{ name: 'max_latent_age', type: 'double', value: 0.2, source: 'test' }]);
    rig.instruct('ep1', 'touch the blue block');
    // One latent, as if from a slow pathway that then died.
    publishZeroLatent(rig, rig.time.now());
    const statuses: vla_ros_msgs.msg.PathwayStatus[] = [];
    rig.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', '/fast_pathway/status', 10, (s) => statuses.push(s));
    await rig.run(1.5, { observations: false });
    const lastChunk = fromRosTime(rig.chunks.at(-1)!.msg.header.stamp);
    assert.ok(lastChunk - 1000 <= 0.2 + 1e-9, `last chunk sampled ${lastChunk - 1000} s after the latent's observation`);
    assert.ok(rig.chunks.length >= 5 && rig.chunks.length <= 7, `chunks while the latent was fresh: ${rig.chunks.length}`);
    const last = statuses.at(-1)!;
    assert.equal(last.state, 2, 'DEGRADED');
    assert.match(last.message, /latent is \d\.\d{3} s old > max_latent_age 0\.2 s/);
    assert.ok(last.latent_age > 0.9, `latent age in status: ${last.latent_age}`);

    // max_latent_age is dynamic: raised at run time, the same latent is fresh enough again.
    const before = rig.chunks.length;
    assert.equal(rig.running[0].node.parameters.set('max_latent_age', 30).successful, true);
    await rig.run(0.5, { observations: false });
    assert.ok(rig.chunks.length > before, 'chunks again after max_latent_age was raised');
  });

  it('joint_states far beyond the robot limits are no policy input: rejected and counted; chunks carry their image stamp', async () => {
    rig = new Rig();
    const fr3 = robotSections('fr3')[0].params;
    const pick = (name: string) => fr3.find((p) => p.name === name)!;
    await rig.start(['fast'], [pick('robot.joint_names'), pick('robot.joint_position_min'), pick('robot.joint_position_max')]);
    rig.instruct('ep1', 'touch the blue block');
    const observedAt = rig.time.now() - 0.05;
    publishZeroLatent(rig, observedAt);
    const diagnostics: diagnostic_msgs.msg.DiagnosticStatus[] = [];
    rig.probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => diagnostics.push(...m.status));
    await rig.run(0.3, { observations: false });
    assert.ok(rig.chunks.length > 3, `chunks from good joint states: ${rig.chunks.length}`);
    for (const c of rig.chunks)
      assert.equal(fromRosTime(c.msg.observation_stamp), fromRosTime(toRosTime(observedAt)), "observation_stamp = the latent's image");
    const before = rig.chunks.length;
    // joint2 50 rad beyond its limit: the arm cannot be there, so the policy must not see it.
    const js = rig.probe.createPublisher('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData);
    const far = rig.probe.createTimer(0.01, () =>
      js.publish({
        header: { stamp: toRosTime(rig.time.now()), frame_id: '' },
        name: JOINTS,
        position: Float64Array.from(HOME.map((v, i) => (i === 1 ? v + 50 : v))),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      }),
    );
    await rig.time.advanceBy(0.6);
    far.cancel();
    await rig.time.advanceBy(0.5); // the next ~/status
    assert.ok(
      rig.chunks.length - before <= 4,
      `chunks after the bad joint states: ${rig.chunks.length - before} (only until state_timeout)`,
    );
    const values = Object.fromEntries(
      diagnostics
        .filter((d) => /fast_pathway/.test(d.name))
        .at(-1)!
        .values.map((v) => [v.key, v.value]),
    );
    assert.ok(Number(values.joint_states_rejected_out_of_limits) >= 50, JSON.stringify(values));
    const lines = rig.logs.filter((l) => l.level === 'warn' && /joint_states rejected: .*fr3_joint2.* outside its limits/.test(l.message));
    assert.equal(lines.length, 1, 'one log line per reason per 5 s');
  });

  it('the slow pathway refuses an over-long instruction on `instruction` (counted, logged short): no latent answers it', async () => {
    rig = new Rig();
    await rig.start(['slow']);
    const diagnostics: diagnostic_msgs.msg.DiagnosticStatus[] = [];
    rig.probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => diagnostics.push(...m.status));
    rig.instruct('ep1', 'push the red cube');
    await rig.run(0.5, { jointStates: false });
    assert.ok(rig.latents.some((l) => l.instruction_id === 'ep1'));
    rig.instruct('ep2', 'push\u0000 '.repeat(200_000));
    await rig.run(1.2, { jointStates: false });
    assert.ok(!rig.latents.some((l) => l.instruction_id === 'ep2'), 'no latent for the refused instruction');
    const values = Object.fromEntries(
      diagnostics
        .filter((d) => /slow_pathway/.test(d.name))
        .at(-1)!
        .values.map((v) => [v.key, v.value]),
    );
    assert.equal(values.instructions_too_long, '1');
    const line = rig.logs.find((l) => /instruction 'ep2' refused: instruction is \d+ bytes, more than 1024/.test(l.message));
    assert.ok(line && line.message.length < 300 && !/\p{Cc}/u.test(line.message), line?.message.slice(0, 300));
  });

  it("publishes nothing without joint states, saying why (status every tick, the log once), and nothing for another instruction's latent", async () => {
    rig = new Rig();
    await rig.start(['slow', 'fast']);
    const statuses: vla_ros_msgs.msg.PathwayStatus[] = [];
    rig.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', '/fast_pathway/status', 10, (m) => statuses.push(m));
    rig.instruct('ep1', 'open the drawer');
    await rig.run(1, { jointStates: false });
    assert.equal(rig.chunks.length, 0);
    const why = /cannot act: no joint_states for 'fr3_joint1' yet/;
    assert.equal(rig.logs.filter((l) => why.test(l.message)).length, 0, 'a short start-up wait is not worth a warning');
    await rig.run(3, { jointStates: false });
    assert.deepEqual(
      rig.logs.filter((l) => why.test(l.message)).map((l) => l.level),
      ['warn'],
      'once at WARN while it lasts',
    );
    assert.match(statuses.at(-1)!.message, /no joint_states for 'fr3_joint1' yet/);
    assert.ok(rig.latents.length > 0, 'the slow pathway still runs');
    rig.instruct('ep2', 'close the drawer');
    await rig.run(1);
    assert.ok(rig.chunks.length > 0);
    assert.ok(rig.chunks.every((c) => rig.latents.find((l) => l.version === c.msg.latent_version)!.instruction_id === 'ep2'));
  });

  it('slow pathway: configure → activate → deactivate → cleanup → configure → activate works again; cleanup stops its timers', async () => {
    rig = new Rig();
    await rig.start(['slow']);
    const statuses: vla_ros_msgs.msg.PathwayStatus[] = [];
    rig.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', '/slow_pathway/status', 10, (s) => statuses.push(s));
    rig.instruct('ep1', 'push the red cube');
    await rig.run(1.2, { jointStates: false });
    const first = rig.latents.length;
    assert.ok(first >= 2, `latents while active: ${first}`);
    const { lifecycle } = rig.running[0].instance;
    for (const step of ['deactivate', 'cleanup'] as const) assert.equal((await lifecycle!.trigger(step)).success, true, step);
    const statusesBefore = statuses.length;
    await rig.run(2, { jointStates: false });
    assert.equal(rig.latents.length, first, 'no VLM runs after cleanup');
    assert.equal(statuses.length, statusesBefore, 'no status after cleanup: its timer is stopped');
    for (const step of ['configure', 'activate'] as const) assert.equal((await lifecycle!.trigger(step)).success, true, step);
    await rig.run(1.2, { jointStates: false });
    assert.ok(rig.latents.length >= first + 2, `latents after the second configure: ${rig.latents.length - first}`);
    assert.ok(statuses.length > statusesBefore, 'status again once active');
  });

  it('fast pathway: configure → activate → deactivate → cleanup → configure → activate works again; cleanup stops its timers', async () => {
    rig = new Rig();
    await rig.start(['fast'], [{ name: 'max_latent_age', type: 'double', value: 30, source: 'test' }]);
    const statuses: vla_ros_msgs.msg.PathwayStatus[] = [];
    rig.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', '/fast_pathway/status', 10, (s) => statuses.push(s));
    rig.instruct('ep1', 'touch the blue block');
    publishZeroLatent(rig, rig.time.now());
    await rig.run(1.1, { observations: false });
    const first = rig.chunks.length;
    assert.ok(first >= 25, `chunks while active: ${first}`);
    const { lifecycle } = rig.running[0].instance;
    for (const step of ['deactivate', 'cleanup'] as const) assert.equal((await lifecycle!.trigger(step)).success, true, step);
    const statusesBefore = statuses.length;
    await rig.run(2, { observations: false });
    assert.equal(rig.chunks.length, first, 'no chunks after cleanup');
    assert.equal(statuses.length, statusesBefore, 'no status after cleanup: its timer is stopped');
    for (const step of ['configure', 'activate'] as const) assert.equal((await lifecycle!.trigger(step)).success, true, step);
    await rig.run(1.1, { observations: false });
    assert.ok(rig.chunks.length >= first + 25, `chunks after the second configure: ${rig.chunks.length - first}`);
    assert.ok(statuses.length > statusesBefore, 'status again once active');
  });

  it('is deterministic: the same inputs in virtual time give identical chunks', async () => {
    const runOnce = async () => {
      const r = new Rig();
      await r.start(['slow', 'fast'], [{ name: 'seed', type: 'integer', value: 7, source: 'test' }]);
      r.instruct('ep1', 'lift the green ball');
      await r.run(1);
      await r.stop();
      return r.chunks.map((c) => [c.at, c.msg.sequence, c.msg.latent_version, [...c.msg.data]]);
    };
    const a = await runOnce();
    const b = await runOnce();
    assert.ok(a.length > 10);
    assert.deepEqual(a, b);
    rig = new Rig();
    await rig.start([]);
  });

  it('refuses to start with a bundle whose state joints the robot does not have, naming the mismatch', async () => {
    rig = new Rig();
    const ur5e = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
    await assert.rejects(
      rig.start(
        ['fast'],
        [
          { name: 'robot.name', type: 'string', value: 'ur5e', source: 'test' },
          { name: 'robot.joint_names', type: 'string_array', value: ur5e, source: 'test' },
        ],
      ),
      /does not fit the robot: the policy's state needs joints the robot 'ur5e' does not have: fr3_joint1, fr3_joint2, fr3_joint3, … \(7\).*; choose a bundle trained for this robot \(shipped for it: reference_ur5e\)$/,
    );
  });

  for (const node of ['slow', 'fast'] as const) {
    it(`${node} pathway: an execution provider that is not installed stops the start in one line`, async function () {
      const missing = executionProviders().find((p) => !p.available && p.name === 'tensorrt');
      if (missing === undefined) this.skip(); // onnxruntime-node's TensorRT library is installed here: nothing to refuse
      rig = new Rig();
      await assert.rejects(
        rig.start([node], [{ name: 'execution_provider', type: 'string', value: 'tensorrt', source: 'test' }]),
        /cannot load ONNX model .*\.onnx: execution provider 'tensorrt' is not available: .* or use cpu/,
      );
    });
  }
});

/** Every inference client the pathways start while `body` runs. */
async function withClients(body: (clients: InferenceClient[]) => Promise<void>): Promise<void> {
  const start = InferenceClient.start.bind(InferenceClient);
  const clients: InferenceClient[] = [];
  InferenceClient.start = (...args) =>
    start(...args).then((c) => {
      clients.push(c);
      return c;
    });
  try {
    await body(clients);
  } finally {
    InferenceClient.start = start;
  }
}

/** A copy of the reference bundle with `model` cut to 40 % of its bytes. */
function truncatedBundle(model: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-truncated-'));
  fs.cpSync(packagePath('config', 'policies', 'reference'), dir, { recursive: true });
  const file = path.join(dir, model);
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  return dir;
}

describe('pathway lifecycle: the inference worker lives from configure to cleanup', function () {
  this.timeout(60_000);
  let rig: Rig;
  afterEach(() => rig.stop());

  for (const [index, node, model] of [
    [0, 'slow', 'vlm'],
    [1, 'fast', 'expert'],
  ] as const) {
    it(`${node} pathway: cleanup ends its ${model} worker; configure → activate starts a new one and it publishes again`, () =>
      withClients(async (clients) => {
        rig = new Rig();
        await rig.start(['slow', 'fast']);
        const lifecycle = rig.running[index].instance.lifecycle!;
        const outputs = () => (node === 'slow' ? rig.latents.length : rig.chunks.length);
        const workers = () => clients.filter((c) => model in c.io);
        rig.instruct('ep1', 'lift the green ball');
        await rig.run(1.5);
        assert.ok(outputs() > 1, `${outputs()} outputs while active`);
        assert.equal(workers().length, 1);
        assert.ok(workers()[0].running);

        for (const step of ['deactivate', 'cleanup'] as const) assert.ok((await lifecycle.trigger(step)).success, step);
        assert.equal(lifecycle.state, 'unconfigured');
        assert.equal(workers()[0].running, false, 'cleanup terminated the worker');
        const before = outputs();
        await rig.run(1);
        assert.equal(outputs(), before, 'nothing published while unconfigured');

        for (const step of ['configure', 'activate'] as const) assert.ok((await lifecycle.trigger(step)).success, step);
        assert.equal(workers().length, 2, 'configure started a new worker');
        assert.ok(workers()[1].running);
        rig.instruct('ep2', 'touch the blue block');
        await rig.run(1.5);
        assert.ok(outputs() > before + 1, `${outputs() - before} outputs after the second configure`);
      }));

    it(`${node} pathway: a truncated ${model} model refuses an autostart in one line; managed, configure fails and says why`, async () => {
      const dir = truncatedBundle(node === 'slow' ? 'vlm.onnx' : 'expert_flow.onnx');
      try {
        const bundle = { name: 'policy_bundle', type: 'string', value: dir, source: 'test' } as const;
        rig = new Rig();
        await assert.rejects(rig.start([node], [bundle]), /^Error: cannot load ONNX model .*\.onnx: .*Protobuf parsing failed/);
        await rig.stop();

        rig = new Rig();
        await rig.start([node], [bundle, { name: 'autostart', type: 'bool', value: false, source: 'test' }]);
        const lifecycle = rig.running[0].instance.lifecycle!;
        const outcome = await lifecycle.configure();
        assert.equal(outcome.success, false);
        assert.equal(lifecycle.state, 'unconfigured');
        assert.ok(
          rig.logs.some(
            (r) => r.level === 'error' && /^cannot configure: cannot load ONNX model .*Protobuf parsing failed/.test(r.message),
          ),
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
