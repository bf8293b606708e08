#!/usr/bin/python3
"""Trains the expert of a reference variant bundle (regression or discrete diffusion) on the same
simulator demonstrations as the reference bundle, on top of that bundle's frozen VLM, and writes the
variant bundle.

Input: the `vla-ros sim collect` exports the reference bundle was trained on (--data, as for
train_reference.py) and that bundle (--vlm-bundle, a folder train_reference.py wrote): its VLM
weights and stats.json are loaded and FROZEN; the variant shares its vlm.onnx and tokenizer by
relative path. Only the expert of --kind is trained:

  regression          expert_regression.onnx  state [1,J], latent_age [1], prefix [1,8,64], latent [1,128]
                      -> actions [1,16,7] (normalised by the VLM bundle's stats.json, shared), features [1,64]
                      Loss: MSE on the normalised chunk.
  discrete_diffusion  expert_dd.onnx  tokens [1,112] int64 (step-major, 256 = masked) + the same conditioning
                      -> logits [1,112,256], features [1,64]; its own stats.json (see below).
                      Loss: masked-token cross-entropy, with the runtime's masking schedule.

The architectures are make_reference_bundle.py's (same I/O, names and sizes as the untrained
variants). Each training sample is what train_reference.py's flow expert sees: a tick's state and
chunk label with the latent of an earlier camera frame, 0-0.6 s old, and that age (sample_batch).
As the VLM is frozen, its latent of every frame is computed once and looked up.

Discrete diffusion, matched to nodes/inference/decoders/discrete_diffusion.ts:
  - tokens: the chunk normalised by the bundle's stats.json, bin k = floor((y + 1) / 2 * 256), clipped
    to 0..255, whose centre -1 + (2k + 1) / 256 is what the decoder maps the token back to. The
    stats.json maps [-1, 1] onto the range of the training labels per dimension (min..max, at least
    +-1 mm / 0.005 rad / 0.05, inside the action bounds), so the 256 bins cover what the expert does
    (binning tokenizers' choice) instead of the whole action bounds, where the demonstrations' moves
    (a few mm per step) would fall in a handful of bins;
  - masking: at round k of T the decoder's input has floor(L * schedule(k / T)) masked positions
    (L = 112; k = 0: all). A training sample draws k uniformly from 0..T-1 and masks that many
    positions at random (MaskGIT); the loss is the cross-entropy over the masked positions.

How to run (Debian's python3 with python3-torch 1.13 / python3-onnx 1.12, CPU; docs/training.md):

  /usr/bin/python3 tools/policy/train_expert_variant.py --kind regression \\
      --data /tmp/vla_data --vlm-bundle config/policies/reference --out config/policies/reference_regression
  /usr/bin/python3 tools/policy/train_expert_variant.py --kind discrete_diffusion \\
      --data /tmp/vla_data --vlm-bundle config/policies/reference --out config/policies/reference_discrete_diffusion

With --out inside config/policies/, the golden I/O fixture of the TypeScript tests gets the new
expert's entry (torch outputs on the fixture's inputs, tagged with the file's sha256).
"""

import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from make_reference_bundle import DD_DECODING, DiscreteDiffusionExpert, RegressionExpert
from train_reference import MAX_AGE, Dataset, ReferenceVlm, load_bundle_weights, sample_batch_from, split_episodes
from vla_policy.contract import ACTION_DIM, ACTION_MAX, ACTION_MIN, HORIZON, LATENT_TOKENS, LATENT_WIDTH
from vla_policy.manifest import manifest_yaml
from vla_policy.onnx_io import export, flat, params, sha256, update_fixture_models, write
from vla_policy.tokenizer import SPECIAL, WORDS

