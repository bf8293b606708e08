#!/usr/bin/python3
"""Trains and exports SAFE failure detectors (Gu et al. 2025) for vla-ros, following the detector
ONNX contract of docs/failure-monitor.md:

  SAFE-MLP   features [1,F] -> logit [1,1]                          (per-step p_t = sigmoid(logit))
  SAFE-LSTM  features [1,F], h_in [1,1,H], c_in [1,1,H] -> logit [1,1], h_out [1,1,H], c_out [1,1,H]

Both graphs standardise the raw features first ((x - mean) / std, training-set statistics baked
in), so the node feeds PolicyFeatures.features unchanged. Opset 13, float32, batch 1.

Two commands (Debian's /usr/bin/python3 with python3-torch 1.13 and python3-onnx 1.12; CPU):

  train     --data DIR --out DIR [--mlp-hidden 128] [--lstm-hidden 64] [--epochs 30] [--batch 16] [--seed 0]
            [--kinds mlp,lstm] [--no-time-weighting] [--window N] [--golden FILE]
            DIR holds index.json + features.f32 as written by tools/policy/safe_rollouts.ts
            (`export` command): one entry per labelled episode. Writes safe_mlp.onnx and
            safe_lstm.onnx, prints training/validation ROC-AUC, and with --golden FILE the torch
            scores of one validation episode (safe_rollouts.ts verify checks the ONNX against them).
            --window N trains SAFE-MLP on the windowed score (below) and reports its ROC-AUC;
            calibrate the band with the same window (`vla-ros safe calibrate --score-window N`).
  fixtures  --out DIR
            Tiny detectors with fixed weights for the TypeScript tests (F=4, hidden 3), their
            weights as JSON (the tests recompute the scores independently), and a detector that
            breaks the contract (input named 'x').

Losses are SAFE's (github.com/vla-safe/SAFE, failure_prob/model/{indep,lstm}.py):
  SAFE-MLP:  s_t = cumsum(p_t); success episodes minimise mean_t s_t, failures maximise
             mean_t w_t * s_t (w: SAFE's time weights, 5*exp(-3 t/T) + 1, normalised);
             with --window N > 0 the same losses on s_t = sum of p over the last N steps, the
             score the node computes for a calibration with score_window N (its scale is then N,
             not the episode length, so the loss is divided by min(N, mean length));
  SAFE-LSTM: per-step binary cross-entropy of sigmoid(W h_t) against the episode label
             (failure = 1), failures weighted by w_t;
  per-sequence means, summed per class with class-balancing weights, divided by the batch.
Adam on minibatches of 16 episodes (lr 1e-3, weight decay 1e-3, gradient norm clipped at 1); 20 %
of the episodes are held out and the epoch with the best validation ROC-AUC (of max_t s_t) is kept.
SAFE's time weighting (which stresses early steps) can be turned off with --no-time-weighting:
with faults injected 20-60 % into an episode, the early steps of a failure look nominal.
SAFE only has the episode label; with --onset-labels (SAFE-LSTM) a failed episode's steps before its
injected fault's onset (the rollout id's `-t<step>-`, exported as `onset`) are targets 0, not 1:
those steps cannot show the failure, and fitting them teaches the detector which layouts and tasks
tend to fail instead of what a failure looks like.
"""

import argparse
import copy
import functools
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn

from vla_policy.contract import OPSET


class Standardise(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1))
        self.register_buffer("inv_std", torch.tensor(1.0 / np.asarray(std), dtype=torch.float32).view(1, -1))

    def forward(self, x):
        return (x - self.mean) * self.inv_std


class SafeMlp(nn.Module):
    """SAFE-MLP: 2 linear layers (F -> hidden -> 1) with ReLU, as SAFE's IndepModel with n_layers=2."""

    def __init__(self, features, hidden, mean, std):
        super().__init__()
        self.norm = Standardise(mean, std)
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, features):  # [..., F] -> logit [..., 1]
        return self.net(self.norm(features))


class SafeLstm(nn.Module):
    """SAFE-LSTM: 1-layer LSTM, s_t = sigmoid(W h_t)."""

    def __init__(self, features, hidden, mean, std):
        super().__init__()
        self.norm = Standardise(mean, std)
        self.lstm = nn.LSTM(features, hidden, 1, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):  # [B, T, F] -> logits [B, T]
        B, T, F = x.shape
        out, _ = self.lstm(self.norm(x.reshape(B * T, F)).reshape(B, T, F))
        return self.fc(out).squeeze(-1)


