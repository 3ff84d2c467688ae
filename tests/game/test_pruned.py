"""The fast solver (dominance pruning, points-last kernel, workers) gives the full kernel's
results: same equilibria, selection, labels and statistics on random points and grids."""

from __future__ import annotations

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.game import FULL_GAME, solve, solve_ensemble
from qpq.game._dominance import dominance
from qpq.game._ensemble import EnsembleSolution
from qpq.game._kernel import DEFAULT_TOL, continuation_kernel, profiles
from qpq.game._payoffs import build_tensors
from qpq.game._pruned import _sum_signals, pruned_kernel
from qpq.game.validation._gambit import reduced_structure
from qpq.model import FIRST_MOVES, ParameterRegistry
from tests.game.conftest import random_arrays

EXACT = ("n_continuations", "has_pure", "selected_move", "selected_profile", "efforts",
         "tied_moves", "tie", "tie_equivalent", "n_paths", "label", "label_flags")


def _same(a: EnsembleSolution, b: EnsembleSolution, china_tie: bool = True) -> None:
    for name in EXACT + (("china_tie",) if china_tie else ()):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for key in a.stats:
        np.testing.assert_allclose(a.stats[key], b.stats[key], rtol=0, atol=1e-12,
                                   err_msg=key)


def _grid(registry: ParameterRegistry, x: str, y: str, n: int) -> dict[str, np.ndarray]:
    px, py = registry[x], registry[y]
    gx, gy = np.meshgrid(np.linspace(px.low, px.high, n), np.linspace(py.low, py.high, n))
    return registry.validate_arrays({x: gx.reshape(-1), y: gy.reshape(-1)})


def test_pruned_equals_full_on_random_points(registry: ParameterRegistry) -> None:
    arrays = random_arrays(registry, 1500, seed=101)
    full = solve_ensemble(arrays, prune=False, chunk=500)
    fast = solve_ensemble(arrays, chunk=256)
    _same(full, fast)
    assert (~fast.has_pure).any() and fast.tie.any() and fast.multiple.any()


def test_pruned_equals_full_on_a_grid_with_ties(registry: ParameterRegistry) -> None:
    arrays = _grid(registry, "iskp_pull", "crackdown_intensity", 30)
    full = solve_ensemble(arrays, prune=False)
    fast = solve_ensemble(arrays)
    _same(full, fast)
    assert fast.tie.mean() > 0.1 and fast.tie_equivalent.any()


@pytest.mark.parametrize("index", [0, 2, 5])
def test_pruned_equals_full_on_reduced_games(registry: ParameterRegistry, index: int) -> None:
    arrays = random_arrays(registry, 400, seed=7 + index)
    structure = reduced_structure(FIRST_MOVES[index])
    _same(solve_ensemble(arrays, structure, prune=False), solve_ensemble(arrays, structure))


def test_kernel_values_agree_for_every_evaluated_profile(registry: ParameterRegistry) -> None:
    t = build_tensors(random_arrays(registry, 300, seed=3))
    for mi in range(len(FULL_GAME.first_moves)):
        k = continuation_kernel(t, mi, DEFAULT_TOL)
        pk = pruned_kernel(t, mi, DEFAULT_TOL)
        np.testing.assert_array_equal(k.taliban_ok, pk.taliban_ok)
        ev = pk.evaluated
        assert (ev | ~k.taliban_ok).all()           # every equilibrium was evaluated
        # China's values and responses are the full kernel's, bit for bit
        np.testing.assert_array_equal(k.china_value[ev], pk.china_value[ev])
        np.testing.assert_array_equal(k.response[ev], pk.response[ev])
        assert ev.mean() < 0.5                        # and pruning removes most profiles


def test_dominance_removes_only_what_cannot_be_an_equilibrium(
        registry: ParameterRegistry) -> None:
    t = build_tensors(random_arrays(registry, 300, seed=4))
    prof = profiles(4, FULL_GAME.n_efforts)
    for mi in range(len(FULL_GAME.first_moves)):
        dom = dominance(t, mi, DEFAULT_TOL)
        assert dom.alive.any(axis=2).all()           # some effort of every type survives
        k = continuation_kernel(t, mi, DEFAULT_TOL)
        dead = ~dom.alive[:, np.arange(4), prof]     # (n, P, T): the profile's effort died
        assert not (k.taliban_ok & dead.any(axis=2)).any()
        resp = k.response                             # China's responses use allowed actions
        allowed = np.take_along_axis(dom.allowed.transpose(2, 1, 0)[:, None], resp[..., None],
                                     axis=3)[..., 0]
        assert allowed[k.taliban_ok].all()


def test_results_do_not_depend_on_chunks_or_workers(registry: ParameterRegistry) -> None:
    arrays = random_arrays(registry, 700, seed=12)
    one = solve_ensemble(arrays, chunk=700)
    _same(one, solve_ensemble(arrays, chunk=97))
    two = solve_ensemble(arrays, chunk=128, workers=2)
    _same(one, two)
    np.testing.assert_array_equal(one.move_profile, two.move_profile)
    np.testing.assert_array_equal(one.move_response, two.move_response)
    done: list[int] = []
    solve_ensemble(arrays, chunk=300, on_chunk=done.append)
    assert done == [300, 600, 700]


def test_preferred_continuations_match_the_scalar_solver(registry: ParameterRegistry) -> None:
    arrays = random_arrays(registry, 25, seed=21)
    ens = solve_ensemble(arrays)
    for i in range(25):
        sol = solve({k: float(v[i]) for k, v in arrays.items()}, mixed=False)
        if sol.selected is None:
            continue
        eq = sol.equilibria[sol.selected]
        for mi in range(len(FULL_GAME.first_moves)):
            cont = eq.continuations[mi]              # China's preferred, off the path too
            assert ens.move_profile[i, mi] >= 0
            np.testing.assert_array_equal(profiles(4, FULL_GAME.n_efforts)[ens.move_profile[i, mi]],
                                          cont.taliban.argmax(axis=1))
            np.testing.assert_array_equal(ens.move_response[i, mi], cont.china.argmax(axis=1))
            assert ens.move_value[i, mi] == pytest.approx(cont.china_value, abs=1e-9)


def test_signal_sums_follow_numpy_order() -> None:
    rng = np.random.default_rng(0)
    for n_sig in (4, 8, 19):
        x = rng.normal(size=(3, n_sig, 500)) * 10.0 ** rng.uniform(-6, 6, (3, n_sig, 500))
        ours = _sum_signals(x)
        theirs = np.ascontiguousarray(np.moveaxis(x, 1, -1)).sum(axis=-1)
        np.testing.assert_array_equal(ours, theirs)


def test_empty_and_constant_inputs(registry: ParameterRegistry) -> None:
    arrays = {k: np.full(5, v) for k, v in registry.defaults().items()}
    ens = solve_ensemble(arrays, workers=None)
    assert (ens.label == ens.label[0]).all() and ens.has_pure.all()
    empty = solve_ensemble({k: np.zeros(0) + v for k, v in registry.defaults().items()})
    assert empty.label.shape == (0,) and empty.move_response.shape == (0, 6, 8)
    for chunk in (0, 1.5):      # 1.5 passed the old "< 1" test
        with pytest.raises(BadInputError, match="chunk must be a whole number of at least 1"):
            solve_ensemble(arrays, chunk=chunk)
    with pytest.raises(BadInputError, match="workers must be a whole number of at least 1"):
        solve_ensemble(arrays, workers=0)
