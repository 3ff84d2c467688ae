"""Each detector on small hand-made cases with a known answer, and its negative twin."""

from qpq.case import load_case
from qpq.case._audit import (
    audit,
    detect_accessed_before_published,
    detect_attributions,
    detect_citation_variants,
    detect_quantity_units,
    detect_same_title,
    detect_spellings,
    detect_title_url,
    detect_url_dates,
    integrity_errors,
    url_date,
)
from tests.conftest import MINI_CASE


def _src(**kw):
    base = {"id": "s", "kind": "article", "authors": ["A B"], "citations": [{"footnote": 1}],
            "note": "undated: the detectors read the citations' dates"}
    return {**base, **kw}


def _case(make_case, sources):
    paper = MINI_CASE["sources.yaml"][0]
    keep = [paper, MINI_CASE["sources.yaml"][1]]
    return load_case(make_case(sources=keep + sources))


def test_url_date_patterns():
    assert url_date("https://thediplomat.com/2016/03/chinas-new-headache/") == (2016, 3)
    assert url_date("https://www.fmprc.gov.cn/x/202202/t20220223_10644886.html") == (2022, 2)
    assert url_date("https://example.org/about/") is None


def test_url_date_detector(make_case):
    case = load_case(make_case())
    (f,) = detect_url_dates(case)
    assert "2006-03-18" in f.summary and "2016-03" in f.summary and f.where == ("fn 1",)
    ok = _src(citations=[{"footnote": 9, "date": "2016-03-31",
                          "url": "https://x.org/2016/04/a-b-c/"}])
    assert len(detect_url_dates(_case(make_case, [ok]))) == 1  # only the mini case's fn 1


def test_title_url_detector(make_case):
    bad = _src(id="s1", citations=[{
        "footnote": 9, "title": "Are Uyghur Militants Becoming ISKP's New Force?",
        "url": "https://thediplomat.com/2025/02/the-talibans-struggle-for-legitimacy/?x=1"}])
    good = _src(id="s2", citations=[{
        "footnote": 8, "title": "Can the Taliban Regime Stay Power?",
        "url": "https://thediplomat.com/2021/10/can-the-taliban-regime-stay-power/"}])
    findings = detect_title_url(_case(make_case, [bad, good]))
    assert [f.items for f in findings] == [("s1",)]


def test_accessed_before_published(make_case):
    bad = _src(id="s1", date="2023-08-04",
               citations=[{"footnote": 9, "date": "2023-08-04", "accessed": "2022-11-08"}])
    good = _src(id="s2", date="2023-08-04",
                citations=[{"footnote": 8, "accessed": "2023-09-01"}])
    findings = detect_accessed_before_published(_case(make_case, [bad, good]))
    assert [f.items for f in findings] == [("s1",)]


def test_citation_variants(make_case):
    src = _src(id="s1", citations=[
        {"footnote": 9, "authors": ["Mehrddad Ezzatullah"], "accessed": "2023-12-23"},
        {"style": "bibliography", "authors": ["Mehrdad Ezzatullah"]},
        {"footnote": 10, "accessed": "2024-12-23"},
    ])
    fields = sorted(f.details["field"] for f in detect_citation_variants(
        _case(make_case, [src])))
    assert fields == ["access date", "authors"]
    assert "print different authors —" in " ".join(
        f.summary for f in detect_citation_variants(_case(make_case, [src])))


def test_same_title_different_authors(make_case):
    a = _src(id="s1", authors=["Besmillah Taban", "David O'Brien"], title="Are X becoming Y?")
    b = _src(id="s2", authors=["Islomkhon Gafarov"], title="Are X Becoming Y?",
             citations=[{"footnote": 8}])
    (f,) = detect_same_title(_case(make_case, [a, b]))
    assert f.items == ("s1", "s2")


def test_quantity_units(make_case):
    case = load_case(make_case())
    (f,) = detect_quantity_units(case)
    assert set(f.items) == {"q-mi", "q-km"} and "1.61" in f.summary
    same = [dict(MINI_CASE["quantities.yaml"][0]), dict(MINI_CASE["quantities.yaml"][0])]
    same[1]["id"] = "q-mi2"
    assert detect_quantity_units(load_case(make_case(quantities=same))) == []


def test_spellings(make_case):
    spellings = [{"text": t, "context": "c"} for t in
                 ["Wukhan", "Wakhan", "wakhan corridor", "ETIM", "Kabul", "Chinaa"]]
    findings = detect_spellings(load_case(make_case(spellings=spellings)))
    printed = sorted(f.details["printed"] for f in findings)
    # Kabul is unknown to this gazetteer but near nothing in it: no finding
    assert printed == ["Chinaa", "Wukhan"]


