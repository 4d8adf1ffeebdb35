"""Militant cells: Mesa agents whose state lives in arrays, one row per living cell.

All cells follow the same rules with their group's parameters
(:mod:`sim.model.militant_rules`), so their state is kept as arrays that the compiled day
loop works on; each :class:`MilitantCell` agent is a view of its cell's row, found by the
cell's number. The roster keeps the agents matching the living cells after every simulated
stretch of days: a wiped-out cell's agent is removed, a new cell (from a split) gets one.

Units: fighters are counts; supply is the share of a fully supplied cell's arms and money
[0-1].
"""

from __future__ import annotations

from typing import NamedTuple

import mesa
import numpy as np

from sim.model.params import GroupParams
from sim.model.setup import ModelSetup
from sim.model.space import N_PAKISTAN, REGION_KEYS


class Cells(NamedTuple):
    """The cells' state: rows ``0..n-1`` are the living cells, the rest is room to grow."""

    group: np.ndarray
    """Index of the cell's group (the order of ``params.groups``)."""
    region: np.ndarray
    """Index of the region the cell is in (``sim.model.space.REGION_KEYS``)."""
    route: np.ndarray
    """Index of the crossing the cell uses (``sim.model.space.CROSSINGS``)."""
    fighters: np.ndarray
    """Fighters [count]."""
    supply: np.ndarray
    """Arms and money [share of full supply, 0-1]."""
    ident: np.ndarray
    """The cell's number, for its whole life (its agent finds its row by it)."""

    @classmethod
    def empty(cls, capacity: int) -> Cells:
        ints = [np.zeros(capacity, dtype=np.int64) for _ in range(4)]
        return cls(group=ints[0], region=ints[1], route=ints[2], fighters=ints[3],
                   supply=np.zeros(capacity), ident=np.zeros(capacity, dtype=np.int64))

    def grown(self, capacity: int) -> Cells:
        """A copy with room for ``capacity`` cells."""
        new = Cells.empty(capacity)
        for old, column in zip(self, new, strict=True):
            column[: len(old)] = old
        return new


class Work(NamedTuple):
    """Room for the rules' per-cell intermediate values (no allocation in the day loop)."""

    cumulative: np.ndarray
    """Running sums of a Poisson mean per cell (:func:`sim.model.sampling.poisson_points`)."""
    rows: np.ndarray
    """Rows with a count of at least 1."""
    counts: np.ndarray
    """Their counts."""
    wiped_out: np.ndarray
    """Rows of cells with no fighters left."""

    @classmethod
    def empty(cls, capacity: int) -> Work:
        return cls(np.zeros(capacity), *(np.zeros(capacity, dtype=np.int64) for _ in range(3)))


class MilitantCell(mesa.Agent):
    """A cell of one armed group; its state is a row of the model's cell arrays."""

    def __init__(self, model, ident: int, row: int):
        super().__init__(model)
        self.ident = ident
        self.row = row

    @property
    def group(self) -> str:
        return self.model.roster.group_keys[self.model.roster.cells.group[self.row]]

    @property
    def fighters(self) -> int:
        return int(self.model.roster.cells.fighters[self.row])

    @property
    def supply(self) -> float:
        return float(self.model.roster.cells.supply[self.row])

    @property
    def region(self) -> str:
        return REGION_KEYS[self.model.roster.cells.region[self.row]]

    @property
    def cell(self):
        """The Mesa network cell of the region the militant cell is in."""
        return self.model.space._cells[int(self.model.roster.cells.region[self.row])]


def settled_supply(group: GroupParams, permeability: np.ndarray, in_entry_region: np.ndarray,
                   tolerance: float) -> np.ndarray:
    """The supply a cell settles at [0-1]: ``rate / (rate + upkeep)`` with the resupply rate of
    its entry region (local plus cross-border at ``permeability``) or of its sanctuary (at
    ``tolerance``, the sanctuary access of the group: see :class:`CellRoster`)."""
    in_pakistan = group.supply_local_per_day + group.supply_cross_border_per_day * permeability
    in_sanctuary = group.supply_sanctuary_per_day * tolerance
    rate = np.where(in_entry_region, in_pakistan, in_sanctuary)
    return rate / np.maximum(rate + group.supply_upkeep_per_day, 1e-12)


