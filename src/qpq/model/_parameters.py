"""The parameter registry: every number of the model, by its canonical name.

The numbers themselves live in the case file (``parameters.yaml``: default, plausible
range, unit, evidence ids or ``assumption``); this module names them, checks that a case
defines all of them, checks the orderings the model specification requires, and turns user
overrides (``--set NAME=VALUE``) into a validated :class:`ParameterSet`.

Every lens (game, simulator, exploration) reads its numbers through a
:class:`ParameterSet` or, for vectorised work over an ensemble of parameter points, through
:meth:`ParameterRegistry.validate_arrays`, so that a name or range is defined exactly once.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.case import Case, Parameter, load_case
from qpq.checks import as_mapping
from qpq.errors import BadInputError, Problem

__all__ = [
    "CANONICAL_PARAMETERS",
    "CONSTRAINTS",
    "DYNAMICS_PARAMETERS",
    "GAME_PARAMETERS",
    "UNCALIBRATED",
    "Constraint",
    "ParameterRegistry",
    "ParameterSet",
    "check_game_values",
    "parameter_generators",
]

GAME_PARAMETERS: tuple[str, ...] = (
    # types (docs/model-game.md §6.1)
    "prior_sincere", "p_high_capacity", "capacity_high", "capacity_low",
    # effort levels and their cost to the Taliban
    "restrain_intensity", "crackdown_intensity", "effort_cost_sincere",
    "effort_cost_insincere",
    # chance: suppression, defection, UN report
    "us_presence", "us_suppression", "base_suppression", "base_defection", "iskp_pull",
    "iskp_join_cost", "militant_temperature", "un_close_if_insincere", "un_close_if_sincere",
    # China's payoff
    "w_security", "etim_threat", "iskp_threat", "econ_gain", "aid_cost", "recognition_cost",
    "future_weight", "future_value_sincere", "future_value_insincere", "sincere_persistence",
    "planb_cost", "intervene_cost", "planb_effect", "intervene_effect", "planb_covers_iskp",
    "reneging_cost",
    # the Taliban's payoff
    "recognition_value", "aid_value", "harbour_benefit", "boycott_bond",
    "iskp_threat_to_taliban", "sovereignty_cost",
)
"""Every symbol of the one-round game, in the order ``qpq params`` lists them.

Described in docs/model-game.md §6.1.
"""

DYNAMICS_PARAMETERS: tuple[str, ...] = (
    "elimination_threshold", "recognition_threshold", "quiet_quarters",
)
"""The dynamics symbols every case must define (docs/model-dynamics.md §2-3)."""

CANONICAL_PARAMETERS: tuple[str, ...] = GAME_PARAMETERS + DYNAMICS_PARAMETERS
"""Names every case must define: the model reads exactly these."""

UNCALIBRATED = "uncalibrated (assumption-driven)"
"""The label of every parameter, and every quantity computed from them, no evidence pins."""


@dataclass(frozen=True, slots=True)
class Constraint:
    """An ordering between two parameters that the model specification requires.

    ``lhs op rhs`` must hold for every parameter point (``op`` is ``<`` or ``<=``).
    """

    lhs: str
    op: Literal["<", "<="]
    rhs: str
    reason: str

    def holds(self, lhs: ArrayLike, rhs: ArrayLike) -> NDArray[np.bool_]:
        """Whether the ordering holds, element-wise."""
        a, b = np.asarray(lhs, dtype=float), np.asarray(rhs, dtype=float)
        return np.asarray(a < b if self.op == "<" else a <= b)

    def __str__(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}"


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("restrain_intensity", "<", "crackdown_intensity",
               "effort levels are ordered: 0 < restrain < crackdown <= 1"),
    Constraint("effort_cost_sincere", "<", "effort_cost_insincere",
               "acting against ideological allies costs the insincere type more"),
    Constraint("capacity_low", "<=", "capacity_high",
               "the low-capacity type turns no more effort into effect than the high one"),
)
"""The orderings of the game's parameters that single ranges cannot express.