def test_attributions(make_case):
    claims = [
        {"id": "cl-1", "kind": "interpretive", "text": "x", "attributed_to": "Kapur",
         "evidence": ["news-2016"]},
        {"id": "cl-2", "kind": "interpretive", "text": "x", "attributed_to": "Volodzko",
         "evidence": ["news-2016"]},
        {"id": "cl-3", "kind": "interpretive", "text": "x", "attributed_to": "Volodsko",
         "evidence": ["news-2016"]},
    ]
    findings = detect_attributions(load_case(make_case(claims=claims)))
    assert [f.items[0] for f in findings] == ["cl-1", "cl-3"]
    assert "near miss" in findings[1].summary


def test_integrity_errors(make_case):
    sources = [dict(MINI_CASE["sources.yaml"][0]), dict(MINI_CASE["sources.yaml"][1])]
    sources[0]["citations"] = [{"footnote": 5}]  # footnotes 3 and 4 now map to nothing
    events = [dict(MINI_CASE["events.yaml"][0], sources=[])]
    errors = integrity_errors(load_case(make_case(sources=sources, events=events)))
    summaries = " | ".join(e.summary for e in errors)
    assert "footnote 3 maps to no source" in summaries
    assert "footnote 4 maps to no source" in summaries
    assert "ev-a cites no source" in summaries


def test_audit_runs_all_and_curated(make_case):
    curated = [{"id": "cf-1", "category": "fact", "summary": "a curated slip",
                "why_curated": "needs outside knowledge"}]
    report = audit(load_case(make_case(curated_findings=curated)))
    assert report.ok
    assert set(report.counts) == {"url_date", "quantity_units", "spelling", "attribution",
                                  "curated"}


def test_spelling_ignores_demonyms_and_publishers(make_case):
    actors = MINI_CASE["actors.yaml"] + [
        {"id": "tajikistan", "name": "Tajikistan", "kind": "state"},
        {"id": "uhrp", "name": "Uyghur Human Rights Project", "kind": "organisation"},
    ]
    spellings = [{"text": t, "context": "c"} for t in
                 ["Tajiks", "Tajik", "Tajikstan", "Council on Foreign Relations",
                  "Uyghur Project for Human Rights"]]
    sources = [MINI_CASE["sources.yaml"][0],
               dict(MINI_CASE["sources.yaml"][1], publisher="Council on Foreign Relations")]
    findings = detect_spellings(load_case(make_case(actors=actors, spellings=spellings,
                                                    sources=sources)))
    assert sorted(f.details["printed"] for f in findings) == [
        "Tajikstan", "Uyghur Project for Human Rights"]


def test_title_url_ignores_section_plus_id_urls(make_case):
    src = _src(id="s1", citations=[{
        "footnote": 9, "title": "Country Profile, Xinjiang profile",
        "url": "https://www.bbc.com/news/world-asia-pacific-16860974"}])
    assert detect_title_url(_case(make_case, [src])) == []


def test_source_before_event(make_case):
    from qpq.case._audit import detect_source_before_event

    events = [dict(MINI_CASE["events.yaml"][0], date="2016-03-20"),  # after its source
              dict(MINI_CASE["events.yaml"][1])]
    (f,) = detect_source_before_event(load_case(make_case(events=events)))
    assert f.items == ("ev-a", "news-2016")


# --------------------------------------------------------------------------- the record


def test_record_detectors_find_the_planted_problems(make_case):
    from qpq.case._audit import (
        detect_attack_attributions,
        detect_estimate_conflicts,
        detect_reference_after_source,
    )
    from tests.conftest import MINI_RECORD

    case = load_case(make_case(**MINI_RECORD))
    (conflict,) = detect_estimate_conflicts(case)
    assert set(conflict.items) == {"est-iskp-high", "est-iskp-low"}
    assert "4,000 to 6,000" in conflict.summary and "2,000 to 3,500" in conflict.summary
    (blame,) = detect_attack_attributions(case)
    assert blame.items[0] == "atk-kabul" and set(blame.items[1:]) == {"bla", "iskp"}
    (ahead,) = detect_reference_after_source(case)
    assert ahead.items[0] == "ms-visit"


