// Checks a bundle's manifest against what its ONNX files declare: every tensor the manifest
// names exists, with the element type and shape the suite will feed or expects back. Each
// problem names the manifest field, the expected and the found value, so a user exporting a
// VLA sees exactly which line of manifest.yaml or which export setting is wrong.

import type { ModelIO } from './model_io.js';
import type { PolicyManifest } from './manifest.js';

export interface ModelSignature {
  inputs: readonly ModelIO[];
  outputs: readonly ModelIO[];
}

type Dim = number | 'any';

interface Expectation {
  field: string;
  tensor: string;
  side: 'input' | 'output';
  type: 'float32' | 'int64';
  /** Expected dims; 'any' accepts any value there. Undefined: any shape. */
  shape?: Dim[];
  /** Alternatively, only the element count must match (for outputs the decoders reshape). */
  elements?: number;
}

function formatShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

function check(sig: ModelSignature, model: string, e: Expectation): string | undefined {
  const list = e.side === 'input' ? sig.inputs : sig.outputs;
  const io = list.find((t) => t.name === e.tensor);
  if (io === undefined) {
    return `${e.field}: ${model} has no ${e.side} '${e.tensor}' (its ${e.side}s: ${list.map((t) => t.name).join(', ') || 'none'})`;
  }
  if (io.type !== e.type) return `${e.field}: ${e.side} '${e.tensor}' of ${model}: expected ${e.type}, found ${io.type}`;
  // Symbolic dimensions (strings) are accepted: the model takes any size there.
  if (e.shape !== undefined && io.shape.length > 0) {
    const ok =
      io.shape.length === e.shape.length && e.shape.every((d, i) => d === 'any' || typeof io.shape[i] === 'string' || io.shape[i] === d);
    if (!ok)
      return `${e.field}: ${e.side} '${e.tensor}' of ${model}: expected shape ${formatShape(e.shape)}, found ${formatShape(io.shape)}`;
  }
  if (e.elements !== undefined && io.shape.length > 0 && io.shape.every((d) => typeof d === 'number')) {
    const n = io.shape.reduce((a, b) => a * b, 1);
    if (n !== e.elements)
      return `${e.field}: ${e.side} '${e.tensor}' of ${model}: expected ${e.elements} values, found shape ${formatShape(io.shape)}`;
  }
  return undefined;
}

/** Problems of the VLM against the manifest (empty when it fits). */
export function validateVlm(m: PolicyManifest, vlm: ModelSignature, model = m.vlm.model): string[] {
  const expectations: Expectation[] = [
    ...Object.entries(m.vlm.inputs.images).map(([camera, tensor]): Expectation => {
      const cam = m.cameras.find((c) => c.name === camera)!;
      return { field: `vlm.inputs.images.${camera}`, tensor, side: 'input', type: 'float32', shape: ['any', 3, cam.height, cam.width] };
    }),
    { field: 'vlm.inputs.token_ids', tensor: m.vlm.inputs.tokenIds, side: 'input', type: 'int64', shape: ['any', m.instruction.maxTokens] },
    {
      field: 'vlm.inputs.attention_mask',
      tensor: m.vlm.inputs.attentionMask,
      side: 'input',
      type: 'int64',
      shape: ['any', m.instruction.maxTokens],
    },
    ...m.vlm.latentOutputs.map((tensor): Expectation => ({ field: 'vlm.latent_outputs', tensor, side: 'output', type: 'float32' })),
  ];
  return expectations.map((e) => check(vlm, model, e)).filter((p): p is string => p !== undefined);
}

