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


# --------------------------------------------------------------------------- the record

WINDOW_END = dt.date(2025, 6, 30)  # later material is kept for scoring forecasts from mid-2025


def test_record_meets_the_coverage_targets(case):
    from qpq.case._queries import EvidenceDB

    data = EvidenceDB.from_case(case).record()
    assert data["un_reports_with_figures"] >= 8 and data["un_figures"] >= 12
    assert data["counts"]["attack"] >= 25
    assert data["counts"]["taliban_action"] >= 8 and data["counts"]["milestone"] >= 15
    countries = {a.country for a in case.attacks}
    assert countries == {"afghanistan", "pakistan-country", "tajikistan-country",
                         "kyrgyzstan-country"}
    assert {e.subject for e in case.estimates} == {"etim", "iskp"}


def test_every_observation_is_sourced_dated_and_inside_the_window(case):
    known = known_dates(case)
    for ob in case.observations:
        for sid in ob.sources:
            src = case.by_id[sid]
            assert src.url and src.date, (ob.id, sid)
            assert FuzzyDate.parse(src.date).latest <= WINDOW_END, (ob.id, sid)
        assert known[ob.id] <= WINDOW_END, ob.id
    added = [s for s in case.sources if s.origin == "added"]
    assert added and all(FuzzyDate.parse(s.date).latest <= WINDOW_END for s in added)


def test_claims_and_attributions_are_kept_apart(case):
    karachi = case.item("atk-2024-10-06-karachi-airport")
    assert karachi.claimed_by == ["bla"]
    assert [(a.actor, a.by) for a in karachi.attributed_to] == [
        ("bla", "Sindh Counter Terrorism Department")]
    dasu = case.item("atk-2021-07-14-dasu")
    assert dasu.claimed_by == [] and "ttp" in dasu.perpetrators()


# The day from which each stylised fact is known, and why. Facts that cite the undated-2025
# paper alone are known only at the end of 2025; naming the sources that reported a fact
# first moves it earlier, but never before the reports could establish it.
STYLISED_FACT_KNOWN = {
    "cl-sf-camps-tolerated": dt.date(2023, 6, 4),  # "hundreds" in Badakhshan: RFE/RL 2023
    "cl-sf-omar-refused": dt.date(2021, 11, 2),  # Clarke 2021, CRS 2021 (the 2000 offer)
    "cl-sf-etim-managed-us-presence": dt.date(2021, 8, 31),  # a trend: once the presence ends
    "cl-sf-uyghurs-deported": dt.date(2021, 6, 30),  # UHRP/Oxus, June 2021; window ends
    "cl-sf-no-taliban-attacks-on-china": dt.date(2023, 7, 31),  # EPRS briefing, July 2023
    "cl-sf-china-engages-after-takeover": dt.date(2025, 6, 30),  # an average: window closes
    "cl-sf-may-2023-pledge": dt.date(2025, 12, 31),  # no ETIM-specific May 2023 report found
    "cl-sf-relocation": dt.date(2024, 7, 14),  # UN 1988 Monitoring Team, mid-2024
    "cl-sf-iskp-recruits-uyghurs": dt.date(2022, 2, 17),  # Kelemen, The Diplomat
    "cl-sf-taliban-aq-close": dt.date(2024, 1, 23),  # the UN Monitoring Team report
    "cl-sf-no-chinese-recognition": dt.date(2025, 6, 30),  # "never": window closes
    "cl-sf-russia-only-recognition": dt.date(2025, 12, 31),  # happened on 3 July 2025
}


def test_each_stylised_fact_is_known_from_its_earliest_source(case):
    known = known_dates(case)
    facts = {c.id: c for c in case.claims if c.kind.value == "stylised_fact"}
    assert set(facts) == set(STYLISED_FACT_KNOWN)
    assert {i: known[i] for i in facts} == STYLISED_FACT_KNOWN
    early = [i for i, d in STYLISED_FACT_KNOWN.items() if d < dt.date(2025, 12, 31)]
    assert len(early) == 10
    # a fact without first reports waits for the paper
    assert all(facts[i].first_reported for i in early)


def test_record_json_from_the_cli(capsys):
    code = main(["evidence", "record", "--subject", "ISKP", "--as-of", "2023-12-31", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["counts"]["estimate"] > 0 and data["counts"]["milestone"] == 0
    assert all(o["known"] <= "2023-12-31" for o in data["observations"])
    assert "atk-2025-01-21-takhar" not in {o["id"] for o in data["observations"]}


def test_params_count_the_observations_bearing_on_each(capsys, case):
    assert main(["params", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["parameters"]}
    bearing = {n: r["n_observations"] for n, r in rows.items() if r["n_observations"]}
    assert len(bearing) >= 8
    assert bearing == {p.name: len(p.observations) for p in case.parameters if p.observations}
    kinds = {case.kind_of(o) for p in case.parameters for o in p.observations}
    assert kinds <= {"estimate", "attack", "taliban_action", "milestone"}
