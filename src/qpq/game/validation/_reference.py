"""A small general reference solver for finite extensive games with chance (may be slow).

Independent of the fast solver for our game family, it works on any
:class:`~qpq.game.validation._tree.Tree` with perfect recall and is checked against games with
published answers (:mod:`qpq.game.validation._catalog`). It provides:

* expected payoffs, reach probabilities and continuation values of a behaviour profile;
* :func:`nash_regret` — each player's gain from a best response, by one backward pass over
  the player's information sets (deepest first; valid under perfect recall);
* :func:`sequential_rationality` — beliefs by Bayes' rule wherever possible (within the
  smallest proper subgame containing the information set) and a check that every action
  played is optimal given beliefs and continuation play; at unreached information sets an
  LP looks for a belief that supports the actions played;
* proper-subgame detection (:func:`subgame_roots`).

Equilibrium enumeration lives in :mod:`qpq.game.validation._pbe` (pure PBE, pure Nash, the intuitive
criterion) and two-player zero-sum games in :mod:`qpq.game.validation._zerosum`; both build on the
functions here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from qpq.game.validation._tree import InfosetInfo, InfosetKey, Node, Profile, Tree

__all__ = [
    "TOL",
    "SequentialCheck",
    "best_response_values",
    "expected_payoffs",
    "nash_regret",
    "node_values",
    "pure_profile",
    "reach",
    "sequential_rationality",
    "subgame_roots",
]

FloatArray = NDArray[np.float64]
TOL = 1e-9


def _ok(value: float, best: float, tol: float) -> bool:
    return value >= best - tol * (1.0 + abs(best))


def pure_profile(tree: Tree, choices: dict[InfosetKey, int]) -> Profile:
    """One-hot behaviour profile from one action index per information set."""
    out: Profile = {}
    for key, info in tree.infosets.items():
        v = np.zeros(len(info.actions))
        v[choices[key]] = 1.0
        out[key] = v
    return out


# --------------------------------------------------------------------------- evaluation


def _values(node: Node, profile: Profile, out: dict[int, tuple[float, ...]],
            fixed: dict[int, tuple[float, ...]] | None) -> tuple[float, ...]:
    # Python floats, not numpy arrays: the payoff vectors are a few entries long, where an
    # array operation costs ten times the arithmetic (the same IEEE products and sums, so
    # the same values)
    if fixed is not None and id(node) in fixed:
        v = fixed[id(node)]
    elif node.kind == "terminal":
        v = tuple([float(x) for x in node.payoffs])
    else:
        weights = (node.probs if node.kind == "chance"
                   else profile[(node.player, node.infoset)].tolist())
        v = ()
        for w, c in zip(weights, node.children, strict=True):
            cv = _values(c, profile, out, fixed)
            v = (tuple([w * x for x in cv]) if not v
                 else tuple([a + w * x for a, x in zip(v, cv, strict=True)]))
    out[id(node)] = v
    return v


def node_values(tree: Tree, profile: Profile, root: Node | None = None,
                fixed: dict[int, FloatArray] | None = None) -> dict[int, tuple[float, ...]]:
    """Expected payoff vector (one float per player) from every node on, under ``profile``.

    ``fixed``: payoff vectors to take as given at some nodes (solved subgames).
    """
    out: dict[int, tuple[float, ...]] = {}
    given = (None if fixed is None
             else {k: tuple(float(x) for x in v) for k, v in fixed.items()})
    _values(root or tree.root, profile, out, given)
    return out


def reach(tree: Tree, profile: Profile, root: Node | None = None,
          skip_player: int | None = None, stop: set[int] | None = None) -> dict[int, float]:
    """Probability of reaching each node from ``root`` (``skip_player``'s moves count as 1)."""
    out: dict[int, float] = {}
    stack: list[tuple[Node, float]] = [(root or tree.root, 1.0)]
    while stack:
        node, pr = stack.pop()
        out[id(node)] = pr
        if node.kind == "terminal" or (stop is not None and id(node) in stop and
                                        node is not (root or tree.root)):
            continue
        if node.kind == "chance":
            probs = node.probs
        elif node.player == skip_player:
            probs = tuple(1.0 for _ in node.children)
        else:
            probs = tuple(profile[(node.player, node.infoset)])
        for p, c in zip(probs, node.children, strict=True):
            stack.append((c, pr * p))
    return out


def expected_payoffs(tree: Tree, profile: Profile) -> FloatArray:
    """Expected payoff of each player."""
    return np.array(node_values(tree, profile)[id(tree.root)])


def _own_depth(tree: Tree) -> dict[InfosetKey, int]:
    depth: dict[InfosetKey, int] = {}
    stack: list[tuple[Node, dict[int, int]]] = [(tree.root, {})]
    while stack:
        node, counts = stack.pop()
        if node.kind == "decision":
            key = (node.player, node.infoset)
            depth[key] = max(depth.get(key, 0), counts.get(node.player, 0))
            counts = {**counts, node.player: counts.get(node.player, 0) + 1}
        stack.extend((c, counts) for c in node.children)
    return depth


def best_response_values(tree: Tree, profile: Profile) -> FloatArray:
    """Each player's expected payoff from a best response to the others' strategies."""
    depth = _own_depth(tree)
    out = np.zeros(len(tree.players))
    for i in range(len(tree.players)):
        others = reach(tree, profile, skip_player=i)
        choice: dict[InfosetKey, int] = {}

        def value(node: Node, i: int = i, choice: dict[InfosetKey, int] = choice) -> float:
            if node.kind == "terminal":
                return float(node.payoffs[i])
            if node.kind == "chance":
                return float(sum(p * value(c) for p, c in zip(node.probs, node.children,
                                                              strict=True)))
            key = (node.player, node.infoset)
            if node.player == i:
                return value(node.children[choice[key]])
            return float(sum(s * value(c) for s, c in zip(profile[key], node.children,
                                                          strict=True)))

        mine = sorted((k for k in tree.infosets if k[0] == i), key=lambda k: -depth[k])
        for key in mine:
            info = tree.infosets[key]
            vals = [sum(others[id(x)] * value(x.children[a]) for x in info.nodes)
                    for a in range(len(info.actions))]
            choice[key] = int(np.argmax(vals))
        out[i] = value(tree.root)
    return out


def nash_regret(tree: Tree, profile: Profile) -> float:
    """Largest gain any player gets from a best response (0 at a Nash equilibrium)."""
    return float((best_response_values(tree, profile) - expected_payoffs(tree, profile)).max())


# --------------------------------------------------------------------------- subgames


def _preorder(tree: Tree) -> tuple[list[Node], dict[int, int], dict[int, int]]:
    order: list[Node] = []
    start: dict[int, int] = {}
    end: dict[int, int] = {}

    def visit(node: Node) -> None:
        start[id(node)] = len(order)
        order.append(node)
        for c in node.children:
            visit(c)
        end[id(node)] = len(order)

    visit(tree.root)
    return order, start, end


def subgame_roots(tree: Tree) -> list[Node]:
    """Roots of proper subgames (the tree's root included), in pre-order."""
    order, start, end = _preorder(tree)
    spans = [(min(start[id(x)] for x in info.nodes), max(start[id(x)] for x in info.nodes))
             for info in tree.infosets.values()]
    roots = []
    for node in order:
        if node.kind == "terminal":
            continue
        if node.kind == "decision" and len(tree.infosets[(node.player, node.infoset)].nodes) > 1:
            continue
        s, e = start[id(node)], end[id(node)]
        if all(lo >= s and hi < e for lo, hi in spans if not (hi < s or lo >= e)):
            roots.append(node)
    return roots


def _innermost_root(tree: Tree) -> dict[InfosetKey, Node]:
    """For each information set, the root of the smallest proper subgame containing it."""
    _, start, end = _preorder(tree)
    roots = subgame_roots(tree)
    out: dict[InfosetKey, Node] = {}
    for key, info in tree.infosets.items():
        first = start[id(info.nodes[0])]
        best = tree.root
        for r in roots:
            if start[id(r)] <= first < end[id(r)] and start[id(r)] >= start[id(best)]:
                best = r
        out[key] = best
    return out


# --------------------------------------------------------------------------- beliefs, LPs


def _supporting_belief(gains: FloatArray, tol: float) -> FloatArray | None:
    """A belief μ ≥ 0, Σμ = 1 with ``gains @ μ >= -tol`` row-wise, or ``None``."""
    n_rows, n_nodes = gains.shape
    if n_rows == 0:
        return np.full(n_nodes, 1.0 / n_nodes)
    res = linprog(np.zeros(n_nodes), A_ub=-gains, b_ub=np.full(n_rows, tol),
                  A_eq=np.ones((1, n_nodes)), b_eq=[1.0], bounds=[(0, None)] * n_nodes,
                  method="highs")
    return np.asarray(res.x, dtype=float) if res.status == 0 else None


def _action_values(info: InfosetInfo, values: dict[int, tuple[float, ...]]) -> FloatArray:
    """(nodes, actions) continuation payoff of the infoset's player."""
    return np.array([[values[id(c)][info.player] for c in x.children] for x in info.nodes])


@dataclass(frozen=True)
class SequentialCheck:
    """Result of :func:`sequential_rationality`."""

    ok: bool
    max_violation: float
    beliefs: dict[InfosetKey, FloatArray]
    unreached: tuple[InfosetKey, ...]


def sequential_rationality(tree: Tree, profile: Profile, tol: float = 1e-7,
                           support_tol: float = 1e-6) -> SequentialCheck:
    """Check a behaviour profile for sequential rationality with Bayes-consistent beliefs.

    Beliefs come from Bayes' rule within the smallest proper subgame containing each
    information set; where that gives nothing (the set is unreached even from its subgame's
    root), an LP looks for any belief under which every action played (probability above
    ``support_tol``) is optimal.
    """
    values = node_values(tree, profile)
    inner = _innermost_root(tree)
    reach_from: dict[int, dict[int, float]] = {}
    beliefs: dict[InfosetKey, FloatArray] = {}
    unreached: list[InfosetKey] = []
    worst = 0.0
    for key, info in tree.infosets.items():
        root = inner[key]
        if id(root) not in reach_from:
            reach_from[id(root)] = reach(tree, profile, root)
        r = np.array([reach_from[id(root)].get(id(x), 0.0) for x in info.nodes])
        av = _action_values(info, values)               # (nodes, actions)
        sigma = profile[key]
        support = np.flatnonzero(sigma > support_tol)
        if r.sum() > 0:
            mu = r / r.sum()
            v = mu @ av
            gap = float(v.max() - sigma @ v)
            scale = 1.0 + abs(float(v.max()))
            worst = max(worst, gap / scale)
            beliefs[key] = mu
        else:
            unreached.append(key)
            rows = [av[:, a] - av[:, b] for a in support for b in range(av.shape[1]) if a != b]
            gains = np.array(rows) if rows else np.zeros((0, len(info.nodes)))
            scale = 1.0 + float(np.abs(av).max()) if av.size else 1.0
            mu_opt = _supporting_belief(gains, tol * scale)
            if mu_opt is None:
                worst = max(worst, np.inf)
                beliefs[key] = np.full(len(info.nodes), np.nan)
            else:
                beliefs[key] = mu_opt
    return SequentialCheck(ok=worst <= tol, max_violation=worst, beliefs=beliefs,
                           unreached=tuple(unreached))
