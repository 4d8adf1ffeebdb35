"""Running the model: config schema and validation, scenarios, one run, outputs and manifests.

Depends on :mod:`sim.model` only (and Hydra/OmegaConf for composing configs).
"""
