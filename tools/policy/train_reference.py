#!/usr/bin/python3
"""Trains vla-ros's reference policy on simulator demonstrations and writes the policy bundle.

Input: an export of `vla-ros sim collect` (index.json + flat binary arrays, see
nodes/sim/dataset_export.ts). Output (--out, default config/policies/reference):

  vlm.onnx          image_scene, image_wrist [1,3,224,224] f32, token_ids, attention_mask [1,16] int64
                    -> latent_tokens [1,8,64], latent_pooled [1,128]
  expert_flow.onnx  x_t [1,16,7], t [1], state [1,7], latent_age [1], prefix [1,8,64], latent [1,128]
                    -> velocity [1,16,7], features [1,64]          (pi0 flow matching, one Euler step)
  stats.json  tokenizer.json  tokenizer_config.json  manifest.yaml (trained: true)  README.md
  training.json     what the README reports (data size, time, losses), machine-readable

The I/O is the reference bundle contract (docs/policy-bundles.md), so the runtime, the regression
and discrete-diffusion variants and every tool keep working. How to run (Debian's python3 with
python3-torch 1.13 / python3-onnx 1.12, CPU, a few minutes):

  node tools/vla-ros.js sim collect --out /tmp/vla_data --episodes 500 --seed 1000
  /usr/bin/python3 tools/policy/train_reference.py --data /tmp/vla_data --out config/policies/reference

Model ("VLM-shaped" encoder + flow-matching action expert):
  - images: the bundle's 224x224 tensors are average-pooled 4x4 (the dataset stores exactly these
    pooled tensors); per camera a small CNN whose middle layer is FiLM-modulated by the instruction,
    then a spatial soft-argmax over 16 keypoint maps (where things are) and channel means (what is
    there): 64 numbers per camera;
  - instruction: token embeddings, masked mean, MLP (word order is not needed by these tasks);
  - latent_pooled = [aux (6) || MLP(scene || wrist || instruction) (122)]; latent_tokens = Linear of the
    concatenation -> 8x64. aux is supervised to be the task object's position (absolute, and relative to
    the end effector; privileged simulator state at training time only): a perception bottleneck;
  - expert: conditioning MLP(latent || mean(prefix) || state || sin(latent age) || sin(t)), then a
    residual MLP over the flattened noisy chunk; velocity head; `features` = a 64-d projection of the
    last hidden layer (what SAFE reads).
Training: flow matching in pi0's convention (x_t = t*noise + (1-t)*a, target v = noise - a, t ~ U(0,1));
each sample pairs a tick's state and chunk with the latent of an earlier frame, 0-0.6 s old (the VLM
runs at 2 Hz), and the expert is given that age, so it is latent-age aware. Loss = flow matching +
the auxiliary object-position loss on latent_pooled[:6]. AdamW,
cosine learning rate, fixed seeds, torch threads = --threads.
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

from vla_policy.contract import (ACTION_DIM, ACTION_MAX, ACTION_MIN, FEATURES, HORIZON, IMAGE, IMAGENET_MEAN, IMAGENET_STD, JOINTS, LATENT_TOKENS,
                                 LATENT_WIDTH, MAX_TOKENS, POOLED)
from vla_policy.layers import sinusoid
from vla_policy.manifest import manifest_yaml
from vla_policy.onnx_io import export, flat, params, pattern_image, sha256, update_fixture_models, write
from vla_policy.tokenizer import SPECIAL, TOKENIZER_CONFIG, WORDS, tokenize, tokenizer_json

POOL = 4
KEYPOINTS = 16
QUERIES = 4
QUERY_WIDTH = 16
QUERY_SCALE = 10.0
CAMERA_FEATURES = 2 * KEYPOINTS + 32 + 3 * QUERIES
AUX = 6
ACTION_DT = 1.0 / 30.0
MAX_AGE = 0.6
# The expert's gripper command is 0 or 1, exactly on the bounds; sampled chunks would cross them by
# a hair and get refused. Targets are squeezed into [0.05, 0.95] (0.05: a closed gripper, ~4 mm);
# where the gripper opens and closes within a task (lift), flow samples overshoot a target by up to
# ~0.06, so the recipe's second stage squeezes further (--gripper-margin).
GRIPPER_MARGIN = 0.05
# Where the sampled chunks disagree on the instant the gripper closes, single values still overshoot
# the bounds by up to ~0.2; the gripper is absolute_continuous, which the bridge clips to [0, 1]
# (crisp_gym's semantics), so the manifest declares the gripper's bounds that much wider: a chunk is
# refused only for values no sampling spread explains.
GRIPPER_OVERSHOOT = 0.25
# Weight of the colour queries' object-pixel cross-entropy (ColourQuery).
PIXEL_WEIGHT = 0.1
OBJECT_CENTRE = [0.5, 0.0, 0.03]
TASK_TEXT = {"push_left": "push the <colour> <cube|block> to the left", "push_right": "push the <colour> <cube|block> to the right",
             "push_forward": "move the <colour> <cube|block> forward", "touch": "touch the <colour> <cube|block>",
             "lift": "lift the <colour> <cube|block>"}

# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def read_index(folder):
    with open(os.path.join(folder, "index.json")) as f:
        return json.load(f)


def read_export(folder):
    """One `vla-ros sim collect` export: its index.json and arrays."""
    ix = read_index(folder)
    types = {"float32": np.float32, "uint8": np.uint8, "int32": np.int32}
    arrays = {}
    for field in ix["fields"]:
        # (a collection still running may have appended past what index.json describes)
        a = np.fromfile(os.path.join(folder, field["file"]), dtype=types[field["type"]], count=int(np.prod(field["shape"])))
        arrays[field["file"][:-4]] = a.reshape(field["shape"])
    return ix, arrays


def aggregate(folders):
    """Several exports as one (DAgger aggregation): arrays concatenated, episodes re-based."""
    parts = [read_export(f) for f in folders]
    ix = dict(parts[0][0])
    for f, (other, _) in zip(folders, parts):
        for key in ("joint_names", "cameras", "action_names"):
            if other[key] != ix[key]:
                raise SystemExit(f"{f}: {key} differ from {folders[0]}'s; exports must share them to be aggregated")
    episodes = []
    ticks = frames = 0
    for f, (other, arrays) in zip(folders, parts):
        driver = "policy" if "policy" in other else "expert"
        for e in other["episodes"]:
            episodes.append({"driver": driver, **e, "tickStart": e["tickStart"] + ticks, "frameStart": e["frameStart"] + frames,
                             "export": f})
        ticks += len(arrays["state"])
        frames += len(arrays["frame_tick"])
    ix["episodes"] = episodes
    # object_pixel (a privileged training label) only where every export has it
    shared = [k for k in parts[0][1] if all(k in a for _, a in parts)]
    arrays = {k: np.concatenate([a[k] for _, a in parts], 0) for k in shared}
    return ix, arrays


class Dataset:
    def __init__(self, folders, max_turn=0.066, gripper_margin=GRIPPER_MARGIN):
        self.index, arrays = aggregate(folders)
        ix = self.index
        self.exports = [{"dir": f, "seed": x["seed"], "episodes": len(x["episodes"]),
                         "policy": x.get("policy", {}).get("bundle", ""), "max_time": x["options"]["maxTime"]}
                        for f, x in ((f, read_index(f)) for f in folders)]
        self.state = arrays["state"]
        self.action = arrays["action"]
        self.object = arrays["object_position"]
        self.ee = arrays["ee"]
        self.frame = arrays["frame"]
        self.frame_tick = arrays["frame_tick"]
        # per frame and camera: where the task object lands in the pooled tensor (x, y in [-1, 1], in view)
        self.object_pixel = arrays.get("object_pixel")
        self.images = {c["name"]: arrays[f"images_{c['name']}"] for c in ix["cameras"]}
        self.cameras = ix["cameras"]
        self.episodes = ix["episodes"]
        self.robot = ix["robot"]
        self.joints = ix["joint_names"]  # the bundle's state: this robot's arm joints
        for c in self.cameras:
            if (c["height"], c["width"]) != (IMAGE // POOL, IMAGE // POOL):
                raise SystemExit(f"camera {c['name']}: stored {c['height']}x{c['width']}, expected pool {POOL} of {IMAGE}")
        # per tick: episode number, start tick of its episode, its frame (global)
        n = len(self.state)
        self.tick_episode = np.zeros(n, np.int64)
        self.frame_episode = np.zeros(len(self.frame_tick), np.int64)
        self.tokens = np.zeros((len(self.episodes), MAX_TOKENS), np.int64)
        self.masks = np.zeros((len(self.episodes), MAX_TOKENS), np.int64)
        unknown = set()
        for k, e in enumerate(self.episodes):
            self.tick_episode[e["tickStart"]:e["tickStart"] + e["ticks"]] = k
            self.frame_episode[e["frameStart"]:e["frameStart"] + e["frames"]] = k
            ids, mask = tokenize(e["instruction"])
            if 1 in ids:
                unknown.add(e["instruction"])
            self.tokens[k], self.masks[k] = ids, mask
        if unknown:
            raise SystemExit(f"instructions with unknown words: {sorted(unknown)}")
        # gripper targets squeezed (see GRIPPER_MARGIN)
        lo, hi = gripper_margin, 1.0 - gripper_margin
        self.action = self.action.copy()
        # On-policy labels: the expert turns from the policy's orientation to its own in one step
        # (its yaw is rate-limited only along its own plan), up to ~0.3 rad where the policy's
        # paddle is off — tens of standard deviations that would swamp the flow loss. Such turns
        # are scaled down to what the demonstrations show at most (the expert's turn rate plus its
        # DART corrections): the direction of the correction is kept.
        for e in self.episodes:
            if e["driver"] == "policy":
                r = self.action[e["tickStart"]:e["tickStart"] + e["ticks"], 3:6]
                norm = np.linalg.norm(r, axis=1, keepdims=True)
                r *= np.minimum(1.0, max_turn / np.maximum(norm, 1e-12))
        self.action[:, 6] = lo + (hi - lo) * self.action[:, 6]
        # Chunk label of tick t: the expert's actions t-1 .. t+H-2. The controller bridge executes
        # action i of a chunk stamped at tau_k as the motion that ends at tau_{k+i} (step k+i), so
        # row 0 is the motion that just ended and row 1 the one starting now (what the episode
        # runner calls the action of tick t). Zero-motion steps pad both ends.
        self.chunks = np.zeros((n, HORIZON, ACTION_DIM), np.float32)
        for e in self.episodes:
            a = self.action[e["tickStart"]:e["tickStart"] + e["ticks"]]
            head = np.zeros((1, ACTION_DIM), np.float32)
            head[:, 6] = a[0, 6]
            tail = np.zeros((HORIZON, ACTION_DIM), np.float32)
            tail[:, 6] = a[-1, 6]
            padded = np.concatenate([head, a, tail], 0)
            for i in range(e["ticks"]):
                self.chunks[e["tickStart"] + i] = padded[i:i + HORIZON]

    def images_float(self, frames):
        """Stored bytes -> the bundle's normalised tensor values (pooled): (u/255 - mean)/std."""
        out = []
        for c in self.cameras:
            u = torch.from_numpy(self.images[c["name"]][frames].astype(np.float32)) / 255.0
            mean = torch.tensor(c["source"]["mean"]).view(1, 3, 1, 1)
            std = torch.tensor(c["source"]["std"]).view(1, 3, 1, 1)
            out.append((u - mean) / std)
        return out


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def pixel_grid(side):
    """Pixel centres of a side x side map in [-1, 1], x and y, each [1, 1, side*side] (row-major)."""
    g = (torch.arange(side, dtype=torch.float32) + 0.5) / side * 2 - 1
    return (g.view(1, side).expand(side, side).reshape(1, 1, -1).clone(),
            g.view(side, 1).expand(side, side).reshape(1, 1, -1).clone())


