"""Co-optation as a fourth Taliban choice (docs/model-game.md §7.4, "Co-optation").

The structure with co-optation (``GameStructure(efforts=ALL_EFFORTS)``) must leave v1's
efforts exactly as they were, the fast (pruned) solver must agree with the full kernel on
4^T profiles, the solver's equilibria must be sequentially rational on the explicit tree
(the reference solver) and have pygambit agent regret 0, the choice must follow its cost
as the utilities say, and the relationship's values must equal an independent Monte Carlo.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qpq.game import (
    ALL_EFFORTS,
    EFFORTS,
    FULL_GAME,
    Effort,
    GameStructure,
    build_tree,
    solve,
    solve_ensemble,
    solve_relationship,
)
from qpq.game._payoffs import build_tensors
from qpq.game.analysis import sample_assumptions
from qpq.game.validation._gambit import agent_regrets, reduced_structure
from qpq.game.validation._reference import sequential_rationality
from qpq.model import (
    FIRST_MOVES,
    FirstMove,
    MoveKind,
    ParameterRegistry,
    defection_prob,
)
from tests.game.conftest import random_arrays, random_points
from tests.game.test_relationship import _monte_carlo
from tests.required import require_pygambit

COOPT_GAME = GameStructure(efforts=ALL_EFFORTS)
BOYCOTT = FirstMove(MoveKind.BOYCOTT)


def test_structure_counts_efforts() -> None:
    assert FULL_GAME.efforts == EFFORTS and FULL_GAME.n_profiles == 3 ** 4
    assert COOPT_GAME.n_efforts == 4 and COOPT_GAME.n_profiles == 4 ** 4
    assert COOPT_GAME.describe()["efforts"] == ["harbour", "restrain", "crackdown", "coopt"]
    with pytest.raises(ValueError, match="harbour"):
        GameStructure(efforts=(Effort.COOPT, Effort.HARBOUR))


def test_v1_efforts_keep_their_numbers(registry: ParameterRegistry) -> None:
    """With co-optation added, the tensors of v1's three efforts are v1's."""
    arrays = random_arrays(registry, 200, seed=3)
    v1 = build_tensors(arrays, FULL_GAME)
    v2 = build_tensors(arrays, COOPT_GAME)
    np.testing.assert_array_equal(v2.p_signal[:, :, :3], v1.p_signal)
    for a, b in zip(v1.u_taliban, v2.u_taliban, strict=True):
        np.testing.assert_array_equal(b[:, :, :3], a)
    for a, b in zip(v1.u_china, v2.u_china, strict=True):
        # W's future harm multiplies the same factors in another order
        np.testing.assert_allclose(b[:, :, :3], a, rtol=1e-13, atol=1e-13)


def test_coopt_signal_and_pull(registry: ParameterRegistry) -> None:
    """Co-optation's signal is κ·coopt_visibility's suppression; ISKP's pull is scaled."""
    p = registry.defaults().with_overrides({"coopt_visibility": 0.9, "coopt_pull_scale": 0.2})
    t = build_tensors(p.arrays(), COOPT_GAME)
    harbour, coopt = 0, COOPT_GAME.efforts.index(Effort.COOPT)
    assert (t.p_s[0, :, coopt] > t.p_s[0, :, harbour]).all()
    assert (t.p_d[0, :, coopt] < t.p_d[0, :, harbour]).all()
    # the expected ETIM harm keeps the residual share of the suppressed part
    res = p.as_dict()["coopt_residual"]
    np.testing.assert_allclose(t.etim_share[0, :, coopt],
                               1 - t.p_s[0, :, coopt] * (1 - res), rtol=1e-14)


def test_pruned_equals_full_with_four_efforts(registry: ParameterRegistry) -> None:
    arrays = random_arrays(registry, 300, seed=17)
    full = solve_ensemble(arrays, COOPT_GAME, prune=False, chunk=150)
    fast = solve_ensemble(arrays, COOPT_GAME, chunk=128)
    for name in ("n_continuations", "has_pure", "selected_move", "selected_profile",
                 "efforts", "tied_moves", "tie", "n_paths", "label"):
        np.testing.assert_array_equal(getattr(full, name), getattr(fast, name), err_msg=name)
    for key in full.stats:
        np.testing.assert_allclose(full.stats[key], fast.stats[key], rtol=0, atol=1e-12)
    # co-optation is chosen somewhere, so the fourth effort is exercised
    assert (fast.efforts == COOPT_GAME.efforts.index(Effort.COOPT)).any()


