"""Finished work is checked before it is trusted: every manifest records the sha256 of each
file its job wrote, and a folder whose files no longer match is *damaged*.

A sweep run again redoes a damaged job (a single run is run again; an arm rewrites its tables
from the seeds it saved, running only seeds whose own files are gone); ``sim-compare`` and a
sweep's report refuse a folder that holds a damaged job (:mod:`sim.analysis.report`).
Manifests written before digests were recorded have none to check and are taken as they are.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DIGESTS = "sha256"
"""Manifest key: file name -> sha256 (hex) of the file as written."""
CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def digests(folder: Path, names: list[str]) -> dict[str, str]:
    """File name -> sha256 of each of ``names`` in ``folder``."""
    return {name: file_sha256(Path(folder) / name) for name in names}


def damage(folder: Path, manifest: dict) -> list[str]:
    """What no longer matches the manifest's digests (``monthly.csv changed``, ``fan.png
    missing``); empty when every file is as written or the manifest records no digests."""
    recorded = manifest.get(DIGESTS)
    if not isinstance(recorded, dict):
        return []
    found = []
    for name, digest in recorded.items():
        path = Path(folder) / name
        if not path.is_file():
            found.append(f"{name} missing")
        elif file_sha256(path) != digest:
            found.append(f"{name} changed")
    return found
