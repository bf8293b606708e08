// What the fast pathway hears, into its chunk producer: bad input is a counted, logged drop, never
// an exception; good input reaches the producer.

import { strict as assert } from 'node:assert';
import type { sensor_msgs, vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { ChunkInputs } from '../../nodes/fast_pathway/chunk_inputs.js';
import { ChunkProducer } from '../../nodes/fast_pathway/chunk_producer.js';
import { toNamedTensor } from '../../nodes/inference/named_tensor.js';
import { POLICY_BUNDLE_PARAMETERS } from '../../nodes/policy/bundle_parameter.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { NodeStatus } from '../../nodes/runtime/node_status.js';

const manifest = loadPolicyBundle(POLICY_BUNDLE_PARAMETERS.policy_bundle.default).manifest;
const JOINTS = manifest.state.jointNames;

function rig() {
  const producer = new ChunkProducer(manifest, {
    maxLatentAge: 1,
    stateTimeout: 0.1,
    seed: 0,
    frameId: 'base',
    jointLimits: { min: JOINTS.map(() => -3), max: JOINTS.map(() => 3), tolerance: 0.1 },
  });
  const status = new NodeStatus();
  const logs: Array<{ level: string; message: string; key?: string }> = [];
  const inputs = new ChunkInputs(producer, status, { throttle: (level, _period, message, key) => logs.push({ level, message, key }) });
  return { producer, status, logs, inputs };
}

function latent(tensors: vla_ros_msgs.msg.NamedTensor[], instructionId = 'ep1'): vla_ros_msgs.msg.LatentEntry {
  return {
    header: { stamp: toRosTime(10), frame_id: '' },
    ready_time: toRosTime(10.2),
    version: 1,
    instruction_id: instructionId,
    instruction: 'touch the blue block',
    inference_latency: 0.2,
    tensors,
  };
}

const LATENT = [
  toNamedTensor('latent_tokens', { type: 'float32', dims: [1, 8, 64], data: new Float32Array(512) }),
  toNamedTensor('latent_pooled', { type: 'float32', dims: [1, 128], data: new Float32Array(128) }),
];

function jointState(positions: number[], stamp = 10): sensor_msgs.msg.JointState {
  return {
    header: { stamp: toRosTime(stamp), frame_id: '' },
    name: [...JOINTS],
    position: Float64Array.from(positions),
    velocity: new Float64Array(0),
    effort: new Float64Array(0),
  };
}

describe('fast pathway: ChunkInputs', () => {
  it('a latent reaches the buffer; a malformed one and one of another instruction are counted drops, logged', () => {
    const { producer, status, logs, inputs } = rig();
    producer.setInstruction('ep1');
    inputs.latent(latent(LATENT));
    assert.ok('entry' in producer.latents.read(10.3));
    assert.equal(status.snapshot(10).drops, 0);

    inputs.latent(latent([{ ...LATENT[0], shape: Uint32Array.of(1, 8, 65) }]));
    assert.equal(status.snapshot(10).drops, 1);
    assert.equal(logs[0].level, 'warn');
    assert.match(logs[0].message, /^malformed latent dropped: /);

    inputs.latent(latent(LATENT, 'ep0'));
    assert.equal(status.snapshot(10).drops, 2);
    assert.equal(logs[1].level, 'debug');
    assert.match(logs[1].message, /^latent dropped: /);
  });

  it('joint states: others are ignored, a bad one is rejected and counted by reason, a zero stamp takes now', () => {
    const { producer, status, logs, inputs } = rig();
    inputs.jointState({ ...jointState([0]), name: ['gripper_finger'] }, 10);
    assert.equal(logs.length, 0);

    for (const _ of [1, 2]) inputs.jointState(jointState(JOINTS.map((_, i) => (i === 2 ? 4 : 0))), 10);
    assert.equal(status.snapshot(10).drops, 2);
    assert.equal(status.snapshot(10).values.joint_states_rejected_out_of_limits, '2');
    assert.equal(logs[0].level, 'warn');
    assert.match(logs[0].message, /^joint_states rejected: /);
    assert.equal(logs[0].key, 'joint-states-out_of_limits');

    producer.setInstruction('ep1');
    producer.maxLatentAge = 100;
    inputs.latent(latent(LATENT));
    inputs.jointState(
      jointState(
        JOINTS.map(() => 0.1),
        0,
      ),
      42,
    );
    // Stamped now (42) for the zero stamp: fresh at 42.05, older than state_timeout at 42.2.
    assert.ok('job' in producer.request(42.05));
    assert.equal((producer.request(42.2) as { reason: string }).reason, 'state');
  });

  it('an observation gives its stamp (no images for this expert); a newer one moves the chunk observation stamp', () => {
    const { producer, inputs } = rig();
    assert.equal(producer.takesImages, false);
    producer.setInstruction('ep1');
    inputs.latent(latent(LATENT));
    inputs.jointState(
      jointState(
        JOINTS.map(() => 0),
        10.3,
      ),
      10.3,
    );
    inputs.observation({
      header: { stamp: toRosTime(10.25), frame_id: '' },
      sequence: 1,
      camera_names: [],
      camera_stamps: [],
      images: [],
    });
    const request = producer.request(10.3);
    assert.ok('job' in request);
    assert.equal(request.observedAt, 10.25);
  });
});