def _coopt_point(registry: ParameterRegistry, seed: int):
    """Random points with co-optation cheap and its harbour share high (so it is played)."""
    return [p.with_overrides({"coopt_cost_share": 0.1, "coopt_harbour_share": 0.9})
            for p in random_points(registry, 2, seed=seed)]


@pytest.mark.parametrize("index", [0, 1, 5])
def test_reference_solver_and_pygambit_with_coopt(registry: ParameterRegistry,
                                                  index: int) -> None:
    """On reduced games with co-optation: every equilibrium is sequentially rational on the
    explicit tree, and pygambit's agent regret is 0."""
    require_pygambit()
    structure = reduced_structure(FIRST_MOVES[index], efforts=ALL_EFFORTS)
    for point in [registry.defaults(), *_coopt_point(registry, 60 + index)]:
        tree = build_tree(point, structure)
        sol = solve(point, structure)
        strategies = [e.strategy(structure) for e in sol.equilibria]
        assert strategies
        for s in strategies:
            assert sequential_rationality(tree, tree.profile_from_labels(s), tol=1e-7).ok
        assert max(agent_regrets(tree, strategies)) <= 1e-7


def test_full_game_with_coopt_agent_regret(registry: ParameterRegistry) -> None:
    require_pygambit()
    point = _coopt_point(registry, 71)[0]
    sol = solve(point, COOPT_GAME, mixed=False)
    strategies = [e.strategy(COOPT_GAME) for e in sol.equilibria]
    assert strategies
    assert max(agent_regrets(build_tree(point, COOPT_GAME), strategies)) <= 1e-7


def _decision_values(p: dict[str, float], sincere: bool, high: bool) -> dict[Effort, float]:
    """The type's expected payoff of each choice when China stays out whatever it sees.

    Written from docs/model-game.md §7.1 and §7.4: −k·e² + harbour·1[I]·(1 − σ_s)·bond
    − iskp_threat_to_taliban·σ_d; co-optation: −k·share·crackdown² + harbour·1[I]·kept·bond
    − iskp_threat_to_taliban·σ_d(pull scaled).
    """
    kappa = p["capacity_high"] if high else p["capacity_low"]
    k = p["effort_cost_sincere"] if sincere else p["effort_cost_insincere"]
    us = p["us_presence"] * p["us_suppression"]
    bond = p["boycott_bond"]
    hb = 0.0 if sincere else p["harbour_benefit"]
    out: dict[Effort, float] = {}
    for e, x in ((Effort.HARBOUR, 0.0), (Effort.RESTRAIN, p["restrain_intensity"]),
                 (Effort.CRACKDOWN, p["crackdown_intensity"])):
        sigma_s = 1 - (1 - kappa * x) * (1 - us) * (1 - p["base_suppression"])
        out[e] = (-k * x ** 2 + hb * (1 - sigma_s) * bond
                  - p["iskp_threat_to_taliban"] * float(defection_prob(kappa * x, p)))
    scaled = dict(p, iskp_pull=p["iskp_pull"] * p["coopt_pull_scale"])
    out[Effort.COOPT] = (-k * p["coopt_cost_share"] * p["crackdown_intensity"] ** 2
                         + hb * p["coopt_harbour_share"] * bond
                         - p["iskp_threat_to_taliban"] * float(defection_prob(0.0, scaled)))
    return out


