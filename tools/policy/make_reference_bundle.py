#!/usr/bin/python3
"""Builds vla-ros's reference policy bundles: small, UNTRAINED (random-init) models that follow
the bundle contract exactly (docs/policy-bundles.md), so that the whole runtime can run end to
end before anything is trained.

What it writes (under --out, default config/policies):

  reference/                     flow-matching expert (pi0 convention, 10 Euler steps)
    manifest.yaml  stats.json  tokenizer.json  tokenizer_config.json  README.md
    vlm.onnx                     2 cameras (scene, wrist 3x224x224) + 16 tokens -> latent_tokens [1,8,64], latent_pooled [1,128]
    expert_flow.onnx             x_t [1,16,7], t [1], state [1,7], latent_age [1], prefix, latent -> velocity [1,16,7], features [1,64]
  reference_regression/          OpenVLA-OFT-style regression expert; reuses ../reference/{vlm.onnx,tokenizer.json,stats.json}
    manifest.yaml  README.md  expert_regression.onnx
  reference_discrete_diffusion/  discrete-diffusion expert (256 bins, mask id 256, 12 rounds, cosine);
    manifest.yaml  README.md  stats.json  expert_dd.onnx          reuses ../reference/{vlm.onnx,tokenizer.json}

and a golden input/output fixture for the TypeScript tests (--fixture), tagged with each
model's sha256 so the tests skip it once the models are retrained.

How to run (Debian's python3 with python3-torch 1.13 and python3-onnx 1.12; CPU; a few seconds):

  /usr/bin/python3 tools/policy/make_reference_bundle.py --out config/policies

NOTE: config/policies/reference is now the TRAINED bundle (tools/policy/train_reference.py,
docs/training.md). Running this script over config/policies rewrites it with untrained weights; to
get the trained one back, run train_reference.py (or its --from-checkpoint) afterwards. The
regression and discrete-diffusion variants this script writes stay untrained;
tools/policy/train_expert_variant.py trains their experts over the trained reference VLM.

The output is deterministic: same seeds, same weights, same bytes. The architectures are small
but trainable (the simulator issue trains them with the same I/O); keep the I/O names and shapes
stable when changing them. Opset 13, float32, batch 1, static shapes.
"""

import argparse
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from vla_policy.contract import ACTION_DIM, ACTION_MAX, ACTION_MIN, HORIZON, LATENT_WIDTH, MAX_TOKENS, POOLED
from vla_policy.layers import Attention, Mlp, sinusoid
from vla_policy.manifest import manifest_yaml
from vla_policy.onnx_io import FIXTURE_ABOUT, export, flat, params, pattern_image, sha256, write
from vla_policy.tokenizer import TOKENIZER_CONFIG, tokenizer_json

D_MODEL = LATENT_WIDTH  # the models work at the width of the latent tokens
BINS = 256
MASK_ID = BINS
# The discrete-diffusion variant's decoding (manifest `expert.decoding`); train_expert_variant.py
# trains with the same rounds and schedule.
DD_DECODING = {"mode": "discrete_diffusion", "bins": BINS, "mask_id": MASK_ID, "rounds": 12, "schedule": "cosine",
               "temperature": 1.0, "secondary_remask_factor": 1.0}

# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class ConvEncoder(nn.Module):
    """One camera: 4 strided convs (224 -> 7x7x64), then a 4-query attention resampler -> 4 tokens."""

    def __init__(self, queries=4):
        super().__init__()
        self.convs = nn.ModuleList([
            nn.Conv2d(3, 16, 5, stride=4, padding=2),   # 56
            nn.Conv2d(16, 32, 3, stride=2, padding=1),  # 28
            nn.Conv2d(32, 48, 3, stride=2, padding=1),  # 14
            nn.Conv2d(48, D_MODEL, 3, stride=2, padding=1),  # 7
        ])
        self.pos = nn.Parameter(torch.randn(1, 49, D_MODEL) * 0.02)
        self.queries = nn.Parameter(torch.randn(1, queries, D_MODEL) * 0.02)
        self.norm = nn.LayerNorm(D_MODEL)
        self.pool = Attention(D_MODEL)

    def forward(self, image):
        x = image
        for conv in self.convs:
            x = F.gelu(conv(x))
        x = x.flatten(2).transpose(1, 2) + self.pos  # [1, 49, 64]
        return self.pool(self.queries, self.norm(x))  # [1, 4, 64]