KINDS = {
    "regression": {"name": "reference_regression", "model": "expert_regression.onnx"},
    "discrete_diffusion": {"name": "reference_discrete_diffusion", "model": "expert_dd.onnx"},
}
# Batch and length per kind: a discrete-diffusion sample is 112 tokens through the trunk, a
# regression sample 16.
KIND_DEFAULTS = {"regression": {"steps": 2000, "frames": 32}, "discrete_diffusion": {"steps": 1000, "frames": 16}}
L = HORIZON * ACTION_DIM
BINS = DD_DECODING["bins"]
MASK_ID = DD_DECODING["mask_id"]
# Smallest half-range of a discrete-diffusion dimension (constant columns, e.g. roll and pitch):
# translation 1 mm, rotation 0.005 rad, gripper 0.05 (train_reference.py's statistics floors).
DD_MIN_HALF_RANGE = [1e-3] * 3 + [5e-3] * 3 + [0.05]
# The regression head is clamped in the graph to the action bounds less 1 % of their width: its
# gripper label sits 0.05 from a bound, and an overshoot would get the whole chunk refused.
CLAMP_MARGIN = 0.01
FIXTURE = "test/inference/decoders/fixtures/reference_bundle_io.json"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------------------------------
# Decoding contract (discrete diffusion)
# --------------------------------------------------------------------------------------------


def schedule(x):
    return math.cos(math.pi / 2 * x) if DD_DECODING["schedule"] == "cosine" else 1 - x


def masked_counts():
    """Masked positions in the model's input at each round k of the decoder: L, then what round
    k-1 left masked, floor(L * schedule(k / T)) (keepMaskedCount in discrete_diffusion.ts)."""
    rounds = DD_DECODING["rounds"]
    return [L] + [min(L, max(0, math.floor(L * schedule(k / rounds)))) for k in range(1, rounds)]


def dd_statistics(data, train_ticks, stats):
    """The VLM bundle's state statistics; actions: [-1, 1] onto the labels' range per dimension."""
    a = data.action[train_ticks].astype(np.float64)
    lo, hi = a.min(0), a.max(0)
    mid = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2, DD_MIN_HALF_RANGE)
    lo = np.maximum(mid - half, ACTION_MIN)
    hi = np.minimum(mid + half, ACTION_MAX)
    return {"state": stats["state"], "action": {"mean": ((lo + hi) / 2).tolist(), "std": ((hi - lo) / 2).tolist()}}


def to_tokens(chunk):
    """Normalised chunk [B,H,D] (in [-1, 1]) -> step-major token ids [B,H*D]: the nearest bin centre."""
    k = torch.floor((chunk.reshape(chunk.shape[0], -1) + 1) / 2 * BINS)
    return k.clamp(0, BINS - 1).long()


def mask_tokens(tokens, gen, counts):
    """Per sample a round k ~ U{0..T-1}, counts[k] positions masked at random -> (input ids, mask)."""
    b = tokens.shape[0]
    n = torch.tensor(counts)[torch.randint(0, len(counts), (b,), generator=gen)]
    rank = torch.rand(b, L, generator=gen).argsort(1).argsort(1)
    mask = rank < n.view(-1, 1)
    return torch.where(mask, torch.full_like(tokens, MASK_ID), tokens), mask


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class ClampedRegression(nn.Module):
    """The regression expert with its normalised output clamped to (the action bounds less
    CLAMP_MARGIN), as exported. Trained unclamped (the labels are inside)."""

    def __init__(self, joints, stats):
        super().__init__()
        self.expert = RegressionExpert(joints)
        mean = np.array(stats["action"]["mean"])
        std = np.array(stats["action"]["std"])
        width = np.array(ACTION_MAX) - np.array(ACTION_MIN)
        lo = (np.array(ACTION_MIN) + CLAMP_MARGIN * width - mean) / std
        hi = (np.array(ACTION_MAX) - CLAMP_MARGIN * width - mean) / std
        self.register_buffer("lo", torch.tensor(lo, dtype=torch.float32).view(1, 1, ACTION_DIM))
        self.register_buffer("hi", torch.tensor(hi, dtype=torch.float32).view(1, 1, ACTION_DIM))

    def forward(self, state, latent_age, prefix, latent):
        actions, features = self.expert(state, latent_age, prefix, latent)
        return torch.minimum(torch.maximum(actions, self.lo), self.hi), features