See docs/model-game.md §6.1.

The other requirements (probabilities strictly inside (0, 1), ``boycott_bond`` >= 1,
``future_value_sincere`` > 0 > ``future_value_insincere``, ``base_suppression`` > 0) are
expressed by the ranges in the case file and checked by :meth:`ParameterRegistry.check_case`.
"""

# Bounds each canonical range must respect (open/closed as the spec says).
_SPEC_BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    # name: (low, high, low_open, high_open)
    "prior_sincere": (0.0, 1.0, True, True),
    "p_high_capacity": (0.0, 1.0, False, False),
    # below 1: at kappa*e = 1 suppression is certain and China's s = 0 information sets
    # would be unreached, which the spec's solution concept rules out (docs/model-game.md)
    "capacity_high": (0.0, 1.0, False, True),
    "capacity_low": (0.0, 1.0, False, True),
    "restrain_intensity": (0.0, 1.0, True, False),
    "crackdown_intensity": (0.0, 1.0, True, False),
    "us_presence": (0.0, 1.0, False, False),
    "us_suppression": (0.0, 1.0, False, False),
    "base_suppression": (0.0, 1.0, True, True),
    "base_defection": (0.0, 1.0, True, True),
    "militant_temperature": (0.0, math.inf, True, True),
    "un_close_if_insincere": (0.0, 1.0, True, True),
    "un_close_if_sincere": (0.0, 1.0, True, True),
    "sincere_persistence": (0.0, 1.0, False, False),
    "planb_effect": (0.0, 1.0, False, False),
    "intervene_effect": (0.0, 1.0, False, False),
    "planb_covers_iskp": (0.0, 1.0, False, False),
    "future_value_sincere": (0.0, math.inf, True, True),
    "future_value_insincere": (-math.inf, 0.0, True, True),
    "boycott_bond": (1.0, math.inf, False, True),
    "future_weight": (0.0, math.inf, False, True),
    "effort_cost_sincere": (0.0, math.inf, False, True),
    "effort_cost_insincere": (0.0, math.inf, False, True),
    "reneging_cost": (0.0, math.inf, False, True),
}


def _within(value: float, bounds: tuple[float, float, bool, bool]) -> bool:
    low, high, low_open, high_open = bounds
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    return above and below


def _bounds_text(bounds: tuple[float, float, bool, bool]) -> str:
    low, high, low_open, high_open = bounds
    return f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def check_game_values(values: Mapping[str, ArrayLike], *, names: Iterable[str] = GAME_PARAMETERS,
                      what: str = "params") -> int:
    """Check plain values given to the game's solvers in place of a :class:`ParameterSet`.

    Every name of ``names`` given, every value finite and within what the model allows
    (:data:`_SPEC_BOUNDS`, ends included: the solvers take the limit cases the case's
    ranges leave out), and the arrays of one length (or length 1). A registry's points are
    checked against the case's ranges and orderings already; a plain mapping was not, and
    ``prior_sincere = 2`` gave "recognition without deal" with 256 equilibria and NaN a
    boycott (found 2026-12-06). Returns the common length.

    Raises
    ------
    BadInputError
        Naming each parameter at fault and what is allowed.
    """
    if not isinstance(values, Mapping):
        raise BadInputError(f"{what} must be a ParameterSet or a mapping name -> value; got "
                            f"{type(values).__name__}")
    missing = [n for n in names if n not in values]
    if missing:
        raise BadInputError(f"{what}: the game needs these parameters, which are missing: "
                            + ", ".join(missing))
    problems: list[str] = []
    lengths: set[int] = set()
    for name, raw in values.items():
        try:
            a = np.asarray(raw, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            problems.append(f"{name}: {raw!r} is not a number or an array of numbers")
            continue
        if a.size != 1:
            lengths.add(a.size)
        low, high, _, _ = _SPEC_BOUNDS.get(name, (-math.inf, math.inf, True, True))
        bad = ~np.isfinite(a) | (a < low) | (a > high)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            problems.append(f"{name}: {a[i]:g}" + (f" at index {i}" if a.size > 1 else "")
                            + f" is not a finite number within [{low:g}, {high:g}]")
    if len(lengths) > 1:
        problems.append("the arrays have different lengths: " + ", ".join(
            f"{n} {np.size(v)}" for n, v in values.items() if np.size(v) != 1))
    if problems:
        raise BadInputError(f"{what}: " + "; ".join(problems))
    return lengths.pop() if lengths else 1


@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> int:
    """A stable 64-bit key of a parameter's name (SHA-256; Python's ``hash`` is salted)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def parameter_generators(seed: int, names: Iterable[str], stream: Sequence[int] = ()
                         ) -> dict[str, np.random.Generator]:
    """One generator per parameter, keyed by its name: the streams of :meth:`draw_ordered`.

    The generator of ``name`` is a Philox generator seeded by ``SeedSequence(seed,
    spawn_key=(*stream, k))``, where ``k`` is the first 8 bytes (little-endian) of the
    SHA-256 of the name. Keyed by the name, not the parameter's position, so the draws of
    one parameter do not depend on which others are drawn; ``stream`` separates the callers'
    uses (the simulator's ``(parameters, block)``, the game Monte Carlo's own key), so two
    uses with one seed never share numbers.

    Parameters
    ----------
    seed
        The root seed (a non-negative integer).
    names
        The parameters to draw.
    stream
        The caller's key, before the name's (non-negative integers).
    """
    head = tuple(int(k) for k in stream)
    out = {}
    for name in names:
        ss = np.random.SeedSequence(int(seed), spawn_key=(*head, _name_key(name)))
        out[name] = np.random.Generator(np.random.Philox(ss))
    return out


