from __future__ import annotations

import json

import numpy as np
import pytest

from qpq.game import FULL_GAME, LABELS, build_tree, solve, solve_ensemble
from qpq.game._payoffs import build_tensors
from qpq.game._solution import GameSolution
from qpq.game.validation._pbe import pure_pbe
from qpq.game.validation._reference import expected_payoffs, nash_regret, sequential_rationality
from qpq.model import FIRST_MOVES, MoveKind, ParameterRegistry, ParameterSet
from tests.game.conftest import random_arrays, random_points

TOL = 1e-7


@pytest.fixture(scope="module")
def default_solution(defaults: ParameterSet) -> GameSolution:
    return solve(defaults)


def test_default_solution_is_complete(default_solution: GameSolution) -> None:
    sol = default_solution
    assert sol.equilibria and sol.selected is not None
    assert sol.label in LABELS
    assert sum(e.selected for e in sol.equilibria) == 1
    sel = sol.equilibria[sol.selected]
    assert sel.pure  # pure PBE exist at the defaults, so selection is among them
    assert sol.n_equilibria >= len(sol.equilibria)
    assert sol.mixed_search.ran and "Not covered" in sol.mixed_search.coverage
    # China's preferred: no pure PBE gives China more
    best = max(e.payoffs["China"] for e in sol.pure_equilibria)
    assert sel.payoffs["China"] == pytest.approx(best)
    doc = json.loads(json.dumps(sol.to_json()))
    assert set(doc) >= {"parameters", "equilibria", "label", "flags", "selection_rule"}
    first = doc["equilibria"][0]
    assert set(first) >= {"label", "selected", "payoffs", "strategy", "beliefs", "outcome"}
    for infoset, dist in first["strategy"]["China"].items():
        assert sum(dist.values()) == pytest.approx(1.0), infoset
    for infoset, belief in first["beliefs"].items():
        assert sum(belief.values()) == pytest.approx(1.0), infoset


def test_payoffs_and_beliefs_agree_with_the_explicit_tree(
        defaults: ParameterSet, default_solution: GameSolution) -> None:
    tree = build_tree(defaults)
    for e in default_solution.equilibria:
        profile = tree.profile_from_labels(e.strategy(FULL_GAME))
        pay = expected_payoffs(tree, profile)
        assert pay[0] == pytest.approx(e.payoffs["China"], abs=1e-9)
        assert pay[1] == pytest.approx(e.payoffs["Taliban"], abs=1e-9)
        check = sequential_rationality(tree, profile)
        assert check.ok, (e.label, check.max_violation)
        assert not check.unreached  # every China information set is reached (spec)
        assert nash_regret(tree, profile) <= TOL
        for key, mu in check.beliefs.items():
            if key[0] != 0 or key[1] == "C|first":
                continue
            by_type = mu.reshape(4, 3).sum(axis=1)   # nodes are ordered (type, effort)
            ours = np.array(list(e.beliefs[key[1]].values()))
            assert np.allclose(by_type, ours, atol=1e-9), key


def _pure_sets(tree_solution: list, tree, sol: GameSolution) -> tuple[set, set]:
    ref = {frozenset((tree.infosets[k].label, tree.infosets[k].actions[a])
                     for k, a in x.choices.items()) for x in tree_solution}
    fast = set()
    for e in sol.equilibria:
        if not e.pure:
            continue
        strategy = e.strategy(sol.structure)
        fast.add(frozenset((infoset, max(dist, key=lambda a, d=dist: d[a]))
                           for player in strategy.values() for infoset, dist in player.items()))
    return ref, fast


def _agree(point: ParameterSet) -> None:
    sol = solve(point, mixed=False, max_equilibria=100_000)
    assert sol.n_equilibria == len(sol.equilibria)
    tree = build_tree(point)
    ref, fast = _pure_sets(pure_pbe(tree), tree, sol)
    assert ref == fast


def test_fast_solver_agrees_with_reference_at_defaults(defaults: ParameterSet) -> None:
    _agree(defaults)