/** Problems of the expert against the manifest and the VLM it consumes (empty when it fits). */
export function validateExpert(
  m: PolicyManifest,
  expert: ModelSignature,
  vlm: ModelSignature | undefined,
  model = m.expert.model,
): string[] {
  const h = m.action.horizon;
  const d = m.action.names.length;
  const inp = m.expert.inputs;
  const expectations: Expectation[] = [
    { field: 'expert.inputs.state', tensor: inp.state, side: 'input', type: 'float32', shape: ['any', m.state.jointNames.length] },
  ];
  for (const [latentName, tensor] of Object.entries(inp.latent)) {
    // The latent tensor goes in as the VLM produced it, so the shapes must agree.
    const produced = vlm?.outputs.find((o) => o.name === latentName);
    expectations.push({
      field: `expert.inputs.latent.${latentName}`,
      tensor,
      side: 'input',
      type: 'float32',
      shape:
        produced !== undefined && produced.shape.length > 0 ? produced.shape.map((x) => (typeof x === 'number' ? x : 'any')) : undefined,
    });
  }
  if (inp.latentAge !== undefined)
    expectations.push({ field: 'expert.inputs.latent_age', tensor: inp.latentAge, side: 'input', type: 'float32', elements: 1 });
  for (const [camera, tensor] of Object.entries(inp.images ?? {})) {
    const cam = m.cameras.find((c) => c.name === camera)!;
    expectations.push({
      field: `expert.inputs.images.${camera}`,
      tensor,
      side: 'input',
      type: 'float32',
      shape: ['any', 3, cam.height, cam.width],
    });
  }
  const decoding = m.expert.decoding;
  if (decoding.mode === 'flow') {
    expectations.push(
      { field: 'expert.inputs.actions', tensor: inp.actions!, side: 'input', type: 'float32', shape: ['any', h, d] },
      { field: 'expert.inputs.time', tensor: inp.time!, side: 'input', type: 'float32', elements: 1 },
      { field: 'expert.outputs.actions', tensor: m.expert.outputs.actions, side: 'output', type: 'float32', elements: h * d },
    );
  } else if (decoding.mode === 'regression') {
    expectations.push({
      field: 'expert.outputs.actions',
      tensor: m.expert.outputs.actions,
      side: 'output',
      type: 'float32',
      elements: h * d,
    });
  } else {
    expectations.push(
      { field: 'expert.inputs.actions', tensor: inp.actions!, side: 'input', type: 'int64', shape: ['any', h * d] },
      { field: 'expert.outputs.actions', tensor: m.expert.outputs.actions, side: 'output', type: 'float32', shape: ['any', h * d, 'any'] },
    );
  }
  if (m.expert.outputs.features !== undefined) {
    expectations.push({ field: 'expert.outputs.features', tensor: m.expert.outputs.features, side: 'output', type: 'float32' });
  }
  const problems = expectations.map((e) => check(expert, model, e)).filter((p): p is string => p !== undefined);
  if (decoding.mode === 'discrete_diffusion') {
    const logits = expert.outputs.find((o) => o.name === m.expert.outputs.actions);
    const bins = logits?.shape[2];
    if (typeof bins === 'number' && bins < decoding.bins) {
      problems.push(`expert.decoding.bins: the logits of ${model} have ${bins} classes, fewer than bins = ${decoding.bins}`);
    }
  }
  return problems;
}

/**
 * Why a bundle cannot drive a robot: the joints its state needs that the robot does not have
 * (a bundle trained on the FR3 on a UR5e). Undefined when it fits, or when the robot's joints
 * are not known (no robot config given).
 */
export function robotFitProblem(m: PolicyManifest, robot: { name: string; jointNames: readonly string[] }): string | undefined {
  if (robot.jointNames.length === 0) return undefined;
  const missing = m.state.jointNames.filter((j) => !robot.jointNames.includes(j));
  if (missing.length === 0) return undefined;
  const list = (xs: readonly string[]) => (xs.length > 3 ? `${xs.slice(0, 3).join(', ')}, … (${xs.length})` : xs.join(', '));
  return (
    `the policy's state needs joints the robot${robot.name === '' ? '' : ` '${robot.name}'`} does not have: ${list(missing)} ` +
    `(robot joints: ${list(robot.jointNames)}); choose a bundle trained for this robot`
  );
}
