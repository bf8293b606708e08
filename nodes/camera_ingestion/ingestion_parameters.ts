// camera_ingestion's parameters, declared once: the node's typed settings, `--help-params` and
// the table in docs/camera-ingestion.md (`npm run docs:params`) come from this.

import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { param, type ParameterValues } from '../ros/parameter_schema.js';
import { TRANSPORTS } from './camera_config.js';

export const CAMERA_INGESTION_PARAMETERS = {
  ...POLICY_BUNDLE_PARAMETERS,
  camera_names: param.stringArray([], "Manifest cameras to ingest; empty: all of the bundle's cameras. Published in manifest order."),
  camera_topics: param.stringArray(
    [],
    'Topic per camera, in camera_names order; empty: cameras/<name>/image_raw (raw) or cameras/<name>/image_raw/compressed.',
  ),
  camera_transports: param.choiceArray(
    TRANSPORTS,
    [],
    'raw (sensor_msgs/Image) or compressed (sensor_msgs/CompressedImage) per camera; empty: all raw.',
  ),
  expected_widths: param.integerArray([], 'Source image width per camera; frames of another size are dropped. Empty or 0: any.'),
  expected_heights: param.integerArray([], 'Source image height per camera; frames of another size are dropped. Empty or 0: any.'),
  max_skew: param.double(0.02, 'Max spread of the stamps of the frames in one observation [s].', { range: [0, 1], dynamic: true }),
  max_frame_age: param.double(0.2, 'Frames older than this on the node clock (or stamped this far in its future) are dropped [s].', {
    range: [0.001, 10],
    dynamic: true,
  }),
  sync_history: param.integer(3, 'Frames kept per camera while waiting for the others (1: latest frame only).', { range: [1, 30] }),
};

export type CameraIngestionParameters = ParameterValues<typeof CAMERA_INGESTION_PARAMETERS>;