@pytest.mark.parametrize("seed", range(4))
def test_fast_solver_agrees_with_reference_at_random_points(registry: ParameterRegistry,
                                                            seed: int) -> None:
    for point in random_points(registry, 2, seed=100 + seed):
        _agree(point)


@pytest.mark.slow
@pytest.mark.parametrize("part", range(3))
def test_fast_solver_agrees_with_reference_at_many_points(registry: ParameterRegistry,
                                                          part: int) -> None:
    # the same 15 points in three parts, so the test runner can share them out (30 until
    # 2026-12-06: the reference's tree walk, about 1.2 s a point, was the suite's largest
    # cost after the report, on a CI machine of two cores; with the 8 random points above,
    # the defaults and pygambit's checks, 24 points meet the brute force)
    for point in random_points(registry, 15, seed=7)[part::3]:
        _agree(point)


def test_ensemble_matches_scalar_solver(registry: ParameterRegistry) -> None:
    arrays = random_arrays(registry, 120, seed=11)
    ens = solve_ensemble(arrays, chunk=50)
    labels = ens.labels()
    for i in range(120):
        sol = solve({k: float(v[i]) for k, v in arrays.items()}, mixed=False)
        if sol.selected is None:
            assert not ens.has_pure[i]
            continue
        e = sol.equilibria[sol.selected]
        assert ens.has_pure[i]
        assert FULL_GAME.first_moves[ens.selected_move[i]] == e.first_move
        assert labels[i] == e.label
        assert ens.stats["china_value"][i] == pytest.approx(e.payoffs["China"], abs=1e-9)
        assert ens.stats["p_recognised"][i] == pytest.approx(e.outcome["p_recognised"])
        assert bool(ens.tie[i]) == any(f.startswith("tie") for f in sol.flags)
        assert bool(ens.multiple[i]) == ("multiple" in sol.flags)


def test_mixed_search_where_no_pure_pbe(registry: ParameterRegistry) -> None:
    arrays = random_arrays(registry, 1500, seed=5)
    ens = solve_ensemble(arrays)
    missing = np.flatnonzero(~ens.has_pure)
    assert 0 < missing.size < 0.1 * 1500   # rare, but it happens (spec: a few per cent)
    checked = 0
    for i in missing[:3]:
        point = registry.point({k: float(v[i]) for k, v in arrays.items()})
        sol = solve(point)
        assert "no pure PBE" in sol.flags
        if "no PBE found" in sol.flags:
            assert sol.selected is None
            continue
        tree = build_tree(point)
        for e in sol.equilibria[:4]:
            assert not e.pure
            profile = tree.profile_from_labels(e.strategy(FULL_GAME))
            assert sequential_rationality(tree, profile).ok
            assert nash_regret(tree, profile) <= TOL
            checked += 1
    assert checked > 0


def test_tie_goes_to_least_committal_and_is_outcome_equivalent(registry: ParameterRegistry
                                                               ) -> None:
    # Recognition is cheap and valuable: Engage[no_promise] then Reward everywhere and
    # Recognize then Maintain everywhere lead to the same plays.
    point = registry.point(dict(prior_sincere=0.7, future_value_sincere=3.0,
                                future_value_insincere=-0.1, recognition_cost=0.0,
                                sincere_persistence=0.0, reneging_cost=10.0))
    sol = solve(point)
    assert set(sol.tied_first_moves) >= {"Engage[no_promise]", "Recognize"}
    order = [m.label for m in FIRST_MOVES]
    sel = sol.equilibria[sol.selected]
    assert sel.first_move.label == min(sol.tied_first_moves, key=order.index)
    assert "tie (outcome-equivalent)" in sol.flags
    # independent check of the tie: the same China payoff on the tree
    tree = build_tree(point)
    values = {}
    for label in sol.tied_first_moves:
        strategy = sel.strategy(FULL_GAME)
        strategy["China"]["C|first"] = {m: float(m == label) for m in order}
        values[label] = expected_payoffs(tree, tree.profile_from_labels(strategy))[0]
    assert max(values.values()) - min(values.values()) < 1e-9


def test_intuitive_filter_is_vacuous_here(defaults: ParameterSet) -> None:
    sol = solve(defaults, intuitive=True, mixed=False)
    assert sol.intuitive is not None and "no PBE removed" in sol.intuitive


