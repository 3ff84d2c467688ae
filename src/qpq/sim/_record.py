"""The record as observations of the simulator: families, windows and their likelihoods.

The calibration on the record (:mod:`qpq.sim._abc`) compares one simulated history with
everything the case's as-of view knows. This module turns the view into **observation
families**, each a list of cells with the simulator window statistics
(:class:`qpq.sim._engine.WindowStat`) that predict it and a log-likelihood of what was
observed given one simulated history (the deviance, ``-2 log L`` relative to the best
possible fit, is the calibration's distance):

``attacks``
    Attacks on Chinese nationals and interests per calendar year, by region (Chinese nationals
    in Afghanistan; Central Asia) and perpetrator (ISKP; ETIM/TIP or unclaimed), against the
    model's expected counts: negative binomial with the model's dispersion.
``estimates``
    Estimates of ISKP's and ETIM/TIP's strength (UN and others) as interval-censored,
    log-normally erring readings of the model's stocks.
``actions``
    Per year since the takeover, whether a Taliban step against Uyghur militants
    (relocation, arrest, deportation, co-optation) was reported, against the model's
    ``taliban_acts``, with a reporting probability.
``milestones``
    Years with a milestone of China's engagement (engaged in the model) and, from the
    recognition statements, no de jure recognition by the cut-off.
``facts``
    The stylised facts known by the cut-off (:mod:`qpq.sim._facts`), each matched or missed.

Every record item that no family uses is listed with the reason (:attr:`Record.excluded`),
never dropped silently. The assumptions of the observation models (error of the estimating
bodies, the ISKP scale, reporting probabilities) are in :data:`ASSUMPTIONS` with their ranges.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import special

from qpq.case import Case, FuzzyDate
from qpq.sim._engine import WindowStat
from qpq.sim._facts import Fact, evaluate, fact_stats, stylised_facts
from qpq.sim._record_events import CENTRAL_ASIA_ON_AFGHAN_BORDER, UYGHUR_MILITANTS
from qpq.sim._timeline import quarter_of

__all__ = [
    "ASSUMPTIONS",
    "BODY_OFFSET",
    "BODY_OFFSET_ASSUMPTION",
    "DERIVED",
    "FAMILIES",
    "NOT_MILITANT",
    "OFFSETS",
    "OFFSET_BLOCK",
    "OFFSET_GRID",
    "REFERENCE_BODY_PREFIX",
    "Assumption",
    "Derived",
    "Record",
    "attack_shape",
    "build_record",
    "derived_values",
    "derived_windows",
    "describe_observations",
    "deviance",
    "expected_attacks",
    "figure_values",
    "is_reference",
    "observed_summaries",
    "other_bodies",
    "posterior_offsets",
    "prior_offsets",
    "report_probability",
    "reporting_rate",
    "simulated_summaries",
    "stock_values",
    "synthetic_observations",
]

FloatArray = NDArray[np.float64]
_Dispersion = TypeVar("_Dispersion", float, FloatArray)

FAMILIES: tuple[str, ...] = ("attacks", "estimates", "actions", "milestones", "facts")
"""The observation families, in report order."""


@dataclass(frozen=True)
class Assumption:
    """An assumption of an observation model and its range.

    The calibration draws it uniformly from ``[low, high]`` per simulated history, so it
    marginalises over it.
    """

    name: str
    low: float
    high: float
    meaning: str


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("estimate_error", 0.2, 0.6,
               "sd of the log error of an estimating body's figure (UN Monitoring Teams, the "
               "Secretary-General's reports alike): 0.4 puts the truth within a factor 1.5 of "
               "the figure two times in three"),
    Assumption("iskp_full_strength", 4000.0, 10000.0,
               "ISKP fighters at strength index 1: at least the highest estimate's upper end "
               "(6,000 less its error), at most the 10,000 one Member State projected in 2021"),
    Assumption("action_reporting", 0.3, 0.9,
               "probability that a year in which the Taliban act against Uyghur militants has "
               "a reported action in the record"),
    Assumption("milestone_reporting", 0.6, 1.0,
               "probability that a year of Chinese engagement has a milestone in the record"),
)
"""Assumptions of the observation models, with their ranges."""

FALSE_REPORT = 0.02
"""Probability that the record shows an action, an engagement or a recognition that the model's
history does not have (a false or misread report)."""

FACT_RELIABILITY = 0.9
"""Probability that a stylised fact is stated correctly; a missed fact costs
``2 log(r / (1 - r))`` of deviance (4.4 at 0.9)."""

POINT_ROUNDING: Mapping[str, float] = MappingProxyType({"exact": 0.1, "about": 0.25})
"""How far a figure stated as one number is read to reach either side in the calibration's
observation model (:meth:`qpq.case.Estimate.interval` reads it): every stated count is
rounded, so an exact one is ±10% and "about" ±25% — wider than the case's reading as stated
(``STATED_READING``: the point and ±10%), which the audit's conflicts and the record's
charts use."""

NOT_MILITANT: dict[str, str] = {
    "atk-2019-08-05-solton-sary": "a local protest at a mine (the record's note), not a "
                                  "militant attack",
}
"""Attacks of the record that the model's attackers cannot have made, with the reason."""

