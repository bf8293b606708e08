// Messages between a node thread and its inference worker.

import type { ModelIO } from '../policy/model_io.js';
import type { TensorData } from './tensor.js';
import type { ExecutionProviderName } from './execution_provider.js';
import type { DecodeJob, DecodeJobResult } from './expert_decoding.js';

export interface InferenceWorkerData {
  /** Model name → file. */
  models: Record<string, string>;
  intraOpThreads: number;
  executionProvider: ExecutionProviderName;
}

export type WorkerRequest =
  | { id: number; op: 'run'; model: string; feeds: Record<string, TensorData>; outputs?: string[] }
  | { id: number; op: 'decode'; request: DecodeJob };

export type WorkerReply =
  | { kind: 'ready'; io: Record<string, { inputs: ModelIO[]; outputs: ModelIO[] }> }
  | { kind: 'load_failed'; error: string }
  | { kind: 'result'; id: number; outputs: Record<string, TensorData>; computeSec: number }
  | { kind: 'decoded'; id: number; result: DecodeJobResult; computeSec: number }
  | { kind: 'failed'; id: number; error: string };