def test_unreachable_signal_is_rejected(registry: ParameterRegistry) -> None:
    arrays = registry.validate_arrays({})
    arrays = dict(arrays, capacity_high=np.array([1.0]), crackdown_intensity=np.array([1.0]))
    with pytest.raises(ValueError, match="probability 0"):
        build_tensors(arrays)


# ----------------------------------------------------------------- known degeneracies


def test_pooling_on_harbour_without_commitment(registry: ParameterRegistry) -> None:
    """Spec: at reneging_cost = 0 pooling on harbour is always a continuation equilibrium."""
    for point in random_points(registry, 6, seed=21):
        sol = solve(point.with_overrides({"reneging_cost": 0.0}), mixed=False)
        for conts in sol.continuations:
            assert any(c.pure and (c.taliban[:, 0] == 1).all() for c in conts)


def test_commitment_can_break_pooling_on_harbour(registry: ParameterRegistry) -> None:
    """The promise family is not inert: with a costly breach, pooling on harbour fails after
    some binding promise at some points of the ranges."""
    broken = 0
    for point in random_points(registry, 25, seed=22):
        sol = solve(point.with_overrides({"reneging_cost": 10.0}), mixed=False)
        for m, conts in zip(FULL_GAME.first_moves, sol.continuations, strict=True):
            if m.promise is not None and m.promise.binding:
                broken += not any(c.pure and (c.taliban[:, 0] == 1).all() for c in conts)
    assert broken > 0


def test_boycott_and_engage_differ(defaults: ParameterSet) -> None:
    t = build_tensors(defaults.arrays())
    boycott, engage = 0, 1
    # the Taliban's payoffs differ (aid, boycott bond) and no Boycott action recognises
    assert not np.allclose(t.u_taliban[boycott][..., 0], t.u_taliban[engage][..., 1])
    sol = solve(defaults, mixed=False)
    vb = sorted(c.china_value for c in sol.continuations[boycott])
    ve = sorted(c.china_value for c in sol.continuations[engage])
    assert vb != ve


def test_no_hold_up_after_recognition(defaults: ParameterSet) -> None:
    t = build_tensors(defaults.arrays())
    rec = FULL_GAME.first_moves.index(FIRST_MOVES[-1])
    assert FIRST_MOVES[-1].kind is MoveKind.RECOGNIZE
    maintain, downgrade = 0, 1
    for u in (t.u_china[rec], t.u_taliban[rec]):
        assert (np.abs(u[..., maintain] - u[..., downgrade]) > 1e-6).all()


def test_plan_b_value_depends_on_beliefs(defaults: ParameterSet) -> None:
    t = build_tensors(defaults.arrays())
    stay, plan_b = 0, 1   # after Boycott
    gain = t.u_china[0][0, :, :, 0, plan_b] - t.u_china[0][0, :, :, 0, stay]
    assert gain.max() - gain.min() > 1e-3   # differs across types and efforts
    # and Plan B does not touch the harm already realised: same gain at every signal
    gains = t.u_china[0][0, :, :, :, plan_b] - t.u_china[0][0, :, :, :, stay]
    assert np.allclose(gains, gains[:, :, :1])


def test_promises_are_cheap_talk_without_reneging_cost(registry: ParameterRegistry) -> None:
    """Spec: at reneging_cost = 0 every promise is cheap talk."""
    for point in random_points(registry, 4, seed=23):
        sol = solve(point.with_overrides({"reneging_cost": 0.0}), mixed=False)
        engage = [i for i, m in enumerate(FULL_GAME.first_moves) if m.kind is MoveKind.ENGAGE]
        ref = sorted(round(c.china_value, 9) for c in sol.continuations[engage[0]])
        for i in engage[1:]:
            assert sorted(round(c.china_value, 9) for c in sol.continuations[i]) == ref
        if sol.selected_equilibrium is not None and (
                sol.selected_equilibrium.first_move.kind is MoveKind.ENGAGE):
            assert sol.selected_equilibrium.first_move == FIRST_MOVES[1]
            assert "tie (outcome-equivalent)" in sol.flags