class CellRoster:
    """The living militant cells: their arrays (rows ``0..n-1``) and their Mesa agents."""

    def __init__(self, model, groups: dict[str, GroupParams], setup: ModelSetup,
                 rng: np.random.Generator, tolerance: float = 0.0, enemy_access: float = 0.0):
        self.model = model
        self.group_keys = setup.group_keys
        total_cells = sum(max(1, g.fighters_start // g.cell_size) for g in groups.values())
        capacity = max(64, 4 * total_cells)
        self.cells = Cells.empty(capacity)
        self.work = Work.empty(capacity)
        self.n = 0  # living cells
        self.next_ident = 0  # number of the next new cell
        self.agents: dict[int, MilitantCell] = {}
        self.agents_stale = True  # the cells changed since the agents last matched them
        self._place_initial_cells(groups, setup, rng, tolerance, enemy_access)

    def _place_initial_cells(self, groups: dict[str, GroupParams], setup: ModelSetup,
                             rng: np.random.Generator, tolerance: float,
                             enemy_access: float) -> None:
        """Each group's starting fighters in cells of ``cell_size``, on routes drawn by their
        weights, a share ``share_in_pakistan_start`` in their entry region and the rest in
        sanctuary. A cell starts with the supply it would settle at where it is with open
        crossings and the first day's sanctuary access (the Taliban's ``tolerance``, or
        ``enemy_access`` for a group they fight; :func:`settled_supply`), times a factor
        uniform on [0.8, 1.0]."""
        entry, sanctuary = setup.tables.entry_region, setup.tables.groups.sanctuary
        cells = self.cells
        for g, params in enumerate(groups.values()):
            n_cells = max(1, params.fighters_start // params.cell_size)
            sizes = np.full(n_cells, params.fighters_start // n_cells)
            sizes[: params.fighters_start - sizes.sum()] += 1
            routes = rng.choice(len(entry), size=n_cells, p=setup.route_weights[g])
            inside = rng.random(n_cells) < params.share_in_pakistan_start
            rows = slice(self.n, self.n + n_cells)
            cells.group[rows] = g
            cells.route[rows] = routes
            cells.region[rows] = np.where(inside, entry[routes], sanctuary[g])
            cells.fighters[rows] = sizes
            access = enemy_access if params.fought_by_taliban else tolerance
            settled = settled_supply(params, setup.tables.base_permeability[routes], inside,
                                     access)
            cells.supply[rows] = settled * rng.uniform(0.8, 1.0, size=n_cells)
            self.n += n_cells
        cells.ident[: self.n] = np.arange(self.n)
        self.next_ident = self.n
        self.census = self.count_fighters()

    def count_fighters(self) -> np.ndarray:
        """[group, region] fighters of the living cells (the census the rules keep current)."""
        n, cells = self.n, self.cells
        census = np.zeros((len(self.group_keys), len(REGION_KEYS)), dtype=np.int64)
        np.add.at(census, (cells.group[:n], cells.region[:n]), cells.fighters[:n])
        return census

    @property
    def capacity(self) -> int:
        return len(self.cells.fighters)

    @property
    def alive(self) -> np.ndarray:
        """For every row, whether it holds a living cell (the first ``n`` rows)."""
        return np.arange(self.capacity) < self.n

    def grow(self) -> None:
        """Double the room for cells."""
        self.cells = self.cells.grown(2 * self.capacity)
        self.work = Work.empty(2 * self.capacity)

    def sync_agents(self) -> None:
        """Make the MilitantCell agents match the living cells: remove the agents of cells
        that were wiped out, add agents for new cells, and point every agent at its row."""
        if not self.agents_stale:
            return
        self.agents_stale = False
        rows = dict(zip(self.cells.ident[: self.n].tolist(), range(self.n), strict=True))
        for ident in list(self.agents):
            row = rows.pop(ident, None)
            if row is None:
                self.agents.pop(ident).remove()
            else:
                self.agents[ident].row = row
        for ident, row in rows.items():
            self.agents[ident] = MilitantCell(self.model, ident, row)

    def strength_by_group(self, inside_pakistan_only: bool = False) -> np.ndarray:
        """Fighters of each group [fighters], in total or inside Pakistan only."""
        regions = slice(0, N_PAKISTAN) if inside_pakistan_only else slice(None)
        return self.census[:, regions].sum(axis=1)
