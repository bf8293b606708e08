"""What vla-ros's Python training tools share (tools/policy/*.py): the policy bundle contract's
constants, the instruction tokenizer, model building blocks, ONNX export helpers and the bundle
manifest writer. The scripts next to this folder import it as `vla_policy` (Python puts a script's
own folder on the import path). Requirements: docs/training.md.
"""
