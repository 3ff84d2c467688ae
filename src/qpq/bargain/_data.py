"""Stakeholder data: who holds which position on an issue, with what capability and salience.

Both bargaining models start from the same table. For one issue (the expected utility model)
it is :class:`Stakeholders`: one row per actor with a *capability* (clout on this issue, any
non-negative number), a *position* on the issue's numeric scale and a *salience* in [0, 1]
(how much the actor cares). For several issues (the exchange model) it is :class:`IssueSet`:
an actors × issues grid of the same three numbers, with gaps where an actor takes no part in
an issue, and each issue's scale.

Both objects validate on construction and raise :class:`qpq.errors.BadInputError` naming the
actor and the column at fault; readers in :mod:`qpq.bargain._io` check rows first so that their
errors can also name the line of the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from qpq.errors import BadInputError, Problem

__all__ = ["FloatArray", "IssueSet", "Stakeholders"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array (read-only inside the frozen data objects)."""


def _frozen(values: npt.ArrayLike, shape: tuple[int, ...] | None = None) -> FloatArray:
    arr = np.array(values, dtype=np.float64, copy=True)
    if shape is not None and arr.shape != shape:
        raise BadInputError(f"expected an array of shape {shape}, got {arr.shape}")
    arr.setflags(write=False)
    return arr


_NO_WEIGHT = "every actor has capability × salience = 0; at least one must be positive"
"""Why an issue is refused when no actor weighs on it (no forecast is defined)."""


def _value_problems(source: str, actor: str, capability: float, position: float,
                    salience: float, where: str = "") -> list[Problem]:
    problems = []
    label = f"actor {actor!r}{where}"
    for column, value in (("capability", capability), ("position", position),
                          ("salience", salience)):
        if not math.isfinite(value):
            problems.append(Problem(source, f"{label}: {column} must be a finite number, "
                                    f"got {value!r}", field=column))
    if math.isfinite(capability) and capability < 0:
        problems.append(Problem(source, f"{label}: capability must be >= 0, got {capability:g}",
                                field="capability"))
    if math.isfinite(salience) and not 0.0 <= salience <= 1.0:
        problems.append(Problem(source, f"{label}: salience must lie in [0, 1], got "
                                f"{salience:g}", field="salience"))
    return problems


