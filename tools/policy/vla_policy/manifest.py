"""The manifest.yaml of a reference bundle (format: docs/policy-bundles.md). One template for every
tool that writes a bundle; what varies is passed in. The runtime's reader and checks are
nodes/policy/manifest.ts: keep the two in step (`vla-ros bundle check <dir>` validates the result)."""

from .contract import ACTION_MAX, ACTION_MIN, ACTION_NAMES, HORIZON, IMAGE, IMAGENET_MEAN, IMAGENET_STD, JOINTS, MAX_TOKENS
from .onnx_io import fmt

BUNDLE_FORMAT = "vla-ros/policy-bundle@1"


def _entries(mapping, indent):
    return "".join(f"{' ' * indent}{key}: {value}\n" for key, value in mapping.items())


def manifest_yaml(*, writer, name, description, trained, normalization, tokenizer, vlm_model, vlm_measured,
                  expert_model, decoding, expert_inputs, expert_outputs, expert_measured, expert_latency,
                  vlm_latency=0.002, failure_monitor=None, joints=JOINTS, action_min=ACTION_MIN, action_max=ACTION_MAX):
    """The manifest text. `description` may span lines; `decoding`, `expert_inputs` (beyond latent,
    state and latent age), `expert_outputs` and `failure_monitor` are ordered dicts of YAML
    scalars; `*_measured` say what the modelled latencies were rounded up from; `joints` the robot's
    arm joints, the bundle's state; `action_min` / `action_max` the bounds its chunks are checked
    against."""
    camera = f"""    width: {IMAGE}
    height: {IMAGE}
    resize: {{resize}}
    channel_order: rgb
    mean: {fmt(IMAGENET_MEAN)}
    std: {fmt(IMAGENET_STD)}
"""
    text = f"""# vla-ros policy bundle — written by {writer}; format: docs/policy-bundles.md
format: {BUNDLE_FORMAT}
name: {name}
description: >-
{"".join(f"  {line}" + chr(10) for line in description.split(chr(10)))}trained: {"true" if trained else "false"}
normalization: {normalization}

cameras:
  - name: scene
{camera.format(resize="crop")}  - name: wrist
{camera.format(resize="stretch")}
instruction:
  template: "{{instruction}}"
  tokenizer: {tokenizer}
  max_tokens: {MAX_TOKENS}
  pad_id: 0

state:
  joint_names: [{", ".join(joints)}]

vlm:
  model: {vlm_model}
  rate_hz: 2
  inputs:
    images: {{scene: image_scene, wrist: image_wrist}}
    token_ids: token_ids
    attention_mask: attention_mask
  latent_outputs: [latent_tokens, latent_pooled]
  # seconds: {vlm_measured}, rounded up
  modelled_latency: {vlm_latency}

expert:
  model: {expert_model}
  decoding:
{_entries(decoding, 4)}  inputs:
    latent: {{latent_tokens: prefix, latent_pooled: latent}}
    state: state
    latent_age: latent_age
{_entries(expert_inputs, 4)}  outputs:
{_entries(expert_outputs, 4)}  # seconds for a whole chunk decode: {expert_measured} (1 thread, 2-core CPU), rounded up
  modelled_latency: {expert_latency}

action:
  space: ee_delta
  rotation: euler_xyz
  gripper: absolute_continuous
  names: [{", ".join(ACTION_NAMES)}]
  horizon: {HORIZON}
  dt: 0.0333333333
  min: {fmt(action_min)}
  max: {fmt(action_max)}
"""
    if failure_monitor:
        text += "\nfailure_monitor:\n" + _entries(failure_monitor, 2)
    return text