class ReferenceVlm(nn.Module):
    """The 'VLM': per-camera CNN tokens fused with the instruction by one attention block."""

    def __init__(self, vocab):
        super().__init__()
        self.scene = ConvEncoder()
        self.wrist = ConvEncoder()
        self.camera = nn.Parameter(torch.randn(1, 2, 1, D_MODEL) * 0.02)
        self.embed = nn.Embedding(vocab, D_MODEL)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.text_pos = nn.Parameter(torch.randn(1, MAX_TOKENS, D_MODEL) * 0.02)
        self.norm1 = nn.LayerNorm(D_MODEL)
        self.attn = Attention(D_MODEL)
        self.norm2 = nn.LayerNorm(D_MODEL)
        self.mlp = Mlp(D_MODEL, 2 * D_MODEL)
        self.out_norm = nn.LayerNorm(D_MODEL)
        self.pooled = nn.Linear(2 * D_MODEL, POOLED)

    def forward(self, image_scene, image_wrist, token_ids, attention_mask):
        visual = torch.cat([self.scene(image_scene) + self.camera[:, 0], self.wrist(image_wrist) + self.camera[:, 1]], dim=1)
        mask = attention_mask.to(torch.float32)  # [1, 16]
        text = self.embed(token_ids) + self.text_pos  # [1, 16, 64]
        text_vec = (text * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        # visual tokens attend over [visual; instruction tokens]; padding is masked out
        kv = torch.cat([visual, text], dim=1)
        key_bias = torch.cat([torch.zeros_like(mask[:, :1]).expand(-1, visual.shape[1]), (mask - 1.0) * 1e4], dim=1)
        h = visual + self.attn(self.norm1(visual), self.norm1(kv), key_bias[:, None, None, :])
        h = h + self.mlp(self.norm2(h))
        latent_tokens = self.out_norm(h)
        latent_pooled = self.pooled(torch.cat([latent_tokens.mean(1), text_vec], dim=-1))
        return latent_tokens, latent_pooled


class Block(nn.Module):
    """Pre-norm transformer block: self-attention, cross-attention to the VLM prefix, MLP."""

    def __init__(self):
        super().__init__()
        self.n1 = nn.LayerNorm(D_MODEL)
        self.self_attn = Attention(D_MODEL)
        self.n2 = nn.LayerNorm(D_MODEL)
        self.cross = Attention(D_MODEL)
        self.n3 = nn.LayerNorm(D_MODEL)
        self.mlp = Mlp(D_MODEL, 2 * D_MODEL)

    def forward(self, h, prefix):
        x = self.n1(h)
        h = h + self.self_attn(x, x)
        h = h + self.cross(self.n2(h), prefix)
        return h + self.mlp(self.n3(h))


class ActionExpert(nn.Module):
    """Shared trunk of the three experts. Conditioning (pooled latent, state, latent age and, for
    flow, time) is embedded into one vector added to every action token (as pi0 mixes time into
    its action tokens); tokens cross-attend to the VLM's latent tokens (the 'prefix')."""

    def __init__(self, mode, joints=ACTION_DIM):
        super().__init__()
        self.mode = mode
        self.register_buffer("age_freqs", torch.tensor([2 * math.pi / p for p in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4)]))
        cond_in = POOLED + joints + 16
        if mode == "flow":
            self.register_buffer("time_freqs", torch.exp(torch.linspace(0.0, math.log(1000.0), 16)))
            cond_in += 32
        self.cond = nn.Sequential(nn.Linear(cond_in, D_MODEL), nn.GELU(), nn.Linear(D_MODEL, D_MODEL))
        if mode == "flow":
            self.action_in = nn.Linear(ACTION_DIM, D_MODEL)
            self.pos = nn.Parameter(torch.randn(1, HORIZON, D_MODEL) * 0.02)
        elif mode == "regression":
            self.queries = nn.Parameter(torch.randn(1, HORIZON, D_MODEL) * 0.02)
        else:
            self.token_embed = nn.Embedding(BINS + 1, D_MODEL)  # + the mask token
            nn.init.normal_(self.token_embed.weight, std=0.02)
            self.step_pos = nn.Parameter(torch.randn(1, HORIZON, 1, D_MODEL) * 0.02)
            self.dim_pos = nn.Parameter(torch.randn(1, 1, ACTION_DIM, D_MODEL) * 0.02)
        self.prefix_norm = nn.LayerNorm(D_MODEL)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.out_norm = nn.LayerNorm(D_MODEL)
        if mode == "discrete_diffusion":
            # logits = h . E[:256]^T + bias (weights tied to the token embedding). The bias starts
            # as a log-prior peaked on the centre bins (sigma 8 bins), so the untrained model
            # decodes near-zero actions instead of uniform noise over the whole range.
            centre = (BINS - 1) / 2.0
            self.logit_bias = nn.Parameter(torch.tensor([-0.5 * ((k - centre) / 8.0) ** 2 for k in range(BINS)]))
        else:
            self.head = nn.Linear(D_MODEL, ACTION_DIM)
            nn.init.normal_(self.head.weight, std=0.02)  # small outputs while untrained
            nn.init.zeros_(self.head.bias)

    def conditioning(self, state, latent_age, latent, t=None):
        parts = [latent, state, sinusoid(latent_age, self.age_freqs)]
        if t is not None:
            parts.append(sinusoid(t, self.time_freqs))
        return self.cond(torch.cat(parts, dim=-1))  # [1, 64]

    def trunk(self, h, prefix):
        p = self.prefix_norm(prefix)
        for block in self.blocks:
            h = block(h, p)
        h = self.out_norm(h)
        return h, h.mean(1)  # features: hidden states pooled over the action tokens


