import datetime as dt

from qpq.case import load_case
from qpq.case._asof import case_as_of, known_dates


def test_known_is_later_of_event_and_source(make_case):
    case = load_case(make_case())
    known = known_dates(case)
    # ev-a happened in 2000 but its only source was published on 2016-03-18.
    assert known["ev-a"] == dt.date(2016, 3, 18)
    # year-precision items are known only at the end of their year
    assert known["ev-c"] == dt.date(2024, 12, 31)  # the paper (dated 2024) is its source
    # a claim inherits the dates of its evidence, transitively
    assert known["p1"] == known["cl-1"] == dt.date(2016, 3, 18)


def test_year_precision_hidden_mid_year(make_case):
    files = make_case(sources=[
        {"id": "paper", "kind": "paper", "date": "2021",
         "citations": [{"footnote": 1}]},
        {"id": "news-2016", "kind": "article", "date": "2016-03-18"},
    ])
    case = load_case(files)
    early = case_as_of(case, dt.date(2021, 8, 15))
    assert {e.id for e in early.events} == {"ev-a"}
    late = case_as_of(case, dt.date(2022, 1, 1))
    assert {e.id for e in late.events} == {"ev-a", "ev-b", "ev-c"}


def test_running_phase_is_open_ended_as_of(make_case):
    case = load_case(make_case())
    cut = case_as_of(case, dt.date(2010, 1, 1))
    (phase,) = cut.phases
    assert phase.end is None
    assert case_as_of(case, dt.date(1999, 1, 1)).phases == ()


def test_cycles_in_claim_evidence_do_not_recurse_forever(make_case):
    claims = [
        {"id": "cl-a", "kind": "interpretive", "text": "a", "evidence": ["cl-b"]},
        {"id": "cl-b", "kind": "interpretive", "text": "b", "evidence": ["cl-a", "news-2016"]},
    ]
    case = load_case(make_case(claims=claims, parameters=None))
    known = known_dates(case)
    assert known["cl-b"] == dt.date(2016, 3, 18)
