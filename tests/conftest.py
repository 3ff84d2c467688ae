"""Shared fixtures: a factory that writes small, valid case folders to edit in tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

MINI_CASE: dict[str, Any] = {
    "case.yaml": {
        "id": "mini",
        "title": "A minimal case",
        "summary": "Two states and a militant group.",
        "paper": {"author": "A. Author", "title": "A paper", "year": 2024, "source": "paper"},
        "attribution": "Written for tests.",
    },
    "sources.yaml": [
        {"id": "paper", "kind": "paper", "authors": ["A. Author"], "title": "A paper",
         "date": "2024", "citations": [{"footnote": 3, "style": "full"}]},
        {"id": "news-2016", "kind": "article", "authors": ["David Volodzko"],
         "title": "China's New Headache: Uyghur Militants in Syria", "date": "2016-03-18",
         "url": "https://example.org/2016/03/chinas-new-headache-uyghur-militants-in-syria/",
         "citations": [
             {"footnote": 1, "style": "full", "title": "China's New Headache: Uyghur Militants "
              "in Syria", "date": "2006-03-18",
              "url": "https://example.org/2016/03/chinas-new-headache-uyghur-militants-in-syria/"},
             {"footnote": 2, "style": "ibidem"},
         ]},
    ],
    "actors.yaml": [
        {"id": "china", "name": "China", "kind": "state", "aliases": ["PRC"]},
        {"id": "taliban", "name": "Taliban", "kind": "government"},
        {"id": "etim", "name": "East Turkestan Islamic Movement", "kind": "militant_group",
         "aliases": ["ETIM"]},
    ],
    "places.yaml": [
        {"id": "wakhan", "name": "Wakhan Corridor", "kind": "corridor", "aliases": ["Wakhan"],
         "lat": 37.0, "lon": 73.0, "coords_source": "test"},
    ],
    "phases.yaml": [
        {"id": "ph-us", "name": "US presence", "start": "2001-10", "end": "2021-08-30",
         "description": "US/NATO forces present", "sources": ["paper"],
         "attributes": {"us_presence": 1.0}},
    ],
    "events.yaml": [
        {"id": "ev-a", "date": "2000", "title": "Secret meeting", "summary": "A meeting.",
         "type": "diplomatic", "actors": ["china", "taliban"], "sources": ["news-2016"]},
        {"id": "ev-b", "date": "2021-08-15", "title": "Takeover", "summary": "Kabul falls.",
         "type": "political", "actors": ["taliban"], "places": ["wakhan"],
         "sources": ["paper"]},
        {"id": "ev-c", "date": "2021", "title": "Some 2021 event", "summary": "Year only.",
         "type": "security", "actors": ["china"], "sources": ["paper"]},
    ],
    "quantities.yaml": [
        {"id": "q-mi", "measure": "border_length", "value": 57, "unit": "mi",
         "as_stated": "57-mile", "description": "border", "sources": ["paper"]},
        {"id": "q-km", "measure": "border_length", "value": 57, "unit": "km",
         "as_stated": "57-kilometer", "description": "border", "sources": ["paper"]},
    ],
    "claims.yaml": [
        {"id": "cl-1", "kind": "interpretive", "text": "China matters.",
         "attributed_to": "Kapur", "evidence": ["news-2016"]},
        {"id": "p1", "kind": "proposition", "text": "Boycott is worse.", "evidence": ["cl-1"]},
    ],
    "spellings.yaml": [
        {"text": "Wukhan", "context": "the border corridor"},
        {"text": "Wakhan", "context": "the border corridor"},
    ],
    "parameters.yaml": [
        {"name": "iskp_pull", "description": "pull", "unit": "utility", "default": 0.5,
         "low": 0.0, "high": 1.0, "assumption": True},
        {"name": "w_security", "description": "weight", "unit": "1", "default": 1.0,
         "low": 0.5, "high": 2.0, "evidence": ["cl-1"]},
    ],
}


# A small record for the mini case: pass as ``make_case(**MINI_RECORD)``. The UN source is
# published in 2020, the press source in 2022; two ISKP estimates disagree, one attack is
# claimed by one group and blamed on another, and one milestone is announced before it happens.
MINI_RECORD: dict[str, Any] = {
    "sources.yaml": MINI_CASE["sources.yaml"] + [
        {"id": "un-2020", "kind": "un", "title": "A Monitoring Team report", "date": "2020-07-23",
         "url": "https://example.org/un-2020", "origin": "added"},
        {"id": "press-2022", "kind": "article", "publisher": "A Daily", "date": "2022-02-05",
         "url": "https://example.org/press-2022", "origin": "added"},
    ],
    "actors.yaml": MINI_CASE["actors.yaml"] + [
        {"id": "iskp", "name": "Islamic State Khorasan Province", "kind": "militant_group",
         "aliases": ["ISKP", "ISIL-K"]},
        {"id": "bla", "name": "Balochistan Liberation Army", "kind": "militant_group"},
    ],
    "places.yaml": MINI_CASE["places.yaml"] + [
        {"id": "afghanistan", "name": "Afghanistan", "kind": "country", "lat": 34.5,
         "lon": 69.2, "coords_source": "test"},
        {"id": "kabul", "name": "Kabul", "kind": "city", "lat": 34.5, "lon": 69.2,
         "coords_source": "test", "parent": "afghanistan"},
    ],
    "estimates.yaml": [
        {"id": "est-etim-2020", "subject": "etim", "measure": "fighters", "value": 500,
         "qualifier": "about", "as_stated": "approximately 500 fighters", "reference": "2020-07",
         "geography": "afghanistan", "body": "UN 1267 Monitoring Team", "sources": ["un-2020"]},
        {"id": "est-iskp-high", "subject": "iskp", "measure": "fighters", "value": 4000,
         "value_high": 6000, "as_stated": "4,000 to 6,000", "reference": "2021-12",
         "geography": "afghanistan", "body": "UN 1267 Monitoring Team",
         "body_detail": "some Member States", "sources": ["press-2022"]},
        {"id": "est-iskp-low", "subject": "iskp", "measure": "fighters", "value": 2000,
         "value_high": 3500, "as_stated": "2,000 to 3,500", "reference": "2021-12",
         "geography": "afghanistan", "body": "UN 1267 Monitoring Team",
         "body_detail": "other Member States", "sources": ["press-2022"]},
        {"id": "est-etim-words", "subject": "etim", "measure": "fighters",
         "words": "several hundred", "implied": [200, 900], "as_stated": "several hundred",
         "reference": "2021-12", "geography": "afghanistan", "body": "UN 1267 Monitoring Team",
         "sources": ["press-2022"]},
    ],
    "attacks.yaml": [
        {"id": "atk-kabul", "date": "2021-12-12", "title": "Hotel attack", "place": "kabul",
         "country": "afghanistan", "targets": ["chinese_nationals"], "claimed_by": ["iskp"],
         "attributed_to": [{"actor": "bla", "by": "a police chief", "source": "press-2022"}],
         "chinese_wounded": 5, "summary": "Gunmen attacked a hotel.", "sources": ["press-2022"]},
        {"id": "atk-early", "date": "2020-06", "title": "Camp attack", "place": "kabul",
         "country": "afghanistan", "targets": ["chinese_project"], "chinese_killed": 2,
         "summary": "A camp was attacked.", "sources": ["un-2020"]},
    ],
    "taliban_actions.yaml": [
        {"id": "ta-move", "date": "2021-10", "kind": "relocation", "title": "Moved away",
         "subjects": ["etim"], "places": ["wakhan"], "summary": "Fighters moved inland.",
         "reported_by": "UN 1267 Monitoring Team", "sources": ["press-2022"]},
    ],
    "milestones.yaml": [
        {"id": "ms-visit", "date": "2022-03-24", "kind": "visit", "title": "A visit",
         "actors": ["china", "taliban"], "places": ["kabul"], "summary": "A minister visits.",
         "sources": ["press-2022"]},
    ],
}


def write_case(root: Path, files: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True),
                            encoding="utf-8")
    return root


@pytest.fixture
def make_case(tmp_path: Path) -> Callable[..., Path]:
    """Write the mini case (optionally with files replaced) and return its folder."""

    def factory(name: str = "mini", **replace: Any) -> Path:
        files = {k: v for k, v in MINI_CASE.items()}
        for key, value in replace.items():
            fname = key.replace("__", "/") + ("" if key.endswith((".yaml", ".yml")) else ".yaml")
            if value is None:
                files.pop(fname, None)
            else:
                files[fname] = value
        return write_case(tmp_path / name, files)

    return factory


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that read the built-in report first.

    The report takes about a minute to build, once per run (``builtin_report``). Under
    pytest-xdist's work stealing each worker starts on its own contiguous share of the
    list; with these tests at the front, the first worker builds the report while the
    other works through its share, where otherwise both reached the report's tests at
    about the same time and one sat waiting on the other's build (51 s of a 351 s run).
    Whole modules move, in their order, so no module's fixtures are set up twice.
    """
    first = {item.path for item in items
             if "builtin_report" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: item.path not in first)


@pytest.fixture(scope="session")
def builtin_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The built-in case's reduced report (``make run``'s), built once for the whole run.

    Building it takes a minute or more; the report tests and the browser test read the
    same one. Under pytest-xdist the workers share it through a lock in the session's
    temporary folder: the first builds it, the others load its result.
    """
    import fcntl
    import os
    import pickle

    from qpq.case import load_case
    from qpq.report import build_report

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out, saved = root / "builtin-report", root / "builtin-report.pickle"
    with open(root / "builtin-report.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.exists():
            return out, pickle.loads(saved.read_bytes())
        result = build_report(load_case(), out, reduced=True)
        saved.write_bytes(pickle.dumps(result))
        return out, result