class FlowExpert(ActionExpert):
    def __init__(self):
        super().__init__("flow")

    def forward(self, x_t, t, state, latent_age, prefix, latent):
        c = self.conditioning(state, latent_age, latent, t)
        h = self.action_in(x_t) + self.pos + c[:, None, :]
        h, features = self.trunk(h, prefix)
        return self.head(h), features


class RegressionExpert(ActionExpert):
    def __init__(self, joints=ACTION_DIM):
        super().__init__("regression", joints)

    def forward(self, state, latent_age, prefix, latent):
        c = self.conditioning(state, latent_age, latent)
        h = self.queries + c[:, None, :]
        h, features = self.trunk(h, prefix)
        return self.head(h), features


class DiscreteDiffusionExpert(ActionExpert):
    def __init__(self, joints=ACTION_DIM):
        super().__init__("discrete_diffusion", joints)

    def forward(self, tokens, state, latent_age, prefix, latent):
        c = self.conditioning(state, latent_age, latent)
        pos = (self.step_pos + self.dim_pos).reshape(1, HORIZON * ACTION_DIM, D_MODEL)
        h = self.token_embed(tokens) + pos + c[:, None, :]
        h, features = self.trunk(h, prefix)
        logits = torch.matmul(h, self.token_embed.weight[:BINS].t()) + self.logit_bias
        return logits, features


# Placeholder statistics. State: FR3 home pose and a table-top spread. Actions (per-step ee
# deltas at 30 Hz): std 1 cm / 0.03 rad; gripper std 0.1 around 0.5 so that +-5 sigma of a
# normalised output stays inside [0, 1]: the untrained flow expert outputs ~N(0, 1) and must
# not have every chunk refused. Retraining replaces these with dataset statistics.
STATE_MEAN = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]
STATE_STD = [0.6, 0.5, 0.6, 0.5, 0.6, 0.5, 0.8]
ACTION_MEAN = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5]
ACTION_STD = [0.01, 0.01, 0.01, 0.03, 0.03, 0.03, 0.1]
# Discrete diffusion decodes bin centres in [-1, 1]: its statistics map [-1, 1] onto the bounds.
DD_ACTION_MEAN = [(lo + hi) / 2 for lo, hi in zip(ACTION_MIN, ACTION_MAX)]
DD_ACTION_STD = [(hi - lo) / 2 for lo, hi in zip(ACTION_MIN, ACTION_MAX)]