class ColourQuery(nn.Module):
    """Where is the thing the instruction names? Per-pixel colour features at the full 56x56 — from
    the pixel's chromaticity (r, g, b over their sum: the object's colour whatever its shading) and
    its rgb —, scored against QUERIES vectors read from the instruction; per query a spatial softmax
    gives the expected (x, y) and the best score (is it in view?): 3 numbers per query. The objects
    are 2-3 pooled pixels wide in the scene camera: the CNN's 14x14 keypoint maps find them only
    coarsely, and a soft-argmax needs scores far apart (QUERY_SCALE) to put its mass on so few
    pixels. Learnt from the flow and position losses alone it finds the object only slowly; the
    first query's map is therefore also trained (cross-entropy) to peak on the pixels where the
    simulator projects the object (the export's object_pixel, a privileged label like the
    object position)."""

    def __init__(self, text_dim):
        super().__init__()
        self.p1 = nn.Conv2d(6, QUERY_WIDTH, 3, padding=1)
        self.p2 = nn.Conv2d(QUERY_WIDTH, QUERY_WIDTH, 1)
        self.query = nn.Linear(text_dim, QUERIES * (QUERY_WIDTH + 1))
        px, py = pixel_grid(IMAGE // POOL)
        self.register_buffer("px", px)
        self.register_buffer("py", py)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, image, text, maps=None):
        rgb = image * self.std + self.mean
        colour = torch.cat([rgb / (rgb.sum(1, keepdim=True) + 0.05) * 3 - 1, rgb * 2 - 1], dim=1)
        f = F.relu(self.p2(F.relu(self.p1(colour)))).flatten(2)  # [B, W, N]
        q = self.query(text).view(-1, QUERIES, QUERY_WIDTH + 1)
        score = (torch.bmm(q[:, :, :QUERY_WIDTH], f) + q[:, :, QUERY_WIDTH:]) * QUERY_SCALE  # [B, Q, N]
        if maps is not None:
            maps.append(score[:, 0])
        attn = torch.softmax(score, dim=-1)
        x = (attn * self.px).sum(-1)
        y = (attn * self.py).sum(-1)
        peak = (score.max(dim=-1).values / QUERY_SCALE).clamp(-10.0, 10.0) / 10.0
        return torch.cat([x, y, peak], dim=-1)  # [B, 3Q]


