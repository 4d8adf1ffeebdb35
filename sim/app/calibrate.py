"""``sim-calibrate``: fit the free parameters to the reported figures (a Hydra app).

    sim-calibrate                                    # default settings (conf/calibration)
    sim-calibrate calibration.method.trials=60       # any setting from the command line
    sim-calibrate quick=true                         # smoke run; never writes conf/

See :mod:`sim.calibration.fit` for what it writes.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.calibration.fit import calibrate
from sim.running.compose import CONFIG_MODULE, register


@hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name="calibrate", version_base=None)
def hydra_main(cfg: DictConfig) -> dict:
    return calibrate(cfg, Path(HydraConfig.get().runtime.output_dir))


def main() -> None:
    register()
    hydra_main()


if __name__ == "__main__":
    main()
