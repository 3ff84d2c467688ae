"""A second view for scenario discovery: a small CART classification tree and its scores.

PRIM (:mod:`qpq.explore._prim`) finds one box; a classification tree (Breiman et al. 1984)
partitions the whole space into boxes, each a leaf with its share of cases of interest,
and so shows *other* regions where the deal backfires and how the inputs interact. The
tree here is deliberately small (depth ≤ ``max_depth``, leaves of at least ``min_leaf``
of the points) so that its rules can be read:

* each split minimises the weighted Gini impurity of the two children over every input and
  every threshold halfway between consecutive distinct values;
* a node is not split when it is pure, at the depth limit, or when no split leaves both
  children ``min_leaf`` points;
* **feature scores** are each input's total impurity decrease (weighted by the share of
  points in the node), normalised to sum to 1 — the tree's answer to "which inputs
  separate the cases of interest" (a feature-scoring view, like EMA's, but from one
  transparent tree rather than a forest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_number, check_whole

__all__ = ["CartResult", "TreeNode", "cart"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TreeNode:
    """A node: its points, cases of interest and (unless a leaf) its split.

    ``rule`` is the conjunction of conditions from the root, e.g.
    ``(("iskp_pull", ">", 1.2),)``; points with ``x[feature] <= threshold`` go left.
    """

    index: int
    depth: int
    n_points: int
    n_cases: int
    rule: tuple[tuple[str, str, float], ...]
    feature: str | None = None
    threshold: float | None = None
    left: int | None = None
    right: int | None = None

    @property
    def density(self) -> float:
        """Share of cases of interest in the node."""
        return self.n_cases / self.n_points if self.n_points else float("nan")

    @property
    def is_leaf(self) -> bool:
        """Whether the node is not split."""
        return self.feature is None


@dataclass(frozen=True)
class CartResult:
    """The tree, the inputs' scores and the settings."""

    names: tuple[str, ...]
    nodes: tuple[TreeNode, ...]
    scores: dict[str, float]
    n: int
    n_cases: int
    max_depth: int
    min_leaf: float
    method: str = "CART classification tree (Gini), feature scores = impurity decrease"

    def leaves(self) -> list[TreeNode]:
        """Leaves by decreasing density."""
        return sorted((nd for nd in self.nodes if nd.is_leaf), key=lambda nd: -nd.density)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: scores and leaves with their rules, coverage and density."""
        return {"method": self.method, "n": self.n, "n_cases": self.n_cases,
                "max_depth": self.max_depth, "min_leaf": self.min_leaf,
                "scores": dict(self.scores),
                "leaves": [{"rule": [list(c) for c in leaf.rule], "n_points": leaf.n_points,
                            "density": leaf.density,
                            "coverage": leaf.n_cases / self.n_cases if self.n_cases else None}
                           for leaf in self.leaves()]}


def _gini(cases: FloatArray, total: FloatArray) -> FloatArray:
    p = np.divide(cases, total, out=np.zeros_like(cases), where=total > 0)
    return np.asarray(2.0 * p * (1.0 - p))


def _best_split(x: FloatArray, y: FloatArray, min_points: int
                ) -> tuple[int, float, float] | None:
    """(feature, threshold, weighted child impurity) of the best split, or None."""
    n = y.shape[0]
    best: tuple[int, float, float] | None = None
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        xs, ys = x[order, j], y[order]
        left_n = np.arange(1, n, dtype=float)
        left_k = np.cumsum(ys)[:-1]
        right_n, right_k = n - left_n, ys.sum() - left_k
        valid = (xs[1:] > xs[:-1]) & (left_n >= min_points) & (right_n >= min_points)
        if not valid.any():
            continue
        impurity = (left_n * _gini(left_k, left_n) + right_n * _gini(right_k, right_n)) / n
        impurity = np.where(valid, impurity, np.inf)
        i = int(np.argmin(impurity))
        if best is None or impurity[i] < best[2]:
            best = (j, float(0.5 * (xs[i] + xs[i + 1])), float(impurity[i]))
    return best


def cart(x: FloatArray, y: NDArray[np.bool_], names: Sequence[str], *, max_depth: int = 3,
         min_leaf: float = 0.05) -> CartResult:
    """Grow a classification tree of ``y`` on ``x`` (breadth first).

    Parameters
    ----------
    x
        Inputs (n, D).
    y
        Cases of interest (n,).
    names
        Input names (D).
    max_depth
        Deepest split level (the root is depth 0).
    min_leaf
        Smallest leaf, as a share of all points.
    """
    x = np.asarray(x, dtype=float)
    yf = np.asarray(y, dtype=bool).astype(float).reshape(-1)
    n = yf.shape[0]
    if x.shape != (n, len(names)):
        raise ValueError("x must be (n, D) with one name per column and one y per row")
    # max_depth=1.5 was taken, min_leaf="0.05" ended in a TypeError
    max_depth = check_whole(max_depth, "max_depth", minimum=0)
    min_leaf = check_number(min_leaf, "min_leaf", low=0.0, high=1.0)
    min_points = max(1, int(np.ceil(min_leaf * n)))
    gain = dict.fromkeys(names, 0.0)
    nodes: list[dict[str, Any]] = [{"rows": np.arange(n), "depth": 0, "rule": ()}]
    done: list[TreeNode] = []
    i = 0
    while i < len(nodes):
        nd = nodes[i]
        rows = nd["rows"]
        k = float(yf[rows].sum())
        split = None
        if nd["depth"] < max_depth and 0 < k < rows.size:
            split = _best_split(x[rows], yf[rows], min_points)
        node = TreeNode(i, nd["depth"], int(rows.size), int(k), nd["rule"])
        if split is not None:
            j, thr, child = split
            parent = float(_gini(np.array([k]), np.array([float(rows.size)]))[0])
            gain[names[j]] += rows.size / n * (parent - child)
            go_left = x[rows, j] <= thr
            left, right = len(nodes), len(nodes) + 1
            nodes.append({"rows": rows[go_left], "depth": nd["depth"] + 1,
                          "rule": (*nd["rule"], (names[j], "<=", thr))})
            nodes.append({"rows": rows[~go_left], "depth": nd["depth"] + 1,
                          "rule": (*nd["rule"], (names[j], ">", thr))})
            node = TreeNode(i, nd["depth"], int(rows.size), int(k), nd["rule"], names[j],
                            thr, left, right)
        done.append(node)
        i += 1
    total = sum(gain.values())
    scores = {k: (v / total if total > 0 else 0.0) for k, v in gain.items()}
    return CartResult(tuple(names), tuple(done), scores, n, int(yf.sum()), max_depth,
                      min_leaf)
