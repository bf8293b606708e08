// The policy bundle manifest (`manifest.yaml`): everything the suite needs to know to run a
// VLA exported to ONNX — cameras and their preprocessing, the instruction template and
// tokenizer, the VLM's inputs and which outputs form the latent, the action expert's
// contract and decoding mode, the action space, and where the failure monitor's features
// come from. Parsing checks structure and values and names the offending field; checking
// against the ONNX files' declared inputs/outputs is bundle_validation.ts.
// Format reference: docs/policy-bundles.md.

import { parse as parseYaml } from 'yaml';
import { errorText } from '../error_text.js';

export const MANIFEST_FORMAT = 'vla-ros/policy-bundle@1';

export type ResizeMode = 'stretch' | 'crop' | 'pad';
export type ChannelOrder = 'rgb' | 'bgr';
export type DecodingMode = 'regression' | 'flow' | 'discrete_diffusion';
export type ActionSpaceKind = 'ee_delta' | 'ee_absolute' | 'joint_position' | 'joint_delta';
export type RotationFormat = 'euler_xyz' | 'quaternion' | 'rotation_vector' | 'none';
export type GripperMode = 'none' | 'absolute_continuous' | 'absolute_binary' | 'relative_continuous' | 'relative_binary';

export interface CameraSpec {
  /** Name used in topics and in the model's input map. */
  name: string;
  /** Model input size. */
  width: number;
  height: number;
  /** How the source image is brought to width × height. */
  resize: ResizeMode;
  channelOrder: ChannelOrder;
  /** Per-channel mean and std applied after scaling pixels to [0, 1], in channelOrder. */
  mean: [number, number, number];
  std: [number, number, number];
}

export interface InstructionSpec {
  /** Prompt template; `{instruction}` is replaced by the instruction text. */
  template: string;
  /** HF tokenizer.json, relative to the bundle. */
  tokenizer: string;
  /** Token sequences are padded or truncated to this length. */
  maxTokens: number;
  padId: number;
}

export interface StateSpec {
  /** Joint names in the order the model expects; joint_states are mapped by name. */
  jointNames: string[];
  /** Normalisation (from the statistics file): (x - mean) / std, per joint. */
  mean: number[];
  std: number[];
}

/** The bundle's normalisation statistics file (`normalization:` in the manifest), as JSON. */
export interface NormalizationStats {
  state: { mean: number[]; std: number[] };
  action: { mean: number[]; std: number[] };
}

export interface VlmSpec {
  model: string;
  /** Default rate of the slow pathway [Hz]. */
  rateHz: number;
  /** Input tensor names: one per camera, the token ids, the attention mask. */
  inputs: { images: Record<string, string>; tokenIds: string; attentionMask: string };
  /** Model outputs that form the latent (written to the latent buffer under these names). */
  latentOutputs: string[];
  /** Compute time assumed in deterministic (virtual-time) runs [s]. */
  modelledLatency: number;
}

export interface FlowDecoding {
  mode: 'flow';
  /** Euler steps. */
  steps: number;
  /** pi0: noise at t = 1, integrate to t = 0. rectified: noise at t = 0, integrate to t = 1. */
  timeConvention: 'pi0' | 'rectified';
}

export interface RegressionDecoding {
  mode: 'regression';
}

export interface DiscreteDiffusionDecoding {
  mode: 'discrete_diffusion';
  /** Bins per action dimension; token ids 0..bins-1 are bins, `maskId` marks a masked position. */
  bins: number;
  maskId: number;
  /** Parallel decoding rounds (MaskGIT). */
  rounds: number;
  schedule: 'cosine' | 'linear';
  /** Gumbel noise scale on re-masking confidences, annealed by (1 - r). */
  temperature: number;
  /** Factor (<= 1) on the confidence of already-decoded tokens, so they can be re-masked. */
  secondaryRemaskFactor: number;
}

export type DecodingSpec = FlowDecoding | RegressionDecoding | DiscreteDiffusionDecoding;

