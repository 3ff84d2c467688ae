"""Gambit's .efg text format: write a :class:`~qpq.game.validation._tree.Tree`, and read one back.

The writer produces what pygambit's ``read_efg`` accepts (checked in the tests): players,
information-set and action labels exactly as the solver's JSON uses them, chance
probabilities as exact rationals that sum to one, payoffs as plain decimals. The reader
handles the same subset plus what Gambit's catalogue files use (rational numbers,
outcomes at non-terminal nodes, omitted repeated outcome and infoset details), so that the
Nash-regret check can run on the exported file without pygambit.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from qpq.files import write_file
from qpq.game.validation._tree import Node, Tree

__all__ = ["EfgError", "parse_efg", "read_efg", "to_efg", "write_efg"]


class EfgError(ValueError):
    """A .efg text that this reader cannot parse."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _decimal(x: float) -> str:
    text = format(Decimal(repr(float(x))), "f")
    return "0" if text in ("-0", "-0.0") else text


def _chance_probs(probs: tuple[float, ...]) -> list[str]:
    exact = [Fraction(p) for p in probs[:-1]]
    last = 1 - sum(exact, Fraction(0))
    if last < 0:
        raise ValueError("chance probabilities sum to more than one")
    return [str(f) for f in [*exact, last]]


def to_efg(tree: Tree, comment: str = "") -> str:
    """The .efg text of a tree."""
    lines = [f"EFG 2 R {_quote(tree.title)} {{ " + " ".join(_quote(p) for p in tree.players)
             + " }", _quote(comment), ""]
    infoset_no: dict[tuple[int, str], int] = {}
    counters: dict[int, int] = {}
    outcome = 0
    for node in tree.walk():
        if node.kind == "terminal":
            outcome += 1
            pay = ", ".join(_decimal(x) for x in node.payoffs)
            lines.append(f"t {_quote(node.label)} {outcome} \"\" {{ {pay} }}")
            continue
        player = node.player if node.kind == "decision" else -1
        key = (player, node.infoset)
        new = key not in infoset_no
        if new:
            counters[player] = counters.get(player, 0) + 1
            infoset_no[key] = counters[player]
        number = infoset_no[key]
        if node.kind == "chance":
            items = " ".join(f"{_quote(a)} {p}" for a, p in zip(
                node.actions, _chance_probs(node.probs), strict=True))
            lines.append(f"c {_quote(node.label)} {number} {_quote(node.infoset)} "
                         f"{{ {items} }} 0")
        else:
            acts = " ".join(_quote(a) for a in node.actions)
            lines.append(f"p {_quote(node.label)} {node.player + 1} {number} "
                         f"{_quote(node.infoset)} {{ {acts} }} 0")
    return "\n".join(lines) + "\n"


def write_efg(tree: Tree, path: str | Path, comment: str = "") -> Path:
    """Write a tree to ``path`` in .efg format (whole or not at all)."""
    out = Path(path)
    write_file(out, to_efg(tree, comment))
    return out


_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|([^\s{},"]+)|,', re.S)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        if m.group(1) is not None:
            out.append(("str", re.sub(r"\\(.)", r"\1", m.group(1))))
        elif m.group(2) is not None:
            out.append(("brace", m.group(2)))
        elif m.group(3) is not None:
            out.append(("word", m.group(3)))
    return out


def _number(text: str) -> float:
    try:
        return float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise EfgError(f"not a number: {text!r}") from None


def parse_efg(text: str) -> Tree:
    """Parse .efg text into a :class:`Tree` (information sets keyed by player and number)."""
    toks = _tokens(text)
    pos = 0

    def take(kind: str | None = None) -> str:
        nonlocal pos
        if pos >= len(toks):
            raise EfgError("unexpected end of file")
        k, v = toks[pos]
        if kind is not None and k != kind:
            raise EfgError(f"expected {kind}, got {v!r}")
        pos += 1
        return v

    def peek() -> tuple[str, str] | None:
        return toks[pos] if pos < len(toks) else None

    def next_is_str() -> bool:
        nxt = peek()
        return nxt is not None and nxt[0] == "str"

    if take("word") != "EFG" or take("word") != "2":
        raise EfgError("not an EFG 2 file")
    take("word")
    title = take("str")
    take("brace")
    players: list[str] = []
    while peek() != ("brace", "}"):
        players.append(take("str"))
    take("brace")
    if next_is_str():
        take("str")

    infoset_actions: dict[tuple[int, int], tuple[str, ...]] = {}
    infoset_names: dict[tuple[int, int], str] = {}
    chance_probs: dict[int, tuple[float, ...]] = {}
    outcomes: dict[int, tuple[float, ...]] = {}
    name_owner: dict[tuple[int, str], int] = {}

    def read_outcome() -> tuple[float, ...]:
        number = int(take("word"))
        payoffs: tuple[float, ...] = ()
        if next_is_str():
            take("str")
            if peek() == ("brace", "{"):
                take("brace")
                vals = []
                while peek() != ("brace", "}"):
                    vals.append(_number(take("word")))
                take("brace")
                outcomes[number] = tuple(vals)
        if number:
            payoffs = outcomes.get(number, ())
            if not payoffs:
                raise EfgError(f"outcome {number} used before its payoffs are given")
        return payoffs

    def parse_node(acc: tuple[float, ...]) -> Node:
        kind = take("word")
        label = take("str")
        if kind == "t":
            pay = read_outcome()
            total = tuple(a + b for a, b in zip(acc, pay, strict=True)) if pay else acc
            return Node("terminal", payoffs=total, label=label)
        if kind == "c":
            number = int(take("word"))
            key = (-1, number)
            name = take("str") if next_is_str() else None
            if peek() == ("brace", "{"):
                take("brace")
                acts, probs = [], []
                while peek() != ("brace", "}"):
                    acts.append(take("str"))
                    probs.append(_number(take("word")))
                take("brace")
                infoset_actions[key] = tuple(acts)
                chance_probs[number] = tuple(probs)
            if name is not None:
                infoset_names.setdefault(key, name)
            pay = read_outcome()
            acc2 = tuple(a + b for a, b in zip(acc, pay, strict=True)) if pay else acc
            node = Node("chance", infoset=infoset_names.get(key) or f"chance:{number}",
                        actions=infoset_actions[key], probs=chance_probs[number], label=label)
        elif kind == "p":
            player = int(take("word")) - 1
            number = int(take("word"))
            key = (player, number)
            name = take("str") if next_is_str() else None
            if peek() == ("brace", "{"):
                take("brace")
                acts = []
                while peek() != ("brace", "}"):
                    acts.append(take("str"))
                take("brace")
                infoset_actions[key] = tuple(acts)
            if name and key not in infoset_names:
                owner = name_owner.setdefault((player, name), number)
                infoset_names[key] = name if owner == number else f"{name}#{number}"
            pay = read_outcome()
            acc2 = tuple(a + b for a, b in zip(acc, pay, strict=True)) if pay else acc
            node = Node("decision", player=player,
                        infoset=infoset_names.get(key) or f"{players[player]}:{number}",
                        actions=infoset_actions[key], label=label)
        else:
            raise EfgError(f"unknown node type {kind!r}")
        node.children = [parse_node(acc2) for _ in node.actions]
        return node

    root = parse_node(tuple(0.0 for _ in players))
    return Tree(title=title, players=tuple(players), root=root)


def read_efg(path: str | Path) -> Tree:
    """Read a .efg file."""
    return parse_efg(Path(path).read_text(encoding="utf-8"))
