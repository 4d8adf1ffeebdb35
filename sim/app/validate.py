"""``sim-validate``: calibrate on figures up to 2024 and score the 2025 predictions.

    sim-validate                       # default calibration settings
    sim-validate quick=true            # smoke run

See :mod:`sim.calibration.validity` for the method and what it writes.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.calibration.validity import validate_out_of_sample
from sim.running.compose import CONFIG_MODULE, register


@hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name="validate", version_base=None)
def hydra_main(cfg: DictConfig) -> dict:
    return validate_out_of_sample(cfg, Path(HydraConfig.get().runtime.output_dir))


def main() -> None:
    register()
    hydra_main()


if __name__ == "__main__":
    main()