class LstmStep(nn.Module):
    """One LSTM step with explicit state, the exported contract."""

    def __init__(self, model: SafeLstm):
        super().__init__()
        self.m = model

    def forward(self, features, h_in, c_in):
        x = self.m.norm(features).unsqueeze(1)  # [1, 1, F] (batch_first)
        out, (h, c) = self.m.lstm(x, (h_in, c_in))
        logit = self.m.fc(out[:, -1, :])  # [1, 1]
        return logit, h, c


def export_mlp(model: SafeMlp, features: int, path: str):
    model.eval()
    torch.onnx.export(
        model, (torch.zeros(1, features),), path, opset_version=OPSET,
        input_names=["features"], output_names=["logit"], do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))


def export_lstm(model: SafeLstm, features: int, hidden: int, path: str):
    model.eval()
    step = LstmStep(model)
    torch.onnx.export(
        step, (torch.zeros(1, features), torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden)), path,
        opset_version=OPSET, input_names=["features", "h_in", "c_in"], output_names=["logit", "h_out", "c_out"],
        do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------

def load_dataset(data_dir):
    with open(os.path.join(data_dir, "index.json")) as f:
        index = json.load(f)
    F = index["featureSize"]
    flat = np.fromfile(os.path.join(data_dir, "features.f32"), dtype="<f4")
    episodes = []
    for ep in index["episodes"]:
        x = flat[ep["offset"] * F:(ep["offset"] + ep["length"]) * F].reshape(ep["length"], F)
        episodes.append((x, bool(ep["success"]), ep.get("onset", -1)))
    return F, episodes


def batch(episodes, onset_labels=False):
    T = max(len(x) for x, _, _ in episodes)
    F = episodes[0][0].shape[1]
    X = np.zeros((len(episodes), T, F), dtype=np.float32)
    M = np.zeros((len(episodes), T), dtype=np.float32)
    for i, (x, _, _) in enumerate(episodes):
        X[i, :len(x)] = x
        X[i, len(x):] = x[-1]
        M[i, :len(x)] = 1
    y_fail = np.array([0.0 if s else 1.0 for _, s, _ in episodes], dtype=np.float32)
    # Per-step targets: the episode's label, or with onset_labels 0 before an injected fault's onset
    # (a failure whose fault has not happened yet looks nominal; a failure without a known onset keeps 1).
    Y = np.repeat(y_fail[:, None], T, axis=1)
    if onset_labels:
        for i, (_, _, onset) in enumerate(episodes):
            if onset >= 0:
                Y[i, :onset] = 0.0
    return torch.from_numpy(X), torch.from_numpy(M), torch.from_numpy(y_fail), torch.from_numpy(Y)


def time_weights(M):
    """SAFE's get_time_weight: 5*exp(-3 t/T_i) + 1, masked, normalised to mean 1 per sequence."""
    B, T = M.shape
    lengths = M.sum(1, keepdim=True)
    w = torch.arange(T, dtype=torch.float32).unsqueeze(0).expand(B, -1) / lengths
    w = (5 * torch.exp(-3 * w) + 1) * M
    return w / (w.sum(1, keepdim=True) / lengths)


def aggregate(losses, M, y_fail, class_w):
    seq = (losses * M).sum(1) / M.sum(1)
    fail = (y_fail * seq).sum()
    succ = ((1 - y_fail) * seq).sum()
    return (class_w[0] * fail + class_w[1] * succ) / len(seq)


def windowed_sum(P, window):
    """s_t = sum of P over steps (t - window, t] per row of P [B, T]; window 0 = the cumulative sum."""
    if window <= 0:
        return torch.cumsum(P, dim=1)
    # Summed window by window (not as a difference of cumsums, which loses float32 precision on long episodes).
    return nn.functional.pad(P, (window - 1, 0)).unfold(1, window, 1).sum(-1)


def mlp_scores(model, X, window=0):
    return windowed_sum(torch.sigmoid(model(X).squeeze(-1)), window)


def lstm_scores(model, X):
    return torch.sigmoid(model(X))


def auc(scores, y_fail):
    pos = [s for s, y in zip(scores, y_fail) if y > 0.5]
    neg = [s for s, y in zip(scores, y_fail) if y <= 0.5]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def rollout_scores(S, M):
    return [float(S[i, :int(M[i].sum())].max()) for i in range(S.shape[0])]