def frame_latents(data, vlm, batch=256):
    """The frozen VLM's latent_tokens [N,8,64] and latent_pooled [N,128] of every camera frame."""
    n = len(data.frame_tick)
    tokens = torch.zeros(n, LATENT_TOKENS, LATENT_WIDTH)
    pooled = torch.zeros(n, 128)
    vlm.eval()
    with torch.no_grad():
        for s in range(0, n, batch):
            f = np.arange(s, min(n, s + batch))
            ep = data.frame_episode[f]
            scene, wrist = data.images_float(f)
            t, p = vlm(scene, wrist, torch.from_numpy(data.tokens[ep]), torch.from_numpy(data.masks[ep]))
            tokens[f], pooled[f] = t, p
    return tokens, pooled


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def batch(data, frames, rng, per_frame, stats, latents):
    b = sample_batch_from(data, frames, rng, per_frame, stats)
    f = torch.from_numpy(np.asarray(frames))[b["owner"]]
    return b, latents[0][f], latents[1][f]


def loss(kind, expert, b, prefix, latent, gen, counts):
    """(loss, metric): regression MSE and its RMS in std units; DD masked cross-entropy (nats) and
    the share of masked tokens whose most likely bin is within 2 bins of the label."""
    if kind == "regression":
        actions, _ = expert.expert(b["state"], b["age"], prefix, latent)
        mse = F.mse_loss(actions, b["chunk"])
        return mse, math.sqrt(mse.item())
    target = to_tokens(b["chunk"])
    tokens, mask = mask_tokens(target, gen, counts)
    logits, _ = expert(tokens, b["state"], b["age"], prefix, latent)
    ce = F.cross_entropy(logits[mask], target[mask])
    near = ((logits[mask].argmax(-1) - target[mask]).abs() <= 2).float().mean().item()
    return ce, near


def token_log_prior(data, ticks, stats):
    """log of each bin's share of the training labels' tokens (all dimensions; +1 smoothing)."""
    a = (data.action[ticks] - np.array(stats["action"]["mean"], np.float32)) / np.array(stats["action"]["std"], np.float32)
    n = torch.bincount(to_tokens(torch.from_numpy(a.astype(np.float32)).view(-1, 1, ACTION_DIM)).view(-1), minlength=BINS).float() + 1
    return torch.log(n / n.sum())