ACTION_KINDS = frozenset({"relocation", "arrest", "deportation", "co_optation"})
ENGAGEMENT_KINDS = frozenset({"visit", "meeting", "agreement", "contract", "ambassador", "trade",
                              "aid"})

REGION_OUTPUTS = {"nationals": ("expected_attacks_nationals", "expected_attacks_nationals_iskp"),
                  "central_asia": ("expected_attacks_central_asia",
                                   "expected_attacks_central_asia_iskp")}
"""Per region: the simulator's expected attack count and ISKP's part of it."""

STOCKS: dict[str, tuple[str, ...]] = {
    "iskp": ("iskp_strength",),
    "etim_afghanistan": ("militants_border", "militants_interior", "militants_coopted"),
    "etim_border": ("militants_border",),
}
"""Stocks an estimate can read, as sums of simulator outputs (ISKP's index is scaled by
``iskp_full_strength``). ETIM/TIP in Afghanistan counts the co-opted: the UN counts fighters
on Afghan soil whatever the Taliban call them (an assumption)."""


@dataclass(frozen=True)
class Derived:
    """A quantity of a history that the record observes but no parameter is (issue 16).

    The calibration labels it as it labels a parameter (docs/model-dynamics.md §7.11):
    ``outputs`` are simulator outputs summed, taken in the as-of quarter (``years=0``) or
    summed over the last ``4·years`` quarters (``less``: the first output less the second,
    ETIM/TIP's part of a region's attacks); ``scaled`` multiplies by the history's
    ``iskp_full_strength`` (ISKP's fighters); ``floor`` is added before the log of the
    regression adjustment (a stock or rate can be zero); ``ceiling`` is the largest value the
    quantity can take, if it has one (ISKP's index, at most 1), which the adjustment keeps.
    """

    name: str
    outputs: tuple[str, ...]
    unit: str
    meaning: str
    years: int = 0
    scaled: bool = False
    floor: float = 1.0
    less: bool = False
    ceiling: float | None = None

    @property
    def short(self) -> str:
        """The quantity in a few words, for sentences that list several.

        ``meaning``'s head: what comes before its first parenthesis, "in the as-of quarter"
        or "over the four quarters".
        """
        head = self.meaning.split(" (")[0]
        for cut in (" in the as-of quarter", " over the four quarters"):
            head = head.split(cut)[0]
        return head


DERIVED: tuple[Derived, ...] = (
    Derived("iskp_fighters", ("iskp_strength",), "fighters",
            "ISKP fighters in the as-of quarter: strength index × iskp_full_strength (what the "
            "ISKP estimates read)", scaled=True),
    Derived("iskp_index", ("iskp_strength",), "index",
            "ISKP's strength index in the as-of quarter (without the fighter scale)",
            floor=0.001, ceiling=1.0),
    Derived("tip_afghanistan", STOCKS["etim_afghanistan"], "fighters",
            "ETIM/TIP fighters in Afghanistan in the as-of quarter: border + interior + "
            "co-opted (what the UN's Afghanistan estimates read)"),
    Derived("tip_border", STOCKS["etim_border"], "fighters",
            "ETIM/TIP fighters in the border zone (Badakhshan) in the as-of quarter"),
    *(Derived(f"attacks_{region}_{who}", (REGION_OUTPUTS[region][1],) if who == "iskp"
              else REGION_OUTPUTS[region], "attacks/year",
              "expected attacks per year on Chinese "
              + ("nationals in Afghanistan" if region == "nationals"
                 else "interests in Central Asia")
              + f" by {'ISKP' if who == 'iskp' else 'ETIM/TIP or unclaimed'} over the four "
              "quarters to the as-of date (the rate the forecasts carry forward)",
              years=1, floor=0.01, less=who == "etim")
      for region in REGION_OUTPUTS for who in ("iskp", "etim")),
)
"""The derived quantities the record calibration labels (docs/model-dynamics.md §7.11)."""


@dataclass(frozen=True)
class AttackCell:
    """Observed attacks of one region and perpetrator in quarters ``[start, stop]``."""

    region: str
    perpetrator: str          # "iskp" or "etim" (ETIM/TIP or unclaimed)
    start: int
    stop: int
    observed: int
    ids: tuple[str, ...]

    @property
    def key(self) -> str:
        """Name of the cell (and of its window statistics' prefix)."""
        return f"attacks:{self.region}:{self.perpetrator}:{self.start}-{self.stop}"


@dataclass(frozen=True)
class StockCell:
    """An estimate read as an interval of a stock, averaged over quarters ``[start, stop]``."""

    id: str
    stock: str
    start: int
    stop: int
    low: float
    high: float
    body: str

    @property
    def key(self) -> str:
        """Name of the cell."""
        return f"estimates:{self.id}"


@dataclass(frozen=True)
class BinaryCell:
    """Whether the record shows something in quarters ``[start, stop]`` (actions, milestones)."""

    family: str
    what: str                 # "acted", "engaged", "recognised"
    start: int
    stop: int
    observed: bool
    ids: tuple[str, ...]

    @property
    def key(self) -> str:
        """Name of the cell."""
        return f"{self.family}:{self.what}:{self.start}-{self.stop}"