def test_record_detectors_stay_quiet_on_agreeing_evidence(make_case):
    from qpq.case._audit import (
        detect_attack_attributions,
        detect_estimate_conflicts,
        detect_reference_after_source,
    )
    from tests.conftest import MINI_RECORD

    low = dict(MINI_RECORD["estimates.yaml"][2], value=3000, value_high=4500)  # overlaps
    earlier = dict(MINI_RECORD["estimates.yaml"][2], reference="2019-12")  # two years apart
    attack = dict(MINI_RECORD["attacks.yaml"][0],
                  attributed_to=[{"actor": "iskp", "by": "police", "source": "press-2022"}])
    visit = dict(MINI_RECORD["milestones.yaml"][0], date="2022-02")
    for estimates in ([MINI_RECORD["estimates.yaml"][1], low],
                      [MINI_RECORD["estimates.yaml"][1], earlier]):
        files = dict(MINI_RECORD, **{"estimates.yaml": estimates, "attacks.yaml": [attack],
                                     "milestones.yaml": [visit]})
        case = load_case(make_case(**files))
        assert detect_estimate_conflicts(case) == []
        assert detect_attack_attributions(case) == []
        assert detect_reference_after_source(case) == []


def test_record_source_without_url_or_date_is_an_error(make_case):
    from tests.conftest import MINI_RECORD

    sources = [dict(s, url=None) if s["id"] == "press-2022" else s
               for s in MINI_RECORD["sources.yaml"]]
    report = audit(load_case(make_case(**dict(MINI_RECORD, **{"sources.yaml": sources}))))
    errors = [e for e in report.errors if e.detector == "record_source"]
    assert errors and all("press-2022" in e.items for e in errors)
    assert not report.ok


def test_narrative_dating_finds_an_event_dated_apart_from_the_recorded_act(make_case):
    from qpq.case._audit import detect_narrative_dating
    from tests.conftest import MINI_RECORD

    event = {"id": "ev-move", "date": "2023-05/2025-07", "title": "Militants moved inland",
             "summary": "Undated in the paper; after the pledge.", "type": "security",
             "actors": ["taliban", "etim"], "places": ["wakhan", "kabul"], "sources": ["paper"]}
    move = dict(MINI_RECORD["taliban_actions.yaml"][0], places=["wakhan", "kabul"])

    def found(action_date, places=("wakhan", "kabul")):
        files = dict(MINI_RECORD, **{
            "events.yaml": [*MINI_CASE["events.yaml"], event],
            "taliban_actions.yaml": [dict(move, date=action_date, places=list(places))]})
        return detect_narrative_dating(load_case(make_case(**files)))

    (finding,) = found("2021-10")
    assert finding.items == ("ev-move", "ta-move")
    assert "ta-move (2021-10, relocation)" in finding.summary and "kabul, wakhan" in finding.summary
    assert found("2024-05") == []                       # the record's act is within its dates
    assert found("2023-05-01") == found("2025-07-31") == []  # on its first or last day
    assert found("2023-04-30") != [] and found("2025-08-01") != []
    assert found("2021-10", places=("wakhan",)) == []   # one place in common: not alike


# --------------------------------------------------------------------------- boundaries


def test_url_date_allows_a_month_of_slack_and_no_more(make_case):
    def cited(sid, footnote, printed):
        return _src(id=sid, citations=[{"footnote": footnote, "date": printed,
                                        "url": f"https://x.org/2016/03/{sid}-a-b/"}])

    # March 2016 in the URL ends on the 31st: 1 May is 31 days on, 15 June 76
    found = detect_url_dates(_case(make_case, [cited("s1", 9, "2016-05-01"),
                                               cited("s2", 10, "2016-06-15")]))
    assert [f.items for f in found if f.items != ("news-2016",)] == [("s2",)]


def test_accessed_on_its_publication_day_is_no_finding(make_case):
    same = _src(id="s1", date="2023-08-04", citations=[{"footnote": 9, "accessed": "2023-08-04"}])
    before = _src(id="s2", date="2023-08-04",
                  citations=[{"footnote": 10, "accessed": "2023-08-03"}])
    findings = detect_accessed_before_published(_case(make_case, [same, before]))
    assert [f.items for f in findings] == [("s2",)]


def test_source_before_event_reads_fuzzy_dates_and_spares_official_notices(make_case):
    from qpq.case._audit import detect_source_before_event

    sources = [_src(id="s-year", date="2016", note=None),
               _src(id="s-2015", date="2015", note=None, citations=[{"footnote": 10}]),
               _src(id="s-gov", kind="official", date="2016-03-01", note=None,
                    citations=[{"footnote": 11}])]
    events = [dict(MINI_CASE["events.yaml"][1], id=f"ev-{s['id']}", date="2016-03-20",
                   sources=[s["id"]]) for s in sources]
    case = load_case(make_case(sources=MINI_CASE["sources.yaml"] + sources,
                               events=MINI_CASE["events.yaml"] + events))
    # "2016" may be after 20 March 2016; "2015" cannot; an official notice may announce ahead
    assert [f.items for f in detect_source_before_event(case)] == [("ev-s-2015", "s-2015")]


