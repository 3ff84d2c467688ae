"""The quid pro quo game's formal properties, declared as data before any logic.

Players, chance moves, who observes what, the Taliban's types and efforts, China's first
moves and the signals China sees: everything the solver, the explicit tree, the .efg
export and the labels need to agree on, with the label conventions of docs/model-game.md
§7.2, item 8: players ``China`` and ``Taliban``; Taliban information sets
``T|S,H|Engage[no_promise]``; China's final information sets
``C|Engage[no_promise],s1,d0,rclose``; China's first move at ``C|first``.

A :class:`GameStructure` can describe the full game or a reduced member of the family
(fewer types, fewer first moves, no UN report) small enough for pygambit's global solvers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from itertools import product

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_flag, check_number
from qpq.model import FINAL_ACTIONS, FIRST_MOVES, FinalAction, FirstMove, final_actions

__all__ = [
    "ALL_EFFORTS",
    "CHINA",
    "EFFORTS",
    "FULL_GAME",
    "TALIBAN",
    "TYPES",
    "ChanceMove",
    "Effort",
    "GameStructure",
    "Readings",
    "Signal",
    "TalibanType",
]

CHINA = "China"
TALIBAN = "Taliban"


class Effort(IntEnum):
    """The Taliban's choices towards the militants; intensities come from the parameters.

    HARBOUR, RESTRAIN and CRACKDOWN are v1's ordered efforts (intensity 0,
    ``restrain_intensity``, ``crackdown_intensity``). COOPT absorbs the militants into the
    Taliban's own forces (docs/model-game.md §7.4, "Co-optation"): not a point on the
    intensity scale but a choice of another kind, with its own signal, pull and cost.
    """

    HARBOUR = 0
    RESTRAIN = 1
    CRACKDOWN = 2
    COOPT = 3

    @property
    def label(self) -> str:
        """Action label: ``harbour``, ``restrain``, ``crackdown`` or ``coopt``."""
        return self.name.lower()


EFFORTS: tuple[Effort, ...] = (Effort.HARBOUR, Effort.RESTRAIN, Effort.CRACKDOWN)
"""v1's three efforts: the default of every :class:`GameStructure`."""

ALL_EFFORTS: tuple[Effort, ...] = tuple(Effort)
"""Every choice the model knows, co-optation included."""


@dataclass(frozen=True, slots=True, order=True)
class TalibanType:
    """θ = (sincerity, capacity): S/I and H/L."""

    sincere: bool
    high_capacity: bool

    @property
    def label(self) -> str:
        """``S,H``, ``S,L``, ``I,H`` or ``I,L``."""
        return f"{'S' if self.sincere else 'I'},{'H' if self.high_capacity else 'L'}"

    @property
    def description(self) -> str:
        """The code in words: ``sincere, high capacity`` and so on."""
        return (f"{'sincere' if self.sincere else 'insincere'}, "
                f"{'high' if self.high_capacity else 'low'} capacity")

    def __str__(self) -> str:
        return self.label


TYPES: tuple[TalibanType, ...] = (
    TalibanType(True, True), TalibanType(True, False),
    TalibanType(False, True), TalibanType(False, False),
)
"""The four types in the order used by every array: S,H; S,L; I,H; I,L."""


@dataclass(frozen=True, slots=True)
class Signal:
    """What China observes after the chance moves: s, d and (if reported) r."""

    s: int
    d: int
    r_close: int | None

    @property
    def label(self) -> str:
        """``s1,d0,rclose`` (``s1,d0`` when there is no UN report)."""
        base = f"s{self.s},d{self.d}"
        if self.r_close is None:
            return base
        return base + (",rclose" if self.r_close else ",rfar")

    @property
    def parts(self) -> dict[str, str]:
        """Each observed component (``s``, ``d``, ``r_close`` if reported) in words."""
        out = {"s": "militants seen suppressed" if self.s else "no suppression seen",
               "d": "a defection to ISKP" if self.d else "no defection"}
        if self.r_close is not None:
            out["r_close"] = ("UN reports close Taliban–al-Qaeda ties" if self.r_close
                              else "UN reports distant ties")
        return out

    @property
    def description(self) -> str:
        """The code in words: what China saw of suppression, defection and the UN report."""
        return "; ".join(self.parts.values())


