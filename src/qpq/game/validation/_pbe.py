"""Enumeration of pure equilibria on explicit trees, and the intuitive criterion.

* :func:`pure_pbe` — every pure perfect Bayesian equilibrium (beliefs arbitrary only where
  Bayes' rule does not apply): subgames are solved bottom-up; inside a subgame, the pure
  choices at information sets with decisions below them are enumerated, the "last"
  information sets get their best-response sets from beliefs (an LP finds a supporting
  belief where Bayes' rule is silent), and every combination is checked for sequential
  rationality;
* :func:`pure_nash` — every pure Nash equilibrium (enumeration; small games only);
* :func:`intuitive_filter` — Cho and Kreps' intuitive criterion for signalling games.

Part of the general reference solver (:mod:`qpq.game.validation._reference`); may be slow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import numpy as np
from numpy.typing import NDArray

from qpq.game.validation._reference import (
    TOL,
    _action_values,
    _ok,
    _preorder,
    _supporting_belief,
    nash_regret,
    node_values,
    pure_profile,
    reach,
    subgame_roots,
)
from qpq.game.validation._tree import InfosetKey, Node, Profile, Tree

__all__ = ["Assessment", "intuitive_filter", "pure_nash", "pure_pbe"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Assessment:
    """A pure assessment: one action per information set, beliefs, payoffs at the root."""

    choices: dict[InfosetKey, int]
    beliefs: dict[InfosetKey, FloatArray]
    payoffs: FloatArray

    def profile(self, tree: Tree) -> Profile:
        """As a one-hot behaviour profile."""
        return pure_profile(tree, self.choices)

    def labels(self, tree: Tree) -> dict[str, dict[str, str]]:
        """``{player: {infoset: action}}``."""
        out: dict[str, dict[str, str]] = {p: {} for p in tree.players}
        for key, a in self.choices.items():
            out[tree.players[key[0]]][key[1]] = tree.infosets[key].actions[a]
        return out


def _region(node: Node, stop: set[int]) -> Iterator[Node]:
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        if x is not node and id(x) in stop:
            continue
        stack.extend(x.children)


def pure_pbe(tree: Tree, tol: float = TOL, cap: int = 200_000) -> list[Assessment]:
    """Every pure PBE of ``tree`` (see the module docstring for the method).

    Raises
    ------
    ValueError
        If an enumeration inside a subgame would exceed ``cap`` combinations.
    """
    roots = subgame_roots(tree)
    root_ids = {id(r) for r in roots}
    _, start, end = _preorder(tree)

    def children_roots(node: Node) -> list[Node]:
        inside = [r for r in roots if r is not node and start[id(node)] < start[id(r)]
                  < end[id(node)]]
        return [r for r in inside if not any(o is not r and start[id(o)] < start[id(r)] <
                                             end[id(o)] for o in inside)]

    def solve_at(node: Node) -> list[Assessment]:
        inner = children_roots(node)
        inner_sols = [solve_at(r) for r in inner]
        stop = {id(r) for r in inner}
        region = list(_region(node, stop))
        keys: list[InfosetKey] = []
        for x in region:
            if x.kind == "decision" and id(x) not in stop:
                k = (x.player, x.infoset)
                if k not in keys:
                    keys.append(k)
        results: list[Assessment] = []
        n_combo = 1
        for s in inner_sols:
            n_combo *= max(len(s), 1)
        if n_combo > cap:
            raise ValueError(f"too many subgame-equilibrium combinations ({n_combo})")
        for combo in product(*inner_sols):
            fixed = {id(r): a.payoffs for r, a in zip(inner, combo, strict=True)}
            merged: dict[InfosetKey, int] = {}
            merged_b: dict[InfosetKey, FloatArray] = {}
            for a in combo:
                merged.update(a.choices)
                merged_b.update(a.beliefs)
            results.extend(_solve_region(tree, node, keys, stop, fixed, merged, merged_b,
                                         tol, cap))
        return results

    del root_ids
    return solve_at(tree.root)


def _solve_region(tree: Tree, node: Node, keys: list[InfosetKey], stop: set[int],
                  fixed: dict[int, FloatArray], inner_choices: dict[InfosetKey, int],
                  inner_beliefs: dict[InfosetKey, FloatArray], tol: float, cap: int
                  ) -> list[Assessment]:
    infos = {k: tree.infosets[k] for k in keys}

    def has_decision_below(x: Node) -> bool:
        stack = list(x.children)
        while stack:
            y = stack.pop()
            if id(y) in stop:
                return True  # a subgame below counts as decisions below
            if y.kind == "decision":
                return True
            stack.extend(y.children)
        return False

    upstream = [k for k in keys if any(has_decision_below(x) for x in infos[k].nodes)]
    last = [k for k in keys if k not in upstream]
    n_up = 1
    for k in upstream:
        n_up *= len(infos[k].actions)
    if n_up > cap:
        raise ValueError(f"too many pure profiles to enumerate in a subgame ({n_up})")
    base: Profile = {k: np.full(len(i.actions), 1.0 / len(i.actions))
                     for k, i in tree.infosets.items()}
    for k, a in inner_choices.items():
        v = np.zeros(len(tree.infosets[k].actions))
        v[a] = 1.0
        base[k] = v
    out: list[Assessment] = []
    for up_choice in product(*(range(len(infos[k].actions)) for k in upstream)):
        prof = dict(base)
        for k, a in zip(upstream, up_choice, strict=True):
            v = np.zeros(len(infos[k].actions))
            v[a] = 1.0
            prof[k] = v
        r = reach(tree, prof, node, stop=stop)
        vals = node_values(tree, prof, node, fixed)
        options: list[list[tuple[int, FloatArray]]] = []
        for k in last:
            info = infos[k]
            av = _action_values(info, vals)
            w = np.array([r.get(id(x), 0.0) for x in info.nodes])
            opts: list[tuple[int, FloatArray]] = []
            if w.sum() > 0:
                mu = w / w.sum()
                v = mu @ av
                opts = [(a, mu) for a in range(len(info.actions)) if _ok(v[a], v.max(), tol)]
            else:
                for a in range(len(info.actions)):
                    gains = np.array([av[:, a] - av[:, b] for b in range(av.shape[1]) if b != a])
                    mu_opt = _supporting_belief(gains, tol * (1 + float(np.abs(av).max())))
                    if mu_opt is not None:
                        opts.append((a, mu_opt))
            options.append(opts)
        for last_choice in product(*options):
            full = dict(prof)
            choices = dict(inner_choices)
            beliefs = dict(inner_beliefs)
            for k, a in zip(upstream, up_choice, strict=True):
                choices[k] = a
            for k, (a, mu) in zip(last, last_choice, strict=True):
                v = np.zeros(len(infos[k].actions))
                v[a] = 1.0
                full[k] = v
                choices[k] = a
                beliefs[k] = mu
            vals2 = node_values(tree, full, node, fixed)
            ok = True
            for k in upstream:
                info = infos[k]
                av = _action_values(info, vals2)
                w = np.array([r.get(id(x), 0.0) for x in info.nodes])
                a = choices[k]
                if w.sum() > 0:
                    mu = w / w.sum()
                    v = mu @ av
                    if not _ok(v[a], v.max(), tol):
                        ok = False
                        break
                    beliefs[k] = mu
                else:
                    gains = np.array([av[:, a] - av[:, b] for b in range(av.shape[1]) if b != a])
                    mu_opt = _supporting_belief(gains, tol * (1 + float(np.abs(av).max())))
                    if mu_opt is None:
                        ok = False
                        break
                    beliefs[k] = mu_opt
            if ok:
                out.append(Assessment(choices=choices, beliefs=beliefs,
                                      payoffs=np.array(vals2[id(node)])))
    return out


def pure_nash(tree: Tree, tol: float = TOL, cap: int = 100_000) -> list[dict[InfosetKey, int]]:
    """Every pure Nash equilibrium (behaviour profiles), by enumeration."""
    keys = list(tree.infosets)
    sizes = [len(tree.infosets[k].actions) for k in keys]
    if int(np.prod(sizes)) > cap:
        raise ValueError("too many pure profiles for enumeration")
    out = []
    for combo in product(*(range(s) for s in sizes)):
        choices = dict(zip(keys, combo, strict=True))
        if nash_regret(tree, pure_profile(tree, choices)) <= tol:
            out.append(choices)
    return out


def intuitive_filter(tree: Tree, assessments: list[Assessment], tol: float = TOL
                     ) -> list[bool]:
    """Cho-Kreps intuitive criterion for a signalling game; ``True`` = survives.

    The tree must be a signalling game: chance picks the sender's type at the root; each
    type's node is a singleton information set of the sender; each message leads to one
    receiver information set (one node per type) whose actions end the game.
    """
    root = tree.root
    if root.kind != "chance" or not root.children:
        raise ValueError("a signalling game starts with Nature choosing the type")
    sender = root.children[0].player
    prior = np.asarray(root.probs, dtype=float)
    messages = root.children[0].actions
    receiver_sets: list[InfosetKey] = []
    for m in range(len(messages)):
        keys = {(x.children[m].player, x.children[m].infoset) for x in root.children}
        if len(keys) != 1 or any(x.kind != "decision" or x.player != sender
                                 for x in root.children):
            raise ValueError("not a signalling game: each message must lead to one receiver "
                             "information set")
        receiver_sets.append(keys.pop())
    receiver = receiver_sets[0][0]
    n_types = len(root.children)

    def payoff(t: int, m: int, r: int, who: int) -> float:
        return float(root.children[t].children[m].children[r].payoffs[who])

    def br_actions(m: int, support: list[int]) -> list[int]:
        n_r = len(tree.infosets[receiver_sets[m]].actions)
        acts = []
        for r in range(n_r):
            gains = np.array([[payoff(t, m, r, receiver) - payoff(t, m, b, receiver)
                               for t in support] for b in range(n_r) if b != r])
            if _supporting_belief(gains, tol) is not None:
                acts.append(r)
        return acts

    out = []
    for a in assessments:
        eq_pay = [payoff(t, a.choices[(sender, root.children[t].infoset)],
                         a.choices[receiver_sets[a.choices[(sender, root.children[t].infoset)]]],
                         sender) for t in range(n_types)]
        used = {a.choices[(sender, root.children[t].infoset)] for t in range(n_types)
                if prior[t] > 0}
        survives = True
        for m in range(len(messages)):
            if m in used:
                continue
            all_br = br_actions(m, list(range(n_types)))
            dominated = {t for t in range(n_types)
                         if eq_pay[t] > max(payoff(t, m, r, sender) for r in all_br) + tol}
            j = [t for t in range(n_types) if t not in dominated]
            if not j:
                continue
            br_j = br_actions(m, j)
            if any(min(payoff(t, m, r, sender) for r in br_j) > eq_pay[t] + tol for t in j):
                survives = False
                break
        out.append(survives)
    return out
