import datetime as dt

import pytest

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
        {"id": "paper", "kind": "paper", "title": "A paper", "date": "2021",
         "citations": [{"footnote": 1}]},
        {"id": "news-2016", "kind": "article", "title": "News", "date": "2016-03-18"},
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
    # The loader refuses such a cycle; known_dates must still survive one in a Case built in
    # code, so the claims are put in after loading.
    import dataclasses

    from qpq.case import Claim

    case = load_case(make_case())
    made = tuple(Claim(**c) for c in claims)
    case = dataclasses.replace(case, claims=made,
                               by_id={**case.by_id, **{c.id: c for c in made}})
    known = known_dates(case)
    assert known["cl-b"] == dt.date(2016, 3, 18)


# --------------------------------------------------------------------------- the record


def test_observations_known_from_their_sources_and_filtered_as_of(make_case):
    from tests.conftest import MINI_RECORD

    case = load_case(make_case(**MINI_RECORD))
    known = known_dates(case)
    # an attack of June 2020 reported in a report of 23 July 2020
    assert known["atk-early"] == dt.date(2020, 7, 23)
    # an estimate about December 2021 published on 2022-02-05
    assert known["est-iskp-high"] == dt.date(2022, 2, 5)
    # announced ahead: known only once it has happened
    assert known["ms-visit"] == dt.date(2022, 3, 24)

    def ids(cut):
        view = case_as_of(case, cut)
        return {o.id for o in view.observations}, set(view.by_id)

    obs, by_id = ids(dt.date(2021, 12, 31))
    assert obs == {"atk-early", "est-etim-2020"}
    assert "est-iskp-high" not in by_id and "est-etim-2020" in by_id
    obs, _ = ids(dt.date(2022, 2, 5))
    assert obs == {"atk-early", "est-etim-2020", "est-iskp-high", "est-iskp-low",
                   "est-etim-words", "atk-kabul", "ta-move"}
    obs, _ = ids(dt.date(2022, 3, 24))
    assert "ms-visit" in obs


def test_first_reported_dates_a_claim_by_its_first_reports(make_case):
    from tests.conftest import MINI_CASE, MINI_RECORD

    target = {"quantity": "militants_relocated", "start": "2021-08", "end": "2025-06",
              "statistic": "sum", "op": ">=", "value": 1}
    level = dict(target, statistic="mean", op="between", value=0, value_high=1)
    claims = MINI_CASE["claims.yaml"] + [
        {"id": "sf-occurs", "kind": "stylised_fact", "text": "Moved once.", "date": "2021/2025",
         "evidence": ["paper", "ta-move"], "first_reported": ["ta-move"], "target": target},
        {"id": "sf-level", "kind": "stylised_fact", "text": "Level.", "date": "2021/2025",
         "evidence": ["paper"], "first_reported": ["ta-move"], "target": level},
        {"id": "sf-paper-only", "kind": "stylised_fact", "text": "Paper.", "date": "2021/2025",
         "evidence": ["paper", "ta-move"], "target": target},
    ]
    case = load_case(make_case(**dict(MINI_RECORD, **{"claims.yaml": claims})))
    known = known_dates(case)
    # an occurrence is known once its first report is (the paper, dated 2024, does not count)
    assert known["sf-occurs"] == dt.date(2022, 2, 5)
    # a level over a window is known only when the window closes
    assert known["sf-level"] == dt.date(2025, 6, 30)
    # without first_reported a claim waits for all of its evidence
    assert known["sf-paper-only"] == dt.date(2025, 12, 31)


@pytest.mark.parametrize("cut", [dt.date(1999, 6, 30), dt.date(2016, 6, 30),
                                 dt.date(2024, 6, 30)])
def test_the_index_keeps_exactly_the_items_kept(cut):
    """What the view drops is gone from its id index too; what it keeps is there."""
    case = load_case()
    view = case_as_of(case, cut)
    for field in ("sources", "events", "quantities", "claims", "phases"):
        kept = {i.id for i in getattr(view, field)}
        dropped = {i.id for i in getattr(case, field)} - kept
        assert kept <= set(view.by_id), field
        assert not dropped & set(view.by_id), field
    assert any(getattr(case, f) != getattr(view, f) for f in ("sources", "events", "claims"))


@pytest.mark.parametrize(("cut", "kept"), [
    # a point waits for its evidence: action_on_etim's "2001" (Omar's refusal) for the
    # source that reports it (known 2021-09-30), the recognition scale's 2024-01-30 for
    # the "normal arrangement" milestone dated January 2024 (known from its last day)
    (dt.date(2000, 12, 31), {"recognition": [], "action_on_etim": []}),
    (dt.date(2021, 6, 30), {"recognition": [], "action_on_etim": []}),
    (dt.date(2022, 6, 30), {"recognition": ["2022-03-24"],
                            "action_on_etim": ["2001", "2021-09/2021-10-04"]}),
    (dt.date(2024, 1, 31), {"recognition": ["2022-03-24"],
                            "action_on_etim": ["2001", "2021-09/2021-10-04"]}),
    (dt.date(2024, 2, 29), {"recognition": ["2022-03-24", "2024-01-30"],
                            "action_on_etim": ["2001", "2021-09/2021-10-04"]}),
])
def test_a_bargaining_issue_keeps_the_observed_points_known_by_the_cutoff(cut, kept):
    """The issues stay (definitions); their record points only once known (lookahead)."""
    case = load_case()
    view = case_as_of(case, cut)
    known = known_dates(case)
    got = {i.id: [ob.date for ob in i.observed] for i in view.bargaining_issues}
    assert got == kept
    for issue in view.bargaining_issues:
        assert view.by_id[issue.id] is issue
        for ob in issue.observed:
            assert all((known.get(e) or dt.date.min) <= cut for e in ob.evidence)
    # the full case is left as it was
    assert [len(i.observed) for i in case.bargaining_issues] == [2, 2]