def train(args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    F, episodes = load_dataset(args.data)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(episodes))
    n_val = max(2, int(round(args.val_fraction * len(episodes))))
    val = [episodes[i] for i in order[:n_val]]
    tr = [episodes[i] for i in order[n_val:]]
    allx = np.concatenate([x for x, _, _ in tr], 0)
    mean = allx.mean(0)
    std = allx.std(0) + 1e-6
    Xtr, Mtr, Ytr, Str = batch(tr, args.onset_labels)
    Xva, Mva, Yva, _ = batch(val)
    n_fail = float(Ytr.sum())
    n_succ = float(len(Ytr) - n_fail)
    class_w = (len(Ytr) / (2 * n_fail), len(Ytr) / (2 * n_succ))
    Wtr = time_weights(Mtr) if args.time_weighting else Mtr
    print(f"data: {len(episodes)} episodes ({len(tr)} train: {int(n_succ)} successes, {int(n_fail)} failures; {len(val)} validation), F={F}")
    if "mlp" in args.kinds.split(","):
        print("SAFE-MLP score: " + (f"sum over the last {args.window} steps" if args.window > 0 else "cumulative"))

    results = {}
    for kind in args.kinds.split(","):
        torch.manual_seed(args.seed)
        if kind == "mlp":
            model = SafeMlp(F, args.mlp_hidden, mean, std)
        else:
            model = SafeLstm(F, args.lstm_hidden, mean, std)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
        f = functools.partial(mlp_scores, window=args.window) if kind == "mlp" else lstm_scores
        best = (-1.0, None, 0, 0.0)  # validation AUC, state, epoch, train AUC
        gen = torch.Generator().manual_seed(args.seed)
        for epoch in range(args.epochs):
            model.train()
            order = torch.randperm(len(Ytr), generator=gen)
            for first in range(0, len(order), args.batch):
                b = order[first:first + args.batch]
                X, M, Y, W, Ys = Xtr[b], Mtr[b], Ytr[b], Wtr[b], Str[b]
                opt.zero_grad()
                if kind == "mlp":
                    S = mlp_scores(model, X, args.window)
                    losses = (1 - Y)[:, None] * torch.relu(S) + Y[:, None] * W * (-S)
                    # The cumulative score grows with T (a windowed one up to N); divide by that scale to keep it ~1.
                    scale = M.sum(1).mean()
                    if args.window > 0:
                        scale = torch.clamp(scale, max=float(args.window))
                    loss = aggregate(losses, M, Y, class_w) / scale
                else:
                    P = lstm_scores(model, X).clamp(1e-6, 1 - 1e-6)
                    bce = -(Ys * torch.log(P) + (1 - Ys) * torch.log(1 - P))
                    losses = torch.where(Y[:, None] > 0.5, bce * W, bce)
                    loss = aggregate(losses, M, Y, class_w)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            # Early stopping on the validation episodes' ROC-AUC (the rollout score max_t s_t).
            model.eval()
            with torch.no_grad():
                a_tr = auc(rollout_scores(f(model, Xtr), Mtr), Ytr.tolist())
                a_va = auc(rollout_scores(f(model, Xva), Mva), Yva.tolist())
            if a_va > best[0]:
                best = (a_va, copy.deepcopy(model.state_dict()), epoch + 1, a_tr)
            print(f"  {kind} epoch {epoch + 1}: loss {loss.item():.4f}  ROC-AUC train {a_tr:.3f}  validation {a_va:.3f}", flush=True)
        model.load_state_dict(best[1])
        a_va, _, best_epoch, a_tr = best
        print(f"  {kind}: kept epoch {best_epoch} (validation ROC-AUC {a_va:.3f}, train {a_tr:.3f})", flush=True)
        results[kind] = (model, a_tr, a_va)

    os.makedirs(args.out, exist_ok=True)
    if "mlp" in results:
        export_mlp(results["mlp"][0], F, os.path.join(args.out, "safe_mlp.onnx"))
    if "lstm" in results:
        export_lstm(results["lstm"][0], F, args.lstm_hidden, os.path.join(args.out, "safe_lstm.onnx"))
    if args.golden:
        write_golden(results, Xva, Mva, args.golden, args.window)
    summary = {k: {"train_auc": round(v[1], 4), "validation_auc": round(v[2], 4)} for k, v in results.items()}
    if "mlp" in summary:
        summary["mlp"]["score_window"] = args.window
    print(json.dumps(summary))


