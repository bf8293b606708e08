"""Exporting models to ONNX reproducibly, and the small writers the tools share for bundle files
and test fixtures."""

import hashlib
import json

import numpy as np
import onnx
import torch

from .contract import IMAGE, OPSET


def params(model):
    return sum(p.numel() for p in model.parameters())


def export(model, args, input_names, output_names, path):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, args, path, opset_version=OPSET, input_names=input_names,
                          output_names=output_names, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    # strip the exporter's producer version so the bytes only depend on the weights and graph
    m.producer_version = ""
    onnx.save(m, path)
    with torch.no_grad():
        outputs = model(*args)
    return outputs


def pattern_image(a, m):
    """A deterministic test image the TypeScript test rebuilds exactly: ((a*i) mod m)/((m-1)/2) - 1."""
    i = np.arange(3 * IMAGE * IMAGE, dtype=np.int64)
    return (((a * i) % m) / ((m - 1) // 2) - 1.0).astype(np.float32).reshape(1, 3, IMAGE, IMAGE)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).numpy().astype(np.float64)]


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def fmt(values):
    return "[" + ", ".join(repr(round(v, 10)) for v in values) + "]"


# The TypeScript tests' golden I/O fixture (test/inference/decoders/fixtures/reference_bundle_io.json).
FIXTURE_ABOUT = ("Golden I/O of the reference models (torch outputs), written by tools/policy/make_reference_bundle.py; "
                 "the reference VLM and flow expert entries by tools/policy/train_reference.py, trained variants' "
                 "experts by tools/policy/train_expert_variant.py. Tests compare onnxruntime-node against it while the "
                 "sha256 matches.")


def update_fixture_models(path, entries):
    """Replaces some models' entries of the golden I/O fixture, keeping its inputs and the other
    entries: `entries(inputs)` gives them, keyed "<bundle>/<model.onnx>"."""
    with open(path) as f:
        fixture = json.load(f)
    fixture["models"].update(entries(fixture["inputs"]))
    fixture["about"] = FIXTURE_ABOUT
    write(path, json.dumps(fixture) + "\n")
