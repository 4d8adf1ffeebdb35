"""``sim-forecast``: rolling-origin forecasts scored against what the monitors reported.

    sim-forecast                       # origins 2022, 2023, 2024 (conf/forecast.yaml)
    sim-forecast forecast.origins=[2024]
    sim-forecast quick=true            # smoke run

See :mod:`sim.forecasting.rolling` for the method. Writes forecasts.csv (every figure, origin
and method), summary.csv, paths.csv, forecast.md, forecast.png and manifest.json into
outputs/forecast/<time>/, and with ``forecast.publish=true`` (the default; never in quick mode)
copies the tables, report and figure to ``forecast.publish_dir`` (benchmarks/forecasts/, tracked
with the code: the measured skill of the committed model, like the speed benchmarks).
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.forecasting import report
from sim.forecasting.rolling import forecast_origin, summarise
from sim.running.compose import CONFIG_MODULE, register
from sim.running.outputs import atomic_write, git_commit, write_csv, write_json

log = logging.getLogger("sim.forecast")
PUBLISHED = ("forecasts.csv", "summary.csv", "paths.csv", "forecast.md", "forecast.png")


def forecast(cfg: DictConfig, folder: Path) -> dict:
    scores, paths, runs = [], [], []
    for origin in cfg.forecast.origins:
        table, path, summary = forecast_origin(cfg, int(origin), folder)
        scores.append(table)
        paths.append(path)
        runs.append(summary)
    scores, paths = pd.concat(scores, ignore_index=True), pd.concat(paths, ignore_index=True)
    summary = summarise(scores)
    command = "sim-forecast " + " ".join(sys.argv[1:]) if sys.argv[1:] else "sim-forecast"
    text = report.markdown(summary, runs, command.strip())
    write_csv(scores, folder / "forecasts.csv")
    write_csv(summary, folder / "summary.csv")
    write_csv(paths, folder / "paths.csv")
    atomic_write(folder / "forecast.md", lambda tmp: tmp.write_text(text + "\n"))
    report.figure(scores, paths, folder / "forecast.png")
    write_json({"runs": runs, "settings": OmegaConf.to_container(cfg.forecast),
                "quick": bool(cfg.quick), "git_commit": git_commit()},
               folder / "manifest.json")
    if cfg.forecast.publish and not cfg.quick:
        publish_dir = Path(cfg.forecast.publish_dir)
        publish_dir.mkdir(parents=True, exist_ok=True)
        for name in (*PUBLISHED, "manifest.json"):
            shutil.copyfile(folder / name, publish_dir / name)
    log.info("\n%s", text)
    return {"figures": int(len(scores)), "origins": [r["origin"] for r in runs]}


@hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name="forecast", version_base=None)
def hydra_main(cfg: DictConfig) -> dict:
    return forecast(cfg, Path(HydraConfig.get().runtime.output_dir))


def main() -> None:
    register()
    hydra_main()


if __name__ == "__main__":
    main()