export interface ExpertSpec {
  model: string;
  decoding: DecodingSpec;
  /** Input tensor names. `latent` maps latent output names to expert input names. */
  inputs: {
    latent: Record<string, string>;
    state: string;
    /** Latent age [s] as a [1] float tensor, when the expert is latency-aware. */
    latentAge?: string;
    /** flow: x_t [1,H,D]; discrete_diffusion: token ids [1,H*D] (int64). */
    actions?: string;
    /** flow: t [1]. */
    time?: string;
    /** Camera inputs (name → tensor), when the expert also looks at fresh images. */
    images?: Record<string, string>;
  };
  outputs: {
    /** regression: actions [1,H,D]; flow: velocity [1,H,D]; discrete_diffusion: logits [1,H*D,bins]. */
    actions: string;
    /** Pooled features for the failure monitor [1,F], when exported. */
    features?: string;
  };
  modelledLatency: number;
}

export interface ActionSpec {
  space: ActionSpaceKind;
  rotation: RotationFormat;
  gripper: GripperMode;
  /** Dimension names (columns of a chunk). */
  names: string[];
  /** Chunk horizon H. */
  horizon: number;
  /** Control period between actions [s]. */
  dt: number;
  /** De-normalisation (from the statistics file): a = y · std + mean, per dimension. */
  mean: number[];
  std: number[];
  /** Bounds a de-normalised action must respect, per dimension; outside → the chunk is refused. */
  min: number[];
  max: number[];
}

export interface FailureMonitorSpec {
  /** Where the features come from: 'expert' (its `features` output). */
  featuresFrom: 'expert';
  detector: string;
  detectorKind: 'mlp' | 'lstm';
  calibration: string;
}

export interface PolicyManifest {
  format: typeof MANIFEST_FORMAT;
  /** Statistics file, relative to the bundle. */
  normalization: string;
  name: string;
  description: string;
  /** False for placeholder weights: everything runs, nothing is learnt. */
  trained: boolean;
  cameras: CameraSpec[];
  instruction: InstructionSpec;
  state: StateSpec;
  vlm: VlmSpec;
  expert: ExpertSpec;
  action: ActionSpec;
  failureMonitor?: FailureMonitorSpec;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Reads typed fields out of untyped YAML, naming the field path in every error. */
class Fields {
  constructor(
    private readonly source: string,
    private readonly path: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  static root(value: unknown, source: string): Fields {
    if (!isRecord(value)) throw new ManifestError(`${source}: expected a YAML mapping at the top level`);
    return new Fields(source, '', value);
  }

  private where(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  fail(key: string, expected: string, found: unknown): never {
    const shown = found === undefined ? 'nothing' : JSON.stringify(found);
    throw new ManifestError(`${this.source}: field '${this.where(key)}': expected ${expected}, found ${shown}`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  child(key: string): Fields {
    const v = this.obj[key];
    if (!isRecord(v)) this.fail(key, 'a mapping', v);
    return new Fields(this.source, this.where(key), v);
  }

  children(key: string): Fields[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || v.length === 0) this.fail(key, 'a non-empty list', v);
    return v.map((item, i) => {
      if (!isRecord(item)) this.fail(`${key}[${i}]`, 'a mapping', item);
      return new Fields(this.source, this.where(`${key}[${i}]`), item);
    });
  }

  string(key: string, fallback?: string): string {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'string' || v === '') this.fail(key, 'a non-empty string', v);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.obj[key] === undefined ? undefined : this.string(key);
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  number(key: string, check: (n: number) => boolean = Number.isFinite, expected = 'a number', fallback?: number): number {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) this.fail(key, expected, v);
    return v;
  }

  positive(key: string, fallback?: number): number {
    return this.number(key, (n) => n > 0, 'a positive number', fallback);
  }

  integer(key: string, min: number, fallback?: number): number {
    return this.number(key, (n) => Number.isInteger(n) && n >= min, `an integer >= ${min}`, fallback);
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback?: T): T {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) this.fail(key, `one of ${choices.join(', ')}`, v);
    return v as T;
  }

  numbers(key: string, length?: number, check: (n: number) => boolean = () => true, expected = 'numbers'): number[] {
    const v = this.obj[key];
    const ok = Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n) && check(n));
    if (!ok || (length !== undefined && v.length !== length)) {
      this.fail(key, `a list of ${length ?? 'finite'} ${expected}`, v);
    }
    return v as number[];
  }

