"""The three studies of the exploration lens, end to end: sensitivity, discovery, policies.

Each function takes a case and a validated :class:`~qpq.explore._scenario.Study`, draws
the design (:mod:`~qpq.explore._designs`), runs it through the simulator
(:mod:`~qpq.explore._evaluate`, in this process or on a process pool) and analyses the
outcomes, returning a frozen result that records what was done:

* :func:`run_sensitivity` — Sobol' (Saltelli design, ``n`` base samples) or Morris
  (``n`` trajectories) indices of each outcome under the reference policy and, with
  ``compare_to``, also of the policy question: the *difference* (policy minus
  ``compare_to``, per experiment, same parameters and random numbers) and the policy's
  *regret* against that pair (:func:`contrasts`);
* :func:`run_discovery` — a Latin hypercube of ``n`` experiments under the discovery
  policy and its comparison policy; PRIM and CART on "the deal backfires";
* :func:`run_comparison` — every lever on the same Latin hypercube (common random
  numbers) and the robustness metrics of each outcome.

**Cost.** The equilibrium lookup dominates: about 1.4 ms of CPU per distinct game point
for an engage-type policy and about 4 ms for ``equilibrium`` (all six first moves), at the
default belief grid of 12, plus about 0.2 ms per experiment for the simulation.
``equilibrium`` is therefore refused for designs above :data:`EQUILIBRIUM_LIMIT`
experiments (use a smaller ``n``); it stays available in policy comparisons of the
default size. Under model v2 every experiment solves the repeated relationship once per
distinct commitment of China among the policies (seconds each), so a study whose tables
are estimated above :func:`qpq.sim.check_table_budget`'s budget is refused, with the
estimate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from qpq.case import Case
from qpq.checks import as_names, check_whole
from qpq.errors import BadInputError
from qpq.explore._cart import CartResult, cart
from qpq.explore._designs import Design, Method, make_design
from qpq.explore._evaluate import Evaluation, ModelSetup, evaluate, model_setup
from qpq.explore._prim import PrimResult, prim
from qpq.explore._robustness import Comparison, compare_policies
from qpq.explore._scenario import Study, outcome_spec
from qpq.explore._sensitivity import MorrisResult, SobolResult, morris_indices, sobol_indices
from qpq.model import check_model, check_policy
from qpq.parallel import ChunkExecutor, executor_for
from qpq.sim import check_table_budget

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EQUILIBRIUM_LIMIT",
    "ComparisonStudy",
    "DiscoveryStudy",
    "SensitivityStudy",
    "backfire_cases",
    "contrasts",
    "run_comparison",
    "run_discovery",
    "run_lhs",
    "run_sensitivity",
    "sensitivity_of",
    "settings",
]

FloatArray = NDArray[np.float64]
Progress = Callable[[int, int], None]
EQUILIBRIUM_LIMIT = 20_000
"""Largest design (experiments) the ``equilibrium`` policy may run in one study."""


def _check_cost(policies: Sequence[str], design: Design, setup: ModelSetup) -> None:
    if setup.model == "v2":
        check_table_budget(design.n_experiments, len(setup.timeline.v2_regimes()[0]),
                           setup.grid_size, policies,
                           lower="lower --n, or fewer levers with --lever",
                           unit="experiments")
        return
    if "equilibrium" in policies and design.n_experiments > EQUILIBRIUM_LIMIT:
        raise BadInputError(
            f"the equilibrium policy solves the game for all six first moves at every "
            f"parameter point (about 4 ms each): {design.n_experiments:,} experiments would "
            f"take about {design.n_experiments * 0.004 / 60:.1f} CPU minutes; allowed: at "
            f"most {EQUILIBRIUM_LIMIT:,} experiments (lower --n) or another policy")


def _run(case: Case, study: Study, design: Design, policies: Sequence[str],
         outcomes: Sequence[str], workers: int, executor: ChunkExecutor | None,
         on_progress: Progress | None, model: str = "v1") -> Evaluation:
    setup = model_setup(case, study, outcomes, model)
    _check_cost(policies, design, setup)
    if executor is not None:
        return evaluate(setup, design, policies, executor=executor, on_block=on_progress)
    with executor_for(workers) as ex:
        return evaluate(setup, design, policies, executor=ex, on_block=on_progress)


@dataclass(frozen=True)
class SensitivityStudy:
    """Sobol' or Morris indices of each outcome under one policy, with the design."""

    scenario: str
    method: Literal["sobol", "morris"]
    policy: str
    design: Mapping[str, Any]
    results: tuple[SobolResult | MorrisResult, ...]
    seconds: float
    settings: Mapping[str, Any] = field(default_factory=dict)
    compare_to: str | None = None

    def result(self, outcome: str) -> SobolResult | MorrisResult:
        """The indices of ``outcome`` (``NAME.difference``/``NAME.regret`` with compare_to)."""
        return next(r for r in self.results if r.outcome == outcome)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; ``outcomes`` holds one entry per outcome."""
        doc = {"scenario": self.scenario, "method": self.method, "policy": self.policy,
               "design": dict(self.design), "seconds": self.seconds,
               "settings": dict(self.settings),
               "outcomes": [r.to_json() for r in self.results]}
        if self.compare_to is not None:
            doc["compare_to"] = self.compare_to
            doc["measures"] = dict(MEASURES)
        return doc

    def to_dict(self) -> dict[str, Any]:
        """The study, JSON-ready (the same as :meth:`to_json`)."""
        return self.to_json()

    def to_frame(self) -> pd.DataFrame:
        """The indices as a table, one row per (outcome, uncertain parameter).

        Sobol': ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (first- and total-order indices
        and the half-widths of their bootstrap intervals); Morris: ``mu``, ``mu_star``,
        ``sigma``, ``mu_star_conf``.
        """
        import pandas as pd

        rows = []
        for r in self.results:
            columns = (("S1", "S1_conf", "ST", "ST_conf") if isinstance(r, SobolResult)
                       else ("mu", "mu_star", "sigma", "mu_star_conf"))
            for name in r.names:
                rows.append({"outcome": r.outcome, "parameter": name,
                             **{c: getattr(r, c)[name] for c in columns}})
        return pd.DataFrame(rows).set_index(["outcome", "parameter"])


MEASURES: Mapping[str, str] = {
    "level": "NAME: the outcome under the policy",
    "difference": "NAME.difference: the outcome under the policy minus under compare_to, "
                  "per experiment (same parameters and random numbers)",
    "regret": "NAME.regret: how much worse the policy does than the better of the pair in "
              "that experiment (0 where it is the better; in the outcome's units)",
}
"""What each measure of a sensitivity study with ``compare_to`` is."""


def contrasts(study: Study, ev: Evaluation | Mapping[str, Mapping[str, FloatArray]],
              policy: str, compare_to: str, outcome: str) -> dict[str, FloatArray]:
    """The policy question on one outcome, per experiment: ``difference`` and ``regret``.

    ``difference`` is ``policy`` minus ``compare_to`` in the outcome's units (its sign is
    not flipped: for an outcome where lower is better, a positive difference is worse);
    ``regret`` is ``sign * (best of the pair - policy)`` >= 0 (for an outcome without a
    better direction it is the absolute difference).
    """
    y = np.asarray(ev[policy][outcome], dtype=float)
    ref = np.asarray(ev[compare_to][outcome], dtype=float)
    sign = _sign(study, outcome)
    diff = y - ref
    regret = np.maximum(0.0, -sign * diff) if sign else np.abs(diff)
    return {"difference": diff, "regret": regret}


def _sign(study: Study, outcome: str) -> int:
    """+1 when higher is better, −1 when lower is, 0 when neither.

    The study's own outcome's, else the registry's: a discovery outcome need not be among
    the study's outcomes (it was read as higher-is-better until 2026-12-07).
    """
    listed = [o for o in study.outcomes if o.name == outcome]
    return (listed[0] if listed else outcome_spec(outcome)).sign


def _check_study(study: object) -> Study:
    # a scenario id passed for the study ended in "'str' object has no attribute
    # 'reference_policy'"
    if not isinstance(study, Study):
        raise BadInputError(f"study must be a Study, e.g. qpq.explore.load_study("
                            f"'deal-under-uncertainty', case); got {type(study).__name__}")
    return study


def run_sensitivity(case: Case, study: Study, *, method: Literal["sobol", "morris"] = "sobol",
                    n: int | None = None, policy: str | None = None,
                    outcomes: Sequence[str] | None = None, workers: int = 1,
                    executor: ChunkExecutor | None = None, on_progress: Progress | None = None,
                    num_resamples: int = 100, compare_to: str | None = None
                    ) -> SensitivityStudy:
    """Global sensitivity of the study's outcomes under ``policy`` (default: reference).

    With ``compare_to`` (another policy) both run on the same design and the indices of
    each outcome's difference and regret (:func:`contrasts`) come after its level's.

    Parameters
    ----------
    case, study
        The case and a study of it (:func:`load_study`).
    method
        ``sobol`` (Saltelli design, SALib's Sobol' indices S1 and ST with bootstrap
        intervals) or ``morris`` (elementary effects mu*, sigma).
    n
        Base samples (Sobol': a power of 2; n·(D + 2) experiments) or trajectories
        (Morris: n·(D + 1)); default the study's.
    policy, compare_to
        The policy whose outcomes are analysed (default the study's reference policy), and
        another to contrast it with on the same design.
    outcomes
        Outcome names (default every outcome of the study).
    workers, executor, on_progress
        Worker processes or an executor (the same numbers for any), and a progress callback.
    num_resamples
        Bootstrap resamples of the Sobol' intervals.

    Returns
    -------
    SensitivityStudy
        The indices per outcome (``result(outcome)``, ``to_frame()``) and the design's
        provenance.

    Raises
    ------
    BadInputError
        For an unknown method, policy or outcome, a study that is not a :class:`Study`, or
        sizes the method cannot use.
    """
    study = _check_study(study)
    if method not in ("sobol", "morris"):
        raise BadInputError(f"unknown sensitivity method {method!r}; allowed: sobol, morris")
    # before the runs: a bad count surfaced in numpy after all of them (2026-12-06)
    num_resamples = check_whole(num_resamples, "num_resamples", minimum=1)
    pol = policy or study.reference_policy
    # each named: a bad policy and a bad compare_to read alike
    check_policy(pol, field="policy (--policy)")
    if compare_to is not None:
        check_policy(compare_to, field="compare_to (--compare-to)")
    if compare_to == pol:
        raise BadInputError(f"compare_to (--compare-to): {compare_to} is the policy itself; "
                            "allowed: another policy")
    names = as_names(outcomes, "outcomes") or tuple(o.name for o in study.outcomes)
    for o in names:
        study.outcome(o)
    sampler: Method = "saltelli" if method == "sobol" else "morris"
    t0 = time.perf_counter()
    design = make_design(study, sampler, n)
    policies = [pol] + ([compare_to] if compare_to else [])
    ev = _run(case, study, design, policies, names, workers, executor, on_progress)
    return sensitivity_of(study, method, design, ev, pol, names, t0,
                          num_resamples=num_resamples, compare_to=compare_to)


def sensitivity_of(study: Study, method: Literal["sobol", "morris"], design: Design,
                   ev: Evaluation, policy: str, outcomes: Sequence[str], t0: float, *,
                   num_resamples: int = 100, compare_to: str | None = None
                   ) -> SensitivityStudy:
    """The indices of ``outcomes`` under ``policy`` from an evaluated Saltelli/Morris design.

    ``t0`` is the :func:`time.perf_counter` reading the study's clock started at. With
    ``compare_to`` (evaluated too), each outcome's ``.difference`` and ``.regret``
    (:data:`MEASURES`) follow its level.
    """
    results: list[SobolResult | MorrisResult] = []
    for o in outcomes:
        series = {o: np.asarray(ev[policy][o], dtype=float)}
        if compare_to is not None:
            series.update({f"{o}.{k}": v
                           for k, v in contrasts(study, ev, policy, compare_to, o).items()})
        for name, y in series.items():
            if method == "sobol":
                results.append(sobol_indices(study.names, y, outcome=name, seed=study.seed,
                                             num_resamples=num_resamples))
            else:
                results.append(morris_indices(study.names, design.unit, y, outcome=name,
                                              levels=study.morris_levels, seed=study.seed,
                                              num_resamples=num_resamples))
    return SensitivityStudy(study.id, method, policy, design.describe(), tuple(results),
                            time.perf_counter() - t0, settings(study), compare_to)


def settings(study: Study) -> dict[str, Any]:
    """The model settings of a study's runs, for provenance."""
    return {"start": study.start.isoformat(), "until": study.until.isoformat(),
            "window_start": study.window_start.isoformat(), "grid_size": study.grid_size,
            "replicates": study.replicates, "types": "expectation over the four types",
            "fixed": dict(study.fixed)}


def run_lhs(case: Case, study: Study, policies: Sequence[str], *, n: int | None = None,
            outcomes: Sequence[str] | None = None, workers: int = 1,
            executor: ChunkExecutor | None = None, on_progress: Progress | None = None,
            model: str = "v1") -> tuple[Design, Evaluation]:
    """The study's Latin hypercube (size ``n``) under ``policies``, same random numbers.

    ``model``: ``v1`` or ``v2`` (the repeated relationship; :class:`ModelSetup`).

    Returns
    -------
    tuple of Design and Evaluation
        The experiments and, per policy, each outcome's value per experiment.

    Raises
    ------
    BadInputError
        For a study that is not a :class:`Study`, an unknown policy, outcome or model, or
        a size below 1.
    """
    study = _check_study(study)
    check_model(model)
    # a lone name is one name, as in run_comparison and plan_run ("boycott" was refused as
    # "unknown policy 'b'")
    chosen = as_names(policies, "policies")
    if chosen is None:
        raise BadInputError("policies: give at least one policy; got None")
    for p in chosen:
        check_policy(p)
    design = make_design(study, "lhs", n)
    names = (as_names(outcomes, "outcomes", empty_ok=True)
             or tuple(o.name for o in study.outcomes))
    return design, _run(case, study, design, chosen, names, workers, executor, on_progress,
                        model)


@dataclass(frozen=True)
class DiscoveryStudy:
    """Scenario discovery of the backfire question: PRIM box, CART tree, the data."""

    scenario: str
    question: str
    rule: str
    design: Mapping[str, Any]
    cases: NDArray[np.bool_]
    x: FloatArray
    prim: PrimResult
    cart: CartResult
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (without the raw data)."""
        return {"scenario": self.scenario, "question": self.question, "rule": self.rule,
                "design": dict(self.design), "share_of_cases": float(self.cases.mean()),
                "prim": self.prim.to_json(), "cart": self.cart.to_json(),
                "seconds": self.seconds}

    def to_dict(self) -> dict[str, Any]:
        """The study, JSON-ready (the same as :meth:`to_json`)."""
        return self.to_json()

    def to_frame(self) -> pd.DataFrame:
        """PRIM's chosen box as a table, one row per uncertain parameter.

        Columns: the box's limits (``low``, ``high``), the parameter's range in the design
        (``bound_low``, ``bound_high``), whether the box restricts it, and the quasi-p value
        of each restriction (empty where none). The box's coverage and density are in
        :meth:`to_dict`.
        """
        import pandas as pd

        box, p = self.prim.chosen, self.prim
        rows = [{"parameter": name, "low": box.lower[j], "high": box.upper[j],
                 "bound_low": p.bounds[j][0], "bound_high": p.bounds[j][1],
                 "restricted": name in box.restricted, "quasi_p": box.quasi_p.get(name)}
                for j, name in enumerate(p.names)]
        return pd.DataFrame(rows).set_index("parameter")


def backfire_cases(study: Study, ev: Evaluation) -> tuple[NDArray[np.bool_], str]:
    """The cases of interest of the study's discovery question, and the rule in words."""
    q = study.discovery
    sign = _sign(study, q.outcome)
    y = ev[q.policy][q.outcome]
    if q.compare_to is not None:
        ref = ev[q.compare_to][q.outcome]
        margin, scale = q.worse_by, ""
        if q.worse_by_sd is not None:
            # a margin on the outcome's own scale: its spread over the whole ensemble
            sd = float(np.std(np.concatenate([y, ref])))
            margin = q.worse_by_sd * sd
            scale = (f" = {q.worse_by_sd:g} standard deviations of {q.outcome} across the "
                     f"ensemble (SD {sd:.3g}, both policies pooled)")
        gap = sign * (ref - y)
        worse = gap > margin
        # the largest gap beside the margin: a rule no experiment meets may still be near
        rule = (f"{q.outcome} under {q.policy} is worse than under {q.compare_to} by more "
                f"than {margin:.3g}{scale} (same parameters and random numbers; the largest "
                f"difference in any experiment: {float(np.max(gap)) if gap.size else 0.0:.3g})")
    else:
        assert q.threshold is not None
        worse = sign * (q.threshold - y) > 0
        rule = f"{q.outcome} under {q.policy} is worse than {q.threshold:g}"
    return np.asarray(worse), rule


def run_discovery(case: Case | None, study: Study, *, n: int | None = None, workers: int = 1,
                  executor: ChunkExecutor | None = None, on_progress: Progress | None = None,
                  lhs: tuple[Design, Evaluation] | None = None,
                  min_coverage: float = 0.0) -> DiscoveryStudy:
    """PRIM and CART on the study's backfire question over a Latin hypercube.

    ``lhs`` reuses a Latin hypercube already evaluated under the discovery policies (e.g.
    by :func:`run_comparison`, or a stored run); ``case`` is needed only without it.
    ``min_coverage``: the least coverage PRIM's chosen box may have.

    Returns
    -------
    DiscoveryStudy
        The cases of interest (the rule in words), PRIM's peeling trajectory and chosen
        box, and CART's tree.

    Raises
    ------
    BadInputError
        For a study that is not a :class:`Study` or sizes below 1.
    """
    study = _check_study(study)
    t0 = time.perf_counter()
    q = study.discovery
    policies = [q.policy] + ([q.compare_to] if q.compare_to else [])
    if lhs is None:
        if case is None:
            raise ValueError("run_discovery needs a case or an evaluated design (lhs)")
        lhs = run_lhs(case, study, policies, n=n, outcomes=[q.outcome], workers=workers,
                      executor=executor, on_progress=on_progress)
    design, ev = lhs
    cases, rule = backfire_cases(study, ev)
    bounds = [(u.low, u.high) for u in study.uncertainties]
    box = prim(design.values, cases, study.names, bounds=bounds, min_coverage=min_coverage)
    tree = cart(design.values, cases, study.names)
    return DiscoveryStudy(study.id, q.question, rule, design.describe(), cases,
                          design.values, box, tree, time.perf_counter() - t0)


@dataclass(frozen=True)
class ComparisonStudy:
    """Every lever over the same experiments: the outcomes and their robustness metrics."""

    scenario: str
    levers: tuple[str, ...]
    design: Mapping[str, Any]
    comparisons: tuple[Comparison, ...]
    values: Mapping[str, Mapping[str, FloatArray]]
    seconds: float
    model: str = "v1"

    def __repr__(self) -> str:
        # the default repr printed every experiment's outcomes under every lever (6,800
        # characters at n=8, growing with n), arrays over several lines
        return (f"ComparisonStudy(scenario={self.scenario!r}, levers={list(self.levers)}, "
                f"experiments={self.design.get('experiments')}, "
                f"outcomes={len(self.comparisons)}, model={self.model!r})")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (without the raw outcomes); ``model`` only when not v1's."""
        doc = {"scenario": self.scenario, "levers": list(self.levers),
               "design": dict(self.design), "seconds": self.seconds,
               "outcomes": [c.to_json() for c in self.comparisons]}
        if self.model != "v1":
            doc["model"] = self.model
        return doc

    def to_dict(self) -> dict[str, Any]:
        """The comparison, JSON-ready (the same as :meth:`to_json`)."""
        return self.to_json()

    def to_frame(self) -> pd.DataFrame:
        """The metrics as a table, one row per (outcome, policy).

        Columns: the outcome's direction (``sign``: +1 higher is better, −1 lower is
        better), every robustness metric of :class:`~qpq.explore.PolicyMetrics`, and
        ``most_robust_by``: the metrics by which the policy is the most robust for that
        outcome (comma-separated; several policies may tie).
        """
        import pandas as pd

        rows = []
        for c in self.comparisons:
            for m in c.metrics:
                best = [k for k, tied in c.most_robust.items() if m.policy in tied]
                rows.append({"outcome": c.outcome, "policy": m.policy, "sign": c.sign,
                             **{k: getattr(m, k) for k in m.__slots__ if k != "policy"},
                             "most_robust_by": ", ".join(best)})
        return pd.DataFrame(rows).set_index(["outcome", "policy"])


def run_comparison(case: Case | None, study: Study, *, n: int | None = None,
                   levers: Sequence[str] | None = None, workers: int = 1,
                   executor: ChunkExecutor | None = None, on_progress: Progress | None = None,
                   lhs: tuple[Design, Evaluation] | None = None, model: str = "v1"
                   ) -> ComparisonStudy:
    """Robustness metrics of every lever (default: the study's) on one Latin hypercube.

    ``lhs`` reuses a design already evaluated under the levers; ``case`` is needed only
    without it. ``model``: ``v1`` or ``v2`` (the repeated relationship, every lever's
    table solved with China committed to it).

    Returns
    -------
    ComparisonStudy
        Per outcome and lever the robustness metrics of :class:`PolicyMetrics`
        (``to_frame()``: one row per outcome and policy).

    Raises
    ------
    BadInputError
        For a study that is not a :class:`Study`, an unknown lever or model, or sizes
        below 1.
    """
    study = _check_study(study)
    check_model(model)
    n = None if n is None else check_whole(n, "n", minimum=1)
    workers = check_whole(workers, "workers", minimum=1)
    t0 = time.perf_counter()
    chosen = as_names(levers, "levers") or study.levers
    for p in chosen:
        check_policy(p)
    if lhs is None:
        if case is None:
            raise ValueError("run_comparison needs a case or an evaluated design (lhs)")
        lhs = run_lhs(case, study, chosen, n=n, workers=workers, executor=executor,
                      on_progress=on_progress, model=model)
    design, ev = lhs
    comparisons = tuple(
        compare_policies({p: ev[p][o.name] for p in chosen}, o.name, o.sign,
                         study.satisficing.get(o.name)) for o in study.outcomes)
    values = {p: dict(ev[p]) for p in chosen}
    return ComparisonStudy(study.id, chosen, design.describe(), comparisons, values,
                           time.perf_counter() - t0, model)
