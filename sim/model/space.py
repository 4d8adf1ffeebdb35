"""Regions, border crossings and the network that joins them.

Pakistani regions are the seven units the Center for Research and Security Studies (CRSS)
reports fatalities for (seed S1: Khyber Pakhtunkhwa, Balochistan, Punjab, Sindh, Azad Jammu
and Kashmir; Islamabad and Gilgit-Baltistan complete the list of units). Afghan sanctuary areas
are the frontier provinces where Pakistan says the TTP's leadership and camps are (seeds S2,
S3). Crossings are border sectors: the named crossing points and the stretch of border around
them, which is how a closure and its leakage are applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx
    from mesa.discrete_space import Network

PAKISTAN_REGIONS: dict[str, str] = {
    "kp": "Khyber Pakhtunkhwa",
    "balochistan": "Balochistan",
    "punjab": "Punjab",
    "sindh": "Sindh",
    "islamabad": "Islamabad",
    "ajk": "Azad Jammu and Kashmir",
    "gb": "Gilgit-Baltistan",
}
"""Pakistani regions as monitors report them: config key -> reported name."""

AFGHAN_SANCTUARIES: dict[str, str] = {
    "af_east": "Eastern Afghanistan (Kunar, Nangarhar, Khost, Paktika)",
    "af_south": "Southern Afghanistan (Kandahar, Helmand, Nimruz)",
}
"""Afghan sanctuary areas across the border: config key -> description."""

REGION_KEYS: tuple[str, ...] = (*PAKISTAN_REGIONS, *AFGHAN_SANCTUARIES)
"""All regions; the index of a key here is the region's index in every array."""

N_PAKISTAN = len(PAKISTAN_REGIONS)


@dataclass(frozen=True)
class CrossingSpec:
    """A border sector joining an Afghan sanctuary area to a Pakistani region."""

    key: str
    name: str
    afghan_side: str
    pakistan_side: str


CROSSINGS: tuple[CrossingSpec, ...] = (
    CrossingSpec("torkham", "Torkham (Khyber)", "af_east", "kp"),
    CrossingSpec("bajaur_kunar", "Bajaur-Kunar sector", "af_east", "kp"),
    CrossingSpec("waziristan", "Ghulam Khan and Angoor Adda (Waziristan)", "af_east", "kp"),
    CrossingSpec("zhob", "Zhob-Paktika sector", "af_east", "balochistan"),
    CrossingSpec("chaman", "Chaman-Spin Boldak", "af_south", "balochistan"),
)
CROSSING_KEYS: tuple[str, ...] = tuple(c.key for c in CROSSINGS)

PAKISTAN_ADJACENCY: tuple[tuple[str, str], ...] = (
    ("kp", "punjab"),
    ("kp", "islamabad"),
    ("kp", "gb"),
    ("kp", "ajk"),
    ("kp", "balochistan"),
    ("punjab", "islamabad"),
    ("punjab", "ajk"),
    ("punjab", "sindh"),
    ("punjab", "balochistan"),
    ("sindh", "balochistan"),
    ("gb", "ajk"),
)
"""Land borders between Pakistani regions, along which militant cells spill over."""


def region_index(key: str) -> int:
    return REGION_KEYS.index(key)


def build_graph() -> nx.Graph:
    """The region graph: Pakistani adjacency plus one edge per crossing (parallel sectors merge)."""
    # networkx and Mesa are imported where they are used, so that checking a config (which
    # needs the names above) does not load them: the sim command starts faster.
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(REGION_KEYS)))
    for a, b in PAKISTAN_ADJACENCY:
        graph.add_edge(region_index(a), region_index(b), kind="internal")
    for crossing in CROSSINGS:
        graph.add_edge(
            region_index(crossing.afghan_side), region_index(crossing.pakistan_side), kind="border"
        )
    return graph


def build_space(random) -> Network:
    """Mesa network space with one cell per region (``layout=None``: no global-RNG layout)."""
    from mesa.discrete_space import Network

    return Network(build_graph(), random=random, layout=None)
