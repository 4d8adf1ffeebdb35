"""Militant cells: Mesa agents whose state lives in a vectorised roster.

All cells follow the same rules with their group's parameters, so the daily arithmetic
(recruitment, movement, resupply, attacks) runs on numpy arrays over every cell at once; each
:class:`MilitantCell` agent is a view of one row. Per-agent Python runs only where a cell's
life changes: when it splits in two or is wiped out.

Units: fighters are counts; supply is the share of a fully supplied cell's arms and money
[0-1]; rates are per day.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.params import GroupParams
from sim.space import CROSSING_KEYS, CROSSINGS, N_PAKISTAN, REGION_KEYS, region_index

# Numeric group parameters copied into a per-group vector, in this order.
_RATE_FIELDS = (
    "cross_in_per_day", "return_per_day", "spillover_per_day", "home_return_per_day",
    "attack_rate", "civilian_per_attack", "security_per_attack", "attackers_per_attack",
    "supply_sanctuary_per_day", "supply_local_per_day", "supply_cross_border_per_day",
    "supply_per_attack",
)


class MilitantCell(mesa.Agent):
    """A cell of one armed group; its state is a row of the model's :class:`MilitantRoster`."""

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def group(self) -> str:
        return self.model.roster.group_keys[self.model.roster.group[self.row]]

    @property
    def fighters(self) -> int:
        return int(self.model.roster.fighters[self.row])

    @property
    def supply(self) -> float:
        return float(self.model.roster.supply[self.row])

    @property
    def region(self) -> str:
        return REGION_KEYS[self.model.roster.region[self.row]]

    @property
    def cell(self):
        """The Mesa network cell of the region the militant cell is in."""
        return self.model.space._cells[int(self.model.roster.region[self.row])]


