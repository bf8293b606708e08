// A SAFE detector exported to ONNX, and its I/O contract (docs/failure-monitor.md):
//
//   SAFE-MLP   inputs   features float32 [1, F]
//              outputs  logit    float32 [1, 1]        per-step failure logit (sigmoid → p_t)
//   SAFE-LSTM  inputs   features float32 [1, F]
//                       h_in     float32 [1, 1, H]     LSTM hidden state of the previous step
//                       c_in     float32 [1, 1, H]     LSTM cell state of the previous step
//              outputs  logit    float32 [1, 1]        sigmoid(logit) = s_t
//                       h_out    float32 [1, 1, H]     state to feed back at the next step
//                       c_out    float32 [1, 1, H]
//
// The batch dimension may be symbolic (we always feed 1); F and H must be fixed numbers. A model
// with h_in is an LSTM detector, otherwise an MLP one. The initial state of an episode is zeros.
//
// Inference runs on the calling thread. session.run() blocks the event loop while it runs
// (docs/platform-notes.md), which is why the policy models run in workers — but these detectors
// are a small MLP or one LSTM cell: a step costs a small fraction of a control tick and less than
// a worker round trip would (`npm run bench`, docs/failure-monitor.md#benchmark).

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type * as OrtModule from 'onnxruntime-node';
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { trackModelLoad } from '../inference/model_loads.js';
import type { DetectorKind } from './calibration_file.js';
import { errorText } from '../error_text.js';

export class DetectorError extends Error {
  override name = 'DetectorError';
}

/** What checkDetectorSignature learns from a detector's declared inputs and outputs. */
export interface DetectorSignature {
  kind: DetectorKind;
  /** F: length of the feature vector. */
  featureSize: number;
  /** H: LSTM state size (0 for an MLP). */
  hiddenSize: number;
}

/** The part of onnxruntime's value metadata the contract check needs. */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export const DETECTOR_INPUTS = { features: 'features', hIn: 'h_in', cIn: 'c_in' } as const;
export const DETECTOR_OUTPUTS = { logit: 'logit', hOut: 'h_out', cOut: 'c_out' } as const;

/**
 * Checks a detector's declared inputs/outputs against the contract above and returns its kind and
 * sizes. `expectedKind` (from the manifest) must match what the file is. Errors name the file,
 * the tensor and what was expected.
 */
export function checkDetectorSignature(
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  file: string,
  expectedKind?: DetectorKind,
): DetectorSignature {
  const names = (list: readonly ValueInfo[]) => list.map((v) => v.name).join(', ') || 'none';
  const kind: DetectorKind = inputs.some((v) => v.name === DETECTOR_INPUTS.hIn) ? 'lstm' : 'mlp';
  if (expectedKind !== undefined && expectedKind !== kind) {
    throw new DetectorError(
      `${file}: the policy bundle says detector_kind '${expectedKind}', but the model is a SAFE-${kind.toUpperCase()} detector ` +
        `(inputs: ${names(inputs)}; an LSTM detector has inputs features, h_in, c_in)`,
    );
  }
  const wantInputs = kind === 'lstm' ? [DETECTOR_INPUTS.features, DETECTOR_INPUTS.hIn, DETECTOR_INPUTS.cIn] : [DETECTOR_INPUTS.features];
  const wantOutputs = kind === 'lstm' ? [DETECTOR_OUTPUTS.logit, DETECTOR_OUTPUTS.hOut, DETECTOR_OUTPUTS.cOut] : [DETECTOR_OUTPUTS.logit];
  const contract =
    kind === 'lstm'
      ? 'features [1,F], h_in [1,1,H], c_in [1,1,H] → logit [1,1], h_out [1,1,H], c_out [1,1,H]'
      : 'features [1,F] → logit [1,1]';
  const setsDiffer = (got: readonly ValueInfo[], want: readonly string[]) =>
    got.length !== want.length || !want.every((w) => got.some((g) => g.name === w));
  if (setsDiffer(inputs, wantInputs)) {
    throw new DetectorError(
      `${file}: SAFE-${kind.toUpperCase()} detector inputs must be ${wantInputs.join(', ')} (${contract}); the model has ${names(inputs)}`,
    );
  }
  if (setsDiffer(outputs, wantOutputs)) {
    throw new DetectorError(
      `${file}: SAFE-${kind.toUpperCase()} detector outputs must be ${wantOutputs.join(', ')} (${contract}); the model has ${names(outputs)}`,
    );
  }
  const find = (list: readonly ValueInfo[], name: string) => list.find((v) => v.name === name)!;
  /** Checks rank, float32 and the fixed dims; returns the one free dim (F or H) when asked. */
  const dims = (v: ValueInfo, expected: Array<number | 'batch' | 'size'>): number => {
    const where = `${file}: tensor '${v.name}'`;
    if (!v.isTensor || (v.type !== undefined && v.type !== 'float32'))
      throw new DetectorError(`${where}: expected float32, found ${v.isTensor ? v.type : 'a non-tensor value'}`);
    const shape = v.shape ?? [];
    if (shape.length !== expected.length)
      throw new DetectorError(
        `${where}: expected rank ${expected.length} ([${expected.join(', ')}]), found [${shape.join(', ')}] (${contract})`,
      );
    let size = 0;
    expected.forEach((e, i) => {
      const d = shape[i];
      if (e === 'batch') {
        if (typeof d === 'number' && d !== 1) throw new DetectorError(`${where}: dimension ${i} must be 1 (or symbolic), found ${d}`);
      } else if (e === 'size') {
        if (typeof d !== 'number' || d < 1) throw new DetectorError(`${where}: dimension ${i} must be a fixed size, found ${String(d)}`);
        size = d;
      } else if (d !== e && typeof d === 'number') {
        throw new DetectorError(`${where}: dimension ${i} must be ${e}, found ${d}`);
      }
    });
    return size;
  };
  const featureSize = dims(find(inputs, DETECTOR_INPUTS.features), ['batch', 'size']);
  dims(find(outputs, DETECTOR_OUTPUTS.logit), ['batch', 1]);
  let hiddenSize = 0;
  if (kind === 'lstm') {
    hiddenSize = dims(find(inputs, DETECTOR_INPUTS.hIn), [1, 'batch', 'size']);
    for (const [list, name] of [
      [inputs, DETECTOR_INPUTS.cIn],
      [outputs, DETECTOR_OUTPUTS.hOut],
      [outputs, DETECTOR_OUTPUTS.cOut],
    ] as const) {
      const h = dims(find(list, name), [1, 'batch', 'size']);
      if (h !== hiddenSize) throw new DetectorError(`${file}: tensor '${name}' has state size ${h}, but h_in has ${hiddenSize}`);
    }
  }
  return { kind, featureSize, hiddenSize };
}