def test_one_source_cited_with_two_author_lists_is_not_a_shared_title(make_case):
    src = _src(id="s1", title="Are X becoming Y?", citations=[
        {"footnote": 9, "authors": ["Besmillah Taban"]},
        {"footnote": 10, "authors": ["Islomkhon Gafarov"]}])
    assert detect_same_title(_case(make_case, [src])) == []


def test_one_length_in_two_units_that_agree_is_no_finding(make_case):
    same = [dict(MINI_CASE["quantities.yaml"][1], id="q-km", value=1, unit="km"),
            dict(MINI_CASE["quantities.yaml"][1], id="q-m", value=1000, unit="m")]
    assert detect_quantity_units(load_case(make_case(quantities=same))) == []
    off = [same[0], dict(same[1], value=1100)]                  # 10% apart
    (f,) = detect_quantity_units(load_case(make_case(quantities=off)))
    assert set(f.items) == {"q-km", "q-m"}


def test_one_report_giving_two_dates_states_a_change_not_a_conflict(make_case):
    from qpq.case._audit import detect_estimate_conflicts
    from tests.conftest import MINI_RECORD

    high = MINI_RECORD["estimates.yaml"][1]                # 4,000-6,000 in 2021-12, press-2022
    earlier = dict(high, id="est-iskp-aug", value=500, value_high=None, as_stated="500",
                   reference="2021-08")                    # four months before, disjoint

    def conflicts(other):
        files = dict(MINI_RECORD, **{"estimates.yaml": [high, other]})
        return [f.items for f in detect_estimate_conflicts(load_case(make_case(**files)))]

    assert conflicts(earlier) == []                        # one report, two dates
    assert conflicts(dict(earlier, sources=["un-2020"])) == [("est-iskp-high", "est-iskp-aug")]
    touching = dict(high, id="est-iskp-touch", value=2000, value_high=4000)
    assert conflicts(touching) == []                       # ranges that meet agree
    assert conflicts(dict(touching, value_high=3999)) == [("est-iskp-high", "est-iskp-touch")]


def test_title_url_flags_a_quarter_of_shared_words_no_more(make_case):
    title = "Taliban Courts China Over Mining"
    quarter = _src(id="s1", citations=[{"footnote": 9, "title": title, "url":
                   "https://x.org/2021/10/taliban-struggle-legitimacy-kabul/"}])
    none = _src(id="s2", citations=[{"footnote": 10, "title": title, "url":
                "https://x.org/2021/10/the-struggle-for-legitimacy-in-kabul/"}])
    assert [f.items for f in detect_title_url(_case(make_case, [quarter, none]))] == [("s2",)]


def test_integrity_errors_name_shared_footnotes_and_unsupported_propositions(make_case):
    sources = [*MINI_CASE["sources.yaml"],
               _src(id="s-dup", citations=[{"footnote": 2}], date="2010", note=None)]
    claims = [MINI_CASE["claims.yaml"][0], dict(MINI_CASE["claims.yaml"][1], evidence=[])]
    errors = integrity_errors(load_case(make_case(sources=sources, claims=claims)))
    assert sorted(e.summary for e in errors) == [
        "footnote 2 is claimed by several sources: news-2016, s-dup",
        "proposition p1 links no evidence"]
    assert integrity_errors(load_case(make_case())) == []


def test_record_source_without_a_date_is_an_error(make_case):
    from tests.conftest import MINI_RECORD

    sources = [dict(s, date=None, note="undated") if s["id"] == "un-2020" else s
               for s in MINI_RECORD["sources.yaml"]]
    report = audit(load_case(make_case(**dict(MINI_RECORD, **{"sources.yaml": sources}))))
    errors = sorted(e.summary for e in report.errors if e.detector == "record_source")
    assert errors == ["atk-early cites un-2020, which has no date",
                      "est-etim-2020 cites un-2020, which has no date"]


def test_an_observation_about_its_source_s_own_day_is_not_ahead_of_it(make_case):
    from qpq.case._audit import detect_reference_after_source
    from tests.conftest import MINI_RECORD

    def ahead(date):
        visit = dict(MINI_RECORD["milestones.yaml"][0], date=date)   # press-2022: 2022-02-05
        files = dict(MINI_RECORD, **{"milestones.yaml": [visit]})
        return [f.items[0] for f in detect_reference_after_source(load_case(make_case(**files)))]

    assert ahead("2022-02-05") == []
    assert ahead("2022-02-06") == ["ms-visit"]