@dataclass(frozen=True, eq=False)
class Stakeholders:
    """The actors of one issue: capability, position and salience per actor.

    Parameters
    ----------
    actors
        Unique actor ids, in input order (the order breaks ties everywhere).
    capability, position, salience
        One number per actor; capability >= 0, salience in [0, 1].
    issue
        Id of the issue.
    scale
        The issue's scale ``(min, max)``; ``None`` means "the range of the positions".
        Utilities measure distances as fractions of this range.
    source
        Where the data came from (a file name or ``"case:<id>"``), used in error messages.
    """

    actors: tuple[str, ...]
    capability: FloatArray
    position: FloatArray
    salience: FloatArray
    issue: str = "issue"
    scale: tuple[float, float] | None = None
    source: str = "<data>"

    def __post_init__(self) -> None:
        n = len(self.actors)
        object.__setattr__(self, "actors", tuple(str(a) for a in self.actors))
        for name in ("capability", "position", "salience"):
            object.__setattr__(self, name, _frozen(getattr(self, name), (n,)))
        problems: list[Problem] = []
        if n == 0:
            problems.append(Problem(self.source, "no actors: the issue needs at least one row"))
        seen: set[str] = set()
        for i, actor in enumerate(self.actors):
            if actor in seen:
                problems.append(Problem(self.source, f"actor {actor!r} appears twice",
                                        field="actor"))
            seen.add(actor)
            problems += _value_problems(self.source, actor, float(self.capability[i]),
                                        float(self.position[i]), float(self.salience[i]))
        if not problems and n and float(np.sum(self.capability * self.salience)) <= 0.0:
            problems.append(Problem(self.source, _NO_WEIGHT, field="capability"))
        if self.scale is not None:
            lo, hi = (float(v) for v in self.scale)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                problems.append(Problem(self.source, f"scale must be (min, max) with min < max, "
                                        f"got {self.scale!r}", field="scale"))
            elif not problems and (np.any(self.position < lo) or np.any(self.position > hi)):
                bad = [a for a, x in zip(self.actors, self.position, strict=True)
                       if not lo <= x <= hi]
                problems.append(Problem(self.source, f"positions of {', '.join(bad)} lie "
                                        f"outside the issue's scale [{lo:g}, {hi:g}]",
                                        field="position"))
            object.__setattr__(self, "scale", (lo, hi))
        if problems:
            raise BadInputError(f"invalid stakeholder data for issue {self.issue!r}:", problems)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, float, float, float]], *, issue: str = "issue",
                  scale: tuple[float, float] | None = None, source: str = "<data>"
                  ) -> Stakeholders:
        """Build from ``(actor, capability, position, salience)`` tuples."""
        rows = list(rows)
        return cls(actors=tuple(r[0] for r in rows),
                   capability=np.array([r[1] for r in rows], dtype=np.float64),
                   position=np.array([r[2] for r in rows], dtype=np.float64),
                   salience=np.array([r[3] for r in rows], dtype=np.float64),
                   issue=issue, scale=scale, source=source)

    @property
    def n(self) -> int:
        """Number of actors."""
        return len(self.actors)

    @property
    def position_range(self) -> float:
        """Width of the scale used to normalise distances (1.0 if every position is equal)."""
        if self.scale is not None:
            return self.scale[1] - self.scale[0]
        width = float(np.max(self.position) - np.min(self.position))
        return width if width > 0 else 1.0

    def with_values(self, *, capability: npt.ArrayLike | None = None,
                    position: npt.ArrayLike | None = None,
                    salience: npt.ArrayLike | None = None,
                    scale: tuple[float, float] | None = None) -> Stakeholders:
        """A copy with some columns replaced (validated again)."""
        return Stakeholders(
            actors=self.actors,
            capability=self.capability if capability is None else np.asarray(capability),
            position=self.position if position is None else np.asarray(position),
            salience=self.salience if salience is None else np.asarray(salience),
            issue=self.issue, scale=self.scale if scale is None else scale, source=self.source)

    def rows(self) -> list[tuple[str, float, float, float]]:
        """The data as ``(actor, capability, position, salience)`` tuples."""
        return [(a, float(c), float(x), float(s)) for a, c, x, s in
                zip(self.actors, self.capability, self.position, self.salience, strict=True)]