def test_the_cutoff_may_be_written_as_a_date_string():
    from qpq.errors import BadInputError

    case = load_case()
    assert case_as_of(case, "2020-01-01") == case_as_of(case, dt.date(2020, 1, 1))
    with pytest.raises(BadInputError, match="not a datetime"):
        case_as_of(case, dt.datetime(2020, 1, 1))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- dating, by hand


def _with(make_case, **files):
    from tests.conftest import MINI_CASE

    merged = {k: (MINI_CASE[k] + v if k in MINI_CASE and isinstance(v, list) else v)
              for k, v in files.items()}
    return load_case(make_case(**merged))


def test_an_undated_source_is_known_from_its_access_date_else_from_the_paper(make_case):
    # the paper is dated "2024": an undated, unaccessed source existed by 2024-12-31
    case = _with(make_case, **{
        "sources.yaml": [
            {"id": "web-seen", "kind": "article", "title": "Seen", "accessed": "2019-05",
             "note": "undated page"},
            {"id": "web-bare", "kind": "article", "title": "Bare", "note": "undated page"}],
        "events.yaml": [
            {"id": "ev-seen", "date": "2010", "title": "t", "summary": "s", "type": "political",
             "actors": ["china"], "sources": ["web-seen"]},
            {"id": "ev-bare", "date": "2010", "title": "t", "summary": "s", "type": "political",
             "actors": ["china"], "sources": ["web-bare"]}]})
    known = known_dates(case)
    assert known["web-seen"] == known["ev-seen"] == dt.date(2019, 5, 31)
    assert known["web-bare"] == known["ev-bare"] == dt.date(2024, 12, 31)

    def events(cut):
        return {e.id for e in case_as_of(case, cut).events} & {"ev-seen", "ev-bare"}

    assert events(dt.date(2019, 5, 30)) == set()
    assert events(dt.date(2019, 5, 31)) == {"ev-seen"}
    assert events(dt.date(2024, 12, 30)) == {"ev-seen"}
    assert events(dt.date(2024, 12, 31)) == {"ev-seen", "ev-bare"}


def test_an_item_waits_for_the_latest_of_its_sources(make_case):
    # news-2016 (2016-03-18) and the paper (2024): known when the later is, 2024-12-31
    case = _with(make_case, **{"events.yaml": [
        {"id": "ev-two", "date": "2001", "title": "t", "summary": "s", "type": "political",
         "actors": ["china"], "sources": ["news-2016", "paper"]}]})
    assert known_dates(case)["ev-two"] == dt.date(2024, 12, 31)
    assert "ev-two" not in {e.id for e in case_as_of(case, dt.date(2020, 1, 1)).events}


def test_a_quantity_about_a_period_is_known_once_the_period_ends(make_case):
    case = _with(make_case, **{"quantities.yaml": [
        {"id": "q-later", "measure": "camps", "value": 3, "unit": "camps", "as_stated": "three",
         "description": "camps", "period": "2015/2016-06", "sources": ["news-2016"]}]})
    assert known_dates(case)["q-later"] == dt.date(2016, 6, 30)
    kept = {q.id for q in case_as_of(case, dt.date(2016, 6, 29)).quantities}
    assert "q-later" not in kept
    assert "q-later" in {q.id for q in case_as_of(case, dt.date(2016, 6, 30)).quantities}


def test_a_claim_citing_a_later_listed_claim_waits_for_it(make_case):
    from tests.conftest import MINI_CASE

    claims = [{"id": "cl-first", "kind": "interpretive", "text": "x", "evidence": ["cl-second"]},
              {"id": "cl-second", "kind": "interpretive", "text": "y", "evidence": ["paper"]},
              *MINI_CASE["claims.yaml"]]
    case = load_case(make_case(claims=claims))
    known = known_dates(case)
    assert known["cl-first"] == known["cl-second"] == dt.date(2024, 12, 31)
    kept = {c.id for c in case_as_of(case, dt.date(2020, 1, 1)).claims}
    assert kept == {"cl-1", "p1"}


def test_a_month_dated_phase_is_known_and_ended_only_after_its_last_day(make_case):
    from tests.conftest import MINI_CASE

    phase = dict(MINI_CASE["phases.yaml"][0], end="2021-08")   # starts 2001-10
    case = load_case(make_case(phases=[phase]))
    assert known_dates(case)["ph-us"] == dt.date(2001, 10, 31)
    assert case_as_of(case, dt.date(2001, 10, 30)).phases == ()
    (started,) = case_as_of(case, dt.date(2001, 10, 31)).phases
    assert started.end is None
    # in August 2021 its end, "2021-08", is not yet certain: the phase still runs
    (running,) = case_as_of(case, dt.date(2021, 8, 30)).phases
    assert running.end is None
    (ended,) = case_as_of(case, dt.date(2021, 8, 31)).phases
    assert ended.end == "2021-08"
