// The evaluation's default grid (issue 6), apart from the modules that run it, so the CLI can
// offer them without loading MuJoCo and onnxruntime.

import type { MergeRuleName } from '../../controller_bridge/merge_rule.js';

export const EVAL_RULES: readonly MergeRuleName[] = ['latest_only', 'weighted_average', 'temporal_ensemble', 'rtc'];
/** Added VLM latencies [s]. */
export const EVAL_LATENCIES: readonly number[] = [0, 0.1, 0.3, 1.0];
export const EVAL_PARTS = ['sync_async', 'rules', 'safe'] as const;
export type EvalPart = (typeof EVAL_PARTS)[number];