@dataclass(frozen=True, eq=False)
class IssueSet:
    """Several issues at once: an actors × issues grid of capability, position and salience.

    Parameters
    ----------
    actors, issues
        Unique ids, in input order.
    position, capability, salience
        Arrays of shape ``(len(actors), len(issues))``; ``NaN`` marks an actor that takes no
        part in an issue (the three arrays must agree on where the gaps are).
    lower, upper
        Each issue's scale, one number per issue.
    issue_names
        Human-readable issue names (defaults to the ids).
    source
        Where the data came from, for error messages.
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    position: FloatArray
    capability: FloatArray
    salience: FloatArray
    lower: FloatArray
    upper: FloatArray
    issue_names: tuple[str, ...] = field(default=())
    source: str = "<data>"

    def __post_init__(self) -> None:
        shape = (len(self.actors), len(self.issues))
        for name in ("position", "capability", "salience"):
            object.__setattr__(self, name, _frozen(getattr(self, name), shape))
        for name in ("lower", "upper"):
            object.__setattr__(self, name, _frozen(getattr(self, name), (shape[1],)))
        if not self.issue_names:
            object.__setattr__(self, "issue_names", self.issues)
        problems: list[Problem] = []
        for kind, ids in (("actor", self.actors), ("issue", self.issues)):
            if len(set(ids)) != len(ids):
                dups = sorted({i for i in ids if list(ids).count(i) > 1})
                problems.append(Problem(self.source, f"{kind} ids repeated: {', '.join(dups)}",
                                        field=kind))
        gaps = np.isnan(self.position)
        if not (np.array_equal(gaps, np.isnan(self.capability))
                and np.array_equal(gaps, np.isnan(self.salience))):
            problems.append(Problem(self.source, "position, capability and salience must have "
                                    "gaps (NaN) in the same places"))
        for d, issue in enumerate(self.issues):
            lo, hi = float(self.lower[d]), float(self.upper[d])
            if not lo < hi:
                problems.append(Problem(self.source, f"issue {issue!r}: scale lower {lo:g} must "
                                        f"be below upper {hi:g}", field="scale"))
            for a, actor in enumerate(self.actors):
                if gaps[a, d]:
                    continue
                x = float(self.position[a, d])
                problems += _value_problems(self.source, actor, float(self.capability[a, d]), x,
                                            float(self.salience[a, d]), f" on issue {issue!r}")
                if lo < hi and math.isfinite(x) and not lo <= x <= hi:
                    problems.append(Problem(self.source, f"actor {actor!r} on issue {issue!r}: "
                                            f"position {x:g} lies outside [{lo:g}, {hi:g}]",
                                            field="position"))
        if not problems:
            # as for one issue (Stakeholders): the exchange model's outcome on such an issue
            # is 0/0, which it printed as nan
            weight = np.where(gaps, 0.0, self.capability * self.salience)
            for k in np.flatnonzero(~gaps.all(axis=0) & (weight.sum(axis=0) <= 0.0)):
                problems.append(Problem(self.source, f"issue {self.issues[int(k)]!r}: "
                                        + _NO_WEIGHT, field="capability"))
        if problems:
            raise BadInputError("invalid multi-issue stakeholder data:", problems)

    @property
    def present(self) -> npt.NDArray[np.bool_]:
        """Boolean grid: whether each actor takes part in each issue."""
        return ~np.isnan(self.position)

    def issue_index(self, issue: str) -> int:
        """Column of an issue id; :class:`BadInputError` listing the ids if unknown."""
        try:
            return self.issues.index(issue)
        except ValueError:
            raise BadInputError(f"unknown issue {issue!r}; this data has: "
                                f"{', '.join(self.issues)}") from None

    def stakeholders(self, issue: str | None = None) -> Stakeholders:
        """One issue as :class:`Stakeholders` (default: the first issue)."""
        d = 0 if issue is None else self.issue_index(issue)
        rows = self.present[:, d]
        return Stakeholders(
            actors=tuple(a for a, keep in zip(self.actors, rows, strict=True) if keep),
            capability=self.capability[rows, d], position=self.position[rows, d],
            salience=self.salience[rows, d], issue=self.issues[d],
            scale=(float(self.lower[d]), float(self.upper[d])), source=self.source)

    @classmethod
    def from_stakeholders(cls, parts: Sequence[Stakeholders], source: str = "<data>"
                          ) -> IssueSet:
        """Combine single-issue tables (an actor missing from an issue leaves a gap)."""
        actors: list[str] = []
        for part in parts:
            actors += [a for a in part.actors if a not in actors]
        shape = (len(actors), len(parts))
        pos, cap, sal = (np.full(shape, np.nan) for _ in range(3))
        lower, upper = np.empty(len(parts)), np.empty(len(parts))
        for d, part in enumerate(parts):
            rows = [actors.index(a) for a in part.actors]
            pos[rows, d], cap[rows, d], sal[rows, d] = (part.position, part.capability,
                                                        part.salience)
            if part.scale is not None:
                lower[d], upper[d] = part.scale
            else:
                lower[d], upper[d] = float(part.position.min()), float(part.position.max())
                if upper[d] <= lower[d]:
                    upper[d] = lower[d] + 1.0
        return cls(actors=tuple(actors), issues=tuple(p.issue for p in parts), position=pos,
                   capability=cap, salience=sal, lower=lower, upper=upper, source=source)
