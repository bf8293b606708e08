// An Observation's camera images as the action expert takes them: one [1,3,H,W] float32 tensor
// per camera, by camera name (experts that read images besides the latent).

import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { float32Of } from '../inference/named_tensor.js';
import type { TensorData } from '../inference/tensor.js';

/** The observation's images with a batch dimension added; throws on a malformed tensor. */
export function observationImages(msg: vla_ros_msgs.msg.Observation): Record<string, TensorData> {
  return Object.fromEntries(
    msg.images.map((t) => {
      const { dims, data } = float32Of(t);
      return [t.name, { type: 'float32', dims: [1, ...dims], data } satisfies TensorData];
    }),
  );
}
