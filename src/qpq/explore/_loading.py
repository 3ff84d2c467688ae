"""Loading a scenario file into a validated :class:`~qpq.explore._scenario.Study`.

:func:`load_study` reads a scenario file (a path, or the id of a scenario shipped in the
case's ``scenarios/`` folder) with the case loader's safe, line-tracking YAML reader,
validates it against :class:`qpq.case._schema.Scenario` and
:class:`~qpq.explore._settings.ExploreSettings`, then against the model: every uncertainty
must name a parameter of ``qpq params`` (not one history sets) with a range inside that
parameter's plausible range; levers must be registry policies; outcomes must be outcomes
the simulator computes; the spec's orderings must be keepable (see
:class:`~qpq.explore._scenario.Ordering`). All problems are collected and raised together
as one :class:`~qpq.errors.BadInputError` (exit code 2) naming the file, line, field and
what is allowed. A scenario file is data: nothing in it is executed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ValidationError

from qpq.case import (
    Case,
    LocatedYaml,
    RunSettings,
    Scenario,
    YamlError,
    read_yaml,
    validation_message,
)
from qpq.checks import did_you_mean
from qpq.errors import BadInputError, Problem
from qpq.explore._scenario import (
    DEPENDENT,
    NOT_UNCERTAIN,
    TABLE_PARAMETERS,
    Discovery,
    Ordering,
    OutcomeSpec,
    Study,
    Uncertainty,
    outcome_spec,
)
from qpq.explore._settings import (
    DiscoverySettings,
    ExploreSettings,
    policy_names,
    simulated_outcomes,
)
from qpq.model import ParameterRegistry
from qpq.sim import sim_registry

__all__ = ["load_study", "study_from_scenario"]


def _resolve(ref: str | Path, case: Case) -> tuple[Path, str]:
    path = Path(ref)
    if path.is_file():
        return path, str(ref)
    folder = case.root / "scenarios"
    known: list[str] = []
    for candidate in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        try:
            data = read_yaml(candidate).data
        except YamlError:
            continue
        sid = data.get("id") if isinstance(data, dict) else None
        if sid == str(ref):
            return candidate, f"{case.root.name}/scenarios/{candidate.name}"
        if isinstance(sid, str):
            known.append(sid)
    hint = did_you_mean(str(ref), known, cutoff=0.5)
    raise BadInputError(f"no scenario file or scenario id {str(ref)!r}{hint} (scenarios of "
                        f"case {case.root.name}: {', '.join(known) or 'none'})")


def _pydantic_problems(exc: ValidationError, model: type[BaseModel], file: str,
                       doc: LocatedYaml | None, prefix: tuple[str | int, ...] = ()
                       ) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        target: type[BaseModel] = DiscoverySettings if "discovery" in loc else model
        msg = validation_message(target, err)
        field = ".".join(f"item {p + 1}" if isinstance(p, int) else str(p) for p in loc)
        out.append(Problem(file, msg, field=field or None,
                           line=doc.line_of(loc) if doc is not None else None))
    return out


def load_study(ref: str | Path, case: Case) -> Study:
    """Load and validate a scenario file (a path or a scenario id of ``case``).

    Raises
    ------
    BadInputError
        With one :class:`~qpq.errors.Problem` per fault (file, line, field, allowed).
    """
    # 3 ended in a TypeError and a case given as a string in an AttributeError
    if not isinstance(ref, str | Path):
        raise BadInputError(f"scenario must be a scenario file or id (a str or Path); got "
                            f"{type(ref).__name__}")
    if not isinstance(case, Case):
        raise BadInputError(f"case must be a loaded Case (qpq.case.load_case); got "
                            f"{type(case).__name__}")
    path, display = _resolve(ref, case)
    try:
        doc = read_yaml(path, display)
    except YamlError as exc:
        raise BadInputError(f"scenario {display} is not valid:", [exc.problem]) from None
    problems = list(doc.duplicates)
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, Scenario, display, doc)
        raise BadInputError(f"scenario {display} is not valid ({len(problems)} problem"
                            f"{'s' if len(problems) != 1 else ''}):", problems) from None
    return study_from_scenario(scenario, case, display, doc, problems)


def _dates(settings: ExploreSettings, case: Case) -> tuple[dt.date, dt.date, dt.date]:
    """Start, until and window start: the scenario's, else the case's ``run`` block."""

    def pick(text: str | None, default: Callable[[RunSettings], dt.date]) -> dt.date:
        # Only a date the scenario leaves open needs the case's run block.
        return dt.date.fromisoformat(text) if text else default(case.run)

    return (pick(settings.start, lambda run: run.start),
            pick(settings.until, lambda run: run.until),
            pick(settings.window_start, lambda run: run.takeover))


def study_from_scenario(scenario: Scenario, case: Case, source: str = "scenario",
                        doc: LocatedYaml | None = None, problems: Sequence[Problem] = ()
                        ) -> Study:
    """Validate a parsed :class:`Scenario` against the case's model; return the study.

    Raises
    ------
    BadInputError
        Naming ``source``, the field and what is allowed, for every fault found.
    """
    found = list(problems)

    def bad(message: str, loc: tuple[str | int, ...]) -> None:
        field = ".".join(f"item {p + 1}" if isinstance(p, int) else str(p) for p in loc)
        found.append(Problem(source, message, field=field,
                             line=doc.line_of(loc) if doc is not None else None))

    registry = sim_registry(case)
    try:
        settings = ExploreSettings.model_validate(scenario.extra)
    except ValidationError as exc:
        found += _pydantic_problems(exc, ExploreSettings, source, doc, ("extra",))
        settings = ExploreSettings()
    uncertainties = _uncertainties(scenario, registry, bad)
    levers = tuple(scenario.levers) or policy_names()
    for i, name in enumerate(scenario.levers):
        if name not in policy_names():
            bad(f"unknown lever {name!r}; allowed: {', '.join(policy_names())}",
                ("levers", i))
        elif name in scenario.levers[:i]:
            bad(f"lever {name!r} is listed twice; list each policy once", ("levers", i))
    outcomes = _outcomes(scenario.outcomes or ["china_security"], bad)
    known = [p for p in levers if p in policy_names()] or list(policy_names())
    reference = settings.reference_policy or known[0]     # a bad lever is reported once
    if reference not in policy_names():
        bad(f"unknown policy {reference!r}; allowed: {', '.join(policy_names())}",
            ("extra", "reference_policy"))
    base, fixed = _base(settings, uncertainties, registry, bad)
    orderings = _orderings(uncertainties, base, registry, bad)
    # with a bad lever the reference is a stand-in: its question is not the user's
    discovery = _discovery(settings, reference, bad,
                           reference_known=all(p in policy_names() for p in levers))
    for name in settings.satisficing:
        if name not in {o.name for o in outcomes}:
            bad(f"satisficing threshold for {name!r}, which is not among the scenario's "
                f"outcomes ({', '.join(o.name for o in outcomes)})", ("extra", "satisficing"))
    start, until, window = _dates(settings, case)
    if not start <= window < until:
        bad(f"need start <= window_start < until; got {start}, {window}, {until}",
            ("extra", "window_start"))
    if found:
        raise BadInputError(f"scenario {source} is not valid ({len(found)} problem"
                            f"{'s' if len(found) != 1 else ''}):", found)
    return Study(
        id=scenario.id, description=scenario.description, source=source,
        uncertainties=uncertainties, levers=levers, outcomes=outcomes, n=scenario.n,
        seed=scenario.seed, reference_policy=reference, start=start, until=until,
        window_start=window, grid_size=settings.grid_size, replicates=settings.replicates,
        base=MappingProxyType(base), fixed=MappingProxyType(fixed), orderings=orderings,
        discovery=discovery,
        satisficing=MappingProxyType(dict(settings.satisficing)), levels=settings.levels,
        morris_levels=settings.morris_levels)


Bad = Callable[[str, tuple[str | int, ...]], None]
"""The ``bad(message, location)`` callback that records a problem."""


def _uncertainties(scenario: Scenario, registry: ParameterRegistry, bad: Bad
                   ) -> tuple[Uncertainty, ...]:
    out: list[Uncertainty] = []
    seen: set[str] = set()
    for i, u in enumerate(scenario.uncertainties):
        loc: tuple[str | int, ...] = ("uncertainties", i)
        if u.parameter not in registry:
            hint = did_you_mean(u.parameter, registry.names)
            bad(f"unknown parameter {u.parameter!r}{hint}; allowed: the names `qpq params` "
                "lists", (*loc, "parameter"))
            continue
        if u.parameter in NOT_UNCERTAIN:
            bad(f"{u.parameter} cannot be an uncertainty: {NOT_UNCERTAIN[u.parameter]}",
                (*loc, "parameter"))
            continue
        if u.parameter in seen:
            bad(f"{u.parameter} is listed twice", (*loc, "parameter"))
            continue
        seen.add(u.parameter)
        p = registry[u.parameter]
        if not u.low < u.high:
            bad(f"low={u.low:g} must be below high={u.high:g}", (*loc, "low"))
            continue
        if u.low < p.low or u.high > p.high:
            bad(f"range [{u.low:g}, {u.high:g}] of {p.name} is outside its plausible range; "
                f"allowed: within [{p.low:g}, {p.high:g}] {p.unit}",
                (*loc, "low" if u.low < p.low else "high"))
            continue
        if p.integer and u.distribution != "uniform":
            bad(f"{p.name} is a whole number: only distribution 'uniform' is allowed",
                (*loc, "distribution"))
            continue
        if p.integer and not (float(u.low).is_integer() and float(u.high).is_integer()):
            bad(f"{p.name} is a whole number: low and high must be whole numbers",
                (*loc, "low"))
            continue
        out.append(Uncertainty(p.name, float(u.low), float(u.high), u.distribution,
                               p.integer, p.unit, p.name in TABLE_PARAMETERS))
    return tuple(out)


def _outcomes(names: Sequence[str], bad: Bad) -> tuple[OutcomeSpec, ...]:
    out: list[OutcomeSpec] = []
    allowed = simulated_outcomes()
    for i, name in enumerate(names):
        if name not in allowed:
            bad(f"unknown outcome {name!r} for exploration; allowed: {', '.join(allowed)}",
                ("outcomes", i))
            continue
        if name in {o.name for o in out}:
            bad(f"outcome {name} is listed twice", ("outcomes", i))
            continue
        out.append(outcome_spec(name))
    return tuple(out)


def _base(settings: ExploreSettings, uncertainties: Sequence[Uncertainty],
          registry: ParameterRegistry, bad: Bad) -> tuple[dict[str, float], dict[str, float]]:
    varied = {u.name for u in uncertainties}
    fixed: dict[str, float] = {}
    for name, value in settings.fixed.items():
        loc = ("extra", "fixed", name)
        if name in varied:
            bad(f"{name} is both fixed and an uncertainty", loc)
        elif name not in registry:
            bad(f"unknown parameter {name!r}; allowed: the names `qpq params` lists", loc)
        else:
            try:
                fixed[name] = registry.parse_value(name, value)
            except BadInputError as exc:
                bad(str(exc), loc)
    try:
        return registry.point(fixed).as_dict(), fixed
    except BadInputError as exc:
        bad(str(exc), ("extra", "fixed"))
        return registry.defaults().as_dict(), {}


def _orderings(uncertainties: Sequence[Uncertainty], base: Mapping[str, float],
               registry: ParameterRegistry, bad: Bad) -> tuple[Ordering, ...]:
    by_name = {u.name: u for u in uncertainties}
    out = []
    for c in registry.constraints:
        lhs, rhs = by_name.get(c.lhs), by_name.get(c.rhs)
        if lhs is None and rhs is None:
            continue
        if lhs is not None and rhs is not None:
            dep = DEPENDENT.get((c.lhs, c.rhs), c.lhs)
        else:
            dep = c.lhs if lhs is not None else c.rhs
        other = c.rhs if dep == c.lhs else c.lhs
        side: Literal["below", "above"] = "below" if dep == c.lhs else "above"
        d = by_name[dep]
        o_low, o_high = ((by_name[other].low, by_name[other].high) if other in by_name
                         else (base[other], base[other]))
        # the dependent's range, cut at the other's least favourable value, must not be empty
        strict = c.op == "<"
        if side == "below":
            ok, edge = (d.low < o_low if strict else d.low <= o_low), o_low
        else:
            ok, edge = (d.high > o_high if strict else d.high >= o_high), o_high
        if not ok:
            where = f"[{o_low:g}, {o_high:g}]" if other in by_name else f"{o_low:g} (fixed)"
            bad(f"{c} must hold ({c.reason}), but {dep} in [{d.low:g}, {d.high:g}] cannot "
                f"stay {side} {other} = {where}; allowed: a range for {dep} reaching "
                f"{side} {edge:g}",
                ("uncertainties", [u.name for u in uncertainties].index(dep),
                 "low" if side == "below" else "high"))
        out.append(Ordering(c.lhs, c.rhs, strict, dep, other, side, c.reason))
    return tuple(out)


def _discovery(settings: ExploreSettings, reference: str, bad: Bad, *,
               reference_known: bool = True) -> Discovery:
    ds = settings.discovery
    policy = ds.policy or reference
    for key, name in (("policy", policy), ("compare_to", ds.compare_to)):
        if name is not None and name not in policy_names():
            bad(f"unknown policy {name!r}; allowed: {', '.join(policy_names())}",
                ("extra", "discovery", key))
    if ds.outcome not in simulated_outcomes():
        bad(f"unknown outcome {ds.outcome!r}; allowed: {', '.join(simulated_outcomes())}",
            ("extra", "discovery", "outcome"))
    elif outcome_spec(ds.outcome).objective == "none":
        bad(f"outcome {ds.outcome} has no better direction, so it cannot define 'worse'",
            ("extra", "discovery", "outcome"))
    if ds.compare_to is None and ds.threshold is None:
        bad("give compare_to (a policy) or threshold (a value)",
            ("extra", "discovery", "threshold"))
    elif ds.compare_to == policy and (ds.policy is not None or reference_known):
        defaults = ([] if ds.policy is not None
                    else ["policy defaults to reference_policy, else the first lever"])
        if "compare_to" not in ds.model_fields_set:
            defaults.append("compare_to defaults to boycott")
        said = f" ({'; '.join(defaults)})" if defaults else ""
        bad(f"policy and compare_to are both {policy}: a policy is never worse than "
            f"itself{said}; allowed: a compare_to other than the policy, or threshold (a value)",
            ("extra", "discovery", "compare_to"))
    if ds.worse_by_sd is not None and ds.worse_by:
        bad("give worse_by (outcome units) or worse_by_sd (a fraction of the outcome's "
            "standard deviation), not both", ("extra", "discovery", "worse_by_sd"))
    return Discovery(ds.question, policy, ds.outcome, ds.compare_to, ds.worse_by,
                     ds.threshold, ds.worse_by_sd)