def _uniform(gen: np.random.Generator, p: Parameter, size: int) -> NDArray[np.float64]:
    """``size`` uniform draws over ``p``'s plausible range (whole values if it is an integer)."""
    if p.integer:
        drawn: NDArray[np.float64] = gen.integers(int(p.low), int(p.high), size=size,
                                                  endpoint=True).astype(float)
        return drawn
    return gen.uniform(p.low, p.high, size=size)


@dataclass(frozen=True)
class ParameterRegistry:
    """The model's parameters as a case defines them: one :class:`Parameter` per name.

    Build it with :meth:`from_case` or :meth:`load`; both check that the case defines every
    canonical name with a range the model specification allows.
    """

    parameters: tuple[Parameter, ...]
    constraints: tuple[Constraint, ...] = CONSTRAINTS
    source: str = "case"
    _by_name: Mapping[str, Parameter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name",
                           MappingProxyType({p.name: p for p in self.parameters}))

    def __reduce__(self) -> tuple[type[ParameterRegistry],
                                  tuple[tuple[Parameter, ...], tuple[Constraint, ...], str]]:
        # rebuilt from its fields: the name index (a mappingproxy) does not pickle, and
        # worker processes receive registries (a calibration's simulations)
        return type(self), (self.parameters, self.constraints, self.source)

    @classmethod
    def from_case(cls, case: Case, *, complete: bool = True) -> ParameterRegistry:
        """The registry of a loaded case; raises :class:`BadInputError` if it does not fit.

        ``complete=False`` checks only the parameters the case defines
        (:meth:`check_defined`), as ``qpq evidence validate`` does for a case that may leave
        the game out.
        """
        registry = cls(parameters=case.parameters, source=f"{case.root.name}/parameters.yaml")
        problems = registry.check_case() if complete else registry.check_defined()
        if problems:
            raise BadInputError(f"the parameters of case {case.root} do not fit the model:",
                                problems)
        return registry

    @classmethod
    def load(cls, case_dir: str | Path | None = None) -> ParameterRegistry:
        """Load a case folder (default: the built-in case) and return its registry."""
        return cls.from_case(load_case(case_dir))

    # ------------------------------------------------------------------ lookup

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in case-file order."""
        return tuple(p.name for p in self.parameters)

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._by_name[name]
        except KeyError:
            raise BadInputError(self._unknown_message(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def _unknown_message(self, name: object) -> str:
        from qpq.checks import did_you_mean

        if not isinstance(name, str):
            return f"a parameter's name is a string, got {name!r}"
        return (f"unknown parameter {name!r}{did_you_mean(name, self.names)} (see `qpq params` "
                "for the list)")

    # ------------------------------------------------------------------ checks

    def check_case(self) -> list[Problem]:
        """Problems with the case's definitions: missing names, ranges the spec forbids."""
        problems: list[Problem] = []
        missing = [n for n in CANONICAL_PARAMETERS if n not in self._by_name]
        if missing:
            problems.append(Problem(self.source, "the model needs these parameters, which the "
                                    "case does not define: " + ", ".join(missing)))
        return problems + self.check_defined()

    def check_defined(self) -> list[Problem]:
        """Problems with the parameters the case does define, whatever it leaves out.

        Ranges the specification forbids, integers that are not, and defaults that break
        an ordering. ``qpq evidence validate`` reports these for any case with parameters,
        so a probability with a high of 1.5 is refused when the file is checked, not when
        a lens first builds the registry.
        """
        problems: list[Problem] = []
        for name, bounds in _SPEC_BOUNDS.items():
            p = self._by_name.get(name)
            if p is None:
                continue
            for what, value in (("low", p.low), ("high", p.high)):
                if not _within(value, bounds):
                    problems.append(Problem(self.source, f"{what}={value:g} is outside what "
                                            f"the model allows, {_bounds_text(bounds)}",
                                            field=f"{name}.{what}"))
        for p in self.parameters:
            if p.integer and not all(float(v).is_integer() for v in (p.default, p.low, p.high)):
                problems.append(Problem(self.source, "an integer parameter needs integer "
                                        "default, low and high", field=p.name))
        if not problems:
            problems.extend(self.check_constraints({n: p.default for n, p in
                                                    self._by_name.items()}, "default"))
        return problems

    def check_constraints(self, values: Mapping[str, float], what: str = "value"
                          ) -> list[Problem]:
        """Orderings (:data:`CONSTRAINTS`) that the given values break."""
        problems = []
        for c in self.constraints:
            if c.lhs in values and c.rhs in values and not bool(c.holds(values[c.lhs],
                                                                        values[c.rhs])):
                problems.append(Problem(self.source, f"{what}s break {c}: {c.lhs}="
                                        f"{values[c.lhs]:g}, {c.rhs}={values[c.rhs]:g} "
                                        f"({c.reason})", field=f"{c.lhs}, {c.rhs}"))
        return problems

    def parse_value(self, name: str, raw: object) -> float:
        """One override, checked against the parameter's range; :class:`BadInputError` if not."""
        p = self[name]
        if isinstance(raw, str):
            try:
                value = float(raw)
            except ValueError:
                raise BadInputError(f"parameter {name}: {raw!r} is not a number; allowed "
                                    f"range is [{p.low:g}, {p.high:g}] {p.unit}") from None
        elif isinstance(raw, bool) or not isinstance(raw, int | float | np.number):
            # None, a list, True: a number to float() or not, never a parameter's value
            raise BadInputError(f"parameter {name}: {raw!r} is not a number; allowed range is "
                                f"[{p.low:g}, {p.high:g}] {p.unit}")
        else:
            value = float(raw)
        if not math.isfinite(value) or not p.low <= value <= p.high:
            # as typed: "1e400" reads as inf, which the user never wrote
            shown = raw.strip() if isinstance(raw, str) else f"{value:g}"
            raise BadInputError(f"parameter {name}={shown} is out of range; allowed range is "
                                f"[{p.low:g}, {p.high:g}] {p.unit}")
        if p.integer and not value.is_integer():
            raise BadInputError(f"parameter {name} must be a whole number in "
                                f"[{p.low:g}, {p.high:g}], got {value:g}")
        return value

    def draw_ordered(self, values: MutableMapping[str, NDArray[np.float64]],
                     generators: Mapping[str, np.random.Generator], *,
                     max_rounds: int = 1000) -> None:
        """Draw parameters uniformly over their ranges, each from its own stream, in place.

        Every name of ``generators`` is drawn over its plausible range (integers over their
        whole values) from its own generator, then :meth:`redraw_until_ordered` redraws the
        broken orderings, each parameter again from its own generator. So a parameter's
        values depend only on its own stream and on the rows that the orderings break:
        adding, removing or moving a parameter that no ordering names changes no other
        parameter's values (streams shared in registry order would shift every later one).

        Parameters
        ----------
        values
            ``name -> (n,)`` float array for at least every parameter an ordering names;
            the drawn names are written in place (views of larger arrays work).
        generators
            ``name -> generator`` for each parameter to draw: the caller's streams, one per
            parameter (:func:`parameter_generators`), never shared between two names.
        max_rounds
            Passed to :meth:`redraw_until_ordered`.
        """
        if len({id(g) for g in generators.values()}) < len(generators):
            raise ValueError("each drawn parameter needs a generator of its own")
        for name, gen in generators.items():
            row = values[name]
            row[...] = _uniform(gen, self[name], row.shape[0])
        self.redraw_until_ordered(values, tuple(generators),
                                  lambda p, size: _uniform(generators[p.name], p, size),
                                  max_rounds=max_rounds)

    def redraw_until_ordered(self, values: MutableMapping[str, NDArray[np.float64]],
                             drawn: Collection[str],
                             draw: Callable[[Parameter, int], NDArray[np.float64]], *,
                             max_rounds: int = 1000) -> None:
        """Redraw sampled points until every ordering of :attr:`constraints` holds, in place.

        The one rule for every sampler of the model: in each round, for each ordering in
        turn, both of its parameters are redrawn at the rows where it is broken (a
        parameter not in ``drawn`` is never redrawn); rounds repeat until no row breaks an
        ordering. Rows that break none keep their values, so a sample uniform over the
        ranges becomes uniform over the ordered region.

        Parameters
        ----------
        values
            ``name -> (n,)`` float array for at least every parameter an ordering names;
            written in place (views of larger arrays, e.g. one block, work).
        drawn
            The names that were drawn and may be redrawn.
        draw
            ``(parameter, size) -> (size,)`` fresh values: the caller's random stream, so
            its streams stay its own.
        max_rounds
            Rounds before giving up.

        Raises
        ------
        BadInputError
            If an ordering is broken where neither of its parameters is drawn, or rows still
            break one after ``max_rounds`` rounds.
        """
        for _ in range(max_rounds):
            bad = np.zeros(np.shape(next(iter(values.values()))), dtype=bool)
            for c in self.constraints:
                bad |= ~c.holds(values[c.lhs], values[c.rhs])
            if not bad.any():
                return
            # only bad rows can break an ordering, even after this round's earlier redraws
            rows = np.flatnonzero(bad)
            for c in self.constraints:
                broken = rows[~c.holds(values[c.lhs][rows], values[c.rhs][rows])]
                if not broken.size:
                    continue
                names = [k for k in (c.lhs, c.rhs) if k in drawn]
                if not names:
                    raise BadInputError(f"{broken.size} point(s) break {c} and neither "
                                        f"parameter is drawn ({c.reason})")
                for k in names:
                    values[k][broken] = draw(self[k], broken.size)
        raise BadInputError("could not draw parameters that respect the orderings "
                            + ", ".join(str(c) for c in self.constraints))

    # ------------------------------------------------------------------ values

    def defaults(self) -> ParameterSet:
        """The case's default parameter point."""
        return ParameterSet(self, MappingProxyType({p.name: float(p.default)
                                                    for p in self.parameters}))

    def point(self, overrides: Mapping[str, str | float] | None = None) -> ParameterSet:
        """Defaults with ``overrides`` applied and validated (ranges and orderings)."""
        return self.defaults().with_overrides(overrides)

    def validate_arrays(self, arrays: Mapping[str, ArrayLike], *, fill_defaults: bool = True
                        ) -> dict[str, NDArray[np.float64]]:
        """Broadcast an ensemble of parameter points to 1-D arrays and check them.

        Parameters
        ----------
        arrays
            ``name -> value or array``; all arrays must broadcast to one shape.
        fill_defaults
            Use each missing parameter's default (otherwise a missing name is an error).

        Returns
        -------
        dict
            ``name -> float array`` of shape ``(n,)`` for every parameter of the registry.
        """
        unknown = [n for n in arrays if n not in self._by_name]
        if unknown:
            raise BadInputError("; ".join(self._unknown_message(n) for n in unknown))
        full: dict[str, ArrayLike] = {}
        for p in self.parameters:
            if p.name in arrays:
                full[p.name] = arrays[p.name]
            elif fill_defaults:
                full[p.name] = p.default
            else:
                raise BadInputError(f"parameter {p.name} is missing")
        shaped = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in full.values()))
        out = {n: np.ascontiguousarray(a).reshape(-1) for n, a in zip(full, shaped, strict=True)}
        problems: list[Problem] = []
        for name, a in out.items():
            p = self._by_name[name]
            bad = ~np.isfinite(a) | (a < p.low) | (a > p.high)
            if p.integer:
                bad |= a != np.round(a)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                problems.append(Problem(self.source, f"{int(bad.sum())} value(s) out of range, "
                                        f"first {a[i]:g} at index {i}; allowed range is "
                                        f"[{p.low:g}, {p.high:g}] {p.unit}", field=name))
        for c in self.constraints:
            ok = c.holds(out[c.lhs], out[c.rhs])
            if not ok.all():
                i = int(np.flatnonzero(~ok)[0])
                problems.append(Problem(self.source, f"{int((~ok).sum())} point(s) break {c}, "
                                        f"first at index {i} ({c.reason})",
                                        field=f"{c.lhs}, {c.rhs}"))
        if problems:
            raise BadInputError("parameter arrays are not valid:", problems)
        return out