def stats_json(action_mean, action_std):
    return json.dumps({
        "state": {"mean": STATE_MEAN, "std": STATE_STD},
        "action": {"mean": action_mean, "std": action_std},
    }, indent=2) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="config/policies", help="folder that receives the bundle folders")
    ap.add_argument("--fixture", default="test/inference/decoders/fixtures/reference_bundle_io.json",
                    help="golden input/output file for the TypeScript tests ('' to skip)")
    opts = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    ref = os.path.join(opts.out, "reference")
    reg = os.path.join(opts.out, "reference_regression")
    dd = os.path.join(opts.out, "reference_discrete_diffusion")
    for d in (ref, reg, dd):
        os.makedirs(d, exist_ok=True)

    tok = tokenizer_json()
    vocab_size = len(tok["model"]["vocab"])
    write(os.path.join(ref, "tokenizer.json"), json.dumps(tok, indent=1, ensure_ascii=False) + "\n")
    write(os.path.join(ref, "tokenizer_config.json"), json.dumps(TOKENIZER_CONFIG, indent=2) + "\n")
    write(os.path.join(ref, "stats.json"), stats_json(ACTION_MEAN, ACTION_STD))
    write(os.path.join(dd, "stats.json"), stats_json(DD_ACTION_MEAN, DD_ACTION_STD))

    # Deterministic example inputs (also the golden fixture's inputs).
    g = torch.Generator().manual_seed(1234)
    image_scene = torch.from_numpy(pattern_image(7, 251))
    image_wrist = torch.from_numpy(pattern_image(13, 241))
    words = "touch the blue block".split()
    ids = [tok["model"]["vocab"][w] for w in words]
    token_ids = torch.tensor([ids + [0] * (MAX_TOKENS - len(ids))], dtype=torch.int64)
    attention_mask = torch.tensor([[1] * len(ids) + [0] * (MAX_TOKENS - len(ids))], dtype=torch.int64)

    torch.manual_seed(0)
    vlm = ReferenceVlm(vocab_size)
    latent_tokens, latent_pooled = export(
        vlm, (image_scene, image_wrist, token_ids, attention_mask),
        ["image_scene", "image_wrist", "token_ids", "attention_mask"], ["latent_tokens", "latent_pooled"],
        os.path.join(ref, "vlm.onnx"))

    state = torch.randn(1, ACTION_DIM, generator=g)
    latent_age = torch.tensor([0.25])
    x_t = torch.randn(1, HORIZON, ACTION_DIM, generator=g)
    t = torch.tensor([0.7])
    tokens = torch.randint(0, BINS, (1, HORIZON * ACTION_DIM), generator=g)
    tokens[0, ::3] = MASK_ID

    torch.manual_seed(1)
    flow = FlowExpert()
    velocity, flow_features = export(
        flow, (x_t, t, state, latent_age, latent_tokens, latent_pooled),
        ["x_t", "t", "state", "latent_age", "prefix", "latent"], ["velocity", "features"],
        os.path.join(ref, "expert_flow.onnx"))

    torch.manual_seed(2)
    regression = RegressionExpert()
    actions, reg_features = export(
        regression, (state, latent_age, latent_tokens, latent_pooled),
        ["state", "latent_age", "prefix", "latent"], ["actions", "features"],
        os.path.join(reg, "expert_regression.onnx"))

    torch.manual_seed(3)
    ddx = DiscreteDiffusionExpert()
    logits, dd_features = export(
        ddx, (tokens, state, latent_age, latent_tokens, latent_pooled),
        ["tokens", "state", "latent_age", "prefix", "latent"], ["logits", "features"],
        os.path.join(dd, "expert_dd.onnx"))

    untrained = dict(writer="tools/policy/make_reference_bundle.py", trained=False,
                     vlm_measured="measured p50 0.44 ms / p95 0.53 ms (onnxruntime-node, 1 thread, 2-core CPU)")
    features_out = {"features": "features"}
    write(os.path.join(ref, "manifest.yaml"), manifest_yaml(
        **untrained, name="reference",
        description="Reference bundle, UNTRAINED (random-init weights): a small two-camera CNN+attention 'VLM' and a "
        "pi0-style flow-matching action expert (10 Euler steps) following the bundle contract. Everything "
        "runs, nothing is learnt; made by tools/policy/make_reference_bundle.py.",
        expert_model="expert_flow.onnx", decoding={"mode": "flow", "steps": 10, "time_convention": "pi0"},
        expert_inputs={"actions": "x_t", "time": "t"}, expert_outputs={"actions": "velocity", **features_out},
        expert_latency=0.003, expert_measured="10 steps measured p50 1.1 ms / p95 1.5 ms", vlm_model="vlm.onnx",
        tokenizer="tokenizer.json", normalization="stats.json"))
    write(os.path.join(reg, "manifest.yaml"), manifest_yaml(
        **untrained, name="reference_regression",
        description="Reference bundle variant, UNTRAINED (random-init weights): the reference VLM with an OpenVLA-OFT-style "
        "regression expert (one forward pass per chunk). Made by tools/policy/make_reference_bundle.py.",
        expert_model="expert_regression.onnx", decoding={"mode": "regression"}, expert_inputs={},
        expert_outputs={"actions": "actions", **features_out},
        expert_latency=0.001, expert_measured="measured p50 0.10 ms / p95 0.14 ms", vlm_model="../reference/vlm.onnx",
        tokenizer="../reference/tokenizer.json", normalization="../reference/stats.json"))
    dd_decoding = DD_DECODING
    write(os.path.join(dd, "manifest.yaml"), manifest_yaml(
        **untrained, name="reference_discrete_diffusion",
        description="Reference bundle variant, UNTRAINED (random-init weights): the reference VLM with a discrete-diffusion "
        "expert (256 bins per dimension, MaskGIT-style decoding in 12 rounds, cosine schedule). Made by "
        "tools/policy/make_reference_bundle.py.",
        expert_model="expert_dd.onnx", decoding=dd_decoding, expert_inputs={"actions": "tokens"},
        expert_outputs={"actions": "logits", **features_out},
        expert_latency=0.015, expert_measured="12 rounds measured p50 8 ms / p95 11 ms (5 ms model, 3 ms host sampling)",
        vlm_model="../reference/vlm.onnx", tokenizer="../reference/tokenizer.json", normalization="stats.json"))
    write(os.path.join(ref, "README.md"), README_REFERENCE.format(
        vlm_params=params(vlm), flow_params=params(flow), vocab=vocab_size))
    write(os.path.join(reg, "README.md"), README_REGRESSION.format(params=params(regression)))
    write(os.path.join(dd, "README.md"), README_DD.format(params=params(ddx)))

    if opts.fixture:
        os.makedirs(os.path.dirname(opts.fixture), exist_ok=True)
        fixture = {
            "about": FIXTURE_ABOUT,
            "inputs": {
                "images": "value at flat index i: scene ((7 i) mod 251) / 125 - 1, wrist ((13 i) mod 241) / 120 - 1",
                "token_ids": token_ids.reshape(-1).tolist(),
                "attention_mask": attention_mask.reshape(-1).tolist(),
                "state": flat(state), "latent_age": flat(latent_age), "x_t": flat(x_t), "t": flat(t),
                "tokens": tokens.reshape(-1).tolist(),
                # the experts' latent inputs (this VLM's outputs; kept when train_reference.py
                # retrains the VLM, so the untrained variants' entries stay valid)
                "prefix": flat(latent_tokens), "latent": flat(latent_pooled),
            },
            "models": {
                "reference/vlm.onnx": {"sha256": sha256(os.path.join(ref, "vlm.onnx")),
                                       "latent_tokens": flat(latent_tokens), "latent_pooled": flat(latent_pooled)},
                "reference/expert_flow.onnx": {"sha256": sha256(os.path.join(ref, "expert_flow.onnx")),
                                               "velocity": flat(velocity), "features": flat(flow_features)},
                "reference_regression/expert_regression.onnx": {
                    "sha256": sha256(os.path.join(reg, "expert_regression.onnx")),
                    "actions": flat(actions), "features": flat(reg_features)},
                "reference_discrete_diffusion/expert_dd.onnx": {
                    "sha256": sha256(os.path.join(dd, "expert_dd.onnx")),
                    # logits are 28672 values: keep a strided sample (every 97th) and their sum
                    "logits_every_97": flat(logits)[::97], "logits_sum": float(logits.sum()),
                    "features": flat(dd_features)},
            },
        }
        write(opts.fixture, json.dumps(fixture) + "\n")

    for name, model in (("vlm", vlm), ("flow", flow), ("regression", regression), ("discrete_diffusion", ddx)):
        print(f"{name:20s} {params(model):8d} params ({params(model) * 4 / 1e6:.2f} MB float32)")
    for d in (ref, reg, dd):
        for f in sorted(os.listdir(d)):
            print(f"{os.path.join(d, f):70s} {os.path.getsize(os.path.join(d, f)):9d} bytes")


