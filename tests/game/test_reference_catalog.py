"""The reference solver reproduces games with published answers."""

from __future__ import annotations

import numpy as np
import pytest

from qpq.game.validation._catalog import REFERENCE_GAMES, beer_quiche, load_catalog
from qpq.game.validation._pbe import intuitive_filter, pure_nash, pure_pbe
from qpq.game.validation._reference import (
    nash_regret,
    pure_profile,
    sequential_rationality,
    subgame_roots,
)
from qpq.game.validation._tree import Tree
from qpq.game.validation._zerosum import zero_sum_solve
from tests.required import require_pygambit

require_pygambit()

WATSON, POKER, HORSE = (g.slug for g in REFERENCE_GAMES)


def _by_label(tree: Tree, choices: dict) -> dict[str, str]:
    return {tree.infosets[k].label: tree.infosets[k].actions[a] for k, a in choices.items()}


def test_watson_signalling_game() -> None:
    tree = load_catalog(WATSON)
    found = [_by_label(tree, a.choices) for a in pure_pbe(tree)]
    # You:1 = High type, You:2 = Low type; Firm:1 after E, Firm:2 after N
    separating = {"You:1": "E", "You:2": "N", "Firm:1": "M", "Firm:2": "C"}
    pooling = {"You:1": "N", "You:2": "N", "Firm:1": "C", "Firm:2": "C"}
    assert len(found) == 2
    assert separating in found and pooling in found
    # the pooling equilibrium's off-path belief must make C optimal after E: P(High) <= 0.4
    pool = next(a for a in pure_pbe(tree) if _by_label(tree, a.choices) == pooling)
    key = next(k for k in tree.infosets if tree.infosets[k].label == "Firm:1")
    assert pool.beliefs[key][0] <= 0.4 + 1e-6


def test_stripped_down_poker_value() -> None:
    tree = load_catalog(POKER)
    value, profile = zero_sum_solve(tree)
    assert value == pytest.approx(1 / 3, abs=1e-9)
    assert nash_regret(tree, profile) <= 1e-9
    assert pure_pbe(tree) == [] and pure_nash(tree) == []   # only a mixed equilibrium
    # the known equilibrium: bet the King, bluff the Queen 1/3; call 2/3
    by_label = {tree.infosets[k].label: v for k, v in profile.items()}
    assert by_label["Professor:1"][0] == pytest.approx(1.0)
    assert by_label["Professor:2"][0] == pytest.approx(1 / 3)
    assert by_label["Student:1"][0] == pytest.approx(2 / 3)


def test_seltens_horse() -> None:
    tree = load_catalog(HORSE)
    assert subgame_roots(tree) == [tree.root]   # no proper subgames
    nash = [_by_label(tree, c) for c in pure_nash(tree)]
    assert len(nash) == 2
    rrl = {"Player 1:1": "R", "Player 2:1": "R", "Player 3:1": "L"}
    assert rrl in nash
    assert [_by_label(tree, a.choices) for a in pure_pbe(tree)] == [rrl]
    other = next(c for c in pure_nash(tree) if _by_label(tree, c) != rrl)
    assert not sequential_rationality(tree, pure_profile(tree, other)).ok


def test_beer_quiche_and_the_intuitive_criterion() -> None:
    tree = beer_quiche()
    found = pure_pbe(tree)
    labels = [_by_label(tree, a.choices) for a in found]
    assert len(found) == 2
    meals = [{v for k, v in lab.items() if k.startswith("Sender")} for lab in labels]
    assert sorted(map(sorted, meals)) == [["Beer"], ["Quiche"]]   # both pooling
    survives = dict(zip((m.pop() for m in meals), intuitive_filter(tree, found), strict=True))
    assert survives == {"Beer": True, "Quiche": False}


def test_intuitive_filter_rejects_non_signalling_games() -> None:
    with pytest.raises(ValueError, match="signalling"):
        intuitive_filter(load_catalog(HORSE), [])


@pytest.mark.parametrize("slug", [WATSON, HORSE, POKER])
def test_nash_regret_matches_pygambit(slug: str) -> None:
    from qpq.game.validation._gambit import strategic_regret

    tree = load_catalog(slug)
    rng = np.random.default_rng(0)
    for _ in range(5):
        profile = {k: rng.dirichlet(np.ones(len(i.actions))) for k, i in tree.infosets.items()}
        ours = nash_regret(tree, profile)
        theirs = strategic_regret(tree, tree.profile_to_labels(profile))
        assert ours == pytest.approx(theirs, abs=1e-9)