  strings(key: string): string[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== '')) {
      this.fail(key, 'a non-empty list of strings', v);
    }
    return v as string[];
  }

  stringMap(key: string, optional = false): Record<string, string> {
    const v = this.obj[key];
    if (v === undefined && optional) return {};
    if (!isRecord(v) || !Object.values(v).every((s) => typeof s === 'string' && s !== '')) {
      this.fail(key, 'a mapping of names to tensor names', v);
    }
    return v as Record<string, string>;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseCamera(f: Fields): CameraSpec {
  const channelOrder = f.oneOf('channel_order', ['rgb', 'bgr'] as const, 'rgb');
  return {
    name: f.string('name'),
    width: f.integer('width', 1),
    height: f.integer('height', 1),
    resize: f.oneOf('resize', ['stretch', 'crop', 'pad'] as const),
    channelOrder,
    mean: f.numbers('mean', 3) as [number, number, number],
    std: f.numbers('std', 3, (n) => n > 0, 'positive numbers') as [number, number, number],
  };
}

function parseDecoding(f: Fields): DecodingSpec {
  const mode = f.oneOf('mode', ['regression', 'flow', 'discrete_diffusion'] as const);
  if (mode === 'regression') return { mode };
  if (mode === 'flow') {
    return { mode, steps: f.integer('steps', 1), timeConvention: f.oneOf('time_convention', ['pi0', 'rectified'] as const) };
  }
  const bins = f.integer('bins', 2);
  return {
    mode,
    bins,
    maskId: f.integer('mask_id', 0, bins),
    rounds: f.integer('rounds', 1),
    schedule: f.oneOf('schedule', ['cosine', 'linear'] as const, 'cosine'),
    temperature: f.number('temperature', (n) => n >= 0, 'a number >= 0', 1),
    secondaryRemaskFactor: f.number('secondary_remask_factor', (n) => n > 0 && n <= 1, 'a number in (0, 1]', 1),
  };
}

const DIMENSION_OF_ROTATION: Record<RotationFormat, number> = { euler_xyz: 3, quaternion: 4, rotation_vector: 3, none: 0 };

/** Expected action dimension for a space, given the robot's joint count (joint spaces). */
export function expectedActionDimension(space: ActionSpaceKind, rotation: RotationFormat, gripper: GripperMode, joints: number): number {
  const g = gripper === 'none' ? 0 : 1;
  if (space === 'joint_position' || space === 'joint_delta') return joints + g;
  return 3 + DIMENSION_OF_ROTATION[rotation] + g;
}

function parseAction(f: Fields, joints: number, stats: Fields): ActionSpec {
  const space = f.oneOf('space', ['ee_delta', 'ee_absolute', 'joint_position', 'joint_delta'] as const);
  const rotation = f.oneOf('rotation', ['euler_xyz', 'quaternion', 'rotation_vector', 'none'] as const);
  const gripper = f.oneOf('gripper', ['none', 'absolute_continuous', 'absolute_binary', 'relative_continuous', 'relative_binary'] as const);
  const jointSpace = space === 'joint_position' || space === 'joint_delta';
  if (jointSpace !== (rotation === 'none')) f.fail('rotation', jointSpace ? "'none' for a joint space" : 'a rotation format', rotation);
  const names = f.strings('names');
  const d = expectedActionDimension(space, rotation, gripper, joints);
  if (names.length !== d) f.fail('names', `${d} names for ${space} + ${rotation} + gripper ${gripper}`, names);
  const action: ActionSpec = {
    space,
    rotation,
    gripper,
    names,
    horizon: f.integer('horizon', 1),
    dt: f.positive('dt'),
    mean: stats.numbers('mean', d),
    std: stats.numbers('std', d, (n) => n > 0, 'positive numbers'),
    min: f.numbers('min', d),
    max: f.numbers('max', d),
  };
  action.min.forEach((lo, i) => {
    if (!(lo < action.max[i])) f.fail('min', `each min below its max (dimension ${names[i]})`, action.min);
  });
  return action;
}

/**
 * Parses a manifest. `stats` is the content of the file the manifest names under
 * `normalization` (JSON, see NormalizationStats); `statsSource` names it in errors.
 */
export function parseManifest(text: string, source: string, stats: unknown, statsSource: string): PolicyManifest {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ManifestError(`${source}: not valid YAML: ${errorText(err)}`);
  }
  const root = Fields.root(doc, source);
  const format = root.string('format');
  if (format !== MANIFEST_FORMAT) root.fail('format', `'${MANIFEST_FORMAT}'`, format);

  const cameras = root.children('cameras').map(parseCamera);
  const names = new Set<string>();
  for (const c of cameras) {
    if (names.has(c.name)) root.fail('cameras', 'unique camera names', c.name);
    names.add(c.name);
  }

  const ins = root.child('instruction');
  const instruction: InstructionSpec = {
    template: ins.string('template'),
    tokenizer: ins.string('tokenizer'),
    maxTokens: ins.integer('max_tokens', 1),
    padId: ins.integer('pad_id', 0, 0),
  };
  if (!instruction.template.includes('{instruction}')) ins.fail('template', "a template containing '{instruction}'", instruction.template);

  const normalization = root.string('normalization');
  const statsRoot = Fields.root(stats, statsSource);
  const st = root.child('state');
  const jointNames = st.strings('joint_names');
  const stateStats = statsRoot.child('state');
  const state: StateSpec = {
    jointNames,
    mean: stateStats.numbers('mean', jointNames.length),
    std: stateStats.numbers('std', jointNames.length, (n) => n > 0, 'positive numbers'),
  };

  const v = root.child('vlm');
  const vi = v.child('inputs');
  const vlm: VlmSpec = {
    model: v.string('model'),
    rateHz: v.positive('rate_hz'),
    inputs: { images: vi.stringMap('images'), tokenIds: vi.string('token_ids'), attentionMask: vi.string('attention_mask') },
    latentOutputs: v.strings('latent_outputs'),
    modelledLatency: v.number('modelled_latency', (n) => n >= 0, 'a number of seconds >= 0', 0.1),
  };
  for (const cam of Object.keys(vlm.inputs.images)) {
    if (!names.has(cam)) vi.fail('images', `camera names from 'cameras' (${[...names].join(', ')})`, cam);
  }

  const e = root.child('expert');
  const ei = e.child('inputs');
  const eo = e.child('outputs');
  const decoding = parseDecoding(e.child('decoding'));
  const expert: ExpertSpec = {
    model: e.string('model'),
    decoding,
    inputs: {
      latent: ei.stringMap('latent'),
      state: ei.string('state'),
      latentAge: ei.optionalString('latent_age'),
      actions: ei.optionalString('actions'),
      time: ei.optionalString('time'),
      images: ei.has('images') ? ei.stringMap('images') : undefined,
    },
    outputs: { actions: eo.string('actions'), features: eo.optionalString('features') },
    modelledLatency: e.number('modelled_latency', (n) => n >= 0, 'a number of seconds >= 0', 0.005),
  };
  for (const name of Object.keys(expert.inputs.latent)) {
    if (!vlm.latentOutputs.includes(name)) ei.fail('latent', `names from vlm.latent_outputs (${vlm.latentOutputs.join(', ')})`, name);
  }
  if (decoding.mode !== 'regression' && expert.inputs.actions === undefined)
    ei.fail('actions', `the noisy-action input for ${decoding.mode} decoding`, undefined);
  if (decoding.mode === 'flow' && expert.inputs.time === undefined) ei.fail('time', 'the time input for flow decoding', undefined);
  for (const cam of Object.keys(expert.inputs.images ?? {})) {
    if (!names.has(cam)) ei.fail('images', `camera names from 'cameras' (${[...names].join(', ')})`, cam);
  }

  const action = parseAction(root.child('action'), jointNames.length, statsRoot.child('action'));

  let failureMonitor: FailureMonitorSpec | undefined;
  if (root.has('failure_monitor')) {
    const fm = root.child('failure_monitor');
    failureMonitor = {
      featuresFrom: fm.oneOf('features_from', ['expert'] as const, 'expert'),
      detector: fm.string('detector'),
      detectorKind: fm.oneOf('detector_kind', ['mlp', 'lstm'] as const),
      calibration: fm.string('calibration'),
    };
    if (expert.outputs.features === undefined) eo.fail('features', "an output name when 'failure_monitor' is configured", undefined);
  }

  return {
    format: MANIFEST_FORMAT,
    normalization,
    name: root.string('name'),
    description: root.string('description', 'no description'),
    trained: root.bool('trained'),
    cameras,
    instruction,
    state,
    vlm,
    expert,
    action,
    failureMonitor,
  };
}
