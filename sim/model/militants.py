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

from sim.model.params import GroupParams
from sim.model.space import CROSSING_KEYS, CROSSINGS, N_PAKISTAN, REGION_KEYS, region_index

# Numeric group parameters copied into a per-group vector, in this order.
_RATE_FIELDS = (
    "cross_in_per_day", "return_per_day", "spillover_per_day", "home_return_per_day",
    "attack_rate", "civilian_per_attack", "security_per_attack", "attackers_per_attack",
    "supply_sanctuary_per_day", "supply_local_per_day", "supply_cross_border_per_day",
    "supply_per_attack",
)

# Up to this many values, Poisson and binomial draws are made one scalar call at a time:
# numpy's array calls cost ~10 us of argument checks, a scalar call ~0.5 us, and both draw
# the same numbers in the same order.
_SCALAR_DRAWS = 8

# Per-row constants fixed by a cell's group and route: (attribute, dtype).
_ROW_CONSTANTS = (
    ("_entry", np.int64), ("_home", np.int64), ("_split_at", np.int64),
    ("_r_in", float), ("_r_out", float), ("_r_home", float), ("_r_spill", float),
    ("_r_attack", float), ("_r_sanct", float), ("_r_local", float), ("_r_cross", float),
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
        # Per-row copies of what a cell's group and route fix for its whole life (its entry
        # region, sanctuary, split size and daily rates), so the daily rules read them
        # without indexing the group tables every day.
        for name, dtype in _ROW_CONSTANTS:
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self._row_rate_of_group = {
            "_r_in": self.rate["cross_in_per_day"], "_r_out": self.rate["return_per_day"],
            "_r_home": self.rate["home_return_per_day"],
            "_r_spill": self.rate["spillover_per_day"], "_r_attack": self.rate["attack_rate"],
            "_r_sanct": self.rate["supply_sanctuary_per_day"],
            "_r_local": self.rate["supply_local_per_day"],
            "_r_cross": self.rate["supply_cross_border_per_day"],
        }
        # Consequences of attacks per group: rows civilians, security, attackers killed.
        self._per_attack = np.array([self.rate["civilian_per_attack"],
                                     self.rate["security_per_attack"],
                                     self.rate["attackers_per_attack"]])
        self._recruit_base = self.recruit_base.tolist()
        self._recruit_sanctuary = self.recruit_sanctuary.tolist()
        self._ceiling = self.ceiling.tolist()
        self._supply_sanctuary = self.rate["supply_sanctuary_per_day"].tolist()
        self.agents: list[MilitantCell | None] = [None] * capacity
        self.n = 0  # rows in use (alive or dead)
        self.n_alive = 0  # living cells (rows with alive set)
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
        names = ("group", "region", "route", "fighters", "supply", "alive",
                 *(name for name, _ in _ROW_CONSTANTS))
        for name in names:
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
        self._entry[row] = self.entry_of_route[route]
        self._home[row] = self.sanctuary_of[group]
        self._split_at[row] = self.split_size[group]
        for name, table in self._row_rate_of_group.items():
            getattr(self, name)[row] = table[group]
        self.n_alive += 1
        self.agents[row] = MilitantCell(self.model, row)

    # -- queries ---------------------------------------------------------------------------

    def strength_by_group(self, inside_pakistan_only: bool = False) -> np.ndarray:
        n = self.n
        mask = self.alive[:n]
        if inside_pakistan_only:
            mask = mask & (self.region[:n] < N_PAKISTAN)
        return np.bincount(self.group[:n][mask], weights=self.fighters[:n][mask],
                           minlength=self.n_groups)

    def strength_total_and_inside(self) -> tuple[np.ndarray, np.ndarray]:
        """Fighters per group, in total and inside Pakistan, from one pass over the rows.

        Same values as ``strength_by_group()`` and ``strength_by_group(True)``: wiped-out
        rows hold no fighters, and the sums are exact integers whatever their order.
        """
        n, n_groups = self.n, self.n_groups
        key = self.group[:n] + n_groups * (self.region[:n] < N_PAKISTAN)
        both = np.bincount(key, weights=self.fighters[:n], minlength=2 * n_groups)
        inside = both[n_groups:]
        return both[:n_groups] + inside, inside

    # -- daily rules -----------------------------------------------------------------------
    # Every rule draws exactly the numbers, in exactly the order, of its straightforward
    # formulation (see the comments): a Poisson draw with mean 0 consumes nothing, so draws
    # for rows that cannot act may be skipped; consecutive Poisson calls may be made as one
    # call on the concatenated means; and an array call draws the same numbers as scalar
    # calls on its elements in order (cheaper for a few values).

    def recruit(self, rng: np.random.Generator, tolerance: float, finance_cut: float) -> None:
        """Cells gain recruits: faster with a tolerated sanctuary, slower near the ceiling."""
        n = self.n
        group = self.group[:n]
        f = self.fighters[:n]
        strength = np.bincount(group, weights=f, minlength=self.n_groups).tolist()
        kept = 1.0 - finance_cut
        per_day = []
        for g, ceiling in enumerate(self._ceiling):
            headroom = min(max(1.0 - strength[g] / ceiling, 0.0), 1.0)
            per_year = (self._recruit_base[g] + self._recruit_sanctuary[g] * tolerance) * kept
            per_day.append(per_year * headroom / 365.0)
        # lam = f * per_day[group]
        f += rng.poisson(f * np.array(per_day).take(group))

    def move(self, rng: np.random.Generator, permeability: np.ndarray) -> np.ndarray:
        """Cross into Pakistan, return to sanctuary, or spill over to a neighbouring region.

        A cell in sanctuary crosses in with chance ``p_in``; a cell in its entry region returns
        with chance ``p_out``, one elsewhere in Pakistan goes back to its entry region with
        chance ``p_home``, and either spills over with chance ``p_spill`` (one uniform draw per
        row decides, in that order).

        Returns the crossings made today as an array [crossing, direction] (0 in, 1 out).
        """
        n = self.n
        reg, route = self.region[:n], self.route[:n]
        perm = permeability.take(route)
        u = rng.random(n)
        in_sanctuary = reg >= N_PAKISTAN
        at_entry = reg == self._entry[:n]
        p_in = self._r_in[:n] * perm
        first = np.where(at_entry, self._r_out[:n] * perm, self._r_home[:n])
        upper = np.where(in_sanctuary, p_in, first + self._r_spill[:n])
        # Rows that do anything today; the few that do are sorted out below.
        movers = ((u < upper) & self.alive[:n]).nonzero()[0]
        crossed = np.zeros((len(CROSSING_KEYS), 2), dtype=np.int64)
        if not movers.size:
            return crossed
        # Sort the few movers out in Python: cross in (in sanctuary), otherwise u < first
        # means back (cross out at the entry region, or return to it), else spill over.
        rows, new_region, spill = [], [], []
        entry, home = self._entry, self._home
        for row, u_row, sanct, at, first_row, rt in zip(
            movers.tolist(), u[movers].tolist(), in_sanctuary[movers].tolist(),
            at_entry[movers].tolist(), first[movers].tolist(), route[movers].tolist(),
            strict=True,
        ):
            if sanct:
                crossed[rt, 0] += 1
                rows.append(row)
                new_region.append(entry[row])
            elif u_row < first_row:
                rows.append(row)
                if at:
                    crossed[rt, 1] += 1
                    new_region.append(home[row])
                else:
                    new_region.append(entry[row])
            else:
                spill.append(row)
        if rows:
            reg[rows] = new_region
        if spill:
            cum = self.spill_cum[self.group[spill], reg[spill]]
            reg[spill] = (rng.random(len(spill))[:, None] >= cum).sum(axis=1)
        return crossed

    def resupply(self, permeability: np.ndarray, tolerance: float, finance_cut: float) -> None:
        """Supply refills toward full: in sanctuary, from local networks, and across the border."""
        n = self.n
        reg = self.region[:n]
        s = self.supply[:n]
        outside_finance = 1.0 - finance_cut
        # rate = sanctuary * tolerance * outside_finance                      in sanctuary
        #        local + at_entry * cross_border * permeability * outside_finance  in Pakistan
        in_sanctuary = reg >= N_PAKISTAN
        at_entry = reg == self._entry[:n]
        sanctuary_rate = np.array(
            [r * tolerance * outside_finance for r in self._supply_sanctuary]
        ).take(self.group[:n])
        local = self._r_local[:n]
        cross = self._r_cross[:n] * permeability.take(self.route[:n])
        cross *= outside_finance
        rate = np.where(in_sanctuary, sanctuary_rate, np.where(at_entry, local + cross, local))
        s += rate * (1.0 - s)

    def attack(self, rng: np.random.Generator, ceasefire: np.ndarray,
               activity: float = 1.0) -> dict[str, np.ndarray]:
        """Cells inside Pakistan attack; returns per-attacking-cell counts and regions.

        ``activity`` is the day's seasonal multiplier on attack rates (1 = no season).
        """
        n = self.n
        g, reg = self.group[:n], self.region[:n]
        f, s = self.fighters[:n], self.supply[:n]
        inside = self.alive[:n] & (reg < N_PAKISTAN)
        # lam = attack_rate * activity * (f / 100) * s * (1 - ceasefire[g]) * inside
        lam = self._r_attack[:n] * (f / 100.0)
        if activity != 1.0:
            lam *= activity
        lam *= s
        if any(ceasefire.tolist()):  # otherwise every factor is 1.0, which changes nothing
            lam *= (1.0 - ceasefire).take(g)
        lam *= inside
        attacks = rng.poisson(lam)
        idx = attacks.nonzero()[0]
        k = idx.size
        if not k:
            empty = np.zeros(0, dtype=np.int64)
            return {"region": reg[idx], "attacks": attacks[idx], "civilian": empty,
                    "security": empty, "militant": empty}
        a, gi = attacks[idx], g[idx]
        # Civilians, security personnel and attackers killed: Poisson draws over the attacking
        # cells, all civilians first, then security, then attackers. Means are a * per-attack
        # rate; for a few cells scalar draws are cheaper than array calls (same numbers).
        means = a * self._per_attack.take(gi, axis=1)
        if k <= _SCALAR_DRAWS:
            poisson = rng.poisson
            civilians, security, killed = np.array(
                [[poisson(m) for m in row] for row in means.tolist()], dtype=np.int64
            )
        else:
            civilians, security, killed = rng.poisson(means)
        attackers = np.minimum(f[idx], killed)
        f[idx] -= attackers
        s[idx] = np.maximum(0.0, s[idx] - a * self.rate["supply_per_attack"][gi])
        return {"region": reg[idx], "attacks": a, "civilian": civilians, "security": security,
                "militant": attackers}

    def split_and_bury(self) -> None:
        """Cells above twice their size split in two; cells with no fighters are wiped out."""
        n = self.n
        f = self.fighters[:n]
        alive = self.alive[:n]
        changing = (alive & ((f <= 0) | (f > self._split_at[:n]))).nonzero()[0]
        if not changing.size:
            return
        dead = changing[f[changing] <= 0]
        for row in dead.tolist():
            self.alive[row] = False
            self.agents[row].remove()
            self.agents[row] = None
            self.free.append(row)
        self.n_alive -= len(dead)
        big = changing[f[changing] > 0]
        for row in big.tolist():
            half = int(self.fighters[row]) // 2
            self.fighters[row] -= half
            self._add(int(self.group[row]), int(self.region[row]), int(self.route[row]), half,
                      float(self.supply[row]))
