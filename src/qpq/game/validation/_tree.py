"""Explicit extensive-form trees: a small general data structure and our game built in it.

:class:`Tree` holds any finite extensive game with chance moves and perfect recall: the
reference solver (:mod:`qpq.game.validation._reference`), the .efg writer and reader
(:mod:`qpq.game.validation._efg`) and the catalogue loader work on it. :func:`build_tree` builds the
quid pro quo game from parameters, leaf by leaf, calling the shared utilities directly —
an independent path from the fast solver's tensors, which is what makes the comparison
between the two solvers meaningful.

Order of moves in the explicit tree: China's first move is at the root and Nature's draw of
the type follows it. The spec lists Nature's draw first; because China does not observe
the type, the two orders are strategically identical, and putting China first makes every
first move the root of a proper subgame (what pygambit's per-subgame checks and the
reference solver's subgame decomposition need). See docs/model-game.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qpq.game._spec import FULL_GAME, Effort, GameStructure, TalibanType
from qpq.model import (
    FinalAction,
    FirstMove,
    MoveKind,
    ParameterSet,
    breaks_word,
    china_utility,
    consequence,
    defection_prob,
    signal_pressure,
    suppression_prob,
    taliban_utility,
    un_close_prob,
)

__all__ = ["Continuation", "InfosetInfo", "InfosetKey", "Node", "Profile", "Tree", "build_tree"]

InfosetKey = tuple[int, str]
"""(player index, information-set label)."""

Profile = dict[InfosetKey, NDArray[np.float64]]
"""Behaviour profile: probabilities of each action at each information set."""


@dataclass(eq=False)
class Node:
    """One node: chance, decision or terminal."""

    kind: str
    player: int = -1
    infoset: str = ""
    actions: tuple[str, ...] = ()
    probs: tuple[float, ...] = ()
    children: list[Node] = field(default_factory=list)
    payoffs: tuple[float, ...] = ()
    label: str = ""

    @property
    def is_terminal(self) -> bool:
        """Whether the node ends the game."""
        return self.kind == "terminal"


@dataclass(frozen=True)
class InfosetInfo:
    """A decision information set: its player, label, actions and member nodes."""

    player: int
    label: str
    actions: tuple[str, ...]
    nodes: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Tree:
    """A finite extensive game with chance moves."""

    title: str
    players: tuple[str, ...]
    root: Node

    def walk(self) -> Iterator[Node]:
        """Every node, in pre-order."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @cached_property
    def infosets(self) -> dict[InfosetKey, InfosetInfo]:
        """Decision information sets by (player, label), in order of first appearance."""
        members: dict[InfosetKey, list[Node]] = {}
        actions: dict[InfosetKey, tuple[str, ...]] = {}
        for node in self.walk():
            if node.kind != "decision":
                continue
            key = (node.player, node.infoset)
            members.setdefault(key, []).append(node)
            if actions.setdefault(key, node.actions) != node.actions:
                raise ValueError(f"information set {node.infoset!r} has nodes with different "
                                 "actions")
        return {k: InfosetInfo(k[0], k[1], actions[k], tuple(v)) for k, v in members.items()}

    @property
    def n_leaves(self) -> int:
        """Number of terminal nodes."""
        return sum(1 for n in self.walk() if n.is_terminal)

    def profile_from_labels(self, strategy: Mapping[str, Mapping[str, Mapping[str, float]]]
                            ) -> Profile:
        """A behaviour profile from ``{player: {infoset: {action: p}}}`` (missing = uniform)."""
        out: Profile = {}
        for key, info in self.infosets.items():
            given = strategy.get(self.players[key[0]], {}).get(key[1])
            if given is None:
                out[key] = np.full(len(info.actions), 1.0 / len(info.actions))
            else:
                out[key] = np.array([float(given.get(a, 0.0)) for a in info.actions])
        return out

    def profile_to_labels(self, profile: Profile) -> dict[str, dict[str, dict[str, float]]]:
        """``{player: {infoset: {action: p}}}`` from a behaviour profile."""
        out: dict[str, dict[str, dict[str, float]]] = {p: {} for p in self.players}
        for key, info in self.infosets.items():
            out[self.players[key[0]]][key[1]] = {
                a: float(x) for a, x in zip(info.actions, profile[key], strict=True)}
        return out


def _scalar(p: Mapping[str, ArrayLike], name: str) -> float:
    return float(np.asarray(p[name]).reshape(-1)[0])


Continuation = Callable[[TalibanType, FirstMove, FinalAction], tuple[float, float]]
"""What follows a leaf, (China, Taliban), by true type, first move and final action."""