/** SHA-256 of a file, hex: ties a calibration file to the detector it was made with. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** One detector step: the logit, and for an LSTM the new state. */
export interface DetectorOutput {
  logit: number;
  h?: Float32Array;
  c?: Float32Array;
}

/** The model a scorer runs; OnnxDetector in production, anything with the same contract in tests. */
export interface DetectorModel extends DetectorSignature {
  /** `state` (h, c) is required for an LSTM detector. */
  run(features: Float32Array, state?: { h: Float32Array; c: Float32Array }): Promise<DetectorOutput>;
}

type Ort = typeof OrtModule;
let ortModule: Promise<Ort> | undefined;
/** onnxruntime-node, loaded on first use (it is a native addon; nothing else here needs it). */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

/** A detector ONNX file in an onnxruntime session (1 thread, no spinning). */
export class OnnxDetector implements DetectorModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly file: string,
    readonly kind: DetectorKind,
    readonly featureSize: number,
    readonly hiddenSize: number,
  ) {}

  static async load(file: string, expectedKind?: DetectorKind): Promise<OnnxDetector> {
    if (!fs.existsSync(file)) throw new DetectorError(`detector file ${file} does not exist`);
    const ort = await loadOrt();
    let session: OrtSession;
    try {
      session = await trackModelLoad(file, () =>
        ort.InferenceSession.create(file, {
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        }),
      );
    } catch (err) {
      throw new DetectorError(`${file}: onnxruntime cannot load it: ${errorText(err)}`);
    }
    try {
      const sig = checkDetectorSignature(session.inputMetadata, session.outputMetadata, file, expectedKind);
      return new OnnxDetector(ort, session, file, sig.kind, sig.featureSize, sig.hiddenSize);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async run(features: Float32Array, state?: { h: Float32Array; c: Float32Array }): Promise<DetectorOutput> {
    if (features.length !== this.featureSize) {
      throw new DetectorError(`${this.file}: expects ${this.featureSize} features, got ${features.length}`);
    }
    const feeds: Record<string, OrtTensor> = {
      [DETECTOR_INPUTS.features]: new this.ort.Tensor('float32', features, [1, this.featureSize]),
    };
    if (this.kind === 'lstm') {
      if (state === undefined) throw new DetectorError(`${this.file}: an LSTM detector needs its state (h, c)`);
      feeds[DETECTOR_INPUTS.hIn] = new this.ort.Tensor('float32', state.h, [1, 1, this.hiddenSize]);
      feeds[DETECTOR_INPUTS.cIn] = new this.ort.Tensor('float32', state.c, [1, 1, this.hiddenSize]);
    }
    const out = await this.session.run(feeds);
    const logit = (out[DETECTOR_OUTPUTS.logit].data as Float32Array)[0];
    if (this.kind === 'mlp') return { logit };
    return { logit, h: out[DETECTOR_OUTPUTS.hOut].data as Float32Array, c: out[DETECTOR_OUTPUTS.cOut].data as Float32Array };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
