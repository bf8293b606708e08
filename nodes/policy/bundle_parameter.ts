// The policy_bundle parameter, declared once for the nodes that read a bundle.

import { param } from '../ros/parameter_schema.js';

export const POLICY_BUNDLE_PARAMETERS = {
  policy_bundle: param.string(
    'reference',
    'Policy bundle: a folder with manifest.yaml, or the name of one in config/policies/. Each node reads its part: the pathways their models, camera_ingestion the cameras, failure_monitor the detector and calibration.',
  ),
};
