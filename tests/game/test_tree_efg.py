from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest

from qpq.game import FULL_GAME, build_tree, parse_efg, to_efg
from qpq.game._spec import GameStructure
from qpq.game.validation._efg import EfgError
from qpq.game.validation._gambit import reduced_structure
from qpq.game.validation._reference import expected_payoffs
from qpq.model import FIRST_MOVES, ParameterSet
from tests.required import require_pygambit


def test_tree_shape(defaults: ParameterSet) -> None:
    tree = build_tree(defaults)
    # per first move: 4 types x 3 efforts x 8 signals x (3 or 4) final actions
    assert tree.n_leaves == 4 * 3 * 8 * (3 + 4 * 4 + 4)
    labels = {i.label for i in tree.infosets.values()}
    assert "C|first" in labels
    assert "T|S,H|Engage[no_promise]" in labels
    assert "C|Engage[reward_if_quiet],s1,d0,rclose" in labels
    assert len(tree.infosets) == 1 + 6 * 4 + 6 * 8
    for info in tree.infosets.values():
        if info.label.startswith("C|") and info.label != "C|first":
            assert len(info.nodes) == 12     # 4 types x 3 efforts: China sees neither
        if info.label.startswith("T|"):
            assert len(info.nodes) == 1      # the Taliban know their type and China's move
    for node in tree.walk():
        if node.kind == "chance":
            assert sum(node.probs) == pytest.approx(1.0)
            assert all(0 < p < 1 for p in node.probs) or node.infoset.startswith("N|type")


def test_efg_round_trip(defaults: ParameterSet) -> None:
    tree = build_tree(defaults)
    text = to_efg(tree, "defaults")
    back = parse_efg(text)
    assert back.players == ("China", "Taliban")
    assert [i.label for i in back.infosets.values()] == [i.label for i in tree.infosets.values()]
    a = [n.payoffs for n in tree.walk() if n.is_terminal]
    b = [n.payoffs for n in back.walk() if n.is_terminal]
    assert np.allclose(a, b, atol=0, rtol=1e-15)
    uniform = {k: np.full(len(i.actions), 1 / len(i.actions)) for k, i in tree.infosets.items()}
    assert np.allclose(expected_payoffs(tree, uniform), expected_payoffs(back, uniform))
    # chance probabilities are written as exact rationals summing to one
    for line in text.splitlines():
        if line.startswith("c "):
            parts = line.split("{")[1].split("}")[0].split()
            probs = [Fraction(x) for x in parts[1::2]]
            assert sum(probs) == 1


def test_pygambit_reads_the_export(defaults: ParameterSet) -> None:
    gbt = require_pygambit()
    structure = reduced_structure(FIRST_MOVES[2])
    tree = build_tree(defaults, structure)
    game = gbt.read_efg(io.StringIO(to_efg(tree)))
    assert [p.label for p in game.players] == ["China", "Taliban"]
    assert {i.label for i in game.infosets} == {i.label for i in tree.infosets.values()}
    assert len(list(game.infosets)) == len(tree.infosets)


def test_structure_variants(defaults: ParameterSet) -> None:
    small = GameStructure(types=FULL_GAME.types[::2], first_moves=(FIRST_MOVES[1],),
                          un_report=False)
    tree = build_tree(defaults, small)
    assert tree.n_leaves == 2 * 3 * 4 * 4
    assert "C|Engage[no_promise],s1,d0" in {i.label for i in tree.infosets.values()}


def test_parser_rejects_garbage() -> None:
    with pytest.raises(EfgError):
        parse_efg("NFG 1 R")
    with pytest.raises(EfgError):
        parse_efg('EFG 2 R "x" { "a" } "" x "" 1 "" { "b" } 0')