def train(data, opts, stats, latents, train_frames, train_ticks, val_frames):
    rng = np.random.default_rng(opts.seed + 2)
    torch.manual_seed(opts.seed)
    gen = torch.Generator().manual_seed(opts.seed)
    counts = masked_counts()
    joints = len(data.joints)
    if opts.kind == "regression":
        expert = ClampedRegression(joints, stats)
    else:
        expert = DiscreteDiffusionExpert(joints)
        # The untrained model's logit bias is a prior peaked on the centre bins (-126 nats at the
        # ends, where the gripper's labels are): start from the labels' token frequencies instead.
        with torch.no_grad():
            expert.logit_bias.copy_(token_log_prior(data, train_ticks, stats))
    opt = torch.optim.AdamW(expert.parameters(), lr=opts.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=opts.lr, total_steps=opts.steps, pct_start=max(0.05, 2 / opts.steps))
    vrng = np.random.default_rng(opts.seed + 1)
    val_batches = [batch(data, vrng.choice(val_frames, opts.frames), vrng, opts.per_frame, stats, latents) for _ in range(4)]
    history = []
    started = time.time()
    for step in range(1, opts.steps + 1):
        expert.train()
        b, prefix, latent = batch(data, rng.choice(train_frames, opts.frames), rng, opts.per_frame, stats, latents)
        value, metric = loss(opts.kind, expert, b, prefix, latent, gen, counts)
        opt.zero_grad()
        value.backward()
        torch.nn.utils.clip_grad_norm_(expert.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % opts.log_every == 0 or step == opts.steps:
            expert.eval()
            vgen = torch.Generator().manual_seed(123)
            with torch.no_grad():
                vl = [loss(opts.kind, expert, vb, vp, vlat, vgen, counts) for vb, vp, vlat in val_batches]
            vv = float(np.mean([x[0].item() for x in vl]))
            vm = float(np.mean([x[1] for x in vl]))
            el = time.time() - started
            history.append({"step": step, "train_loss": value.item(), "train_metric": metric, "val_loss": vv, "val_metric": vm,
                            "seconds": el})
            what = "rms (std)" if opts.kind == "regression" else "within 2 bins"
            print(f"step {step:5d}  loss {value.item():.4f} {what} {metric:.3f} | val loss {vv:.4f} {what} {vm:.3f}  {el:.0f} s", flush=True)
    return expert, history, time.time() - started


# --------------------------------------------------------------------------------------------
# Bundle
# --------------------------------------------------------------------------------------------


README = """# {name} — {what} variant of the reference bundle (TRAINED in the simulator)

The reference bundle's VLM ({vlm_rel}/vlm.onnx, frozen, shared with its tokenizer{shared_stats} by
relative path) with {expert_text}, **trained** by imitation on the same simulator demonstrations as
the reference bundle's flow expert. **Simulation only; never run it on a real robot.** Pipeline and
commands: [docs/training.md](../../../docs/training.md). Format: [docs/policy-bundles.md](../../../docs/policy-bundles.md).

| model | input | shape, type | output | shape, type |
|---|---|---|---|---|
{table}

## How it was made

```bash
{command}
```

- Data: {data_text}; {train_episodes} usable episodes for training and {val_episodes} held out (the
  VLM bundle's split: same seed and fraction); {ticks} ticks at 30 Hz, {frames} camera frames.
- VLM: `{vlm_bundle}` (sha256 of vlm.onnx {vlm_sha:.12}…), frozen; its latent of every frame computed
  once ({latent_seconds:.0f} s).
- Training: {steps} AdamW steps (one-cycle lr {lr}) of {frames_per_batch} frames × {per_frame} ticks each
  (latent ages 0–{max_age} s, as the flow expert's), {train_minutes:.1f} min on a 2-core CPU shared with
  other jobs (torch 1.13, {threads} thread(s)). {result}

## Architecture

make_reference_bundle.py's variant expert ({params} parameters): conditioning MLP(latent_pooled ‖ state ‖
sinusoidal latent age) added to every action token; two pre-norm transformer blocks (self-attention,
cross-attention to latent_tokens, MLP), width 64; `features` = the tokens' mean. {arch}
"""


def write_bundle(out, kind, expert, stats, info, opts):
    os.makedirs(out, exist_ok=True)
    spec = KINDS[kind]
    vlm_rel = os.path.relpath(os.path.abspath(opts.vlm_bundle), os.path.abspath(out))
    joints = info["joints"]
    j = len(joints)
    latent_tokens, latent_pooled = info.pop("example_latent")
    state = torch.zeros(1, j)
    age = torch.tensor([0.2])
    path = os.path.join(out, spec["model"])
    expert.eval()
    tasks = ", ".join(info["tasks"])
    robot = {"fr3": "FR3", "ur5e": "UR5e"}.get(info["robot"], info["robot"])
    common = dict(writer="tools/policy/train_expert_variant.py", name=opts.name, trained=True, joints=joints,
                  vlm_measured="measured p50 0.25 ms / p95 0.48 ms (bench_reference_bundles.js, 1 thread, 2-core CPU)",
                  vlm_model=f"{vlm_rel}/vlm.onnx", tokenizer=f"{vlm_rel}/tokenizer.json")
    trained_on = (f"TRAINED in the built-in simulator ({robot}; {tasks}) on\n{info['episodes']} episodes, on the frozen VLM of "
                  f"{vlm_rel}/ (shared by relative path)")
    if kind == "regression":
        export(expert, (state, age, latent_tokens, latent_pooled), ["state", "latent_age", "prefix", "latent"],
               ["actions", "features"], path)
        manifest = manifest_yaml(
            **common, normalization=f"{vlm_rel}/stats.json",
            description=f"Reference bundle variant, {trained_on}: an OpenVLA-OFT-style regression expert\n"
            "(one forward pass per chunk). Made by tools/policy/train_expert_variant.py. Simulation only: never run it on a real robot.",
            expert_model=spec["model"], decoding={"mode": "regression"}, expert_inputs={},
            expert_outputs={"actions": "actions", "features": "features"},
            expert_latency=0.001, expert_measured="measured p50 0.10 ms / p95 0.14 ms")
        table = (f"| {spec['model']} ({params(expert)} parameters) | state | [1,{j}] f32 | actions | [1,16,7] f32, normalised chunk |\n"
                 "| | latent_age | [1] f32 | features | [1,64] f32 |\n"
                 "| | prefix | [1,8,64] f32 ← latent_tokens | | |\n| | latent | [1,128] f32 ← latent_pooled | | |")
        last = info["history"][-1]
        result = (f"Loss: MSE of the normalised chunk (std units of {vlm_rel}/stats.json); final held-out RMS error "
                  f"{last['val_metric']:.3f} std.")
        arch = ("16 learned action queries; a linear head → the normalised chunk, clamped in the graph to the action "
                "bounds less 1 % of their width (the gripper label sits 0.05 from a bound: an overshoot would get the "
                "whole chunk refused). One pass per chunk: `modelled_latency: 0.001`.")
        what, expert_text, shared_stats = "regression-expert", "an OpenVLA-OFT-style regression expert (one forward pass → the whole normalised chunk)", " and statistics"
    else:
        tokens = torch.full((1, L), MASK_ID, dtype=torch.int64)
        export(expert, (tokens, state, age, latent_tokens, latent_pooled), ["tokens", "state", "latent_age", "prefix", "latent"],
               ["logits", "features"], path)
        write(os.path.join(out, "stats.json"), json.dumps(stats, indent=1) + "\n")
        d = DD_DECODING
        manifest = manifest_yaml(
            **common, normalization="stats.json",
            description=f"Reference bundle variant, {trained_on}: a discrete-diffusion expert (256 bins per\n"
            f"dimension, MaskGIT-style decoding in {d['rounds']} rounds, {d['schedule']} schedule). Made by "
            "tools/policy/train_expert_variant.py. Simulation only: never run it on a real robot.",
            expert_model=spec["model"], decoding=d, expert_inputs={"actions": "tokens"},
            expert_outputs={"actions": "logits", "features": "features"},
            expert_latency=0.015, expert_measured="12 rounds measured p50 8 ms / p95 11 ms (5 ms model, 3 ms host sampling)")
        table = (f"| {spec['model']} ({params(expert)} parameters) | tokens | [1,112] int64, step-major (index = step·7 + dim), "
                 f"{MASK_ID} = masked | logits | [1,112,{BINS}] f32 |\n"
                 f"| | state | [1,{j}] f32 | features | [1,64] f32 |\n| | latent_age | [1] f32 | | |\n"
                 "| | prefix | [1,8,64] f32 ← latent_tokens | | |\n| | latent | [1,128] f32 ← latent_pooled | | |")
        last = info["history"][-1]
        lo = [m - s for m, s in zip(stats["action"]["mean"], stats["action"]["std"])]
        hi = [m + s for m, s in zip(stats["action"]["mean"], stats["action"]["std"])]
        rng_text = ", ".join(f"{n} [{a:.4g}, {b:.4g}]" for n, a, b in zip(["x", "y", "z", "roll", "pitch", "yaw", "gripper"], lo, hi))
        result = (f"Loss: cross-entropy of the masked tokens, {d['rounds']} masking levels as the decoder's rounds "
                  f"({d['schedule']} schedule); final held-out {last['val_loss']:.3f} nats, "
                  f"{last['val_metric']:.1%} of masked tokens' most likely bin within 2 bins of the label.")
        arch = (f"Token embedding of {BINS + 1} entries + step and dimension embeddings; logits tied to the token "
                "embedding plus a bias. Its own stats.json: state as the VLM bundle's; actions map the bins' range "
                f"[−1, 1] onto the training labels' range per dimension ({rng_text}; bin k → −1 + (2k+1)/{BINS}), "
                "inside the action bounds, so every decoded chunk is. A decode is 12 calls (≈8 ms): `modelled_latency: 0.015`.")
        what, expert_text, shared_stats = "discrete-diffusion", (
            f"a discrete-diffusion expert (Discrete Diffusion VLA style: each of the 16×7 = 112 action values a token over "
            f"{BINS} bins, mask id {MASK_ID}, decoded by the host MaskGIT-style in {d['rounds']} rounds, {d['schedule']} schedule)"), ""
    write(os.path.join(out, "manifest.yaml"), manifest)
    o = info["options"]
    data_dirs = " ".join(info["data"])
    command = (f"/usr/bin/python3 tools/policy/train_expert_variant.py --kind {kind} --data {data_dirs} \\\n"
               f"    --vlm-bundle {opts.vlm_bundle} --steps {o['steps']} --frames {o['frames']} --per-frame {o['per_frame']} "
               f"--lr {o['lr']} --threads {o['threads']} --out {out}")
    exports = info["exports"]
    expert_eps = sum(x["episodes"] for x in exports if not x["policy"])
    policy_eps = sum(x["episodes"] for x in exports if x["policy"])
    data_text = f"{expert_eps} scripted-expert episodes" + (f" and {policy_eps} on-policy (DAgger) episodes" if policy_eps else "")
    write(os.path.join(out, "README.md"), README.format(
        name=opts.name, what=what, vlm_rel=vlm_rel, shared_stats=shared_stats, expert_text=expert_text, table=table,
        command=command, data_text=data_text, train_episodes=info["train_episodes"], val_episodes=info["val_episodes"],
        ticks=info["ticks"], frames=info["frames"], vlm_bundle=opts.vlm_bundle, vlm_sha=info["vlm_sha256"],
        latent_seconds=info["latent_seconds"], steps=o["steps"], lr=o["lr"], frames_per_batch=o["frames"],
        per_frame=o["per_frame"], max_age=MAX_AGE, train_minutes=info["train_seconds"] / 60, threads=o["threads"],
        result=result, params=params(expert), arch=arch))
    info["expert_params"] = params(expert)
    write(os.path.join(out, "training.json"), json.dumps(info, indent=1) + "\n")
    print(f"{kind} expert, {params(expert)} params -> {out}")


def update_fixture(path, out, kind, expert):
    """Rewrites this variant's entry of the TypeScript tests' golden I/O fixture: torch's outputs on
    the fixture's inputs, tagged with the new file's sha256, so the tests compare onnxruntime-node
    with torch on the committed model."""
    model = KINDS[kind]["model"]
    key = f"{os.path.basename(os.path.abspath(out))}/{model}"

    def entries(g):
        cond = (torch.tensor([g["state"]]), torch.tensor(g["latent_age"]), torch.tensor(g["prefix"]).view(1, LATENT_TOKENS, LATENT_WIDTH),
                torch.tensor([g["latent"]]))
        entry = {"sha256": sha256(os.path.join(out, model))}
        expert.eval()
        with torch.no_grad():
            if kind == "regression":
                actions, features = expert(*cond)
                entry.update({"actions": flat(actions), "features": flat(features)})
            else:
                logits, features = expert(torch.tensor([g["tokens"]]), *cond)
                entry.update({"logits_every_97": flat(logits)[::97], "logits_sum": float(logits.sum()), "features": flat(features)})
        return {key: entry}

    update_fixture_models(path, entries)
    print(f"fixture {path}: {key}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", required=True, choices=sorted(KINDS))
    ap.add_argument("--data", required=True, nargs="+", help="the `vla-ros sim collect` exports the VLM bundle was trained on")
    ap.add_argument("--vlm-bundle", required=True, help="a bundle train_reference.py wrote: its VLM and stats.json, frozen")
    ap.add_argument("--out", default="", help="the variant bundle folder (default config/policies/<name>)")
    ap.add_argument("--name", default="", help="the bundle's name (default reference_regression / reference_discrete_diffusion)")
    ap.add_argument("--steps", type=int, default=None, help=f"default: {KIND_DEFAULTS['regression']['steps']} (regression), "
                    f"{KIND_DEFAULTS['discrete_diffusion']['steps']} (discrete diffusion: 112 tokens a sample, ~8x the cost)")
    ap.add_argument("--frames", type=int, default=None, help=f"camera frames per batch (default {KIND_DEFAULTS['regression']['frames']}, "
                    f"{KIND_DEFAULTS['discrete_diffusion']['frames']})")
    ap.add_argument("--per-frame", type=int, default=4, help="ticks (latent ages) per frame")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=None, help="default: the VLM bundle's (same held-out episodes)")
    ap.add_argument("--val-fraction", type=float, default=None, help="default: the VLM bundle's")
    ap.add_argument("--max-turn", type=float, default=None, help="default: the VLM bundle's (train_reference.py --max-turn)")
    ap.add_argument("--log-every", type=int, default=250)
    ap.add_argument("--latent-cache", default="",
                    help="file for the frozen VLM's frame latents (computed and saved if missing or made from another "
                    "VLM / data): training both kinds computes them once")
    ap.add_argument("--fixture", default="auto",
                    help="golden I/O fixture of the TypeScript tests to update; 'auto': "
                    f"{FIXTURE} when --out is in this repository's config/policies, else none; '' for none")
    opts = ap.parse_args()
    torch.set_num_threads(opts.threads)
    for key, value in KIND_DEFAULTS[opts.kind].items():
        if getattr(opts, key) is None:
            setattr(opts, key, value)
    opts.name = opts.name or KINDS[opts.kind]["name"]
    opts.out = opts.out or os.path.join("config/policies", opts.name)

    w = load_bundle_weights(opts.vlm_bundle)
    vo = w["info"].get("options", {})
    for key, default in (("seed", 0), ("val_fraction", 0.05), ("max_turn", 0.066)):
        if getattr(opts, key) is None:
            setattr(opts, key, vo.get(key, default))
    data = Dataset(opts.data, opts.max_turn)
    if data.joints != w["info"].get("joints", data.joints):
        raise SystemExit(f"{opts.vlm_bundle}: its joints {w['info']['joints']} are not the data's {data.joints}")
    print(f"{len(data.episodes)} episodes, {len(data.state)} ticks, {len(data.frame_tick)} frames", flush=True)
    vlm = ReferenceVlm(len(SPECIAL) + len(WORDS))
    vlm.load_state_dict(w["vlm"])
    for p in vlm.parameters():
        p.requires_grad_(False)

    train_eps, val_eps = split_episodes(data, np.random.default_rng(opts.seed), opts.val_fraction)
    train_frames = np.nonzero(np.isin(data.frame_episode, train_eps))[0]
    val_frames = np.nonzero(np.isin(data.frame_episode, val_eps))[0]
    train_ticks = np.nonzero(np.isin(data.tick_episode, train_eps))[0]
    stats = w["stats"] if opts.kind == "regression" else dd_statistics(data, train_ticks, w["stats"])

    started = time.time()
    vlm_sha = sha256(os.path.join(opts.vlm_bundle, "vlm.onnx"))
    key = {"vlm_sha256": vlm_sha, "data": [os.path.abspath(d) for d in opts.data], "frames": int(len(data.frame_tick))}
    cached = torch.load(opts.latent_cache) if opts.latent_cache and os.path.exists(opts.latent_cache) else None
    if cached is not None and cached["key"] == key:
        latents = cached["latents"]
        print(f"latents from {opts.latent_cache}", flush=True)
    else:
        latents = frame_latents(data, vlm)
        if opts.latent_cache:
            torch.save({"key": key, "latents": latents}, opts.latent_cache)
    latent_seconds = time.time() - started
    print(f"latents of {len(data.frame_tick)} frames: {latent_seconds:.0f} s", flush=True)
    expert, history, seconds = train(data, opts, stats, latents, train_frames, train_ticks, val_frames)
    info = {
        "kind": opts.kind, "episodes": len(data.episodes), "train_episodes": len(train_eps), "val_episodes": len(val_eps),
        "ticks": int(len(data.state)), "frames": int(len(data.frame_tick)), "latent_seconds": latent_seconds,
        "train_seconds": seconds, "history": history, "exports": data.exports, "robot": data.robot, "joints": data.joints,
        "tasks": sorted({e["task"] for e in data.episodes}), "data": [os.path.abspath(d) for d in opts.data],
        "vlm_bundle": os.path.abspath(opts.vlm_bundle), "vlm_sha256": vlm_sha,
        "options": {k: v for k, v in vars(opts).items() if k not in ("data", "out", "fixture", "vlm_bundle", "latent_cache")},
        "example_latent": (latents[0][:1], latents[1][:1]),
    }
    write_bundle(opts.out, opts.kind, expert, stats, info, opts)
    fixture = opts.fixture
    if fixture == "auto":
        policies = os.path.join(REPO, "config", "policies")
        fixture = os.path.join(REPO, FIXTURE) if os.path.dirname(os.path.abspath(opts.out)) == policies else ""
    if fixture:
        update_fixture(fixture, opts.out, opts.kind, expert)


if __name__ == "__main__":
    main()
