"""Issue 20's malformed case inputs as a fixed regression set, for any fuzz campaign to reuse.

Each entry was once accepted by ``qpq evidence validate`` or buried under a cascade of
reference errors. ``REGRESSIONS[name] = (mutate, file, field)``: ``mutate(root)`` damages a
copy of the built-in case in place; loading it must then raise ``BadInputError`` whose first
problem names ``file`` (and ``field``, when given) with a line number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Mutation = Callable[[Path], None]


def _edit(fname: str, change: Callable[[Any], object]) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / fname
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    return mutate


def _write(fname: str, text: str) -> Mutation:
    def mutate(root: Path) -> None:
        (root / fname).write_text(text, encoding="utf-8")
    return mutate


def _delete(fname: str) -> Mutation:
    def mutate(root: Path) -> None:
        (root / fname).unlink()
    return mutate


def _item(items: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    return next(i for i in items if i.get("id") == item_id)


def _first_quantity(**values: Any) -> Mutation:
    return _edit("quantities.yaml", lambda qs: qs[0].update(values))


def _attribute(name: str, value: float) -> Mutation:
    return _edit("phases.yaml",
                 lambda ps: _item(ps, "ph-quid-pro-quo")["attributes"].update({name: value}))


def _self_cite(claims: list[dict[str, Any]]) -> None:
    claims[0]["evidence"] = [*claims[0].get("evidence", []), claims[0]["id"]]


REGRESSIONS: dict[str, tuple[Mutation, str, str | None]] = {
    "quantity value .nan": (_first_quantity(value=math.nan), "quantities.yaml", "value"),
    "quantity value .inf": (_first_quantity(value=math.inf), "quantities.yaml", "value"),
    "quantity value -57": (_first_quantity(value=-57), "quantities.yaml", "value"),
    "quantity unit parsecs": (_first_quantity(unit="parsecs"), "quantities.yaml", "unit"),
    "phase us_presence 5": (_attribute("us_presence", 5), "phases.yaml", "attributes"),
    "phase us_presence -1": (_attribute("us_presence", -1), "phases.yaml", "attributes"),
    "phase taliban_in_power .nan": (_attribute("taliban_in_power", math.nan), "phases.yaml",
                                    "attributes"),
    "phase starts after it ends": (
        _edit("phases.yaml", lambda ps: _item(ps, "ph-karzai-era").update(
            start="2015", end="2014-09")), "phases.yaml", "end"),
    "bargaining position 1000 on 0-100": (
        _edit("bargaining.yaml", lambda d: d["positions"][0].update(position=1000)),
        "bargaining.yaml", "position"),
    "bargaining scale_min 100, scale_max 0": (
        _edit("bargaining.yaml", lambda d: d["issues"][0].update(scale_min=100, scale_max=0)),
        "bargaining.yaml", "scale_max"),
    "bargaining actor and issue twice": (
        _edit("bargaining.yaml", lambda d: d["positions"].append(dict(d["positions"][0]))),
        "bargaining.yaml", "actor"),
    "source without a title": (
        _edit("sources.yaml",
              lambda ss: _item(ss, "joint-statement-2006-prc-afghanistan").pop("title")),
        "sources.yaml", "joint-statement-2006-prc-afghanistan"),
    "claim cites itself": (_edit("claims.yaml", _self_cite), "claims.yaml", "evidence"),
    "parameters.yaml deleted": (_delete("parameters.yaml"), "parameters.yaml", None),
    **{f"{name} emptied": (_write(name, ""), name, None) for name in (
        "parameters.yaml", "phases.yaml", "bargaining.yaml", "curated_findings.yaml",
        "spellings.yaml", "actors.yaml", "claims.yaml", "events.yaml", "places.yaml",
        "quantities.yaml", "sources.yaml")},
}