README_REFERENCE = """# reference — vla-ros's reference policy bundle (UNTRAINED)

**The weights are random (untrained).** The bundle exists so that the whole runtime — camera
preprocessing, tokenizer, slow pathway (VLM), latent buffer, fast pathway (flow decoding), chunk
checks — runs end to end with real ONNX models before anything is trained. Its actions are noise
(within the action bounds), not behaviour: never run it on a real robot. A later issue trains the
same architecture, with the same inputs and outputs, on the built-in simulator.

Made by `/usr/bin/python3 tools/policy/make_reference_bundle.py --out config/policies` (torch 1.13,
onnx 1.12, opset 13, fixed seeds: the output is byte-for-byte reproducible). Format:
[docs/policy-bundles.md](../../../docs/policy-bundles.md).

| file | what |
|---|---|
| manifest.yaml | the bundle manifest (`trained: false`) |
| stats.json | normalisation statistics (placeholders, see below) |
| tokenizer.json | HF tokenizers WordLevel model: lowercase normaliser, Whitespace pre-tokenizer, {vocab} entries, [PAD]=0, [UNK]=1 |
| tokenizer_config.json | `unk_token`/`pad_token` (tokenizers.js reads the unknown token of a WordLevel model from here) |
| vlm.onnx | the "VLM" ({vlm_params} parameters) |
| expert_flow.onnx | the flow-matching action expert ({flow_params} parameters), one denoising step per call |

## Inputs and outputs

| model | input | shape, type | output | shape, type |
|---|---|---|---|---|
| vlm.onnx | image_scene | [1,3,224,224] f32 (RGB, ImageNet-normalised, resize crop) | latent_tokens | [1,8,64] f32 |
| | image_wrist | [1,3,224,224] f32 (RGB, ImageNet-normalised, resize stretch) | latent_pooled | [1,128] f32 |
| | token_ids | [1,16] int64 (pad 0) | | |
| | attention_mask | [1,16] int64 (1 = token, 0 = pad) | | |
| expert_flow.onnx | x_t | [1,16,7] f32, noisy normalised chunk | velocity | [1,16,7] f32, dx/dt |
| | t | [1] f32, 1 = noise … 0 = actions (pi0) | features | [1,64] f32, hidden states pooled over the horizon |
| | state | [1,7] f32, normalised fr3_joint1..7 | | |
| | latent_age | [1] f32, seconds since the VLM's observation | | |
| | prefix | [1,8,64] f32 ← latent_tokens | | |
| | latent | [1,128] f32 ← latent_pooled | | |

Decoding: x at t = 1 is N(0, 1) noise, 10 Euler steps x ← x + dt·v with dt = −0.1 (t = 1, 0.9, …,
0.1 fed as `t`); the result is the normalised chunk, de-normalised as a = y·std + mean.

## Architecture

- VLM: per camera 4 strided convolutions (3→16→32→48→64 channels, 224 → 7×7) and a 4-query attention
  resampler → 4 tokens per camera (+ a camera embedding); instruction: token embedding (64) + position,
  masked mean; fusion: one pre-norm attention block in which the 8 visual tokens attend over
  themselves and the instruction tokens (padding masked), then an MLP (64→128→64). `latent_tokens` =
  LayerNorm of the 8 tokens; `latent_pooled` = Linear(mean of tokens ‖ instruction vector) → 128.
- Flow expert: conditioning vector = MLP(latent ‖ state ‖ sinusoidal(latent age) ‖ sinusoidal(t)) → 64,
  added to every action token (Linear(7→64)(x_t) + position); 2 pre-norm blocks (self-attention over
  the 16 action tokens, cross-attention to the LayerNorm'd prefix, MLP 64→128→64); velocity head
  Linear(64→7) initialised small (std 0.02); `features` = the final hidden states averaged over the horizon.

## Statistics (placeholders)

- state: mean = FR3 home pose [0, −0.785, 0, −2.356, 0, 1.571, 0.785], std 0.5–0.8 rad.
- action (per-step end-effector deltas at 30 Hz): mean 0 (gripper 0.5), std 0.01 m, 0.03 rad, and 0.1
  for the gripper so that ±5σ of a normalised output lies inside the bounds (±0.05 m, ±0.3 rad,
  gripper 0…1): the untrained expert outputs ≈ N(0, 1) noise, which must not get every chunk refused.
  Training replaces them with the dataset's statistics.

## Latencies

Measured with `node dist/tools/policy/bench_reference_bundles.js` (onnxruntime-node 1.30, one
intra-op thread, no spinning, 2-core CPU): VLM p50 0.44 ms / p95 0.53 ms; one flow-expert step
p50 0.11 ms; a whole 10-step flow decode p50 1.1 ms / p95 1.5 ms. `modelled_latency` (the compute time
virtual-time runs assume) is that, rounded up: VLM 0.002 s, expert (whole decode) 0.003 s. To emulate a
full-size VLA (e.g. a 3B VLM at 100–300 ms), raise `vlm.modelled_latency` in a copy of the bundle.
"""

