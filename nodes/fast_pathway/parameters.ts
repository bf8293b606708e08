// The fast pathway's parameters, declared once: the node reads them, `--help-params` and the docs
// tables are made from them.

import { EXECUTION_PROVIDERS } from '../inference/execution_provider.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { JOINT_STATE_LIMIT_TOLERANCE } from '../robots/joint_state_mapper.js';
import { CRISP_PARAMETERS, ROBOT_PARAMETERS } from '../robots/robot_parameters.js';
import { param, pickParameters, type ParameterValues } from '../ros/parameter_schema.js';
import { FAST_PATHWAY_DEFAULTS } from './chunk_producer.js';

export const FAST_PATHWAY_PARAMETERS = {
  ...POLICY_BUNDLE_PARAMETERS,
  ...pickParameters(ROBOT_PARAMETERS, [
    'robot.name',
    'robot.joint_names',
    'robot.joint_position_min',
    'robot.joint_position_max',
    'robot.base_frame',
  ]),
  ...pickParameters(CRISP_PARAMETERS, ['crisp.joint_states_topic']),
  rate_hz: param.double(30, 'Chunk rate [Hz].', { range: [1, 200] }),
  max_latent_age: param.double(
    FAST_PATHWAY_DEFAULTS.maxLatentAge,
    'Stop producing chunks when the latent is older than this [s] (age = now − its observation time).',
    { range: [0.01, 60], dynamic: true },
  ),
  state_timeout: param.double(FAST_PATHWAY_DEFAULTS.stateTimeout, 'Joint states older than this [s] are not used.', {
    range: [0.001, 10],
  }),
  seed: param.integer(0, 'Seed of the decoder noise; chunk n uses seed + n, so replays are reproducible.', {
    range: [0, 2 ** 31 - 1],
  }),
  inference_threads: param.integer(1, 'onnxruntime intra-op threads.', { range: [1, 8] }),
  execution_provider: param.choice(
    EXECUTION_PROVIDERS,
    'cpu',
    "Where onnxruntime runs the action expert (cpu; cuda / tensorrt need onnxruntime-node's GPU binaries, docs/installation.md).",
  ),
  joint_state_limit_tolerance: param.double(
    JOINT_STATE_LIMIT_TOLERANCE,
    'joint_states with a position further than this outside robot.joint_position_min/max are rejected (counted) [rad].',
    { range: [0, 10] },
  ),
};

export type FastPathwayParameters = ParameterValues<typeof FAST_PATHWAY_PARAMETERS>;

/** The robot facts the bundle must fit. */
export function robotOf(params: FastPathwayParameters) {
  return {
    name: params['robot.name'],
    jointNames: params['robot.joint_names'],
    positionMin: params['robot.joint_position_min'],
    positionMax: params['robot.joint_position_max'],
  };
}
