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
    with pytest.raises(BadInputError, match="known actors: china, etim, taliban"):
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