def write_golden(results, X, M, path, window=0):
    """Torch's scores of one validation episode, for `safe_rollouts.ts verify` to compare the ONNX graphs with."""
    n = int(M[0].sum())
    x = X[:1, :n]
    out = {"features": x[0].numpy().astype(np.float64).tolist(), "window": window}
    with torch.no_grad():
        if "mlp" in results:
            out["mlp"] = mlp_scores(results["mlp"][0], x, window)[0].numpy().astype(np.float64).tolist()
        if "lstm" in results:
            out["lstm"] = lstm_scores(results["lstm"][0], x)[0].numpy().astype(np.float64).tolist()
    with open(path, "w") as f:
        json.dump(out, f)


# --------------------------------------------------------------------------------------------
# Test fixtures
# --------------------------------------------------------------------------------------------

def fixtures(args):
    os.makedirs(args.out, exist_ok=True)
    F, H = 4, 3
    g = torch.Generator().manual_seed(7)
    mean = [0.1, -0.2, 0.0, 0.3]
    std = [1.0, 2.0, 0.5, 1.0]
    mlp = SafeMlp(F, H, mean, std)
    lstm = SafeLstm(F, H, mean, std)
    with torch.no_grad():
        for p in list(mlp.parameters()) + list(lstm.parameters()):
            p.copy_((torch.rand(p.shape, generator=g) - 0.5) * 1.5)
    export_mlp(mlp, F, os.path.join(args.out, "tiny_mlp.onnx"))
    export_lstm(lstm, F, H, os.path.join(args.out, "tiny_lstm.onnx"))

    class Bad(nn.Module):
        def forward(self, x):
            return x.sum(dim=1, keepdim=True)

    torch.onnx.export(Bad(), (torch.zeros(1, F),), os.path.join(args.out, "bad_names.onnx"), opset_version=OPSET,
                      input_names=["x"], output_names=["logit"])
    t = lambda p: p.detach().numpy().astype(np.float64).tolist()  # noqa: E731
    weights = {
        "featureSize": F,
        "hidden": H,
        "mean": mean,
        "std": std,
        "mlp": {"w1": t(mlp.net[0].weight), "b1": t(mlp.net[0].bias), "w2": t(mlp.net[2].weight), "b2": t(mlp.net[2].bias)},
        "lstm": {
            "gateOrder": "i,f,g,o (torch)",
            "wIh": t(lstm.lstm.weight_ih_l0), "wHh": t(lstm.lstm.weight_hh_l0),
            "bIh": t(lstm.lstm.bias_ih_l0), "bHh": t(lstm.lstm.bias_hh_l0),
            "wFc": t(lstm.fc.weight), "bFc": t(lstm.fc.bias),
        },
    }
    with open(os.path.join(args.out, "tiny_weights.json"), "w") as f:
        json.dump(weights, f, indent=1)
        f.write("\n")
    print(f"wrote tiny_mlp.onnx, tiny_lstm.onnx, bad_names.onnx, tiny_weights.json to {args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--mlp-hidden", type=int, default=128)
    t.add_argument("--lstm-hidden", type=int, default=64)
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--batch", type=int, default=16, help="episodes per minibatch")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--weight-decay", type=float, default=1e-3)
    t.add_argument("--val-fraction", type=float, default=0.2)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--kinds", default="mlp,lstm", help="detectors to train, comma-separated")
    t.add_argument("--no-time-weighting", dest="time_weighting", action="store_false",
                   help="weight every step of a failure equally (SAFE's use_time_weighting off)")
    t.add_argument("--window", type=int, default=0,
                   help="SAFE-MLP score: sum of p_t over the last N steps (0 = SAFE's cumulative sum); calibrate with --score-window N")
    t.add_argument("--onset-labels", action="store_true",
                   help="SAFE-LSTM: a failed episode's steps before its injected fault's onset (export's 'onset') are nominal")
    t.add_argument("--golden", help="write torch scores of one validation episode here (JSON), for safe_rollouts.ts verify")
    fx = sub.add_parser("fixtures")
    fx.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "train" and args.window < 0:
        ap.error(f"--window: expected an integer >= 0 (steps), got {args.window}")
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    if args.cmd == "train":
        train(args)
    else:
        fixtures(args)


if __name__ == "__main__":
    main()