@dataclass(frozen=True, slots=True)
class ChanceMove:
    """One chance move of the game, described as data."""

    name: str
    outcomes: tuple[str, ...]
    depends_on: tuple[str, ...]
    formula: str


@dataclass(frozen=True)
class Readings:
    """Named reading choices of the model where the spec admits two readings.

    Each defaults to the reading the solver has always used (docs/model-game.md §7.2, the
    table of reading choices, gives the share of the ranges where the other one changes
    the selected equilibrium). A :class:`GameStructure` carries one, so the choice reaches
    every solver, tensor and lens that is given the structure.

    Attributes
    ----------
    pure_over_mixed
        ``True``: China's preferred *pure* PBE is selected whenever a pure PBE exists, even
        if the bounded mixed search found a mixed PBE China prefers (pure PBE are exact,
        mixed ones come from a bounded search). ``False``: the mixed PBE compete with the
        pure ones on China's value. Only :func:`qpq.game.solve` runs the mixed search, so
        only it depends on this.
    kappa_in_future_defection
        ``True``: σ_d inside W is evaluated at pressure κ_θ·x for continued effort x (the
        same capacity as this round's pressure and W's ETIM term). ``False``: at x itself,
        as the spec's formula σ_d(1[θ = S]·e·q(R)) is written.
    equivalence_atol
        Tied first moves are *outcome-equivalent* when their distributions over (type,
        effort, signals, consequence) agree cell by cell; a cell whose probability is at
        most this under both is negligible (its consequence is not compared). So a
        difference confined to information sets reached with probability ≤ 1e-9 does not
        make a tie non-equivalent. It decides a flag only, never the selection.
    """

    pure_over_mixed: bool = True
    kappa_in_future_defection: bool = True
    equivalence_atol: float = 1e-9

    def __post_init__(self) -> None:
        # Readings(pure_over_mixed="no") was kept as "no": true to the solver, and reported
        # by changed() as a reading that differs from the default
        for name in ("pure_over_mixed", "kappa_in_future_defection"):
            object.__setattr__(self, name, check_flag(getattr(self, name), f"readings {name}"))
        object.__setattr__(self, "equivalence_atol", check_number(
            self.equivalence_atol, "readings equivalence_atol", low=0.0))

    def changed(self) -> dict[str, bool]:
        """The readings that differ from the defaults, by name."""
        base = Readings()
        return {k: v for k, v in vars(self).items() if getattr(base, k) != v}


DEFAULT_READINGS = Readings()
"""The readings the solver uses unless told otherwise."""


