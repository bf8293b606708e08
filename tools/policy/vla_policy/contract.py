"""The reference bundles' side of the policy bundle contract (docs/policy-bundles.md): tensor
sizes, names and bounds that every reference model and manifest must agree on. The runtime reads
and checks the same contract in nodes/policy/manifest.ts; `vla-ros bundle check <dir>` checks what
these tools write against it."""

OPSET = 13
IMAGE = 224
MAX_TOKENS = 16
HORIZON = 16
ACTION_DIM = 7
LATENT_TOKENS = 8
LATENT_WIDTH = 64  # latent_tokens [1, LATENT_TOKENS, LATENT_WIDTH]
POOLED = 128  # latent_pooled [1, POOLED]
FEATURES = 64  # the expert's `features` output, what SAFE reads
JOINTS = [f"fr3_joint{i}" for i in range(1, 8)]
ACTION_NAMES = ["x", "y", "z", "roll", "pitch", "yaw", "gripper"]
# Per-step end-effector deltas at 30 Hz: metres, radians, and an absolute gripper opening.
ACTION_MIN = [-0.05, -0.05, -0.05, -0.3, -0.3, -0.3, 0.0]
ACTION_MAX = [0.05, 0.05, 0.05, 0.3, 0.3, 0.3, 1.0]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