def test_coopt_is_chosen_iff_cheap_enough(registry: ParameterRegistry) -> None:
    """After Boycott with Plan B and intervention prohibitive, each type solves a decision
    problem; it co-opts exactly when co-optation's cost share lies below the threshold at
    which its value equals the best other choice, and never at a prohibitive share."""
    # outside the ranges on purpose: China never plays Plan B or intervention
    base = {**registry.defaults().with_overrides({"coopt_harbour_share": 0.8}).as_dict(),
            "planb_cost": 100.0, "intervene_cost": 100.0}
    structure = GameStructure(first_moves=(BOYCOTT,), efforts=ALL_EFFORTS)
    coopt = structure.efforts.index(Effort.COOPT)
    seen = {True: 0, False: 0}
    for ti, t in enumerate(structure.types):
        v = _decision_values({**base, "coopt_cost_share": 0.0}, t.sincere, t.high_capacity)
        k = base["effort_cost_sincere" if t.sincere else "effort_cost_insincere"]
        best_other = max(val for e, val in v.items() if e is not Effort.COOPT)
        threshold = (v[Effort.COOPT] - best_other) / (k * base["crackdown_intensity"] ** 2)
        shares = [s for s in (threshold - 0.05, threshold + 0.05, 50.0) if s > 0]
        pts = {name: np.full(len(shares), val) for name, val in base.items()}
        pts["coopt_cost_share"] = np.array(shares)
        ens = solve_ensemble(pts, structure)
        for j, s in enumerate(shares):
            chosen = int(ens.efforts[j, ti]) == coopt
            assert chosen == (s < threshold), (t.label, s, threshold)
            seen[chosen] += 1
    assert seen[True] >= 1 and seen[False] >= 4, seen


@pytest.fixture(scope="module")
def relationship_with_coopt(registry: ParameterRegistry):
    base = registry.defaults()
    variants = [base.with_overrides({"coopt_cost_share": 0.1, "coopt_harbour_share": 0.9}),
                base.with_overrides({"coopt_cost_share": 0.1, "reneging_cost": 0.0,
                                     "prior_sincere": 0.6}),
                base.with_overrides({"quarterly_discount": 0.9, "coopt_residual": 0.2}),
                base.with_overrides({"coopt_cost_share": 0.3, "iskp_pull": 3.0,
                                     "quarterly_discount": 0.95})]
    fixed = {k: np.array([v[k] for v in variants]) for k in registry.names}
    draws = sample_assumptions(registry, 16, np.random.default_rng(23)).params
    pts = {k: np.concatenate([fixed[k], np.asarray(draws[k], dtype=float)])
           for k in registry.names}
    return pts, solve_relationship(pts, COOPT_GAME, mixed=False)


def test_relationship_with_coopt_matches_monte_carlo(relationship_with_coopt) -> None:
    """The relationship's values with co-optation equal the histories' mean discounted
    utility (independent Monte Carlo from the utilities), at the converged points."""
    pts, rel = relationship_with_coopt
    assert rel.structure.has_coopt
    rng = np.random.default_rng(8)
    done = np.flatnonzero(rel.converged)[:4]
    assert done.size >= 3
    coopt = COOPT_GAME.efforts.index(Effort.COOPT)
    assert (rel.effort[done] == coopt).any()     # co-optation is played at a checked point
    for i in done:
        p = {k: float(v[i]) for k, v in pts.items()}
        weights = [(p["prior_sincere"] if t.sincere else 1 - p["prior_sincere"])
                   * (p["p_high_capacity"] if t.high_capacity else 1 - p["p_high_capacity"])
                   for t in COOPT_GAME.types]
        china, taliban = _monte_carlo(rel, int(i), p, 2500, rng)
        mean = sum(w * china[k].mean() for k, w in enumerate(weights))
        var = sum(w ** 2 * china[k].var(ddof=1) / china[k].size for k, w in enumerate(weights))
        assert abs(mean - rel.value[i]) <= 3 * math.sqrt(var) + 1e-9, i
        for k in range(len(weights)):
            se = taliban[k].std(ddof=1) / math.sqrt(taliban[k].size)
            assert abs(taliban[k].mean() - rel.taliban_value[i, 0, k]) <= 4 * se + 1e-9


def test_relationship_with_coopt_stage_agent_regret(relationship_with_coopt) -> None:
    require_pygambit()
    from qpq.game.validation import stage_strategy, stage_tree

    _, rel = relationship_with_coopt
    for i in np.flatnonzero(rel.converged)[:2]:
        for state in (0, 1):
            tree = stage_tree(rel, int(i), state)
            scale = (1 + abs(float(rel.china_value[i].max()))
                     + abs(float(rel.taliban_value[i].max())))
            assert agent_regrets(tree, [stage_strategy(rel, int(i), state)])[0] <= 1e-9 * scale