class CameraEncoder(nn.Module):
    """56x56 tensor + instruction vector -> 16 soft-argmax keypoints (x, y) over a 14x14 map + 32 channel
    means + the instruction's colour queries (ColourQuery): CAMERA_FEATURES numbers."""

    def __init__(self, text_dim):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 5, stride=2, padding=2)  # 56 -> 28
        self.c2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)  # 28 -> 14
        self.film = nn.Linear(text_dim, 64)
        self.c3 = nn.Conv2d(32, 32, 3, padding=1)
        self.kp = nn.Conv2d(32, KEYPOINTS, 1)
        self.colour = ColourQuery(text_dim)
        px, py = pixel_grid(IMAGE // POOL // 4)
        self.register_buffer("px", px)
        self.register_buffer("py", py)

    def forward(self, image, text, maps=None):
        h = F.relu(self.c1(image))
        h = self.c2(h)
        gamma, beta = self.film(text).chunk(2, dim=-1)
        h = F.relu(h * (1 + gamma[:, :, None, None]) + beta[:, :, None, None])
        h = F.relu(self.c3(h))
        attn = torch.softmax(self.kp(h).flatten(2), dim=-1)  # [B, K, 196]
        x = (attn * self.px).sum(-1)
        y = (attn * self.py).sum(-1)
        return torch.cat([x, y, h.mean((2, 3)), self.colour(image, text, maps)], dim=-1)  # [B, CAMERA_FEATURES]


class ReferenceVlm(nn.Module):
    """Pooled images + token ids -> latent_tokens [B,8,64], latent_pooled [B,128]. The first AUX
    values of latent_pooled are supervised (auxiliary loss) to be the task object's position, absolute
    and relative to the end effector: a perception bottleneck the expert reads directly."""

    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.text = nn.Sequential(nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 64))
        self.scene = CameraEncoder(64)
        self.wrist = CameraEncoder(64)
        joint = 2 * CAMERA_FEATURES + 64
        self.fuse = nn.Sequential(nn.Linear(joint, 256), nn.GELU(), nn.Linear(256, POOLED - AUX))
        self.tokens = nn.Linear(joint, LATENT_TOKENS * LATENT_WIDTH)
        self.aux = nn.Sequential(nn.Linear(joint, 128), nn.GELU(), nn.Linear(128, AUX))

    def forward(self, scene, wrist, token_ids, attention_mask, maps=None):
        """maps (training): a list that receives each camera's first colour-query score map [B, N]."""
        mask = attention_mask.to(torch.float32).unsqueeze(-1)
        words = (self.embed(token_ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        text = self.text(words)
        v = torch.cat([self.scene(scene, text, maps), self.wrist(wrist, text, maps), text], dim=-1)
        pooled = torch.cat([self.aux(v), self.fuse(v)], dim=-1)
        tokens = self.tokens(v).reshape(-1, LATENT_TOKENS, LATENT_WIDTH)
        return tokens, pooled


class VlmExport(nn.Module):
    """The exported graph: the bundle's 224x224 tensors, pooled 4x4 first (what the dataset stores)."""

    def __init__(self, vlm):
        super().__init__()
        self.vlm = vlm
        self.pool = nn.AvgPool2d(POOL)

    def forward(self, image_scene, image_wrist, token_ids, attention_mask):
        return self.vlm(self.pool(image_scene), self.pool(image_wrist), token_ids, attention_mask)


class FlowExpert(nn.Module):
    HIDDEN = 384

    def __init__(self, joints):
        super().__init__()
        self.register_buffer("age_freqs", torch.tensor([2 * math.pi / p for p in (0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8)]))
        self.register_buffer("time_freqs", torch.exp(torch.linspace(0.0, math.log(100.0), 16)))
        self.cond = nn.Sequential(nn.Linear(POOLED + LATENT_WIDTH + joints + 16 + 32, 256), nn.GELU(), nn.Linear(256, 256))
        n = HORIZON * ACTION_DIM
        self.inp = nn.Linear(n + 256, self.HIDDEN)
        self.h1 = nn.Linear(self.HIDDEN, self.HIDDEN)
        self.h2 = nn.Linear(self.HIDDEN, self.HIDDEN)
        self.feat = nn.Linear(self.HIDDEN, FEATURES)
        self.out = nn.Linear(self.HIDDEN, n)

    def forward(self, x_t, t, state, latent_age, prefix, latent):
        c = self.cond(torch.cat([latent, prefix.mean(1), state, sinusoid(latent_age, self.age_freqs), sinusoid(t, self.time_freqs)], dim=-1))
        h = F.gelu(self.inp(torch.cat([x_t.flatten(1), c], dim=-1)))
        h = h + F.gelu(self.h1(h))
        h = h + F.gelu(self.h2(h))
        return self.out(h).reshape(-1, HORIZON, ACTION_DIM), self.feat(h)


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def statistics(data, train_ticks):
    s = data.state[train_ticks]
    a = data.action[train_ticks]
    s_std = np.maximum(s.std(0), 0.05)
    a_std = a.std(0)
    # floors: translation 1 mm, rotation 0.005 rad, gripper 0.05 (constant columns in some task sets)
    a_std = np.maximum(a_std, np.array([1e-3] * 3 + [5e-3] * 3 + [0.05]))
    return {"state": {"mean": s.mean(0).tolist(), "std": s_std.tolist()},
            "action": {"mean": a.mean(0).tolist(), "std": a_std.tolist()}}


def sample_batch(data, frames_pool, rng, n_frames, per_frame, stats):
    """n_frames frames; per frame `per_frame` later ticks of its episode whose latent it would be (age <= MAX_AGE)."""
    f = rng.choice(frames_pool, n_frames)
    ep = data.frame_episode[f]
    ticks, ages, owner = [], [], []
    for i, (fi, e) in enumerate(zip(f, ep)):
        epi = data.episodes[e]
        t0 = int(data.frame_tick[fi])
        last = epi["ticks"] - 1
        hi = min(last, t0 + int(MAX_AGE / ACTION_DT))
        for _ in range(per_frame):
            t = int(rng.integers(t0, hi + 1))
            ticks.append(epi["tickStart"] + t)
            ages.append((t - t0) * ACTION_DT)
            owner.append(i)
    ticks = np.array(ticks)
    scene, wrist = data.images_float(f)
    s = (data.state[ticks] - np.array(stats["state"]["mean"], np.float32)) / np.array(stats["state"]["std"], np.float32)
    a = (data.chunks[ticks] - np.array(stats["action"]["mean"], np.float32)) / np.array(stats["action"]["std"], np.float32)
    frame_ticks = np.array([data.episodes[e]["tickStart"] + int(data.frame_tick[fi]) for fi, e in zip(f, ep)])
    # decimetres: the object from the task region's centre, and from the end effector
    obj = np.concatenate([(data.object[frame_ticks] - np.array(OBJECT_CENTRE, np.float32)) * 10,
                          (data.object[frame_ticks] - data.ee[frame_ticks, :3]) * 10], axis=1)
    return {
        "scene": scene, "wrist": wrist,
        "tokens": torch.from_numpy(data.tokens[ep]), "mask": torch.from_numpy(data.masks[ep]),
        "owner": torch.from_numpy(np.array(owner)),
        "state": torch.from_numpy(s.astype(np.float32)), "age": torch.tensor(ages, dtype=torch.float32),
        "chunk": torch.from_numpy(a.astype(np.float32)), "object": torch.from_numpy(obj.astype(np.float32)),
        **({} if data.object_pixel is None else {"pixel": torch.from_numpy(data.object_pixel[f].astype(np.float32))}),
    }


def sample_batch_from(data, frames, rng, per_frame, stats):
    """sample_batch over exactly these frames (in order)."""
    class Fixed:
        def __init__(self, f):
            self.f = f

        def choice(self, _pool, _n):
            return self.f

        def integers(self, lo, hi):
            return rng.integers(lo, hi)
    return sample_batch(data, frames, Fixed(frames), len(frames), per_frame, stats)


def pixel_targets(pixel):
    """[B, 3] object pixel (x, y in [-1, 1], in view) -> [B, side*side] bilinear weights over the pooled pixel grid."""
    side = IMAGE // POOL
    f = ((pixel[:, :2] + 1) / 2 * side - 0.5).clamp(0, side - 1)
    i0 = f.floor().clamp(max=side - 2)
    w1 = f - i0
    i0 = i0.long()
    target = torch.zeros(pixel.shape[0], side * side)
    for dy in (0, 1):
        for dx in (0, 1):
            w = (w1[:, 0] if dx else 1 - w1[:, 0]) * (w1[:, 1] if dy else 1 - w1[:, 1])
            target.scatter_add_(1, ((i0[:, 1] + dy) * side + i0[:, 0] + dx).view(-1, 1), w.view(-1, 1))
    return target


def losses(vlm, expert, b, gen):
    """Flow matching, the object-position auxiliary loss, and (when the data has object pixels) the
    cross-entropy of each camera's first colour-query map against the pixels that show the object."""
    maps = []
    tokens, pooled = vlm(b["scene"], b["wrist"], b["tokens"], b["mask"], maps)
    aux = F.mse_loss(pooled[:, :AUX], b["object"])
    pixel = torch.zeros(())
    if "pixel" in b:
        for cam, score in enumerate(maps):
            p = b["pixel"][:, cam]
            ce = -(pixel_targets(p) * F.log_softmax(score, dim=-1)).sum(-1)
            pixel = pixel + (ce * p[:, 2]).sum() / p[:, 2].sum().clamp(min=1.0)
    tok = tokens[b["owner"]]
    lat = pooled[b["owner"]]
    a = b["chunk"]
    noise = torch.randn(a.shape, generator=gen)
    t = torch.rand(a.shape[0], generator=gen)
    x_t = t.view(-1, 1, 1) * noise + (1 - t.view(-1, 1, 1)) * a
    v, _ = expert(x_t, t, b["state"], b["age"], tok, lat)
    flow = F.mse_loss(v, noise - a)
    return flow, aux, pixel


def load_bundle_weights(folder):
    """A bundle this script wrote, as an --init-checkpoint: the torch weights are its ONNX
    initializers (same names; the VLM's under the export wrapper's 'vlm.' prefix), the statistics
    its stats.json. The original training checkpoint is not needed to continue training."""
    import onnx
    from onnx import numpy_helper

    def weights(path, model, prefix, constants=()):
        init = {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
        state = model.state_dict()
        out = {}
        for k, v in state.items():
            if k in constants:
                out[k] = v  # the architecture's constants (keypoint grids, sinusoid frequencies), shared or folded by the export
                continue
            if prefix + k not in init:
                raise SystemExit(f"{path}: no initializer {prefix + k} (not a bundle of this script's architecture)")
            w = init[prefix + k]
            if tuple(w.shape) != tuple(v.shape):
                raise SystemExit(f"{path}: {prefix + k} is {list(w.shape)}, the model's {list(v.shape)}")
            out[k] = torch.from_numpy(w.copy())
        return out

    with open(os.path.join(folder, "stats.json")) as f:
        stats = json.load(f)
    with open(os.path.join(folder, "training.json")) as f:
        info = json.load(f)
    return {
        "vlm": weights(os.path.join(folder, "vlm.onnx"), ReferenceVlm(len(SPECIAL) + len(WORDS)), "vlm.",
                       tuple(f"{cam}.{c}" for cam in ("scene", "wrist") for c in ("px", "py", "colour.px", "colour.py", "colour.mean", "colour.std"))),
        "expert": weights(os.path.join(folder, "expert_flow.onnx"), FlowExpert(len(info.get("joints", JOINTS))), "", ("age_freqs", "time_freqs")),
        "stats": stats, "info": info, "bundle": os.path.abspath(folder),
    }


def split_episodes(data, rng, val_fraction):
    """Held-out and training episodes (draws the permutation from rng). Expert demonstrations train
    only where the expert succeeded; on-policy (DAgger) episodes are the expert's labels of the
    states the policy reached, worth learning whether or not the policy then succeeded."""
    n_ep = len(data.episodes)
    order = rng.permutation(n_ep)
    n_val = max(1, int(round(n_ep * val_fraction)))
    val_eps = set(order[:n_val].tolist())
    ok = np.array([e["success"] or e["driver"] == "policy" for e in data.episodes])
    train_eps = [k for k in range(n_ep) if k not in val_eps and ok[k]]
    val_list = [k for k in sorted(val_eps) if ok[k]]
    return train_eps, val_list


def train(data, opts, init=None):
    rng = np.random.default_rng(opts.seed)
    torch.manual_seed(opts.seed)
    gen = torch.Generator().manual_seed(opts.seed)
    n_ep = len(data.episodes)
    train_eps, val_list = split_episodes(data, rng, opts.val_fraction)
    train_frames = np.nonzero(np.isin(data.frame_episode, train_eps))[0]
    val_frames = np.nonzero(np.isin(data.frame_episode, val_list))[0]
    train_ticks = np.nonzero(np.isin(data.tick_episode, train_eps))[0]
    stats = statistics(data, train_ticks) if init is None else init["stats"]
    # Frames from the first second of an episode, when the arm has not moved yet: there the object
    # can only be found by its colour, not read off where the expert is already heading.
    early = np.array([int(data.frame_tick[f]) * ACTION_DT < 1.0 for f in train_frames])
    early_frames = train_frames[early]

    vlm = ReferenceVlm(len(SPECIAL) + len(WORDS))
    expert = FlowExpert(len(data.joints))
    if init is not None:
        vlm.load_state_dict(init["vlm"])
        expert.load_state_dict(init["expert"])
    params = list(vlm.parameters()) + list(expert.parameters())
    opt = torch.optim.AdamW(params, lr=opts.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=opts.lr, total_steps=opts.steps, pct_start=0.05)
    vrng = np.random.default_rng(opts.seed + 1)
    val_batches = [sample_batch(data, val_frames, vrng, opts.frames, opts.per_frame, stats) for _ in range(4)]
    history = []
    started = time.time()
    for step in range(1, opts.steps + 1):
        vlm.train()
        expert.train()
        n_early = int(round(opts.frames * opts.early_fraction))
        pool = np.concatenate([rng.choice(early_frames, n_early), rng.choice(train_frames, opts.frames - n_early)])
        b = sample_batch(data, pool, rng, opts.frames, opts.per_frame, stats) if n_early == 0 else sample_batch_from(data, pool, rng, opts.per_frame, stats)
        flow, aux, pixel = losses(vlm, expert, b, gen)
        loss = flow + opts.aux_weight * aux + opts.pixel_weight * pixel
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if step % opts.log_every == 0 or step == opts.steps:
            vlm.eval()
            expert.eval()
            vgen = torch.Generator().manual_seed(123)
            with torch.no_grad():
                vl = [losses(vlm, expert, vb, vgen) for vb in val_batches]
            vf = float(np.mean([x[0].item() for x in vl]))
            va = float(np.mean([x[1].item() for x in vl]))
            vp = float(np.mean([x[2].item() for x in vl]))
            el = time.time() - started
            history.append({"step": step, "train_flow": flow.item(), "train_aux": aux.item(), "train_pixel": pixel.item(),
                            "val_flow": vf, "val_aux": va, "val_pixel": vp, "seconds": el})
            print(f"step {step:5d}  flow {flow.item():.4f} aux {aux.item():.4f} pixel {pixel.item():.3f} | val flow {vf:.4f} aux {va:.4f} "
                  f"(obj err ~{math.sqrt(va) * 10:.1f} cm) pixel {vp:.3f}  {el:.0f} s", flush=True)
    info = {
        "episodes": n_ep, "train_episodes": len(train_eps), "val_episodes": len(val_list),
        "ticks": int(len(data.state)), "frames": int(len(data.frame_tick)),
        "train_seconds": time.time() - started, "history": history,
    }
    return vlm, expert, stats, info


# --------------------------------------------------------------------------------------------
# Export and bundle
# --------------------------------------------------------------------------------------------


README = """# {name} — vla-ros's reference policy bundle (TRAINED in the simulator)

A small VLA trained by imitation in vla-ros's built-in simulator: {robot} arm, two cameras (`scene`,
`wrist`), language-conditioned tasks over four objects: {task_text}.
**Simulation only; never run it on a real robot.**
Closed-loop success and the SAFE detector's numbers: [EVALUATION.md](EVALUATION.md). Pipeline and
commands: [docs/training.md](../../../docs/training.md). Format: [docs/policy-bundles.md](../../../docs/policy-bundles.md).

| file | what |
|---|---|
| manifest.yaml | the bundle manifest (`trained: true`) |
| stats.json | state / action mean and std of the training ticks |
| tokenizer.json, tokenizer_config.json | the WordLevel tokenizer ({vocab} entries, [PAD]=0, [UNK]=1), as make_reference_bundle.py writes it |
| vlm.onnx | the "VLM" ({vlm_params} parameters) |
| expert_flow.onnx | the flow-matching action expert ({expert_params} parameters), one denoising step per call |
| safe_lstm.onnx, safe_mlp.onnx, calibration.yaml, calibration_mlp.yaml | SAFE failure detectors on this policy's features and their conformal bands ([SAFE_DETECTOR.md](SAFE_DETECTOR.md)) |
| training.json | the training run: options, data size, time, loss history |

## How it was made

`bash tools/policy/make_reference.sh{robot_flag}` (docs/training.md) runs these, then trains and calibrates the
SAFE detectors:

```bash
{collect}
{commands}
```

- Data: {data_text}, {train_episodes}
  usable ones for training and {val_episodes} held out; {ticks} ticks at 30 Hz, {frames} camera frames
  (every 2nd tick, the bundle's 224×224 tensors pooled 4×4).
- Training: {stages} of {frames_per_batch} frames × {per_frame} ticks each (latent ages 0–0.6 s),
  {train_minutes:.1f} min in all on a 2-core CPU shared with other jobs (torch 1.13, {threads} thread(s)).
  Final held-out flow-matching loss {val_flow:.3f} (1.0 = predicting nothing); object-position
  estimate in the latent, RMS error ≈ {obj_cm:.1f} cm per coordinate.

## Inputs and outputs

As the untrained reference bundle had them (docs/policy-bundles.md, "The reference bundles"):
vlm.onnx: image_scene, image_wrist [1,3,224,224] f32 (RGB, ImageNet-normalised; scene crop, wrist
stretch), token_ids, attention_mask [1,16] int64 → latent_tokens [1,8,64], latent_pooled [1,128].
expert_flow.onnx: x_t [1,16,7], t [1] (pi0: 1 = noise … 0 = actions), state [1,{n_joints}] (normalised
{joint_range}), latent_age [1] (s), prefix [1,8,64] ← latent_tokens, latent [1,128] ← latent_pooled
→ velocity [1,16,7], features [1,64]. Actions: ee_delta, Euler xyz increments, absolute gripper
(0 closed … 1 open; trained on {grip_lo:g} / {grip_hi:g}; the manifest's gripper bounds are −0.25 … 1.25,
which sampled values stay inside, and the bridge clips the target to 0 … 1), H = 16 at 30 Hz;
row i of a chunk stamped τ_k is the motion that ends at τ_(k+i), as the controller bridge executes it.

## Architecture

- VLM: both images average-pooled 4×4 (224 → 56); per camera conv 5×5/2 (3→16), conv 3×3/2 (16→32),
  FiLM by the instruction vector, conv 3×3 (32→32), 16 keypoint maps with a spatial soft-argmax
  (x, y each) + the 32 channel means → 64 numbers; colour queries: chromaticity + rgb per pixel at
  56×56, conv 3×3 (6→16), 1×1 (16→16), scored against 4 queries read from the instruction (×10),
  spatial softmax → x, y, best score per query → 12 numbers, the first query of each camera trained
  (cross-entropy) to peak where the simulator projects the task object; instruction: token
  embeddings (64), masked mean, MLP; latent_pooled = [aux ‖ MLP(scene ‖ wrist ‖ instruction)] → 6 + 122, latent_tokens =
  Linear(same) → 8×64. aux is trained (auxiliary loss, simulator ground truth) to be the task object's
  position, absolute and relative to the end effector, in dm: a supervised perception bottleneck
  the expert reads.
- Flow expert: conditioning MLP(latent ‖ mean of prefix ‖ state ‖ sinusoidal latent age ‖
  sinusoidal t) → 256; residual MLP (384 wide, 3 layers) over [flattened x_t ‖ conditioning];
  velocity head → 16×7; `features` = Linear(384 → 64) of the last hidden layer (SAFE reads them,
  averaged over the 10 Euler steps by the fast pathway).
"""


def write_bundle(out, vlm, expert, stats, info, data_dirs, name="reference"):
    os.makedirs(out, exist_ok=True)
    joints = info.get("joints", JOINTS)
    robot = {"fr3": "FR3", "ur5e": "UR5e"}.get(info.get("robot", "fr3"), info.get("robot", "fr3"))
    tasks = info.get("tasks", ["push_left", "push_right", "push_forward", "touch"])
    vlm.eval()
    expert.eval()
    ids, mask = tokenize("push the red cube to the left")
    args_v = (torch.zeros(1, 3, IMAGE, IMAGE), torch.zeros(1, 3, IMAGE, IMAGE), torch.tensor([ids]), torch.tensor([mask]))
    export(VlmExport(vlm), args_v, ["image_scene", "image_wrist", "token_ids", "attention_mask"], ["latent_tokens", "latent_pooled"], os.path.join(out, "vlm.onnx"))
    with torch.no_grad():
        tok, pooled = VlmExport(vlm)(*args_v)
    args_e = (torch.zeros(1, HORIZON, ACTION_DIM), torch.tensor([0.5]), torch.zeros(1, len(joints)), torch.tensor([0.2]), tok, pooled)
    export(expert, args_e, ["x_t", "t", "state", "latent_age", "prefix", "latent"], ["velocity", "features"], os.path.join(out, "expert_flow.onnx"))
    write(os.path.join(out, "stats.json"), json.dumps(stats, indent=1) + "\n")
    write(os.path.join(out, "tokenizer.json"), json.dumps(tokenizer_json(), indent=1, ensure_ascii=False) + "\n")
    write(os.path.join(out, "tokenizer_config.json"), json.dumps(TOKENIZER_CONFIG, indent=2) + "\n")
    # SAFE-LSTM: its per-step score does not grow with episode length (docs/failure-monitor.md). Named
    # only once its detector and band are in `out` (trained on this policy's rollouts: make_reference.sh
    # exports the bundle again after that step); a bundle must not name files it lacks.
    safe = {"features_from": "expert", "detector": "safe_lstm.onnx", "detector_kind": "lstm", "calibration": "calibration.yaml"}
    if not all(os.path.exists(os.path.join(out, safe[k])) for k in ("detector", "calibration")):
        print(f"{out}: no {safe['detector']} / {safe['calibration']} yet: the manifest names no failure monitor", flush=True)
        safe = None
    write(os.path.join(out, "manifest.yaml"), manifest_yaml(
        writer="tools/policy/train_reference.py", name=name, trained=True, joints=joints,
        action_min=ACTION_MIN[:6] + [-GRIPPER_OVERSHOOT], action_max=ACTION_MAX[:6] + [1 + GRIPPER_OVERSHOOT],
        description=f"Reference policy, TRAINED in the built-in simulator ({robot}; {', '.join(tasks)}) on\n"
        f"{info['episodes']} episodes: a small two-camera CNN 'VLM' (instruction-conditioned keypoints and colour queries)\n"
        "and a pi0-style flow-matching action expert (10 Euler steps, latent-age aware); made by\n"
        "tools/policy/train_reference.py. Simulation only: never run it on a real robot.",
        normalization="stats.json", tokenizer="tokenizer.json",
        vlm_model="vlm.onnx", vlm_measured="measured p50 0.25 ms / p95 0.48 ms (bench_reference_bundles.js, 1 thread, 2-core CPU)",
        expert_model="expert_flow.onnx", decoding={"mode": "flow", "steps": 10, "time_convention": "pi0"},
        expert_inputs={"actions": "x_t", "time": "t"}, expert_outputs={"actions": "velocity", "features": "features"},
        expert_measured="10 steps measured p50 0.64 ms / p95 1.6 ms", expert_latency=0.003,
        failure_monitor=safe))
    info = {**info, "vlm_params": params(vlm), "expert_params": params(expert), "data": [os.path.abspath(d) for d in data_dirs]}
    write(os.path.join(out, "training.json"), json.dumps(info, indent=1) + "\n")
    o = info["options"]
    last = info["history"][-1]
    data_dir = " ".join(data_dirs)
    base = f"/usr/bin/python3 tools/policy/train_reference.py --data {data_dir} --threads {o['threads']}"
    minutes = info["train_seconds"] / 60
    exports = info.get("exports", [])
    robot_flag = "" if info.get("robot", "fr3") == "fr3" else f" --robot {info['robot']}"
    collect = "\n".join(f"node tools/vla-ros.js sim collect{robot_flag} --tasks {','.join(tasks)} --out {x['dir']} --episodes {x['episodes']} "
                        f"--seed {x['seed']}" + (f" --policy {x['policy']} --max-time {x['max_time']:g}" if x["policy"] else "")
                        for x in exports)
    extra = "".join(f" --{k.replace('_', '-')} {o[k]}" for k, default in (("gripper_margin", GRIPPER_MARGIN), ("pixel_weight", PIXEL_WEIGHT))
                    if o.get(k, default) != default)
    extra += "" if name == "reference" else f" --name {name}"
    expert_eps = sum(x["episodes"] for x in exports if not x["policy"])
    policy_eps = sum(x["episodes"] for x in exports if x["policy"])
    data_text = f"{expert_eps} scripted-expert episodes (DART-perturbed execution, clean expert labels)"
    if policy_eps:
        data_text += f" and {policy_eps} on-policy (DAgger) episodes (the policy drives, the expert labels every state)"
    # the options of a run that continues from earlier weights
    continued = f"--early-fraction {o['early_fraction']} --aux-weight {o['aux_weight']} --lr {o['lr']}{extra} --out {out}"
    if "continued_from" in info and "bundle" in info["continued_from"]:
        c = info["continued_from"]
        minutes += c["train_seconds"] / 60
        commands = (f"# continues from the bundle in {c['bundle']} (docs/training.md)\n"
                    f"{base} --steps {o['steps']} --init-bundle {c['bundle']} {continued}")
        stages = (f"the previous bundle's {c['steps']} steps, then {o['steps']} more from its weights on the aggregated data "
                  f"(lr {o['lr']}, aux weight {o['aux_weight']}, {o['early_fraction']:.0%} of the frames from the first second "
                  f"of episodes)")
    elif "continued_from" in info:
        c = info["continued_from"]
        minutes += c["train_seconds"] / 60
        commands = (f"{base} --steps {c['steps']} --out /tmp/stage1 --checkpoint /tmp/stage1.pt\n"
                    f"{base} --steps {o['steps']} --init-checkpoint /tmp/stage1.pt {continued}")
        stages = (f"{c['steps']} AdamW steps (one-cycle lr 2e-3, aux weight 1), then {o['steps']} more from those weights "
                  f"(lr {o['lr']}, aux weight {o['aux_weight']}, {o['early_fraction']:.0%} of the frames from the first second "
                  f"of episodes, where the object must be found by its colour)")
    else:
        commands = f"{base} --steps {o['steps']}{extra} --out {out}"
        stages = f"{o['steps']} AdamW steps"
    margin = o.get("gripper_margin", GRIPPER_MARGIN)
    task_text = ", ".join(f'"{TASK_TEXT[t]}"' for t in tasks)
    write(os.path.join(out, "README.md"), README.format(commands=commands, stages=stages, name=name, robot=robot,
        task_text=task_text, robot_flag=robot_flag, grip_lo=margin, grip_hi=1 - margin,
        vocab=len(SPECIAL) + len(WORDS), vlm_params=info["vlm_params"], expert_params=info["expert_params"],
        collect=collect, data_text=data_text, threads=o["threads"],
        train_episodes=info["train_episodes"], val_episodes=info["val_episodes"], ticks=info["ticks"], frames=info["frames"],
        frames_per_batch=o["frames"], per_frame=o["per_frame"], train_minutes=minutes,
        val_flow=last["val_flow"], obj_cm=math.sqrt(last["val_aux"]) * 10, n_joints=len(joints),
        joint_range=f"{joints[0]} … {joints[-1]}"))
    print(f"vlm {info['vlm_params']} params, expert {info['expert_params']} params -> {out}")


def update_fixture(path, out, vlm, expert):
    """Rewrites the golden I/O entries of reference/vlm.onnx and reference/expert_flow.onnx in the
    TypeScript tests' fixture: torch's outputs of the trained models on the fixture's inputs, tagged
    with the new files' sha256, so the tests compare onnxruntime-node with torch on the committed
    models."""

    def pattern(a, m):
        return torch.from_numpy(pattern_image(a, m))

    def sha(name):
        return sha256(os.path.join(out, name))

    def entries(g):
        with torch.no_grad():
            tokens, pooled = VlmExport(vlm).eval()(pattern(7, 251), pattern(13, 241), torch.tensor([g["token_ids"]]), torch.tensor([g["attention_mask"]]))
            velocity, features = expert.eval()(torch.tensor(g["x_t"]).view(1, HORIZON, ACTION_DIM), torch.tensor(g["t"]), torch.tensor([g["state"]]),
                                               torch.tensor(g["latent_age"]), torch.tensor(g["prefix"]).view(1, LATENT_TOKENS, LATENT_WIDTH), torch.tensor([g["latent"]]))
        return {"reference/vlm.onnx": {"sha256": sha("vlm.onnx"), "latent_tokens": flat(tokens), "latent_pooled": flat(pooled)},
                "reference/expert_flow.onnx": {"sha256": sha("expert_flow.onnx"), "velocity": flat(velocity), "features": flat(features)}}

    update_fixture_models(path, entries)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, nargs="+",
                    help="folders written by `vla-ros sim collect` (several: aggregated, e.g. expert demonstrations + DAgger rounds)")
    ap.add_argument("--out", default="config/policies/reference")
    ap.add_argument("--name", default="reference", help="the bundle's name (manifest)")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--frames", type=int, default=16, help="camera frames per batch")
    ap.add_argument("--per-frame", type=int, default=16, help="ticks (latent ages) per frame")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--aux-weight", type=float, default=1.0)
    ap.add_argument("--gripper-margin", type=float, default=GRIPPER_MARGIN,
                    help="gripper targets are squeezed into [m, 1 - m] so that sampled chunks stay inside the bounds")
    ap.add_argument("--pixel-weight", type=float, default=PIXEL_WEIGHT,
                    help="weight of the colour queries' object-pixel cross-entropy (exports with object_pixel.bin)")
    ap.add_argument("--val-fraction", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=250)
    ap.add_argument("--checkpoint", default="", help="also save the trained torch weights here (not part of the bundle)")
    ap.add_argument("--init-checkpoint", default="", help="continue training from a --checkpoint file (its statistics are kept)")
    ap.add_argument("--max-turn", type=float, default=0.066,
                    help="largest rotation label of an on-policy (DAgger) tick [rad per action]; larger turns are scaled down")
    ap.add_argument("--init-bundle", default="", help="continue training from a bundle this script wrote (its ONNX weights and stats.json)")
    ap.add_argument("--early-fraction", type=float, default=0.0, help="share of each batch's frames drawn from the first second of episodes")
    ap.add_argument("--from-checkpoint", default="", help="skip training: export the bundle from a --checkpoint file")
    ap.add_argument("--fixture", default="test/inference/decoders/fixtures/reference_bundle_io.json",
                    help="golden I/O fixture of the TypeScript tests to update ('' to leave it)")
    opts = ap.parse_args()
    torch.set_num_threads(opts.threads)
    if opts.from_checkpoint:
        saved = torch.load(opts.from_checkpoint)
        vlm = ReferenceVlm(len(SPECIAL) + len(WORDS))
        expert = FlowExpert(len(saved["info"].get("joints", JOINTS)))
        vlm.load_state_dict(saved["vlm"])
        expert.load_state_dict(saved["expert"])
        stats, info = saved["stats"], saved["info"]
    else:
        data = Dataset(opts.data, opts.max_turn, opts.gripper_margin)
        print(f"{len(data.episodes)} episodes, {len(data.state)} ticks, {len(data.frame_tick)} frames", flush=True)
        if opts.init_checkpoint and opts.init_bundle:
            raise SystemExit("--init-checkpoint and --init-bundle: give one")
        init = torch.load(opts.init_checkpoint) if opts.init_checkpoint else load_bundle_weights(opts.init_bundle) if opts.init_bundle else None
        vlm, expert, stats, info = train(data, opts, init)
        if init is not None:
            before = init["info"]
            steps = before["options"]["steps"] + before.get("continued_from", {}).get("steps", 0)
            seconds = before["train_seconds"] + before.get("continued_from", {}).get("train_seconds", 0)
            info["continued_from"] = {"steps": steps, "train_seconds": seconds, **({"bundle": opts.init_bundle} if opts.init_bundle else {})}
        info["exports"] = data.exports
        info["robot"] = data.robot
        info["joints"] = data.joints
        info["tasks"] = list(dict.fromkeys(e["task"] for e in data.episodes))  # the order sim collect cycles them
        info["options"] = {k: v for k, v in vars(opts).items() if k not in ("data", "out", "fixture", "checkpoint", "from_checkpoint", "init_bundle")}
        if opts.checkpoint:
            torch.save({"vlm": vlm.state_dict(), "expert": expert.state_dict(), "stats": stats, "info": info}, opts.checkpoint)
    write_bundle(opts.out, vlm, expert, stats, info, opts.data, opts.name)
    if opts.fixture:
        update_fixture(opts.fixture, opts.out, vlm, expert)


if __name__ == "__main__":
    main()
