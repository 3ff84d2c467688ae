"""The studies' analyses on a finished run directory, without simulating anything again.

A large run (:mod:`qpq.explore._chunked_runs`) stores outcomes; this module reads them back and
applies the analysis its design is made for:

* a Saltelli design → Sobol' first- and total-order indices of every outcome, per policy
  (with ``compare_to``, also of each outcome's difference from that policy and regret);
* a Morris design → Morris μ*/σ per policy (the same);
* any other design (Latin hypercube, Monte Carlo, Sobol' points, factorial) → the policy
  comparison's robustness metrics over the run's policies and, when the run holds the
  discovery question's policies and outcome, PRIM and CART on "the deal backfires".

The design is drawn again from the run's config and **must equal the stored parameter values
exactly** (a check that the directory, the scenario and this qpq agree); then each
(policy, outcome) column is read in experiment order.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from qpq.errors import BadInputError, QpqError
from qpq.explore._designs import Design, make_design
from qpq.explore._evaluate import Evaluation
from qpq.explore._run_store import RunStore, sql_ident
from qpq.explore._scenario import Study
from qpq.explore._studies import (
    ComparisonStudy,
    DiscoveryStudy,
    SensitivityStudy,
    run_comparison,
    run_discovery,
    sensitivity_of,
)

__all__ = ["RunAnalysis", "analyse_run", "load_run", "study_for_run"]


def study_for_run(store: RunStore, study: Study) -> Study:
    """``study`` with the run's seed, after checking it is the scenario the run was made of.

    Raises
    ------
    BadInputError
        When the scenario's content differs from the run's.
    """
    from qpq.explore._chunked_runs import scenario_hash

    cfg = store.config
    fitted = dataclasses.replace(study, seed=cfg.seed)
    if scenario_hash(fitted) != cfg.scenario_hash:
        raise BadInputError(
            f"{store.path} was made from another scenario than {study.source} (content hash "
            f"{cfg.scenario_hash}, this one {scenario_hash(fitted)}); pass the scenario file "
            "the run was started with (--scenario)")
    return fitted


def load_run(store: RunStore, study: Study) -> tuple[Design, Evaluation]:
    """The run's design (drawn again, checked against the store) and its outcomes.

    Raises
    ------
    BadInputError
        When the run is not finished, or a chunk is missing or damaged.
    QpqError
        When the stored parameter values differ from the design's.
    """
    cfg = store.config
    # the analyses need every experiment, so there is no partial mode here
    chunks = store.usable("analyse", partial_option=None)
    design = make_design(study, cfg.method, cfg.n)  # type: ignore[arg-type]
    outcome_cols = [sql_ident(c) for c in cfg.outcomes]
    con = store.connect(chunks)
    outcomes: dict[str, dict[str, Any]] = {}
    try:
        for i, p in enumerate(cfg.policies):
            # the parameter values are the same under every policy: read them once
            cols = ([sql_ident(c) for c in cfg.uncertainties] if i == 0 else []) + outcome_cols
            frame = con.execute(f"SELECT experiment, {', '.join(cols)} FROM results "
                                "WHERE policy = ? ORDER BY experiment", [p]).df()
            if not np.array_equal(frame["experiment"].to_numpy(),
                                  np.arange(design.n_experiments)):
                raise QpqError(f"{store.path}: policy {p} does not have every experiment once")
            if i == 0 and not np.array_equal(frame[list(cfg.uncertainties)].to_numpy(),
                                             design.values):
                raise QpqError(f"{store.path}: the stored parameter values differ from the "
                               "design drawn from the run's config; was it written by "
                               "another qpq?")
            outcomes[p] = {o: frame[o].to_numpy() for o in cfg.outcomes}
    finally:
        con.close()
    return design, Evaluation(0, design.n_experiments, outcomes)


@dataclass(frozen=True)
class RunAnalysis:
    """What :func:`analyse_run` found; the parts that do not apply are empty or ``None``."""

    run_dir: Path
    method: str
    sensitivity: tuple[SensitivityStudy, ...]
    comparison: ComparisonStudy | None
    discovery: DiscoveryStudy | None
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"run_dir": str(self.run_dir), "method": self.method,
                "sensitivity": [s.to_json() for s in self.sensitivity],
                "comparison": self.comparison.to_json() if self.comparison else None,
                "discovery": self.discovery.to_json() if self.discovery else None,
                "notes": list(self.notes)}


def analyse_run(run_dir: Path, study: Study, *, policies: Sequence[str] | None = None,
                num_resamples: int = 100, compare_to: str | None = None) -> RunAnalysis:
    """Analyse the finished run in ``run_dir`` (see the module docstring).

    ``policies`` restricts the sensitivity analyses (default: every policy of the run).
    ``compare_to`` (a policy of the run; Saltelli and Morris runs only) adds, for each other
    policy, the indices of each outcome's difference from it and regret against it — the
    policy question of ``qpq explore sensitivity --compare-to``, from stored outcomes.
    """
    t0 = time.perf_counter()
    store = RunStore.open(run_dir)
    cfg = store.config
    study = study_for_run(store, study)
    for p in policies or ():
        if p not in cfg.policies:
            raise BadInputError(f"policy (--policy): {p!r} is not in the run; allowed: "
                                + ", ".join(cfg.policies))
    if compare_to is not None:
        if cfg.method not in ("saltelli", "morris"):
            raise BadInputError(f"compare_to (--compare-to): only for saltelli and morris "
                                f"runs (this run's design is {cfg.method}; its comparison "
                                "already sets every policy against the others)")
        if compare_to not in cfg.policies:
            raise BadInputError(f"compare_to (--compare-to): {compare_to!r} is not in the "
                                "run; allowed: " + ", ".join(cfg.policies))
    design, ev = load_run(store, study)
    notes: list[str] = []
    if cfg.method in ("saltelli", "morris"):
        method: Literal["sobol", "morris"] = "sobol" if cfg.method == "saltelli" else "morris"
        chosen = tuple(p for p in (policies or cfg.policies) if p != compare_to)
        if not chosen:
            raise BadInputError(f"compare_to (--compare-to) {compare_to}: no other policy to "
                                "compare (the run, or --policy, has only that one)")
        sens = tuple(sensitivity_of(study, method, design, ev, p, cfg.outcomes, t0,
                                    num_resamples=num_resamples, compare_to=compare_to)
                     for p in chosen)
        return RunAnalysis(Path(run_dir), cfg.method, sens, None, None, tuple(notes))
    # the comparison and discovery studies take the run as their evaluated design
    run_study = dataclasses.replace(study, outcomes=tuple(
        o for o in study.outcomes if o.name in cfg.outcomes))
    comparison = run_comparison(None, run_study, levers=cfg.policies, lhs=(design, ev))
    q = study.discovery
    discovery = None
    needed = [q.policy] + ([q.compare_to] if q.compare_to else [])
    if all(p in cfg.policies for p in needed) and q.outcome in cfg.outcomes:
        discovery = run_discovery(None, study, lhs=(design, ev))
    else:
        notes.append(f"no scenario discovery: the question needs {q.outcome} under "
                     f"{' and '.join(needed)}, and the run has {', '.join(cfg.policies)} "
                     f"with {', '.join(cfg.outcomes)}")
    return RunAnalysis(Path(run_dir), cfg.method, (), comparison, discovery, tuple(notes))
