"""The game's face for the other lenses: China's preferred continuations and its selection."""

from __future__ import annotations

import numpy as np
import pytest

from qpq.game import FULL_GAME, continuations, solve, solve_ensemble
from qpq.model._policies import FINAL_ACTIONS

from .conftest import random_arrays

FIELDS = ("effort", "response", "response_no_report", "pure", "value", "selected", "has_pbe")


@pytest.fixture(scope="module")
def sample(registry):
    return random_arrays(registry, 4000, seed=31)


@pytest.fixture(scope="module")
def solved(sample):
    return continuations(sample)


def test_pruned_kernel_gives_the_full_kernels_answers(sample, solved):
    full = continuations(sample, prune=False)
    for f in FIELDS:
        assert np.array_equal(getattr(solved, f), getattr(full, f)), f


def test_the_sample_has_points_with_and_without_a_pure_pbe(solved):
    assert 0 < (~solved.has_pbe).sum() < solved.has_pbe.size
    assert (~solved.pure).any()


def test_selection_equals_the_ensemble_solvers_where_a_pure_pbe_exists(sample, solved):
    es = solve_ensemble(sample)
    np.testing.assert_array_equal(es.has_pure, solved.has_pbe)
    ok = es.has_pure
    np.testing.assert_array_equal(es.selected_move[ok], solved.selected[ok])
    rows = np.flatnonzero(ok)
    np.testing.assert_array_equal(es.efforts[ok], solved.effort[rows, solved.selected[ok]])
    np.testing.assert_array_equal(es.move_value[ok], solved.value[ok])


def test_without_a_pure_pbe_the_selected_move_has_a_pure_continuation(solved):
    # regression: the simulator's copy of the selection once picked a move whose only
    # continuation was the least-regret fallback (73 of 20,000 points)
    rows = np.flatnonzero(~solved.has_pbe)
    sel = solved.selected[rows]
    pure = solved.pure[rows]
    some = pure.any(axis=1)
    assert some.any()
    assert pure[np.arange(rows.size), sel][some].all()
    # ... and it is China's best among them, ties to the least committal move
    v = np.where(pure, solved.value[rows], -np.inf)
    best = v.max(axis=1)
    first_best = np.argmax(v >= best[:, None] - 1e-9 * (1 + np.abs(best[:, None])), axis=1)
    np.testing.assert_array_equal(sel[some], first_best[some])


def test_selected_continuation_is_the_scalar_solvers(registry):
    point = registry.defaults()
    sol = solve(point, mixed=False)
    eq = sol.equilibria[sol.selected]
    c = continuations({k: np.array([v]) for k, v in sol.parameters.items()})
    mi = FULL_GAME.first_moves.index(eq.first_move)
    assert c.selected[0] == mi
    cont = eq.continuations[mi]
    np.testing.assert_array_equal(c.effort[0, mi], np.argmax(cont.taliban, axis=1))
    acts = FULL_GAME.actions(eq.first_move)
    for k in range(len(FULL_GAME.signals)):
        assert FINAL_ACTIONS[c.response[0, mi, k]] == acts[int(np.argmax(cont.china[k]))]


def test_beliefs_axis_equals_solving_each_belief(sample):
    few = {k: v[:40] for k, v in sample.items()}
    beliefs = np.array([0.1, 0.5, 0.9])
    both = continuations(few, beliefs=beliefs)
    for g, b in enumerate(beliefs):
        one = continuations({**few, "prior_sincere": np.full(40, b)})
        for f in FIELDS:
            assert np.array_equal(getattr(both, f)[g::3], getattr(one, f)), (f, b)


def test_every_moves_continuation_is_chinas_best_or_the_least_regret_profile(sample, solved):
    """After every first move, off the path too, by brute force over the effort profiles.

    Where a pure continuation equilibrium exists, China's value of the one given is the
    highest over all of them (the selection's China-preferred completion); where none does,
    the profile given has the smallest largest regret of any type.
    """
    from qpq.game._kernel import continuation_kernel, profiles
    from qpq.game._payoffs import build_tensors

    rows = np.arange(600)
    t = build_tensors({k: v[rows] for k, v in sample.items()}, FULL_GAME)
    prof = profiles(len(FULL_GAME.types), FULL_GAME.n_efforts)
    off_path = lacking = 0
    for mi in range(len(FULL_GAME.first_moves)):
        k = continuation_kernel(t, mi, 1e-9)
        best = np.where(k.taliban_ok, k.china_value, -np.inf).max(axis=1)
        given = solved.value[rows, mi]
        pure = solved.pure[rows, mi]
        np.testing.assert_array_equal(pure, k.taliban_ok.any(axis=1))
        assert (np.abs(given[pure] - best[pure]) <= 1e-9 * (1 + np.abs(best[pure]))).all(), mi
        off_path += int((pure & (solved.selected[rows] != mi)).sum())
        own = np.take_along_axis(k.taliban_values, prof[None, :, :, None], axis=3)[..., 0]
        worst_type = (k.taliban_values.max(axis=3) - own).max(axis=2)         # (n, P)
        index = (solved.effort[rows, mi] * FULL_GAME.n_efforts ** np.arange(
            len(FULL_GAME.types))[::-1]).sum(axis=1)
        chosen = worst_type[np.arange(rows.size), index]
        np.testing.assert_array_equal(chosen[~pure], worst_type[~pure].min(axis=1))
        lacking += int((~pure).sum())
    assert off_path > 1000 and lacking > 0
