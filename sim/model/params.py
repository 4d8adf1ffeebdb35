"""Model parameters: every default with its unit and where it comes from.

This module is the one place where the model's defaults live (the Covasim pattern). Hydra
validates configs against these dataclasses, so a misspelt key or a wrong type is refused before
a run starts. Reported figures are not parameters: they live in ``sim/data/reported_figures.yaml``
and are what the model is compared with. The parameters calibration fits, with their priors,
are listed in ``conf/calibration/default.yaml`` (the fitted values: ``conf/model/calibrated.yaml``);
their defaults here are hand-set starting values of the right order of magnitude. Every other
value has a source or says "assumption".

Sources cited as S0-S4 are the seed articles (see ``reported_figures.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GroupParams:
    """One militant organisation, simulated as cells that share these rules."""

    label: str = ""
    """Name as reported (S1 names the TTP, BLA, BLF and 'Daesh's regional chapter')."""
    fighters_start: int = 1000
    """Fighters on the first simulated day (1 January 2019) [fighters]. Assumption for every
    group; the TTP's is calibrated (prior 1,500-8,000: UN Monitoring Team member-state
    estimates of 2,500-6,000 in Afghanistan in 2021)."""
    cell_size: int = 25
    """Fighters per cell at the start [fighters]; a cell splits in two above twice this.
    Assumption (a platoon-sized group)."""
    sanctuary: str = "af_east"
    """Afghan sanctuary area its cells rest, recruit and resupply in [region key]."""
    routes: dict[str, float] = field(default_factory=lambda: {"torkham": 1.0})
    """Crossings its cells use, with relative weights [crossing key -> weight]."""
    share_in_pakistan_start: float = 0.5
    """Share of cells inside Pakistan on the first day [0-1]. Assumption."""
    recruitment_base_per_year: float = 0.2
    """Recruits per fighter per year without an Afghan sanctuary [1/year]."""
    recruitment_sanctuary_per_year: float = 0.4
    """Extra recruits per fighter per year at full Taliban tolerance [1/year]."""
    recruitment_ceiling: int = 60000
    """Strength at which recruitment stops (logistic ceiling) [fighters]."""
    cross_in_per_day: float = 0.02
    """Chance a cell in sanctuary crosses into Pakistan on a day, at permeability 1 [1/day].
    Assumption (movement chances are of the order of one crossing a month or two)."""
    return_per_day: float = 0.015
    """Chance a cell in its Pakistani entry region returns to sanctuary, at permeability 1
    [1/day]."""
    spillover_per_day: float = 0.002
    """Chance a cell in Pakistan moves on to a neighbouring Pakistani region [1/day]."""
    spillover_weights: dict[str, float] = field(default_factory=lambda: {"punjab": 1.0})
    """Relative pull of Pakistani regions for spillover [region key -> weight]."""
    home_return_per_day: float = 0.03
    """Chance a cell outside its entry region moves back to it [1/day]."""
    attack_rate: float = 0.05
    """Attacks per day per 100 fighters in Pakistan at full supply [1/day/100 fighters]."""
    civilian_per_attack: float = 0.6
    """Mean civilians killed per attack [fatalities/attack]."""
    security_per_attack: float = 0.5
    """Mean security personnel killed per attack [fatalities/attack]."""
    attackers_per_attack: float = 0.4
    """Mean attackers killed per attack (suicide attackers, return fire) [fatalities/attack].
    Assumption."""
    supply_sanctuary_per_day: float = 0.05
    """Resupply rate in sanctuary at full Taliban tolerance [share of the gap to full/day].
    Assumption."""
    supply_local_per_day: float = 0.005
    """Resupply rate inside Pakistan from local networks and extortion (S2) [share/day]."""
    supply_cross_border_per_day: float = 0.010
    """Resupply rate inside the entry region through its crossing, at permeability 1
    [share/day]. This is how a closure starves cells of arms and money."""
    supply_per_attack: float = 1.0
    """Supply used by one attack [share of full supply]."""
    supply_for_full_tempo: float = 0.5
    """Supply at and above which a cell attacks at its full rate [share of full supply, 0-1];
    below it, the cell rations its shrinking stock and attacks in proportion to ``supply /
    this``. So a closure bites once stocks run down, not on its first day. Assumption (prior
    0.2-0.9)."""
    supply_upkeep_per_day: float = 0.02
    """Supply a cell uses up a day without attacking: pay, food, fuel, ammunition spent in
    training and moving [share of its supply/day]. With the resupply rates it sets how far and
    how fast a cell's supply falls when a crossing shuts (time constant ``1 / (resupply +
    upkeep)``). Assumption (prior 0.005-0.05/day: a cell's stock lasts one to six months)."""
    security_target_share: float = 0.6
    """Share of its attacks a group aims at security forces when they put no pressure on it
    [0-1]; the rest hit civilians (soft targets). Under pressure it shifts to softer targets
    (``SecurityParams.target_substitution``). Sources per group below."""
    lethality_tail_index: float = 2.38
    """Tail index of the deaths an attack causes [dimensionless]: each attack's lethality is a
    Lomax (Pareto II) draw with this index, scaled to mean 1, so most attacks kill few and
    some kill dozens. 2.38 is the power-law exponent of the severity of terrorist attacks
    (Clauset, Young and Gleditsch 2007, J. Conflict Resolution 51(1), 58-87)."""
    attacks_per_wave: float = 1.0
    """Mean attacks in one wave of coordinated attacks [attacks/wave, >= 1]: a wave is a
    geometric number of attacks on the same day (1 when the mean is 1). Waves make monthly
    attack counts overdispersed, as PICSS's are (``sim.data.season``). Per group below."""
    withdrawal_under_pressure: float = 1.0
    """How much more often a cell in its entry region withdraws to sanctuary when the security
    forces press hardest there: its return chance is multiplied by ``1 + this * pressure``
    [dimensionless, pressure 0-1]. Assumption (prior 0-3): cells retreat across the border
    when hunted (S2, S3: TTP 'hideouts' in Afghanistan)."""
    fought_by_taliban: bool = False
    """The Taliban fight this group in Afghanistan instead of sheltering it (ISKP; UN
    Monitoring Team reports 2022-2025): its sanctuary access is
    ``TalibanParams.enemy_sanctuary_access`` and, while they rule, Taliban raids kill its
    fighters there."""


def _ttp() -> GroupParams:
    return GroupParams(
        label="Tehrik-e-Taliban Pakistan (TTP)",
        fighters_start=3000,
        sanctuary="af_east",
        routes={"torkham": 0.3, "bajaur_kunar": 0.3, "waziristan": 0.4},
        share_in_pakistan_start=0.45,
        recruitment_base_per_year=0.30,
        recruitment_sanctuary_per_year=0.45,
        recruitment_ceiling=50000,
        spillover_per_day=0.0015,
        spillover_weights={"punjab": 0.4, "islamabad": 0.15, "balochistan": 0.3, "gb": 0.1,
                           "ajk": 0.05},
        attack_rate=0.030,
        civilian_per_attack=0.45,
        security_per_attack=0.55,
        attackers_per_attack=0.35,
        # The TTP says it targets security forces, not civilians, and most of its claimed
        # attacks are on police and soldiers (S1: most attacks on security personnel).
        security_target_share=0.75,
        # Assumption: some TTP attacks come in waves (several police posts on one night).
        attacks_per_wave=1.5,
    )


def _baloch() -> GroupParams:
    return GroupParams(
        label="Baloch separatist groups (BLA, BLF)",
        fighters_start=1000,
        sanctuary="af_south",
        routes={"chaman": 1.0},
        share_in_pakistan_start=0.8,
        recruitment_base_per_year=0.40,
        recruitment_sanctuary_per_year=0.10,
        recruitment_ceiling=15000,
        cross_in_per_day=0.02,
        return_per_day=0.006,
        spillover_per_day=0.001,
        spillover_weights={"sindh": 0.8, "punjab": 0.2},
        attack_rate=0.040,
        civilian_per_attack=0.6,
        security_per_attack=0.45,
        attackers_per_attack=0.45,
        # BLA and BLF attack the security forces second only to the TTP (S1), and also
        # workers from other provinces and Chinese projects. Assumption: 0.6.
        security_target_share=0.6,
        # BLA's coordinated waves: about a dozen attacks on 26 August 2024 and at 12+ places
        # on 31 January 2026 (events file). The mean of 2 is an assumption.
        attacks_per_wave=2.0,
        supply_local_per_day=0.010,
        supply_cross_border_per_day=0.005,
    )


def _iskp() -> GroupParams:
    return GroupParams(
        label="Islamic State Khorasan Province (ISKP, 'Daesh's regional chapter')",
        fighters_start=600,
        sanctuary="af_east",
        routes={"bajaur_kunar": 0.7, "zhob": 0.3},
        share_in_pakistan_start=0.4,
        recruitment_base_per_year=0.30,
        recruitment_sanctuary_per_year=0.10,
        recruitment_ceiling=6000,
        spillover_per_day=0.001,
        spillover_weights={"balochistan": 0.6, "punjab": 0.2, "sindh": 0.2},
        attack_rate=0.020,
        civilian_per_attack=1.2,
        security_per_attack=0.3,
        attackers_per_attack=0.5,
        # ISKP attacks mostly religious gatherings, minorities and rival Islamists (e.g. the
        # Bajaur rally bombing of July 2023); S1 puts it last of the groups attacking
        # security forces. Assumption: 0.25.
        security_target_share=0.25,
        fought_by_taliban=True,
    )


@dataclass
class SecurityParams:
    """Pakistan's security forces: operations against cells and response to attacks."""

    operations_per_1000_fighters_per_day: float = 0.045
    """Intelligence-led operations per day per 1,000 militant fighters present in a
    region [operations/day/1000 fighters]."""
    operations_per_recent_attack: float = 0.15
    """Extra operations per day for each attack per day in the region over the recent
    window (response to attacks) [operations per attack]."""
    response_window_days: float = 30.0
    """Time constant of the security forces' exponentially weighted memory of attacks, and of
    the militants' memory of operations behind the pressure they feel [days]. Assumption."""
    kill_fraction_per_operation: float = 0.12
    """Share of a targeted cell's fighters killed by one operation [0-1]."""
    security_per_operation: float = 0.25
    """Mean security personnel killed per operation [fatalities/operation]. Assumption."""
    civilian_per_operation: float = 0.05
    """Mean civilians killed per operation (collateral) [fatalities/operation]. Assumption."""
    intel_sightings_per_fighter_per_day: float = 0.01
    """What the security forces know: each fighter present in a region is reported (an
    informant's tip, an intercept) with this chance a day [1/day/fighter]. Operations follow
    the smoothed reports, not the true strength. Assumption (prior 0.002-0.05)."""
    intel_window_days: float = 60.0
    """Time constant with which the estimate of militant strength follows the reports [days].
    Assumption (prior 20-180)."""
    pressure_scale_per_day: float = 1.0
    """Operations a day in a region at which militants there feel the security forces'
    pressure at ``1 - 1/e`` of its most [operations/day]; pressure is
    ``1 - exp(-recent operations / this)``. Assumption (prior 0.3-3)."""
    target_substitution: float = 0.3
    """Share of security-targeted attacks that militants shift to civilian (softer) targets
    under full pressure [0-1]: target substitution as security hardens (Enders and Sandler
    1993, Am. Political Science Review 87(4); Brandt and Sandler 2010, J. Conflict
    Resolution 54(2)). Assumption for its size (prior 0-0.6)."""


@dataclass
class TalibanParams:
    """The Afghan Taliban authority's tolerance of militant sanctuary on its territory."""

    tolerance_before_takeover: float = 0.3
    """Affinity for the TTP while the Islamic Republic governed (before August 2021, S2): the
    tolerance the Taliban's affinity settles at [0-1]."""
    tolerance_in_power: float = 0.9
    """Affinity for the TTP once the Taliban rule Kabul, the tolerance it settles at without
    restraint: S2 and S3 report TTP leadership and hideouts in Afghanistan and 'full support'
    after the 2022 ceasefire [0-1]. Assumption for its size."""
    adjustment_days: float = 540.0
    """Time constant with which the Taliban's affinity moves to its target [days]."""
    mediation_restraint: float = 0.3
    """Restraint while the Taliban mediate talks with the TTP (S2, S3: they hosted the 2022
    talks): share of tolerance withheld [0-1]."""
    response_days: float = 90.0
    """Time constant with which the Taliban's restraint follows what they face (pressure,
    trade, talks, strikes) [days]. Assumption (prior 30-365): policy moves in months, where
    the affinity of the Taliban and the TTP moves in years (``adjustment_days``)."""
    trade_restraint: float = 0.15
    """Restraint the Taliban show when every crossing is shut, in proportion to the share of
    cross-border traffic lost [0-1 at full closure]. Pakistan's stated aim: the crossings
    stay closed 'until the Taliban take verifiable steps against terrorist groups' (17
    November 2025). Assumption for its size (prior 0-0.5; no crackdown was reported to July
    2026)."""
    talks_restraint: float = 0.15
    """Restraint while the two states talk under an interstate ceasefire (Doha, Istanbul,
    Riyadh 2025; Urumqi 2026) [0-1]. Assumption (prior 0-0.5)."""
    strike_defiance: float = 0.05
    """Defiance per remembered strike: Pakistani strikes on Afghan soil multiply the
    Taliban's restraint by ``exp(-strike_defiance * remembered strikes)`` [1/strike]. After
    the strikes of October 2025 and February 2026 the Taliban attacked border posts instead
    of curbing the TTP (events_2019_2026.md). Assumption for its size (prior 0-0.2)."""
    grievance_days: float = 180.0
    """Time constant with which strikes are forgotten [days]. Assumption (prior 60-720)."""
    enemy_sanctuary_access: float = 0.2
    """Sanctuary access of groups the Taliban fight (ISKP) [0-1, like tolerance]. Assumption."""
    raids_per_1000_fighters_per_day: float = 0.02
    """While the Taliban rule, their raids on the sanctuary of groups they fight, per 1,000
    of those groups' fighters there [raids/day/1000 fighters]. UN Monitoring Team reports
    (2022-2024) describe Taliban operations degrading ISKP. Assumption for its size (prior
    0.005-0.1)."""
    raid_kill_fraction: float = 0.1
    """Share of a raided cell's fighters killed [0-1]. Assumption."""


@dataclass
class DeportationParams:
    """What the deportation of Afghans from Pakistan does to militants (from November 2023).

    Pakistan's stated reason is that undocumented Afghans shelter and support militants; its
    critics (and the Taliban) that deportations fuel grievance and recruitment. Both are
    mechanisms here, each of unknown size (priors include 0). A deportation lever gives the
    returnees per month, as reported.
    """

    support_cut_per_100k_per_month: float = 0.1
    """Local support lost by cells inside Pakistan: their local resupply is multiplied by
    ``exp(-this * returnees per month / 100,000)`` [per 100,000 returnees/month].
    Assumption (prior 0-0.5)."""
    recruitment_per_100k_per_month: float = 0.05
    """Extra recruitment in the Afghan sanctuary from returnees without livelihoods:
    sanctuary recruitment is multiplied by ``1 + this * returnees per month / 100,000``
    [per 100,000 returnees/month]. Assumption (prior 0-0.3)."""


@dataclass
class SeasonParams:
    """The fighting season: attack rates follow the year.

    Attack rates are multiplied by ``1 + amplitude * cos(2 pi (day_of_year - peak) / 365.25)``.
    Not calibrated: the defaults are fitted by :func:`sim.data.season.picss_season` to PICSS's
    national monthly militant attacks (PICSS monthly security assessments, ids
    ``PICSS_YYYY_MM_ATT`` in ``sim/data/reported_figures.yaml``) of 2021-08, 2021-11, 2021-12,
    2022-01 to 2022-12 and 2025-01 to 2025-09, months that end before the border closure of
    11 October 2025 (2023-08, the only month of its year, cannot inform the season). The fit
    is a Poisson regression with a level and a linear trend for each year and one annual
    harmonic, converted to this form; it gives amplitude 0.033 (standard error 0.066 Poisson,
    0.116 allowing for the counts' dispersion of 3.1) peaking on day 112 (22 April, standard
    error about 120 days): no fighting season distinguishable from none. 0 means no
    seasonality.
    """

    amplitude: float = 0.033
    """Fitted (PICSS monthly attacks). Relative swing of attack rates over the year [0-1]."""
    peak_day_of_year: int = 112
    """Fitted (PICSS monthly attacks). Day of the year attacks peak (112 = 22 April)
    [day of year, 1-366]."""


@dataclass
class ModelParams:
    """All model parameters. Groups and crossings are keyed as in ``sim.model.space``."""

    groups: dict[str, GroupParams] = field(
        default_factory=lambda: {"ttp": _ttp(), "baloch": _baloch(), "iskp": _iskp()}
    )
    security: SecurityParams = field(default_factory=SecurityParams)
    taliban: TalibanParams = field(default_factory=TalibanParams)
    season: SeasonParams = field(default_factory=SeasonParams)
    deportation: DeportationParams = field(default_factory=DeportationParams)
    permeability: dict[str, float] = field(
        default_factory=lambda: {
            "torkham": 1.0, "bajaur_kunar": 1.0, "waziristan": 1.0, "zhob": 1.0, "chaman": 1.0,
        }
    )
    """Open-border permeability of each crossing [0-1]; levers scale it. Assumption: every
    sector equally open (1)."""
    observation: ObservationParams = field(default_factory=lambda: ObservationParams())
    """How the monitors see the simulated events (:mod:`sim.model.observation`)."""


@dataclass
class MonitorParams:
    """How completely one monitor records the events and relays the state's claims. Defaults
    are PICSS's; "derived" values are worked out in :mod:`sim.model.observation` (Defaults)."""

    completeness_frontier: float = 0.85
    """Mean share of attacks recorded in kp and balochistan, drawn monthly per region [0-1].
    Assumption (restricted press access to the former tribal districts and interior
    Balochistan); CRSS as PICSS, PIPS 0.65 x PICSS derived. Prior 0.5-1.0 (PIPS 0.3-1.0)."""
    completeness_interior: float = 0.95
    """Mean share of attacks recorded in the other regions [0-1]. Assumption (national press);
    CRSS and PIPS as above. Prior 0.7-1.0 (PIPS 0.3-1.0)."""
    concentration: float = 50.0
    """alpha + beta of the monthly Beta draw of completeness [dimensionless, > 0]; lower is more
    overdispersed. Assumption (monthly sd 0.05 at mean 0.85, about 0.015 over a year: the size
    of a monitor's own revisions, data README). Prior 10-500 (log)."""
    claims_factor: float = 1.1
    """Militants killed in operations recorded per militant killed, the state's claims relayed
    [claimed/true, 1-5]. Derived (PICSS 1.1, CRSS 1.35, PIPS 1.0). Prior 1.0-2.0."""


@dataclass
class CrssMonitorParams(MonitorParams):
    """CRSS, which also counts security operations (its incidents are attacks + operations)."""

    operations_share: float = 0.5
    """Mean share of the simulated operations CRSS counts, drawn like completeness [0-1].
    Assumption: it counts reported operations only (392 in 2025), and operations in which
    nobody dies rarely make the news. Prior 0.1-1.0."""


@dataclass
class ObservationParams:
    """The monitors' views of the events: what each counts is fixed by its definition
    (``monitors`` in ``sim/data/reported_figures.yaml``); how completely, is set here."""

    crss: CrssMonitorParams = field(default_factory=lambda: CrssMonitorParams(claims_factor=1.35))
    """CRSS (``monitors.crss``): PICSS's completeness, claims factor 1.35 (derived)."""
    picss: MonitorParams = field(default_factory=MonitorParams)
    """PICSS (``monitors.picss``): the defaults of :class:`MonitorParams`."""
    pips: MonitorParams = field(default_factory=lambda: MonitorParams(
        completeness_frontier=0.55, completeness_interior=0.62, claims_factor=1.0))
    """PIPS (``monitors.pips``): 0.65 x PICSS's completeness, claims at face value (derived)."""
    fatalities_exponent: float = 0.5
    """Completeness of deaths = completeness of attacks ** this [dimensionless, (0, 1]]: deadly
    attacks are reported more fully. Derived (PIPS against PICSS, 2021 and 2024). Prior
    0.2-1.0."""
    claims_concentration: float = 10.0
    """Shape of the monthly Gamma (mean 1) overstatement of the claims, shared by the monitors
    [dimensionless, > 0]. Assumption (varies by about a third). Prior 2-100 (log)."""
