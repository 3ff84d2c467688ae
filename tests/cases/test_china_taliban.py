"""The built-in case: counts, footnote coverage, integrity, and the paper's known slips.

The six findings the audit must make are the paper's own inconsistencies, each found by a
detector (not a hand-typed list): 57 km vs 57 miles; "Wukhan"; a 2006 vs 2016 date;
"Kapur" for Noorzad; footnote 12's title vs its URL; "Shaanxiang".
"""

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from qpq.case import FuzzyDate, load_case
from qpq.case._asof import known_dates
from qpq.case._audit import audit
from qpq.cli import main


@pytest.fixture(scope="module")
def case():
    return load_case()


@pytest.fixture(scope="module")
def report(case):
    return audit(case)


def test_counts(case):
    assert len(case.events) >= 40
    assert len(case.quantities) >= 20
    assert len(case.claims) >= 25
    assert {c.id for c in case.claims} >= {f"p{i}" for i in range(1, 9)}
    kinds = Counter(c.kind.value for c in case.claims)
    assert {"empirical", "interpretive", "predictive", "stylised_fact", "proposition"} <= set(
        kinds)
    assert {p.id for p in case.phases} and all(p.sources for p in case.phases)


def test_every_footnote_maps_to_exactly_one_source(case):
    owners = Counter(c.footnote for s in case.sources for c in s.citations if c.footnote)
    assert sorted(owners) == list(range(1, 68))
    assert set(owners.values()) == {1}


def test_every_source_has_id_title_or_url(case):
    for s in case.sources:
        assert s.title or s.url or s.kind.value in {"note", "paper"} or s.note, s.id


def test_places_have_gazetteer_coordinates(case):
    for p in case.places:
        assert p.coords_source
    named = [p for p in case.places if p.coords_source.startswith("GeoNames")]
    assert len(named) >= len(case.places) // 2


def test_audit_integrity_clean(report):
    assert report.errors == ()


def _has(report, detector, *needles):
    return [f for f in report.findings if f.detector == detector
            and all(n.lower() in f.summary.lower() for n in needles)]


def test_border_km_vs_miles(report):
    assert _has(report, "quantity_units", "57 mi", "57 km")


def test_wukhan(report):
    assert _has(report, "spelling", "'Wukhan'", "wakhan")


def test_2006_vs_2016(report):
    assert _has(report, "url_date", "2006-03-18", "2016-03")


def test_kapur_for_noorzad(report):
    assert _has(report, "attribution", "kapur", "noorzad")


def test_footnote_12_title_vs_url(report):
    (finding,) = _has(report, "title_url", "fn 12")
    assert "the-talibans-struggle-for-legitimacy" in finding.summary


def test_shaanxiang(report):
    assert _has(report, "spelling", "shaanxiang")


def test_curated_entries_say_why(case):
    assert case.curated_findings
    assert all(len(c.why_curated) > 20 for c in case.curated_findings)


def test_timeline_china_json(capsys):
    assert main(["evidence", "timeline", "--actor", "China", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert len(events) >= 15
    assert all("china" in e["actors"] for e in events)
    starts = [e["earliest"] for e in events]
    assert starts == sorted(starts)
    assert all(e["sources"] for e in events)
    assert all(s.get("title") or s.get("url") or s["id"] == "rehalem-2025"
               for e in events for s in e["sources"])


def test_as_of_excludes_later_items_including_year_precision(capsys, case):
    cutoff = dt.date(2021, 8, 15)
    assert main(["evidence", "timeline", "--as-of", "2021-08-15", "--json"]) == 0
    shown = {e["id"] for e in json.loads(capsys.readouterr().out)["events"]}
    known = known_dates(case)
    for ev in case.events:
        latest = FuzzyDate.parse(ev.date).latest
        if latest > cutoff:
            assert ev.id not in shown, ev.id  # includes "2021" (latest 2021-12-31)
        if ev.id in shown:
            assert known[ev.id] <= cutoff
    assert shown  # plenty happened before the takeover
    year_2021 = [e.id for e in case.events if e.date == "2021"]
    assert not set(year_2021) & shown


def test_nothing_reads_shared_at_run_time():
    src = Path(__file__).resolve().parents[2] / "src"
    offenders = [p for p in src.rglob("*.py") if "../shared" in p.read_text(encoding="utf-8")]
    assert offenders == []