README_REGRESSION = """# reference_regression — regression-expert variant of the reference bundle (UNTRAINED)

**Random (untrained) weights** — see ../reference/README.md. This variant swaps the flow expert for an
OpenVLA-OFT-style regression expert: one forward pass → the whole normalised chunk. It reuses the
reference VLM, tokenizer and statistics by relative path (`../reference/…`).

| model | input | shape, type | output | shape, type |
|---|---|---|---|---|
| expert_regression.onnx ({params} parameters) | state | [1,7] f32 | actions | [1,16,7] f32, normalised chunk |
| | latent_age | [1] f32 | features | [1,64] f32 |
| | prefix | [1,8,64] f32 ← latent_tokens | | |
| | latent | [1,128] f32 ← latent_pooled | | |

Architecture: the reference flow expert's trunk with 16 learned action queries instead of noisy
actions and no time input; head initialised small, so the untrained output is ≈ the action mean.
Latency (onnxruntime-node, 1 thread, 2-core CPU): one pass p50 0.10 ms / p95 0.14 ms →
`modelled_latency: 0.001`.
Made by `/usr/bin/python3 tools/policy/make_reference_bundle.py --out config/policies`.
"""

README_DD = """# reference_discrete_diffusion — discrete-diffusion variant of the reference bundle (UNTRAINED)

**Random (untrained) weights** — see ../reference/README.md. This variant uses a discrete-diffusion
expert (Discrete Diffusion VLA style): each of the 16×7 = 112 action values is a token over 256 bins
(mask id 256); the host decodes MaskGIT-style in 12 rounds with a cosine schedule and maps bin k to
the normalised value −1 + (2k+1)/256. It reuses the reference VLM and tokenizer (`../reference/…`).

| model | input | shape, type | output | shape, type |
|---|---|---|---|---|
| expert_dd.onnx ({params} parameters) | tokens | [1,112] int64, step-major (index = step·7 + dim), 256 = masked | logits | [1,112,256] f32 |
| | state | [1,7] f32 | features | [1,64] f32 |
| | latent_age | [1] f32 | | |
| | prefix | [1,8,64] f32 ← latent_tokens | | |
| | latent | [1,128] f32 ← latent_pooled | | |

Its own stats.json maps the binned range [−1, 1] exactly onto the action bounds (mean = (min+max)/2,
std = (max−min)/2), as binning tokenizers do. Architecture: the reference trunk over 112 tokens (token
embedding of 257 entries + step and dimension embeddings); logits tied to the token embedding plus a
bias initialised as a log-prior peaked on the centre bins (σ = 8 bins), so the untrained model decodes
small actions rather than uniform noise over the whole range.
Latency (onnxruntime-node, 1 thread, 2-core CPU): one call p50 0.42 ms; a whole 12-round decode p50 8 ms /
p95 11 ms, of which ≈3 ms is host-side sampling (softmax over 256 bins for every masked position) →
`modelled_latency: 0.015`.
Made by `/usr/bin/python3 tools/policy/make_reference_bundle.py --out config/policies`.
"""

if __name__ == "__main__":
    main()
