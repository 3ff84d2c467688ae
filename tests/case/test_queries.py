import datetime as dt

import pytest

from qpq.case import load_case
from qpq.case._queries import EvidenceDB
from qpq.errors import BadInputError


@pytest.fixture
def db(make_case):
    return EvidenceDB.from_case(load_case(make_case()))


def test_timeline_order_and_sources(db):
    rows = db.timeline()
    assert [r["id"] for r in rows] == ["ev-a", "ev-c", "ev-b"]
    assert [r["earliest"] for r in rows] == sorted(r["earliest"] for r in rows)
    assert rows[0]["sources"][0]["id"] == "news-2016"
    assert rows[0]["sources"][0]["footnotes"] == [1, 2]


def test_timeline_actor_by_alias_and_window(db):
    assert [r["id"] for r in db.timeline(actor="PRC")] == ["ev-a", "ev-c"]
    assert [r["id"] for r in db.timeline(actor="taliban", start=dt.date(2021, 1, 1))] == ["ev-b"]
    assert [r["id"] for r in db.timeline(end=dt.date(2020, 12, 31))] == ["ev-a"]


def test_timeline_as_of(db):
    assert [r["id"] for r in db.timeline(as_of=dt.date(2016, 3, 17))] == []
    assert [r["id"] for r in db.timeline(as_of=dt.date(2016, 3, 18))] == ["ev-a"]


def test_unknown_actor_lists_known(db):
    with pytest.raises(BadInputError, match="ids: china, etim, taliban"):
        db.timeline(actor="nobody")


def test_show_reports_citers(db):
    data = db.show("news-2016")
    assert data["kind"] == "source"
    assert set(data["cited_by"]) >= {"ev-a", "cl-1"}
    with pytest.raises(BadInputError, match="did you mean"):
        db.show("news-2061")


def test_search_all_words(db):
    assert [r["id"] for r in db.search("kabul falls")] == ["ev-b"]
    assert db.search("kabul nowhere") == []
    with pytest.raises(BadInputError):
        db.search("   ")


def test_sql_is_available(db):
    (row,) = db.sql("SELECT count(*) AS n FROM event_actors WHERE actor_id = 'china'")
    assert row["n"] == 2


# --------------------------------------------------------------------------- the record


@pytest.fixture
def record_db(make_case):
    from tests.conftest import MINI_RECORD

    return EvidenceDB.from_case(load_case(make_case(**MINI_RECORD)))


def test_record_counts_per_kind_and_body(record_db):
    data = record_db.record()
    assert data["counts"] == {"estimate": 4, "attack": 2, "taliban_action": 1, "milestone": 1}
    assert data["total"] == 8
    assert data["by_body"] == {"UN 1267 Monitoring Team": 4}
    assert data["by_publisher"] == {"A Daily": 6, "unknown": 2}
    # three estimates state a number; "several hundred" is words only
    assert data["un_figures"] == 3
    assert data["un_estimates"] == 4 == sum(data["by_body"].values())
    from qpq.case import un_estimates_words

    reports = data["un_reports"]
    assert un_estimates_words(data) == f"4 UN estimates from {reports} report" + (
        "s" if reports != 1 else "") + ": 3 figures, 1 in words"


def test_record_subject_and_as_of(record_db):
    iskp = record_db.record("ISIL-K")
    assert {o["id"] for o in iskp["observations"]} == {"est-iskp-high", "est-iskp-low",
                                                       "atk-kabul"}
    early = record_db.record(as_of=dt.date(2021, 12, 31))
    assert [o["id"] for o in early["observations"]] == ["atk-early", "est-etim-2020"]
    with pytest.raises(BadInputError):
        record_db.record("nobody")


def test_record_tables_are_queryable(record_db):
    rows = record_db.sql("SELECT id, low, high FROM estimates WHERE subject = 'etim' ORDER BY id")
    assert rows == [{"id": "est-etim-2020", "low": 450.0, "high": 550.0},
                    {"id": "est-etim-words", "low": 200.0, "high": 900.0}]
    blamed = record_db.sql("SELECT attack_id, actor_id FROM attack_attributions")
    assert blamed == [{"attack_id": "atk-kabul", "actor_id": "bla"}]


def test_timeline_window_keeps_events_that_overlap_it(db):
    # ev-c is dated "2021": it overlaps a window from June 2021 and one up to June 2021
    assert [r["id"] for r in db.timeline(start=dt.date(2021, 6, 1))] == ["ev-c", "ev-b"]
    assert [r["id"] for r in db.timeline(end=dt.date(2021, 6, 30))] == ["ev-a", "ev-c"]
    assert [r["id"] for r in db.timeline(start=dt.date(2022, 1, 1))] == []


def test_search_as_of_hides_what_was_not_yet_known(db):
    # ev-b cites only the paper, dated "2024": known from 2024-12-31
    assert [r["id"] for r in db.search("kabul falls", as_of=dt.date(2024, 12, 30))] == []
    assert [r["id"] for r in db.search("kabul falls", as_of=dt.date(2024, 12, 31))] == ["ev-b"]
    # undated definitions (an actor) are always there
    assert "china" in {r["id"] for r in db.search("china", as_of=dt.date(1990, 1, 1))}
    assert "ev-c" not in {r["id"] for r in db.search("china", as_of=dt.date(1990, 1, 1))}


def test_show_lists_exactly_the_items_citing_it(db):
    assert db.show("news-2016")["cited_by"] == ["cl-1", "ev-a"]
    assert db.show("paper")["cited_by"] == ["ev-b", "ev-c", "ph-us", "q-km", "q-mi"]
    assert db.show("p1")["cited_by"] == []
    assert db.show("cl-1")["cited_by"] == ["p1", "w_security"]
