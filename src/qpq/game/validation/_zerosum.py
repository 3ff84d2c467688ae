"""Two-player zero-sum extensive games: value and equilibrium by the sequence form.

The sequence-form linear program of Koller, Megiddo and von Stengel (1996): each player's
mixed behaviour is a realisation plan over sequences (information set, action), and the
maximin problem is one LP whose size is linear in the tree. Part of the general reference
solver (:mod:`qpq.game.validation._reference`); it reproduces the value 1/3 of stripped-down poker.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from qpq.game.validation._tree import InfosetKey, Node, Profile, Tree

__all__ = ["zero_sum_solve"]

FloatArray = NDArray[np.float64]


def _sequences(tree: Tree, player: int) -> tuple[list[tuple[InfosetKey, int] | None],
                                                 dict[InfosetKey, int]]:
    seqs: list[tuple[InfosetKey, int] | None] = [None]
    parent: dict[InfosetKey, int] = {}
    index: dict[tuple[InfosetKey, int], int] = {}
    stack: list[tuple[Node, int]] = [(tree.root, 0)]
    while stack:
        node, last = stack.pop()
        if node.kind == "decision" and node.player == player:
            key = (node.player, node.infoset)
            parent.setdefault(key, last)
            for a, c in enumerate(node.children):
                if (key, a) not in index:
                    index[(key, a)] = len(seqs)
                    seqs.append((key, a))
                stack.append((c, index[(key, a)]))
        else:
            stack.extend((c, last) for c in node.children)
    return seqs, parent


def _leaf_sequences(tree: Tree, seqs: list[list[tuple[InfosetKey, int] | None]]
                    ) -> Iterator[tuple[float, tuple[int, int], tuple[float, ...]]]:
    index = [{s: i for i, s in enumerate(ss)} for ss in seqs]
    stack: list[tuple[Node, float, tuple[int, int]]] = [(tree.root, 1.0, (0, 0))]
    while stack:
        node, pr, last = stack.pop()
        if node.kind == "terminal":
            yield pr, last, node.payoffs
        elif node.kind == "chance":
            stack.extend((c, pr * p, last) for p, c in zip(node.probs, node.children,
                                                          strict=True))
        else:
            key = (node.player, node.infoset)
            for a, c in enumerate(node.children):
                new = list(last)
                new[node.player] = index[node.player][(key, a)]
                stack.append((c, pr, (new[0], new[1])))


def zero_sum_solve(tree: Tree) -> tuple[float, Profile]:
    """Value (to player 1) and an equilibrium of a two-player zero-sum game (sequence form)."""
    if len(tree.players) != 2:
        raise ValueError("the sequence-form LP here handles two players")
    s1, par1 = _sequences(tree, 0)
    s2, par2 = _sequences(tree, 1)
    a = np.zeros((len(s1), len(s2)))
    for pr, (i, j), pay in _leaf_sequences(tree, [s1, s2]):
        if abs(pay[0] + pay[1]) > 1e-9:
            raise ValueError("the game is not zero-sum")
        a[i, j] += pr * pay[0]

    def constraints(seqs: list[tuple[InfosetKey, int] | None], parent: dict[InfosetKey, int]
                    ) -> tuple[FloatArray, FloatArray, list[InfosetKey]]:
        keys = list(parent)
        e = np.zeros((1 + len(keys), len(seqs)))
        e[0, 0] = 1.0
        for r, k in enumerate(keys, start=1):
            e[r, parent[k]] = -1.0
            for i, s in enumerate(seqs):
                if s is not None and s[0] == k:
                    e[r, i] = 1.0
        rhs = np.zeros(1 + len(keys))
        rhs[0] = 1.0
        return e, rhs, keys

    e1, r1, k1 = constraints(s1, par1)
    e2, r2, k2 = constraints(s2, par2)

    def solve_side(mat: FloatArray, e_own: FloatArray, r_own: FloatArray, e_opp: FloatArray,
                   r_opp: FloatArray) -> tuple[float, FloatArray]:
        # max_{x,q} r_opp·q  s.t.  e_opp^T q <= mat^T x,  e_own x = r_own,  x >= 0
        nx, nq = mat.shape[0], e_opp.shape[0]
        c = np.concatenate([np.zeros(nx), -r_opp])
        a_ub = np.hstack([-mat.T, e_opp.T])
        a_eq = np.hstack([e_own, np.zeros((e_own.shape[0], nq))])
        res = linprog(c, A_ub=a_ub, b_ub=np.zeros(mat.shape[1]), A_eq=a_eq, b_eq=r_own,
                      bounds=[(0, None)] * nx + [(None, None)] * nq, method="highs")
        if res.status != 0:
            raise RuntimeError(f"sequence-form LP failed: {res.message}")
        return float(-res.fun), np.asarray(res.x[:nx], dtype=float)

    value, x = solve_side(a, e1, r1, e2, r2)
    _, y = solve_side(-a.T, e2, r2, e1, r1)
    profile: Profile = {}
    for seqs, parent, keys, plan in ((s1, par1, k1, x), (s2, par2, k2, y)):
        for k in keys:
            idx = [i for i, s in enumerate(seqs) if s is not None and s[0] == k]
            mass = plan[parent[k]]
            n_act = len(tree.infosets[k].actions)
            beh = plan[idx] / mass if mass > 1e-12 else np.full(n_act, 1.0 / n_act)
            profile[k] = np.clip(beh, 0.0, None) / max(float(np.clip(beh, 0.0, None).sum()),
                                                       1e-300)
    return value, profile
