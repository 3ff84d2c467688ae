"""Thin entry points for notebooks: case in, a result with ``to_frame()``/``to_dict()`` out.

Each function does what one ``qpq`` command does, with the same defaults, by calling the
lens that owns it: :func:`solve_game` is ``qpq game solve`` (:func:`qpq.game.solve` at the
case's defaults), :func:`simulate_policies` is ``qpq sim run``
(:func:`qpq.sim.run_policies`), :func:`explore_policies` is ``qpq explore compare``
(:func:`qpq.explore.run_comparison`) and :func:`forecast` is ``qpq sim forecast``
(:func:`qpq.sim.calibrator_for`: :func:`qpq.sim.record_calibrator` or, with
``calibration="facts"``, :func:`qpq.sim.calibrate`; then :func:`qpq.sim.forecast`). Nothing
here computes a result of its own; a case may be given as a loaded :class:`~qpq.case.Case`,
a folder, or left out for the built-in case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from qpq.case import Case, load_case
from qpq.checks import as_date, as_folder, as_mapping, check_seed, check_whole
from qpq.errors import BadInputError
from qpq.explore import ComparisonStudy, load_study, run_comparison
from qpq.game import DEFAULT_TOL, GameSolution, solve
from qpq.model import ParameterRegistry
from qpq.sim import (
    DEFAULT_CALIBRATION,
    AbcSettings,
    ForecastResult,
    PolicyRuns,
    RunRequest,
    calibrator_for,
    check_window,
    given_options,
    run_policies,
)
from qpq.sim import forecast as sim_forecast

__all__ = ["explore_policies", "forecast", "simulate_policies", "solve_game"]

CaseLike = Case | str | Path | None
DateLike = dt.date | str


def _case(case: CaseLike) -> Case:
    if case is not None and not isinstance(case, Case | str | Path):
        raise BadInputError(f"case must be a loaded Case, a case folder or None (the built-in "
                            f"case); got {type(case).__name__}")
    return case if isinstance(case, Case) else load_case(case)


def _overrides(overrides: object) -> dict[str, str | float] | None:
    if overrides is None:
        return None
    return as_mapping(overrides, "overrides")  # type: ignore[return-value]


def solve_game(case: CaseLike = None, overrides: Mapping[str, str | float] | None = None, *,
               mixed: bool = True, tol: float = DEFAULT_TOL) -> GameSolution:
    """Solve the one-round game at the case's parameter defaults (``qpq game solve``).

    Parameters
    ----------
    case
        A loaded case, a case folder, or ``None`` for the built-in case.
    overrides
        ``name -> value`` for parameters to set (checked against their plausible ranges).
    mixed, tol
        As :func:`qpq.game.solve`: run the bounded mixed search; tolerance for ties.

    Returns
    -------
    GameSolution
        Every equilibrium found and the selected one; ``to_frame()`` has one row per
        equilibrium.
    """
    point = ParameterRegistry.from_case(_case(case)).point(_overrides(overrides))
    return solve(point, mixed=mixed, tol=tol)     # solve checks mixed (check_flag)


def simulate_policies(case: CaseLike = None, policies: str | Sequence[str] | None = None, *,
                      n: int | None = None, seed: int = 0, draws: int | None = None,
                      overrides: Mapping[str, str | float] | None = None,
                      until: DateLike | None = None, model: str | None = None,
                      workers: int | None = None) -> PolicyRuns:
    """Run China's policies side by side with common random numbers (``qpq sim run``).

    Parameters
    ----------
    case
        A loaded case, a case folder, or ``None`` for the built-in case.
    policies
        A policy name or several (``qpq.model.policy_names()``); default: all.
    n, seed
        Scenarios per policy (default as ``qpq sim run``: 10,000) and seed.
    draws
        0 (default): every scenario at the defaults; k: k parameter points from the ranges.
    overrides
        ``name -> value`` for parameters to set.
    until
        Last day of the run (default: the case's ``run.until``).
    model, workers
        ``v1`` (default) or ``v2``; worker processes (default as ``qpq sim run``: 1; the
        numbers are the same for any number).

    Returns
    -------
    PolicyRuns
        ``to_frame()``: one row per policy, the mean of every summary statistic over the
        window from the case's ``run.takeover``; ``series(name)``: a series by quarter.
    """
    loaded = _case(case)
    # RunRequest checks and normalises its fields; the seed is checked here as well because
    # given_options would drop a None seed, which would then run seed 0
    request = RunRequest(**given_options(
        policies=policies, n=n, seed=check_seed(seed),
        draws=draws, overrides=_overrides(overrides),
        until=as_date(until, "until") if until is not None else None, model=model,
        workers=workers)).for_case(loaded)
    pool, results = run_policies(loaded, request)
    return PolicyRuns(request, pool, results)


def explore_policies(scenario: str | Path | None = None, case: CaseLike = None, *,
                     n: int | None = None, levers: str | Sequence[str] | None = None,
                     model: str = "v1", workers: int = 1) -> ComparisonStudy:
    """Compare the policies over a scenario's uncertainties (``qpq explore compare``).

    Parameters
    ----------
    scenario
        A scenario file, or the id of one in the case's ``scenarios/`` folder (default: the
        case's first scenario; the built-in case ships ``deal-under-uncertainty``).
    case
        A loaded case, a case folder, or ``None`` for the built-in case.
    n
        Experiments of the Latin hypercube (default: the scenario's).
    levers
        A policy name or several to compare (default: the scenario's levers).
    model, workers
        ``v1`` or ``v2``; worker processes.

    Returns
    -------
    ComparisonStudy
        ``to_frame()``: one row per (outcome, policy) with its robustness metrics.
    """
    if isinstance(scenario, Case):
        # the other four calls take the case first; this one names the scenario first
        raise BadInputError("scenario: got a Case; the scenario comes first here, e.g. "
                            "explore_policies('deal-under-uncertainty', case=case), or "
                            "explore_policies(case=case) for the case's first scenario")
    if scenario is not None and not isinstance(scenario, str | Path):
        raise BadInputError(f"scenario must be a scenario file or id, or None (the case's "
                            f"first); got {type(scenario).__name__}")
    loaded = _case(case)
    if scenario is None:
        if not loaded.scenarios:
            raise BadInputError(f"case {loaded.meta.id!r} ({loaded.root}) has no scenario; "
                                "name a scenario file")
        scenario = loaded.scenarios[0].id
    study = load_study(scenario, loaded)
    return run_comparison(loaded, study, n=n, levers=levers, model=model, workers=workers)


def forecast(as_of: DateLike | None = None, until: DateLike | None = None,
             case: CaseLike = None, *, policy: str = "equilibrium", n: int | None = None,
             draws: int | None = None, replicates: int | None = None, seed: int = 0,
             model: str | None = None, workers: int = 1,
             calibration: str = DEFAULT_CALIBRATION, record: AbcSettings | None = None,
             cache_dir: str | Path | None = None) -> ForecastResult:
    """Calibrate to what is known at ``as_of``, then forecast to ``until`` (``qpq sim forecast``).

    Parameters
    ----------
    as_of, until
        Dates (``date`` or ``YYYY-MM-DD``); default: the case's ``run.forecast_as_of`` and
        ``run.forecast_until``.
    case
        A loaded case, a case folder, or ``None`` for the built-in case.
    policy
        China's policy in the window.
    n
        Forecast scenarios (default as ``qpq sim forecast``: 10,000).
    draws, replicates
        Calibration: parameter points from the plausible ranges (the record's: resampled from
        its posterior) and scenarios per point (defaults as ``qpq sim forecast``: 1,000 and
        8, either calibration).
    seed, model, workers
        Seed of every stream; ``v1`` (default) or ``v2``; worker processes.
    calibration, record, cache_dir
        ``record`` (default, as ``qpq sim forecast``: :func:`qpq.sim.calibrate_record` on
        the whole record known at ``as_of`` with ``record``'s settings, default
        :class:`qpq.sim.AbcSettings` at ``model``, v1 unless given; seconds at the defaults,
        less with smaller settings) or ``facts`` (the stylised facts alone). ``cache_dir``
        keeps record calibrations by content hash (default ``None``: not cached; the command
        caches in ``$XDG_CACHE_HOME/qpq/calibrate``).

    Returns
    -------
    ForecastResult
        ``to_frame()``: one row per event with its value, interval and calibration label;
        it starts from the state the record knows at ``as_of``.
    """
    loaded = _case(case)
    start = as_date(as_of, "as_of") if as_of is not None else loaded.run.forecast_as_of
    end = as_date(until, "until") if until is not None else loaded.run.forecast_until
    # bad input fails here, before the calibration runs
    seed = check_seed(seed)
    workers = check_whole(workers, "workers", minimum=1)
    n, draws, replicates = (None if v is None else check_whole(v, name, minimum=1)
                            for v, name in ((n, "n"), (draws, "draws"),
                                            (replicates, "replicates")))
    check_window(start, end, policy, 1 if n is None else n, start=loaded.run.start,
                 case=loaded)
    cal = calibrator_for(calibration, model=model, record=record,
                         cache_dir=as_folder(cache_dir, "cache_dir"),
                         seed=seed, draws=draws, replicates=replicates,
                         workers=workers)(loaded, start)
    return sim_forecast(loaded, cal, end, policy=policy, seed=seed, workers=workers,
                        **given_options(n=n))
