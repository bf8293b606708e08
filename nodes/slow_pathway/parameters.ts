// The slow pathway's parameters after policy_bundle, declared once: the node reads them,
// `--help-params` and the docs tables are made from them.

import { EXECUTION_PROVIDERS } from '../inference/execution_provider.js';
import { param, type ParameterValues } from '../ros/parameter_schema.js';
import { SLOW_PATHWAY_MAX_OBSERVATION_AGE } from './latent_producer.js';

/** The parameters after policy_bundle: rate_hz defaults to the bundle's VLM rate. */
export function slowPathwayOwnParameters(bundleRateHz: number) {
  return {
    rate_hz: param.double(bundleRateHz, "VLM rate [Hz] (default: the bundle's vlm.rate_hz; the docs show the reference bundle's).", {
      range: [0.1, 30],
    }),
    max_observation_age: param.double(
      SLOW_PATHWAY_MAX_OBSERVATION_AGE,
      'Observations older than this [s] are not used (never work on a stale frame).',
      { range: [0.01, 10] },
    ),
    inference_threads: param.integer(1, 'onnxruntime intra-op threads for the VLM.', { range: [1, 8] }),
    execution_provider: param.choice(
      EXECUTION_PROVIDERS,
      'cpu',
      "Where onnxruntime runs the VLM (cpu; cuda / tensorrt need onnxruntime-node's GPU binaries, docs/installation.md).",
    ),
  };
}

export type SlowPathwayParameters = ParameterValues<ReturnType<typeof slowPathwayOwnParameters>>;