def build_tree(params: ParameterSet | Mapping[str, float],
               structure: GameStructure = FULL_GAME, *,
               continuation: Continuation | None = None,
               title: str = "China-Taliban quid pro quo (qpq, one round)") -> Tree:
    """Build the quid pro quo game as an explicit tree (labels as in docs/model-game.md §7.2).

    ``continuation``, when given, is added to every leaf's payoffs: how model v2's stage
    game carries the relationship's discounted values (:mod:`qpq.game.validation._stage`).
    """
    p: dict[str, float] = (params.as_dict() if isinstance(params, ParameterSet)
                           else {k: float(v) for k, v in params.items()})
    china, taliban = 0, 1
    ps, ph = _scalar(p, "prior_sincere"), _scalar(p, "p_high_capacity")
    weights = np.array([(ps if t.sincere else 1 - ps) * (ph if t.high_capacity else 1 - ph)
                        for t in structure.types])
    prior = weights / weights.sum()
    intensity = {Effort.HARBOUR: 0.0, Effort.RESTRAIN: _scalar(p, "restrain_intensity"),
                 Effort.CRACKDOWN: _scalar(p, "crackdown_intensity"), Effort.COOPT: 0.0}
    root = Node("decision", player=china, infoset=structure.first_infoset(),
                actions=tuple(m.label for m in structure.first_moves))
    for m in structure.first_moves:
        acts = structure.actions(m)
        nature = Node("chance", infoset=f"N|type|{m.label}",
                      actions=tuple(t.label for t in structure.types),
                      probs=tuple(float(x) for x in prior))
        root.children.append(nature)
        for t in structure.types:
            kappa = _scalar(p, "capacity_high" if t.high_capacity else "capacity_low")
            tnode = Node("decision", player=taliban, infoset=structure.taliban_infoset(t, m),
                         actions=tuple(e.label for e in structure.efforts))
            nature.children.append(tnode)
            for e in structure.efforts:
                eff = intensity[e]
                # co-optation's flag only where the structure has it (None: v1's formulas)
                co = float(e is Effort.COOPT) if structure.has_coopt else None
                sigma_s = float(suppression_prob(signal_pressure(kappa, eff, p, co), p))
                sigma_d = float(defection_prob(kappa * eff, p, co))
                close = float(un_close_prob(float(t.sincere), p))
                where = f"{t.label}|{m.label}|{e.label}"
                snode = Node("chance", infoset=f"N|s|{where}", actions=("s0", "s1"),
                             probs=(1 - sigma_s, sigma_s))
                tnode.children.append(snode)
                for s in (0, 1):
                    dnode = Node("chance", infoset=f"N|d|{where}|s{s}", actions=("d0", "d1"),
                                 probs=(1 - sigma_d, sigma_d))
                    snode.children.append(dnode)
                    for d in (0, 1):
                        sigs = [g for g in structure.signals if g.s == s and g.d == d]
                        if structure.un_report:
                            parent = Node("chance", infoset=f"N|r|{where}|s{s},d{d}",
                                          actions=("rclose", "rfar"), probs=(close, 1 - close))
                            dnode.children.append(parent)
                        else:
                            parent = dnode
                        for g in sigs:
                            cnode = Node("decision", player=china,
                                         infoset=structure.china_infoset(m, g),
                                         actions=tuple(f.value for f in acts))
                            parent.children.append(cnode)
                            for f in acts:
                                c = consequence(m, f)
                                breach = bool(breaks_word(m, f, g.s, g.d, g.r_close or 0))
                                flags = dict(recognised=float(c.recognised),
                                             plan_b=float(c.plan_b),
                                             intervene=float(c.intervene))
                                uc = china_utility(
                                    engaged=float(c.engaged), aid=float(c.aid),
                                    grants=float(c.grants), breach=float(breach), s=g.s, d=g.d,
                                    sincere=float(t.sincere), kappa=kappa, effort=eff, p=p,
                                    kappa_in_defection=(
                                        structure.readings.kappa_in_future_defection),
                                    coopt=co, **flags)
                                ut = taliban_utility(
                                    aid=float(c.aid), boycott=float(m.kind is MoveKind.BOYCOTT),
                                    s=g.s, d=g.d, sincere=float(t.sincere), effort=eff, p=p,
                                    coopt=co, **flags)
                                extra = ((0.0, 0.0) if continuation is None
                                         else continuation(t, m, f))
                                cnode.children.append(Node(
                                    "terminal",
                                    payoffs=(float(uc) + extra[0], float(ut) + extra[1]),
                                    label=f"{where}|{g.label}|{f.value}"))
    return Tree(title=title,
                players=structure.players, root=root)