@dataclass(frozen=True)
class Record:
    """The observation families of a case as of a date, over the quarters ``[first, last]``."""

    as_of: dt.date
    first: int
    last: int
    attacks: tuple[AttackCell, ...]
    estimates: tuple[StockCell, ...]
    actions: tuple[BinaryCell, ...]
    milestones: tuple[BinaryCell, ...]
    facts: tuple[Fact, ...]
    excluded: tuple[tuple[str, str], ...] = field(default=())

    def windows(self) -> tuple[WindowStat, ...]:
        """Every window statistic the families read (names unique)."""
        out: dict[str, WindowStat] = {}
        for a in self.attacks:
            total, iskp = REGION_OUTPUTS[a.region]
            out[a.key + ":total"] = WindowStat(a.key + ":total", total, a.start, a.stop, "sum")
            out[a.key + ":iskp"] = WindowStat(a.key + ":iskp", iskp, a.start, a.stop, "sum")
        for e in self.estimates:
            for q in STOCKS[e.stock]:
                name = f"stock:{q}:{e.start}-{e.stop}"
                out[name] = WindowStat(name, q, e.start, e.stop, "mean")
        for b in (*self.actions, *self.milestones):
            quantity = {"acted": "taliban_acts", "engaged": "engaged",
                        "recognised": "recognised"}[b.what]
            out[b.key] = WindowStat(b.key, quantity, b.start, b.stop, "max")
        for w in fact_stats(self.facts, self.first, self.last):
            out["fact:" + w.name] = WindowStat("fact:" + w.name, w.quantity, w.start, w.stop,
                                               w.statistic)
        return tuple(out.values())

    def cell_quantities(self, families: Sequence[str] = FAMILIES
                        ) -> dict[str, tuple[frozenset[str], ...]]:
        """Per family of ``families`` but the facts, each cell's quantities, in cell order.

        A cell's quantities are the simulator outputs its window statistics read, as
        :meth:`windows` says (one cell at a time: it is the one place that says what a cell
        reads). Families in :data:`FAMILIES`' order; a forecast counts the cells bearing on
        an event from these (``qpq.sim.CalibrationResult.cells``).
        """
        empty: dict[str, Any] = {f: () for f in FAMILIES}
        return {fam: tuple(frozenset(w.quantity for w in replace(self, **{**empty, fam: (c,)})
                                     .windows()) for c in getattr(self, fam))
                for fam in FAMILIES if fam != "facts" and fam in families}

    def size(self) -> dict[str, int]:
        """Number of observations per family."""
        return {"attacks": len(self.attacks), "estimates": len(self.estimates),
                "actions": len(self.actions), "milestones": len(self.milestones),
                "facts": len(self.facts)}


def describe_observations(counts: Mapping[str, int]) -> str:
    """Observations per family in words, ``attacks 120, estimates 9, …`` in ``counts``' order.

    ``counts`` as :meth:`Record.size` gives them (a record calibration's ``observations``) or
    any part of them (a forecast event's).
    """
    return ", ".join(f"{family} {n}" for family, n in counts.items())


def _quarter_span(text: str, first: int, last: int) -> tuple[int, int] | None:
    d = FuzzyDate.parse(text)
    lo, hi = max(quarter_of(d.earliest), first), min(quarter_of(d.latest), last)
    return (lo, hi) if lo <= hi else None


