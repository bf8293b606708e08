// Builds the VLM's feeds from an observation and an encoded instruction, per the manifest:
// one image tensor per camera ([1,3,H,W] float32) and the token ids / attention mask.

import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { float32Of } from '../inference/named_tensor.js';
import type { TensorData } from '../inference/tensor.js';
import type { EncodedInstruction } from '../policy/instruction_encoder.js';
import type { CameraSpec, VlmSpec } from '../policy/manifest.js';

export function vlmFeeds(
  vlm: VlmSpec,
  cameras: readonly CameraSpec[],
  observation: vla_ros_msgs.msg.Observation,
  instruction: EncodedInstruction,
): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  for (const [camera, input] of Object.entries(vlm.inputs.images)) {
    const spec = cameras.find((c) => c.name === camera)!;
    const image = observation.images.find((t) => t.name === camera);
    if (image === undefined)
      throw new Error(
        `observation has no image for camera '${camera}' (has ${observation.images.map((t) => t.name).join(', ') || 'none'})`,
      );
    const { dims, data } = float32Of(image);
    if (dims.length !== 3 || dims[0] !== 3 || dims[1] !== spec.height || dims[2] !== spec.width) {
      throw new Error(`camera '${camera}': image is [${dims.join(',')}], the VLM expects [3,${spec.height},${spec.width}]`);
    }
    feeds[input] = { type: 'float32', dims: [1, ...dims], data };
  }
  feeds[vlm.inputs.tokenIds] = { type: 'int64', dims: [1, instruction.ids.length], data: instruction.ids };
  feeds[vlm.inputs.attentionMask] = { type: 'int64', dims: [1, instruction.attentionMask.length], data: instruction.attentionMask };
  return feeds;
}