@dataclass(frozen=True)
class GameStructure:
    """Formal properties of one member of the game family (docs/model-game.md §7.2, item 7).

    Attributes
    ----------
    types
        Taliban types included; the prior is P(S)·P(H) renormalised over them.
    first_moves
        China's first moves included, least committal first.
    un_report
        Whether the UN report r is drawn and observed by China.
    efforts
        The Taliban's choices included, in the order of every effort axis (default v1's
        three; :data:`ALL_EFFORTS` adds co-optation).
    readings
        The named reading choices (:class:`Readings`); the defaults keep the spec's
        readings as documented in docs/model-game.md §7.2.
    """

    types: tuple[TalibanType, ...] = TYPES
    first_moves: tuple[FirstMove, ...] = FIRST_MOVES
    un_report: bool = True
    efforts: tuple[Effort, ...] = EFFORTS
    readings: Readings = DEFAULT_READINGS
    players: tuple[str, str] = (CHINA, TALIBAN)
    chance_moves: tuple[ChanceMove, ...] = field(default=(
        ChanceMove("type", ("S,H", "S,L", "I,H", "I,L"), (),
                   "P(S) = prior_sincere, P(H) = p_high_capacity, independent"),
        ChanceMove("suppression", ("s0", "s1"), ("type", "effort"),
                   "sigma_s = 1 - (1 - kappa*e)(1 - us_presence*us_suppression)"
                   "(1 - base_suppression)"),
        ChanceMove("defection", ("d0", "d1"), ("type", "effort"),
                   "sigma_d = base_defection + (1 - base_defection)*L(kappa*e)"),
        ChanceMove("un_report", ("rclose", "rfar"), ("type",),
                   "P(close) = un_close_if_insincere (I) or un_close_if_sincere (S)"),
    ), compare=False)
    information: tuple[tuple[str, str], ...] = field(default=(
        ("China first move", "nothing (China does not know the type)"),
        ("Taliban effort", "its type and China's first move"),
        ("China final move", "its first move and the signals (s, d, r); not type, not effort"),
    ), compare=False)
    perfect_recall: bool = True
    utility: str = "general-sum"

    def __post_init__(self) -> None:
        if not self.types or not self.first_moves:
            raise ValueError("a game needs at least one type and one first move")
        if len(set(self.types)) != len(self.types):
            raise ValueError("types repeat")
        if (not self.efforts or self.efforts[0] is not Effort.HARBOUR
                or list(self.efforts) != sorted(set(self.efforts))):
            raise ValueError("efforts must start with harbour and follow the order harbour, "
                             "restrain, crackdown, coopt without repeats (every effort axis "
                             "puts harbour first)")
        if not self.un_report and any(m.promise is not None and m.promise.needs_report
                                      for m in self.first_moves):
            raise ValueError("a promise that reads the UN report needs un_report=True")

    # ------------------------------------------------------------------ enumerations

    @property
    def signals(self) -> tuple[Signal, ...]:
        """China's observations, ordered s, d, r (close before far)."""
        rs: tuple[int | None, ...] = (1, 0) if self.un_report else (None,)
        return tuple(Signal(s, d, r) for s, d, r in product((0, 1), (0, 1), rs))

    def actions(self, m: FirstMove) -> tuple[FinalAction, ...]:
        """China's final actions after first move m."""
        return final_actions(m.kind)

    # ------------------------------------------------------------------ array layout
    # Every flat index into arrays over types, signals or final actions comes from here, so
    # that the order is declared once (by the tuples above) and never spelled as arithmetic.

    def type_index(self, sincere: NDArray[np.bool_] | bool,
                   high_capacity: NDArray[np.bool_] | bool) -> NDArray[np.int64]:
        """Position of the type (sincere, high_capacity) in :attr:`types` (−1: not in it)."""
        return np.asarray(self._type_table[np.asarray(sincere, dtype=np.int64),
                                np.asarray(high_capacity, dtype=np.int64)])

    def signal_index(self, s: NDArray[np.integer] | int, d: NDArray[np.integer] | int,
                     r_close: NDArray[np.integer | np.bool_] | int | None = None
                     ) -> NDArray[np.int64]:
        """Position of the observation (s, d, r) in :attr:`signals`, vectorised."""
        r = np.zeros_like(np.asarray(s)) if r_close is None else np.asarray(r_close)
        return np.asarray(self._signal_table[np.asarray(s, dtype=np.int64),
                                             np.asarray(d, dtype=np.int64),
                                             np.asarray(r, dtype=np.int64)])

    @property
    def report_free_signals(self) -> tuple[tuple[int, int], ...]:
        """The observations (s, d) without the UN report, in the order of :attr:`signals`."""
        return tuple(dict.fromkeys((g.s, g.d) for g in self.signals))

    def report_free_index(self, s: NDArray[np.integer] | int, d: NDArray[np.integer] | int
                          ) -> NDArray[np.int64]:
        """Position of (s, d) in :attr:`report_free_signals`, vectorised."""
        return np.asarray(self._report_free_table[np.asarray(s, dtype=np.int64),
                                                  np.asarray(d, dtype=np.int64)])

    # the lookup tables behind the index methods, built once per structure (the simulator
    # asks for indices every quarter)
    @cached_property
    def _type_table(self) -> NDArray[np.int64]:
        table = np.full((2, 2), -1, dtype=np.int64)
        for i, t in enumerate(self.types):
            table[int(t.sincere), int(t.high_capacity)] = i
        return table

    @cached_property
    def _signal_table(self) -> NDArray[np.int64]:
        table = np.full((2, 2, 2), -1, dtype=np.int64)
        for i, g in enumerate(self.signals):
            table[g.s, g.d, 0 if g.r_close is None else g.r_close] = i
        return table

    @cached_property
    def _report_free_table(self) -> NDArray[np.int64]:
        table = np.full((2, 2), -1, dtype=np.int64)
        for i, (si, di) in enumerate(self.report_free_signals):
            table[si, di] = i
        return table

    @property
    def report_groups(self) -> NDArray[np.int64]:
        """(S₀, R): the signals of each report-free observation (s, d), in signal order.

        Summing an array over its signal axis by these groups marginalises the UN report.
        """
        groups: dict[tuple[int, int], list[int]] = {}
        for i, g in enumerate(self.signals):
            groups.setdefault((g.s, g.d), []).append(i)
        return np.array(list(groups.values()), dtype=np.int64)

    def global_actions(self, m: FirstMove) -> NDArray[np.int64]:
        """Positions of m's final actions in :data:`qpq.model._policies.FINAL_ACTIONS`."""
        return np.array([FINAL_ACTIONS.index(f) for f in self.actions(m)], dtype=np.int64)

    @property
    def n_efforts(self) -> int:
        """E: the number of the Taliban's choices (the length of every effort axis)."""
        return len(self.efforts)

    @property
    def has_coopt(self) -> bool:
        """Whether co-optation is among the Taliban's choices."""
        return Effort.COOPT in self.efforts

    @property
    def n_profiles(self) -> int:
        """Number of type-contingent pure effort profiles, E^(number of types)."""
        return int(self.n_efforts ** len(self.types))

    # ------------------------------------------------------------------ labels

    @staticmethod
    def first_infoset() -> str:
        """Label of China's first-move information set."""
        return "C|first"

    @staticmethod
    def taliban_infoset(t: TalibanType, m: FirstMove) -> str:
        """Label of the Taliban's information set: type and first move."""
        return f"T|{t.label}|{m.label}"

    @staticmethod
    def china_infoset(m: FirstMove, sig: Signal) -> str:
        """Label of China's final information set: first move and signals."""
        return f"C|{m.label},{sig.label}"

    def describe(self) -> dict[str, object]:
        """The formal properties as a JSON-ready dict."""
        return {
            "players": list(self.players),
            "types": [t.label for t in self.types],
            "first_moves": [m.label for m in self.first_moves],
            "efforts": [e.label for e in self.efforts],
            "chance_moves": [
                {"name": c.name, "outcomes": list(c.outcomes), "depends_on": list(c.depends_on),
                 "formula": c.formula + _COOPT_FORMULAS.get(c.name, "") if self.has_coopt
                 else c.formula}
                for c in self.chance_moves if c.name != "un_report" or self.un_report],
            "information": {k: v for k, v in self.information},
            "final_actions": {m.label: [f.value for f in self.actions(m)]
                              for m in self.first_moves},
            "perfect_recall": self.perfect_recall,
            "utility": self.utility,
            # only a non-default reading is written, so that default outputs keep their form
            **({"readings": self.readings.changed()} if self.readings.changed() else {}),
        }


_COOPT_FORMULAS = {
    "suppression": "; coopt: kappa*coopt_visibility in place of kappa*e",
    "defection": "; coopt: e = 0 and iskp_pull scaled by coopt_pull_scale",
}
"""How co-optation changes the chance moves' formulas (docs/model-game.md §7.4)."""

FULL_GAME = GameStructure()
"""The full game: four types, six first moves, UN report."""