class MilitantRoster:
    """Struct-of-arrays state of all militant cells and their vectorised daily rules."""

    def __init__(self, model, groups: dict[str, GroupParams], rng: np.random.Generator):
        self.model = model
        self.group_keys = tuple(groups)
        self.groups = groups
        n_groups = len(groups)
        # Per-group parameter table: rate[field][g].
        self.rate = {
            name: np.array([getattr(g, name) for g in groups.values()], dtype=float)
            for name in _RATE_FIELDS
        }
        self.recruit_base = np.array([g.recruitment_base_per_year for g in groups.values()])
        self.recruit_sanctuary = np.array(
            [g.recruitment_sanctuary_per_year for g in groups.values()]
        )
        self.ceiling = np.array([g.recruitment_ceiling for g in groups.values()], dtype=float)
        self.split_size = np.array([2 * g.cell_size for g in groups.values()], dtype=np.int64)
        self.sanctuary_of = np.array([region_index(g.sanctuary) for g in groups.values()])
        self.route_weights = np.array(
            [[g.routes.get(c, 0.0) for c in CROSSING_KEYS] for g in groups.values()]
        )
        self.route_weights /= self.route_weights.sum(axis=1, keepdims=True)
        self.entry_of_route = np.array([region_index(c.pakistan_side) for c in CROSSINGS])
        self.spill_cum = self._spill_table(groups)

        total_cells = sum(max(1, g.fighters_start // g.cell_size) for g in groups.values())
        capacity = max(64, 4 * total_cells)
        self.group = np.zeros(capacity, dtype=np.int64)
        self.region = np.zeros(capacity, dtype=np.int64)
        self.route = np.zeros(capacity, dtype=np.int64)
        self.fighters = np.zeros(capacity, dtype=np.int64)
        self.supply = np.zeros(capacity, dtype=float)
        self.alive = np.zeros(capacity, dtype=bool)
        self.agents: list[MilitantCell | None] = [None] * capacity
        self.n = 0  # rows in use (alive or dead)
        self.free: list[int] = []  # rows of wiped-out cells, reused by new cells
        self.n_groups = n_groups
        self._place_initial_cells(rng)

    # -- setup -----------------------------------------------------------------------------

    def _spill_table(self, groups: dict[str, GroupParams]) -> np.ndarray:
        """Cumulative spillover probabilities [group, from-region, to-region] along the graph."""
        graph = self.model.space.G
        n_regions = len(REGION_KEYS)
        table = np.zeros((len(groups), n_regions, n_regions))
        for g, params in enumerate(groups.values()):
            pull = np.array([params.spillover_weights.get(k, 0.0) for k in REGION_KEYS])
            pull[:] = np.where(pull > 0, pull, 0.02)  # every region draws a little
            pull[N_PAKISTAN:] = 0.0  # spillover stays inside Pakistan
            for r in range(N_PAKISTAN):
                w = np.zeros(n_regions)
                for nb in graph.neighbors(r):
                    w[nb] = pull[nb]
                table[g, r] = np.cumsum(w / w.sum()) if w.sum() > 0 else 1.0
        return table

    def _place_initial_cells(self, rng: np.random.Generator) -> None:
        for g, params in enumerate(self.groups.values()):
            n_cells = max(1, params.fighters_start // params.cell_size)
            sizes = np.full(n_cells, params.fighters_start // n_cells)
            sizes[: params.fighters_start - sizes.sum()] += 1
            routes = rng.choice(len(CROSSING_KEYS), size=n_cells, p=self.route_weights[g])
            inside = rng.random(n_cells) < params.share_in_pakistan_start
            supply = rng.uniform(0.3, 0.7, size=n_cells)
            for size, route, ins, sup in zip(sizes, routes, inside, supply, strict=True):
                region = self.entry_of_route[route] if ins else self.sanctuary_of[g]
                self._add(g, region, route, int(size), float(sup))

    def _grow(self) -> None:
        cap = len(self.alive) * 2
        for name in ("group", "region", "route", "fighters", "supply", "alive"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self.agents.extend([None] * (cap - len(self.agents)))

    def _add(self, group: int, region: int, route: int, fighters: int, supply: float) -> None:
        if self.free:
            row = self.free.pop()
        else:
            if self.n == len(self.alive):
                self._grow()
            row = self.n
            self.n += 1
        self.group[row], self.region[row], self.route[row] = group, region, route
        self.fighters[row], self.supply[row], self.alive[row] = fighters, supply, True
        self.agents[row] = MilitantCell(self.model, row)

    # -- queries ---------------------------------------------------------------------------

    def strength_by_group(self, inside_pakistan_only: bool = False) -> np.ndarray:
        n = self.n
        mask = self.alive[:n]
        if inside_pakistan_only:
            mask = mask & (self.region[:n] < N_PAKISTAN)
        return np.bincount(self.group[:n][mask], weights=self.fighters[:n][mask],
                           minlength=self.n_groups)

    # -- daily rules -----------------------------------------------------------------------

    def recruit(self, rng: np.random.Generator, tolerance: float, finance_cut: float) -> None:
        """Cells gain recruits: faster with a tolerated sanctuary, slower near the ceiling."""
        n = self.n
        strength = self.strength_by_group()
        headroom = np.clip(1.0 - strength / self.ceiling, 0.0, 1.0)
        per_year = (self.recruit_base + self.recruit_sanctuary * tolerance) * (1.0 - finance_cut)
        per_day = per_year * headroom / 365.0
        f = self.fighters[:n]
        f += rng.poisson(f * per_day[self.group[:n]])

    def move(self, rng: np.random.Generator, permeability: np.ndarray) -> np.ndarray:
        """Cross into Pakistan, return to sanctuary, or spill over to a neighbouring region.

        Returns the crossings made today as an array [crossing, direction] (0 in, 1 out).
        """
        n = self.n
        g, reg, route = self.group[:n], self.region[:n], self.route[:n]
        alive = self.alive[:n]
        perm = permeability[route]
        entry = self.entry_of_route[route]
        u = rng.random(n)
        in_sanctuary = alive & (reg >= N_PAKISTAN)
        at_entry = alive & (reg == entry)
        elsewhere = alive & (reg < N_PAKISTAN) & ~at_entry

        p_in = self.rate["cross_in_per_day"][g] * perm
        p_out = self.rate["return_per_day"][g] * perm
        p_home = self.rate["home_return_per_day"][g]
        p_spill = self.rate["spillover_per_day"][g]

        cross_in = in_sanctuary & (u < p_in)
        cross_out = at_entry & (u < p_out)
        go_home = elsewhere & (u < p_home)
        first = np.where(at_entry, p_out, p_home)
        spill = (at_entry | elsewhere) & (u >= first) & (u < first + p_spill)

        crossed = np.zeros((len(CROSSING_KEYS), 2), dtype=np.int64)
        crossed[:, 0] = np.bincount(route[cross_in], minlength=len(CROSSING_KEYS))
        crossed[:, 1] = np.bincount(route[cross_out], minlength=len(CROSSING_KEYS))
        reg[cross_in] = entry[cross_in]
        reg[cross_out] = self.sanctuary_of[g[cross_out]]
        reg[go_home] = entry[go_home]
        if spill.any():
            idx = np.flatnonzero(spill)
            cum = self.spill_cum[g[idx], reg[idx]]
            reg[idx] = (rng.random(len(idx))[:, None] >= cum).sum(axis=1)
        return crossed

    def resupply(self, permeability: np.ndarray, tolerance: float, finance_cut: float) -> None:
        """Supply refills toward full: in sanctuary, from local networks, and across the border."""
        n = self.n
        g, reg, route = self.group[:n], self.region[:n], self.route[:n]
        s = self.supply[:n]
        outside_finance = 1.0 - finance_cut
        in_sanctuary = reg >= N_PAKISTAN
        at_entry = reg == self.entry_of_route[route]
        rate = np.where(
            in_sanctuary,
            self.rate["supply_sanctuary_per_day"][g] * tolerance * outside_finance,
            self.rate["supply_local_per_day"][g]
            + at_entry * self.rate["supply_cross_border_per_day"][g] * permeability[route]
            * outside_finance,
        )
        s += rate * (1.0 - s)

    def attack(self, rng: np.random.Generator, ceasefire: np.ndarray) -> dict[str, np.ndarray]:
        """Cells inside Pakistan attack; returns per-attacking-cell counts and regions."""
        n = self.n
        g, reg = self.group[:n], self.region[:n]
        f, s = self.fighters[:n], self.supply[:n]
        inside = self.alive[:n] & (reg < N_PAKISTAN)
        lam = self.rate["attack_rate"][g] * (f / 100.0) * s * (1.0 - ceasefire[g]) * inside
        attacks = rng.poisson(lam)
        idx = np.flatnonzero(attacks)
        a, gi = attacks[idx], g[idx]
        civilians = rng.poisson(a * self.rate["civilian_per_attack"][gi])
        security = rng.poisson(a * self.rate["security_per_attack"][gi])
        attackers = np.minimum(f[idx], rng.poisson(a * self.rate["attackers_per_attack"][gi]))
        f[idx] -= attackers
        s[idx] = np.maximum(0.0, s[idx] - a * self.rate["supply_per_attack"][gi])
        return {"region": reg[idx], "attacks": a, "civilian": civilians, "security": security,
                "militant": attackers}

    def split_and_bury(self) -> None:
        """Cells above twice their size split in two; cells with no fighters are wiped out."""
        n = self.n
        alive = self.alive[:n]
        dead = np.flatnonzero(alive & (self.fighters[:n] <= 0))
        for row in dead:
            self.alive[row] = False
            self.agents[row].remove()
            self.agents[row] = None
            self.free.append(int(row))
        big = np.flatnonzero(alive & (self.fighters[:n] > self.split_size[self.group[:n]]))
        for row in big:
            half = int(self.fighters[row]) // 2
            self.fighters[row] -= half
            self._add(int(self.group[row]), int(self.region[row]), int(self.route[row]), half,
                      float(self.supply[row]))