def _years(first: int, last: int) -> list[tuple[int, int]]:
    """Calendar years as quarter spans, cut to ``[first, last]``."""
    out = []
    for y in range(first // 4, last // 4 + 1):
        lo, hi = max(4 * y, first), min(4 * y + 3, last)
        if lo <= hi:
            out.append((lo, hi))
    return out


def _perpetrator(perps: set[str]) -> str | None:
    if "iskp" in perps:
        return "iskp"
    if not perps.isdisjoint(UYGHUR_MILITANTS) or not perps:
        return "etim"          # ETIM/TIP, or unclaimed and unattributed
    return None


def build_record(view: Case, full: Case, as_of: dt.date, first: int, last: int) -> Record:
    """The observation families of ``view`` (the case as of ``as_of``), quarters [first, last].

    ``full`` supplies the stylised facts (those unknown by ``as_of`` are left out here).
    """
    excluded: list[tuple[str, str]] = []
    takeover = max(quarter_of(full.run.takeover), first)
    # attacks ------------------------------------------------------------------------
    years = _years(first, last)
    counts: dict[tuple[str, str, int], list[str]] = {}
    for a in view.attacks:
        if a.id in NOT_MILITANT:
            excluded.append((a.id, NOT_MILITANT[a.id]))
            continue
        # the backtest scores the same regions: the model's Central Asian attacks come from
        # the Afghan border zone, so only the states on that border stand in for them
        region = ("nationals" if a.country == "afghanistan"
                  else "central_asia" if a.country in CENTRAL_ASIA_ON_AFGHAN_BORDER else None)
        if region is None:
            # "the model's attacks", not "its": read beside an attack in Gwadar, "its
            # attacks are in Afghanistan" was taken to place that attack in Afghanistan
            excluded.append((a.id, "outside the model's regions: the model's attacks happen "
                                   "in Afghanistan, in the Central Asian states on its border "
                                   "(Tajikistan, Uzbekistan, Turkmenistan) and in Xinjiang, "
                                   "where the record holds no attack"))
            continue
        who = _perpetrator(a.perpetrators())
        if who is None:
            excluded.append((a.id, "perpetrators " + ", ".join(sorted(a.perpetrators()))
                             + " are not the model's attackers (ETIM/TIP, ISKP)"))
            continue
        span = _quarter_span(a.date, first, last)
        if span is None:
            excluded.append((a.id, "outside the simulated history"))
            continue
        counts.setdefault((region, who, span[1] // 4), []).append(a.id)
    attacks = tuple(AttackCell(region, who, lo, hi, len(counts.get((region, who, lo // 4), [])),
                               tuple(counts.get((region, who, lo // 4), [])))
                    for region in REGION_OUTPUTS for who in ("iskp", "etim")
                    for lo, hi in years)
    # estimates ----------------------------------------------------------------------
    estimates = []
    for e in view.estimates:
        stock = None
        if e.measure != "fighters":
            reason = f"measures {e.measure!r}, not fighters"
        elif e.subject == "iskp" and e.geography == "afghanistan":
            stock = "iskp"
        elif e.subject in UYGHUR_MILITANTS and e.geography == "afghanistan":
            stock = "etim_afghanistan"
        elif e.subject in UYGHUR_MILITANTS and e.geography == "badakhshan":
            stock = "etim_border"
        else:
            reason = f"covers {e.geography}; the model has no stock there"
        interval = e.interval(POINT_ROUNDING)
        span = _quarter_span(e.reference, first, last)
        if stock is None:
            excluded.append((e.id, reason))
        elif interval is None:
            excluded.append((e.id, "no figure to read"))
        elif interval[1] <= 0:
            excluded.append((e.id, "a figure of no fighters: the observation model reads "
                                   "figures on the log scale"))
        elif span is None:
            excluded.append((e.id, "refers to a time outside the simulated history"))
        else:
            estimates.append(StockCell(e.id, stock, span[0], span[1], interval[0], interval[1],
                                       e.body))
    # Taliban actions ------------------------------------------------------------------
    acted: dict[int, list[str]] = {}
    for t in view.taliban_actions:
        if t.kind not in ACTION_KINDS or set(t.subjects).isdisjoint(UYGHUR_MILITANTS):
            excluded.append((t.id, f"a {t.kind}, not a step against Uyghur militants"))
            continue
        span = _quarter_span(t.date, takeover, last)
        if span is None:
            excluded.append((t.id, "before the takeover or after the cut-off quarter"))
            continue
        acted.setdefault(span[1] // 4, []).append(t.id)
    actions = tuple(BinaryCell("actions", "acted", lo, hi, (lo // 4) in acted,
                               tuple(acted.get(lo // 4, ())))
                    for lo, hi in _years(takeover, last))
    # milestones -------------------------------------------------------------------------
    engaged: dict[int, list[str]] = {}
    statements: list[str] = []
    for m in view.milestones:
        span = _quarter_span(m.date, takeover, last)
        if span is None:
            excluded.append((m.id, "before the takeover or after the cut-off quarter"))
        elif m.kind == "recognition_statement":
            statements.append(m.id)
        elif m.kind in ENGAGEMENT_KINDS:
            engaged.setdefault(span[1] // 4, []).append(m.id)
    milestones = [BinaryCell("milestones", "engaged", lo, hi, True, tuple(engaged[lo // 4]))
                  for lo, hi in _years(takeover, last) if (lo // 4) in engaged]
    if statements and takeover <= last:
        # the statements say China keeps a normal rotation of diplomats, not recognition
        milestones.append(BinaryCell("milestones", "recognised", takeover, last, False,
                                     tuple(statements)))
    # facts --------------------------------------------------------------------------
    known = {c.id for c in view.claims}
    facts = tuple(f for f in stylised_facts(full) if f.mapped and f.id in known
                  and f.stop >= first and f.start <= last)
    return Record(as_of, first, last, attacks, tuple(estimates), tuple(actions),
                  tuple(milestones), facts, tuple(excluded))


# --------------------------------------------------------------------------- likelihoods


def _nb_logpmf(y: float, mu: FloatArray, shape: FloatArray) -> FloatArray:
    mu = np.maximum(mu, 1e-12)
    return np.asarray(special.gammaln(y + shape) - special.gammaln(shape)
                      - special.gammaln(y + 1.0) + shape * np.log(shape / (shape + mu))
                      + y * np.log(mu / (shape + mu)))


def _interval_logprob(low: float, high: float, x: FloatArray, sd: FloatArray) -> FloatArray:
    """The log of P(low < figure < high), a figure log-normal around ``x`` with log-sd ``sd``.

    Computed in the lower tail of the normal, where ``log_ndtr`` is accurate: the difference
    of two CDF values near 1 cancels to 0 once the stock lies about 8 sd below the interval,
    which a floor then turned into one fixed penalty for every such history.
    """
    lx = np.log(np.maximum(x, 1e-9))
    a = (math.log(low) - lx) / sd if low > 0 else np.full(np.shape(lx), -np.inf)
    b = (math.log(high) - lx) / sd if math.isfinite(high) else np.full(np.shape(lx), np.inf)
    a, b = np.broadcast_arrays(a, b)
    # an interval above the middle is mirrored below it (the same probability)
    flip = a > -b
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    top = special.log_ndtr(hi)
    return np.asarray(top + np.log1p(-np.exp(special.log_ndtr(lo) - top)))


def expected_attacks(cell: AttackCell, stats: Mapping[str, FloatArray]) -> FloatArray:
    """Per history, the expected attacks of ``cell`` (the negative binomial's mean).

    ISKP's part of the region's expected attacks, or the rest (ETIM/TIP or unclaimed), from
    the window statistics of :meth:`Record.windows`; at least ``1e-12`` (a mean of zero has
    no negative binomial).
    """
    total = np.asarray(stats[cell.key + ":total"])
    iskp = np.asarray(stats[cell.key + ":iskp"])
    return np.maximum(iskp if cell.perpetrator == "iskp" else total - iskp, 1e-12)


def attack_shape(cell: AttackCell, dispersion: _Dispersion) -> _Dispersion:
    """The negative binomial's shape for ``cell`` given the model's ``attack_dispersion``.

    Per-quarter gamma mixing with shape k: a window of n quarters is about shape n·k.
    """
    return dispersion * (cell.stop - cell.start + 1)


def reporting_rate(cell: BinaryCell, assumed: Mapping[str, Any]) -> Any:
    """Probability that the record shows ``cell``'s event in a year the history has it.

    ``action_reporting`` or ``milestone_reporting`` of ``assumed`` (:data:`ASSUMPTIONS`, per
    history); a recognition is as sure to be reported as a report is to be true.
    """
    if cell.what == "recognised":
        return 1.0 - FALSE_REPORT
    return assumed["action_reporting" if cell.family == "actions" else "milestone_reporting"]


def report_probability(cell: BinaryCell, stats: Mapping[str, FloatArray],
                       assumed: Mapping[str, Any]) -> FloatArray:
    """Per history, the probability that the record shows ``cell``.

    :func:`reporting_rate` where the history has the event in the cell's window (the Taliban
    act, China engages or recognises), else :data:`FALSE_REPORT`.
    """
    return np.asarray(np.where(np.asarray(stats[cell.key]) > 0.5, reporting_rate(cell, assumed),
                               FALSE_REPORT))


def derived_windows(record: Record) -> tuple[WindowStat, ...]:
    """The window statistics :func:`derived_values` reads (names prefixed ``derived:``)."""
    out: dict[str, WindowStat] = {}
    for d in DERIVED:
        start = max(record.first, record.last - 4 * d.years + 1) if d.years else record.last
        for q in d.outputs:
            name = f"derived:{q}:{start}-{record.last}"
            out[name] = WindowStat(name, q, start, record.last, "sum" if d.years else "mean")
    return tuple(out.values())


def derived_values(record: Record, stats: Mapping[str, FloatArray],
                   assumed: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Per :data:`DERIVED` quantity, its value in each history.

    ``stats`` from :func:`derived_windows`; ``assumed["iskp_full_strength"]`` per history.
    """
    out = {}
    for d in DERIVED:
        start = max(record.first, record.last - 4 * d.years + 1) if d.years else record.last
        parts = [np.asarray(stats[f"derived:{q}:{start}-{record.last}"], dtype=float)
                 for q in d.outputs]
        x = np.maximum(parts[0] - parts[1], 0.0) if d.less else sum(parts[1:], parts[0])
        if d.years:
            x = x / (min(4 * d.years, record.last - start + 1) / 4.0)    # per year
        out[d.name] = np.asarray(x * assumed["iskp_full_strength"] if d.scaled else x)
    return out


def stock_values(record: Record, stats: Mapping[str, FloatArray], cell: StockCell,
                 scale: FloatArray) -> FloatArray:
    """The model's value of the stock an estimate reads (fighters)."""
    total = sum((np.asarray(stats[f"stock:{q}:{cell.start}-{cell.stop}"])
                 for q in STOCKS[cell.stock]), np.zeros(1))
    return np.asarray(total * scale if cell.stock == "iskp" else total)


REFERENCE_BODY_PREFIX = "UN "
"""Bodies whose name starts with this (the 1267 and 1988 Monitoring Teams, the
Secretary-General's reports on ISIL, which draw on the same Member States) are the reference
of the estimates' observation model; every other body's figures carry its own offset
(:data:`BODY_OFFSET`)."""

BODY_OFFSET = math.log(100.0)
"""Half-width of the uniform prior of each other body's log offset: the factor by which that
body puts its figures above the UN's for the same stock, unknown within ×1/100..×100. The
record's bodies disagree by up to about 86 times (the Taliban's 70-80 ISKP members of January
2024 against the UN's 4,000-6,000 of 2024), lean both ways (the Russian government's figures
above every UN figure of their years, the US bodies' at or below them), and which is nearer
the truth is unknown."""

OFFSET_GRID = 81
"""Points of the grid on which each body's offset is integrated out: a step of 0.115 on the log
scale, against a likelihood whose width is about ``estimate_error``/√k for a body's k
figures (0.09 for five figures at 0.2); at 41 points a body of five tight figures erred by up
to 0.5 in sd of its deviance, in poor fits only."""


OFFSETS = np.linspace(-BODY_OFFSET, BODY_OFFSET, OFFSET_GRID)
"""The grid of log offsets on which the likelihood integrates a body's offset out."""

BODY_OFFSET_ASSUMPTION: dict[str, Any] = {
    "name": "body_offset (each body other than the UN's)", "low": -BODY_OFFSET,
    "high": BODY_OFFSET,
    "meaning": f"log of the factor by which that body puts its figures above the UN's for the "
               f"same stock, uniform within x1/{math.exp(BODY_OFFSET):.0f}.."
               f"x{math.exp(BODY_OFFSET):.0f} and integrated out on a grid of {OFFSET_GRID} "
               f"(not drawn per history): the body's figures inform the stock's path, not its "
               f"level"}
"""The per-body offsets as a calibration's summary lists them beside :data:`ASSUMPTIONS`."""


def is_reference(body: str) -> bool:
    """Whether ``body``'s figures are read at the stock's level (the UN's), without offset."""
    return body.startswith(REFERENCE_BODY_PREFIX)


def other_bodies(record: Record) -> tuple[str, ...]:
    """The bodies with an offset of their own, in the order their first figure appears.

    A body is an estimate's ``body`` as the case records it, exactly: US Forces-Afghanistan,
    US Central Command, the Department of Defense, SIGAR and NATO's Resolute Support are five
    (Resolute Support and US Forces-Afghanistan shared commanders; merging them would be a
    judgement the case does not record). A new spelling is a new offset, so the built-in
    record's set is pinned in a test.
    """
    return tuple(dict.fromkeys(e.body for e in record.estimates if not is_reference(e.body)))


def figure_values(record: Record, stats: Mapping[str, FloatArray], cell: StockCell,
                  assumed: Mapping[str, FloatArray],
                  offsets: Mapping[str, FloatArray] | None = None) -> FloatArray:
    """The figure an estimating body would give without its error.

    The stock an estimate reads (:func:`stock_values`); for a body other than the UN's, times
    ``exp(offsets[body])`` where ``offsets`` are given (:func:`prior_offsets`,
    :func:`posterior_offsets`), at the UN's level where they are not.
    """
    x = stock_values(record, stats, cell, assumed["iskp_full_strength"])
    if offsets is None or is_reference(cell.body):
        return x
    return np.asarray(x * np.exp(offsets[cell.body]))


def prior_offsets(record: Record, rng: np.random.Generator, n: int) -> dict[str, FloatArray]:
    """``n`` draws of each other body's log offset from its prior, bodies in record order."""
    return {b: rng.uniform(-BODY_OFFSET, BODY_OFFSET, n) for b in other_bodies(record)}


OFFSET_BLOCK = 8192
"""Histories per block of the offset integral. Its ``(OFFSET_GRID, block)`` temporaries stay
under glibc's largest mmap threshold (32 MB), so they are reused instead of being mapped and
faulted in afresh for every figure: 50,000 histories in one block took about 8 s, mostly page
faults. Each history's numbers do not depend on the blocks."""


def _offset_blocks(record: Record, stats: Mapping[str, FloatArray],
                   assumed: Mapping[str, FloatArray], size: int = 0
                   ) -> Iterator[tuple[slice, int, dict[str, FloatArray]]]:
    """Per block of histories, per other body, ``(OFFSET_GRID, block)`` log-likelihoods.

    Each array holds the log-likelihood of all the body's figures, one row per offset of the
    grid the likelihood integrates over; with it the block's columns and the number of
    histories, at least ``size`` (stocks and errors given for one history are broadcast).
    """
    cells = [(e, np.atleast_1d(stock_values(record, stats, e, assumed["iskp_full_strength"])))
             for e in record.estimates if not is_reference(e.body)]
    if not cells:
        return
    sd = np.atleast_1d(np.asarray(assumed["estimate_error"], dtype=float))
    n = max(np.broadcast_shapes(sd.shape, *(x.shape for _, x in cells))[0], size)
    sd = np.broadcast_to(sd, (n,))
    factors = np.exp(OFFSETS)[:, None]
    for start in range(0, n, OFFSET_BLOCK):
        cols = slice(start, min(n, start + OFFSET_BLOCK))
        out: dict[str, FloatArray] = {}
        for e, x in cells:
            lp = _interval_logprob(e.low, e.high, np.broadcast_to(x, (n,))[cols] * factors,
                                   sd[cols])
            out[e.body] = out[e.body] + lp if e.body in out else lp
        yield cols, n, out


def posterior_offsets(record: Record, stats: Mapping[str, FloatArray],
                      assumed: Mapping[str, FloatArray], rng: np.random.Generator
                      ) -> dict[str, FloatArray]:
    """Per history, each other body's log offset drawn given the history and its figures.

    Drawn on the grid the likelihood integrates over, for the predictive checks.
    """
    u: dict[str, FloatArray] = {}
    out: dict[str, FloatArray] = {}
    for cols, n, lps in _offset_blocks(record, stats, assumed):
        if not u:
            # one uniform per history and body, drawn body by body as the record lists them
            u = {b: rng.random(n) for b in other_bodies(record)}
            out = {b: np.empty(n) for b in u}
        for body, lp in lps.items():
            w = np.exp(lp - lp.max(axis=0))
            cdf = np.cumsum(w / w.sum(axis=0), axis=0)
            pick = np.minimum((cdf < u[body][cols]).sum(axis=0), OFFSET_GRID - 1)
            out[body][cols] = OFFSETS[pick]
    return out


def deviance(record: Record, stats: Mapping[str, FloatArray],
             assumed: Mapping[str, FloatArray], dispersion: FloatArray,
             families: tuple[str, ...] = FAMILIES) -> dict[str, FloatArray]:
    """Per family, ``-2 log L`` of the record given simulated histories.

    ``stats`` are the window statistics of :meth:`Record.windows` per history, ``assumed`` the
    observation models' assumptions (:data:`ASSUMPTIONS`) per history, ``dispersion`` the
    model's ``attack_dispersion`` per history. The attacks, actions and milestones are
    measured from their best possible fit (zero is a perfect fit); the estimates and facts
    are not, and each body other than the UN's adds a constant, −2 log of the share of its
    offset's range its figures allow: the ranking of histories does not depend on it, the
    tolerance quoted does (113 with one shared offset, 161 with the offsets per body, as of
    2024-06-30).
    """
    out: dict[str, FloatArray] = {}
    if "attacks" in families:
        total = np.zeros_like(np.asarray(dispersion, dtype=float))
        for a in record.attacks:
            mu, k = expected_attacks(a, stats), attack_shape(a, dispersion)
            best = _nb_logpmf(a.observed, np.full_like(mu, max(a.observed, 1e-12)), k)
            total = total - 2.0 * (_nb_logpmf(a.observed, mu, k) - best)
        out["attacks"] = total
    if "estimates" in families:
        total = np.zeros_like(np.asarray(dispersion, dtype=float))
        sd = assumed["estimate_error"]
        for e in record.estimates:
            if is_reference(e.body):
                x = figure_values(record, stats, e, assumed)
                total = total - 2.0 * _interval_logprob(e.low, e.high, x, sd)
        # each other body's offset integrated out under its uniform prior: its level says
        # nothing (one two-sided figure alone is nearly flat over the offset's range), the
        # pattern of its figures does
        for cols, n, lps in _offset_blocks(record, stats, assumed, total.size):
            if cols.start == 0:
                total = np.array(np.broadcast_to(total, (n,)))
            for lp in lps.values():
                total[cols] -= 2.0 * (special.logsumexp(lp, axis=0) - math.log(OFFSET_GRID))
        out["estimates"] = total
    for fam, cells in (("actions", record.actions), ("milestones", record.milestones)):
        if fam not in families:
            continue
        total = np.zeros_like(np.asarray(dispersion, dtype=float))
        for b in cells:
            p1 = report_probability(b, stats, assumed)
            lp = np.log(p1 if b.observed else 1.0 - p1)
            # the best a history can do: have it happen when reported, not when not
            top = (np.log(reporting_rate(b, assumed)) if b.observed
                   else math.log(1.0 - FALSE_REPORT))
            total = total - 2.0 * (lp - top)
        out[fam] = total
    if "facts" in families:
        total = np.zeros_like(np.asarray(dispersion, dtype=float))
        miss = 2.0 * math.log(FACT_RELIABILITY / (1.0 - FACT_RELIABILITY))
        for f in record.facts:
            name = "fact:" + f.id
            if name in stats and f.target is not None:
                total = total + miss * (~evaluate(f.target, np.asarray(stats[name])))
        out["facts"] = total
    return out


# --------------------------------------------------------------------------- summaries
# Summary statistics of the record for ABC's regression adjustment (qpq.sim._abc): per family
# a few numbers that the record gives once and a simulated history gives by drawing its
# observations through the same observation models as the likelihood (so that the
# regression sees the observation noise, not only the history's).


def _attack_groups(record: Record) -> list[list[AttackCell]]:
    """Per region and perpetrator, its cells split into the earlier and the later half."""
    groups: dict[tuple[str, str], list[AttackCell]] = {}
    for a in record.attacks:
        groups.setdefault((a.region, a.perpetrator), []).append(a)
    out = []
    for cells in groups.values():
        half = len(cells) // 2
        out += [cells[:half], cells[half:]]
    return out


def _reading(e: StockCell) -> float:
    """The log figure an estimate gives (the middle of its interval on the log scale).

    A one-sided figure gives its bound ("up to 1,000": log 1,000, not the middle of 0-1,000,
    which would read a figure of 32); :func:`_censored` reads a simulated figure alike.
    """
    if not math.isfinite(e.high):
        return math.log(max(e.low, 1.0))
    if e.low <= 0:
        return math.log(max(e.high, 1.0))
    return 0.5 * (math.log(max(e.low, 1.0)) + math.log(max(e.high, 1.0)))


def _censored(e: StockCell, log_figure: FloatArray) -> FloatArray:
    """A simulated log figure as a one-sided estimate of ``e``'s kind would state it.

    "Up to H" says only that the figure is at most H: a figure above H reads H, one below it
    reads itself; "more than L" the other way round. Two-sided estimates are unchanged.
    """
    if not math.isfinite(e.high):
        return np.maximum(log_figure, math.log(max(e.low, 1.0)))
    if e.low <= 0:
        return np.minimum(log_figure, math.log(max(e.high, 1.0)))
    return log_figure


def _within_bodies(record: Record, logs: FloatArray) -> FloatArray:
    """``(histories, estimates)`` log figures, each other body's less their mean over the body.

    What its figures say whatever its offset (a body with one figure says nothing).
    """
    out = logs.copy()
    for body in other_bodies(record):
        cols = [i for i, e in enumerate(record.estimates) if e.body == body]
        out[:, cols] -= logs[:, cols].mean(axis=1, keepdims=True)
    return out


def observed_summaries(record: Record, families: tuple[str, ...] = FAMILIES
                       ) -> dict[str, FloatArray]:
    """Per family, the record's summary statistics (see :func:`simulated_summaries`)."""
    out: dict[str, FloatArray] = {}
    if "attacks" in families:
        out["attacks"] = np.array([math.log1p(sum(a.observed for a in g))
                                   for g in _attack_groups(record)])
    if "estimates" in families:
        out["estimates"] = _within_bodies(record, np.array([[_reading(e)
                                                               for e in record.estimates]]))[0]
    for fam, cells in (("actions", record.actions), ("milestones", record.milestones)):
        if fam in families:
            out[fam] = np.array([float(sum(b.observed for b in cells))])
    if "facts" in families:
        out["facts"] = np.array([float(sum(1 for f in record.facts if f.target is not None))])
    return out


def simulated_summaries(record: Record, stats: Mapping[str, FloatArray],
                        assumed: Mapping[str, FloatArray], dispersion: FloatArray,
                        rng: np.random.Generator, families: tuple[str, ...] = FAMILIES
                        ) -> dict[str, FloatArray]:
    """Per family, ``(histories, m)`` summary statistics of observations drawn per history.

    ``attacks``: per region and perpetrator, ``log(1 + count)`` over the earlier and the
    later half of its years, counts drawn negative binomial as in :func:`deviance`;
    ``estimates``: each figure's log, the stock times the estimating body's log-normal
    error (the record's: the middle of its interval on the log scale), a body other than the
    UN's less the mean over its own figures (so its unknown offset drops out); ``actions`` and
    ``milestones``: the number of years reported, each with the reporting probability;
    ``facts``: the number of stylised facts matched (the record: all of them).
    """
    disp = np.asarray(dispersion, dtype=float)
    n = disp.size
    out: dict[str, FloatArray] = {}
    if "attacks" in families:
        cols = []
        for group in _attack_groups(record):
            count = np.zeros(n)
            for a in group:
                mu, k = expected_attacks(a, stats), attack_shape(a, disp)
                count += rng.negative_binomial(k, k / (k + mu))
            cols.append(np.log1p(count))
        out["attacks"] = np.stack(cols, axis=1) if cols else np.zeros((n, 0))
    if "estimates" in families:
        sd = assumed["estimate_error"]
        cols = [_censored(e, np.log(np.maximum(figure_values(record, stats, e, assumed), 1e-9))
                          + sd * rng.standard_normal(n)) for e in record.estimates]
        out["estimates"] = (_within_bodies(record, np.stack(cols, axis=1)) if cols
                            else np.zeros((n, 0)))
    for fam, cells in (("actions", record.actions), ("milestones", record.milestones)):
        if fam not in families:
            continue
        reported = np.zeros(n)
        for b in cells:
            reported += rng.random(n) < report_probability(b, stats, assumed)
        out[fam] = reported[:, None]
    if "facts" in families:
        matched = np.zeros(n)
        for f in record.facts:
            name = "fact:" + f.id
            if name in stats and f.target is not None:
                matched += evaluate(f.target, np.asarray(stats[name]))
        out["facts"] = matched[:, None]
    return out


def synthetic_observations(record: Record, stats: Mapping[str, FloatArray], dispersion: float,
                           assumed: Mapping[str, float], rng: np.random.Generator) -> Record:
    """``record`` with its observations replaced by draws from one simulated history.

    For synthetic-truth tests: attack counts are negative binomial draws from the history's
    expected counts, each estimate the history's stock times a log-normal error
    (``assumed["estimate_error"]``; a body other than the UN's also times its offset, drawn
    from its prior) read as ``±10%``, each action year reported with
    probability ``assumed["action_reporting"]``, engagement and recognition as they happened.
    The stylised facts are dropped (they are the case's statements, not draws).
    """
    attacks = []
    for a in record.attacks:
        mu, k = float(expected_attacks(a, stats)[0]), attack_shape(a, dispersion)
        attacks.append(replace(a, observed=int(rng.negative_binomial(k, k / (k + mu))), ids=()))
    as_arrays = {k: np.array([v]) for k, v in assumed.items()}
    offsets = prior_offsets(record, rng, 1)
    estimates = []
    for e in record.estimates:
        x = float(figure_values(record, stats, e, as_arrays, offsets)[0])
        x *= math.exp(assumed["estimate_error"] * rng.standard_normal())
        r = POINT_ROUNDING["exact"]          # as the record reads an exact single figure
        estimates.append(replace(e, low=x * (1 - r), high=x * (1 + r)))
    actions = tuple(replace(b, observed=bool(stats[b.key][0] > 0.5
                                             and rng.random() < reporting_rate(b, assumed)),
                            ids=()) for b in record.actions)
    milestones = tuple(replace(b, observed=bool(stats[b.key][0] > 0.5), ids=())
                       for b in record.milestones)
    return replace(record, attacks=tuple(attacks), estimates=tuple(estimates), actions=actions,
                   milestones=milestones, facts=())
