"""Games with published answers: pygambit's bundled catalogue, and Beer–Quiche by hand.

:func:`load_catalog` loads a game by its catalogue slug through ``pygambit.catalog.load``
(pygambit is imported only here, lazily) and converts it to a
:class:`~qpq.game.validation._tree.Tree`.
:data:`REFERENCE_GAMES` lists the slugs and the published answers the tests check:

* ``books/watson2013/fig29_1`` — Watson (2013), figure 29.1, job-market signalling: one
  separating and one pooling PBE;
* ``journals/other/reiley2008/fig1`` — stripped-down poker (Reiley, Urbancic and Walker
  2008): value 1/3 to player 1, no pure equilibrium;
* ``journals/ijgt/selten1975/fig1`` — Selten's horse: two pure Nash equilibria, of which
  only (R, R, L) is perfect (and the only PBE).

:func:`beer_quiche` builds Cho and Kreps' (1987) Beer–Quiche game: two pooling PBE, and only
pooling on Beer survives the intuitive criterion.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from qpq.game.validation._tree import Node, Tree

__all__ = ["REFERENCE_GAMES", "ReferenceGame", "beer_quiche", "from_pygambit", "load_catalog"]


@dataclass(frozen=True)
class ReferenceGame:
    """A catalogue game and what the literature says about it."""

    slug: str
    citation: str
    published: str


REFERENCE_GAMES: tuple[ReferenceGame, ...] = (
    ReferenceGame("books/watson2013/fig29_1", "Watson (2013), Strategy, 3rd ed., fig. 29.1",
                  "a separating PBE (High: E, Low: N; Firm: M after E, C after N) and a "
                  "pooling PBE (both N; Firm: C after N and after E)"),
    ReferenceGame("journals/other/reiley2008/fig1",
                  "Reiley, Urbancic and Walker (2008), J. Economic Education 39(4)",
                  "value 1/3 to the Professor (player 1); the equilibrium is mixed"),
    ReferenceGame("journals/ijgt/selten1975/fig1", "Selten (1975), IJGT 4, figure 1",
                  "two pure Nash equilibria; only (R, R, L) is (trembling-hand) perfect"),
)


def from_pygambit(game: Any) -> Tree:
    """Convert a pygambit extensive game to a :class:`Tree` (labels kept; empty ones named)."""
    players = [p.label or f"Player {i + 1}" for i, p in enumerate(game.players)]
    index = {p.label: i for i, p in enumerate(game.players)}

    def name(infoset: Any, player: int) -> str:
        return infoset.label or f"{players[player]}:{infoset.number + 1}"

    def convert(node: Any, acc: tuple[float, ...]) -> Node:
        with contextlib.suppress(KeyError, TypeError):  # no outcome attached to this node
            acc = tuple(a + float(node.outcome[p]) for a, p in zip(acc, game.players,
                                                                    strict=True))
        if node.is_terminal:
            return Node("terminal", payoffs=acc, label=node.label)
        infoset = node.infoset
        actions = tuple(a.label for a in infoset.actions)
        if node.player.is_chance:
            out = Node("chance", infoset=infoset.label or "chance", actions=actions,
                       probs=tuple(float(a.prob) for a in infoset.actions), label=node.label)
        else:
            i = index[node.player.label]
            out = Node("decision", player=i, infoset=name(infoset, i), actions=actions,
                       label=node.label)
        out.children = [convert(c, acc) for c in node.children]
        return out

    root = convert(game.root, tuple(0.0 for _ in players))
    return Tree(title=game.title, players=tuple(players), root=root)


def load_catalog(slug: str) -> Tree:
    """Load a game from pygambit's catalogue by slug."""
    import pygambit

    return from_pygambit(pygambit.catalog.load(slug))


def beer_quiche(p_strong: float = 0.9) -> Tree:
    """Cho and Kreps' Beer–Quiche signalling game.

    Nature makes the sender strong (probability ``p_strong``) or weak. The sender has Beer
    or Quiche for breakfast; the receiver, seeing only the breakfast, duels or not. Sender:
    1 for the breakfast its type prefers (strong: Beer, weak: Quiche) plus 2 if there is no
    duel. Receiver: 1 for duelling a weak sender or not duelling a strong one, else 0.
    """
    players = ("Sender", "Receiver")
    types = (("strong", "Beer"), ("weak", "Quiche"))
    root = Node("chance", infoset="type", actions=tuple(t for t, _ in types),
                probs=(p_strong, 1 - p_strong))
    for t, liked in types:
        sender = Node("decision", player=0, infoset=f"Sender|{t}", actions=("Beer", "Quiche"))
        root.children.append(sender)
        for meal in ("Beer", "Quiche"):
            recv = Node("decision", player=1, infoset=f"Receiver|{meal}",
                        actions=("Duel", "NoDuel"))
            sender.children.append(recv)
            for act in ("Duel", "NoDuel"):
                u_s = float(meal == liked) + (2.0 if act == "NoDuel" else 0.0)
                u_r = float((act == "Duel") == (t == "weak"))
                recv.children.append(Node("terminal", payoffs=(u_s, u_r),
                                          label=f"{t},{meal},{act}"))
    return Tree(title="Beer-Quiche (Cho and Kreps 1987)", players=players, root=root)