@dataclass(frozen=True)
class ParameterSet:
    """One validated parameter point: a value for every parameter of a registry."""

    registry: ParameterRegistry
    values: Mapping[str, float]

    def __getitem__(self, name: str) -> float:
        try:
            return self.values[name]
        except KeyError:
            raise BadInputError(self.registry._unknown_message(name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def items(self) -> Iterable[tuple[str, float]]:
        """``(name, value)`` pairs in registry order."""
        return self.values.items()

    def as_dict(self) -> dict[str, float]:
        """A plain ``name -> value`` dict."""
        return dict(self.values)

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        """Every value as a one-element array: the ensemble form of a single point."""
        return {n: np.array([v], dtype=float) for n, v in self.values.items()}

    def with_overrides(self, overrides: Mapping[str, str | float] | None) -> ParameterSet:
        """A new point with ``overrides`` applied (``None``: none); ranges, orderings checked.

        Raises
        ------
        BadInputError
            For an unknown name, a value that is not a number, one outside its range, or
            values that break an ordering of :data:`CONSTRAINTS`.
        """
        # None is none, and a list of names or pairs (which ended in "'list' object has no
        # attribute 'items'") is refused by as_mapping; a mapping is read as it is, so that a
        # key that is not a string is named below as an unknown parameter
        given: Mapping[str, object] = (overrides if isinstance(overrides, Mapping)
                                       else as_mapping(overrides, "overrides"))
        values = dict(self.values)
        for name, raw in given.items():
            values[name] = self.registry.parse_value(name, raw)
        problems = self.registry.check_constraints(values)
        if problems:
            raise BadInputError("the parameter values are inconsistent:", problems)
        return ParameterSet(self.registry, MappingProxyType(values))

    def changed(self) -> dict[str, float]:
        """Values that differ from the registry's defaults."""
        return {n: v for n, v in self.values.items() if v != self.registry[n].default}
