"""How far to trust the key findings: the words said of each check (qpq.report._trust)."""

from __future__ import annotations

import json

from qpq.report._findings import Disagreement, _disagreement_item
from qpq.report._relationship_section import bottom_line
from qpq.report._track_record_section import _dashes, one_game_point_misses
from qpq.report._trust import Trust, trust_items
from qpq.sim import given_others_words

BACKCAST = {"as_of": "2025-12-31", "model": "v1", "histories": 600, "matching_every_fact": 0,
            "facts_used": 10, "rarest": [{"fact": "cl-sf-relocation", "share": 0.005,
                                          "text": "The Taliban moved the groups."}]}
TRACK = {"origins": 17, "model": "v1", "facts_count_skill": -14.06,
         "facts_binary_skill": 0.001, "record_count_skill": None, "record_binary_skill": None,
         "record_generated": None}
RECORD = {"as_of": "2024-06-30", "model": "v2", "game_points": 30, "parameters": 32,
          "calibrated": 3, "weakly_constrained": 5, "derived": 8, "derived_calibrated": [],
          "derived_calibrated_words": [],
          "checks": 49, "checks_inside": 49, "by_construction": 6, "missed": [],
          "one_game_point_explains": False}
V2 = {"draws": 20, "v1_draws": 2000,
      "verdict_changes": [{"proposition": "P1", "statement": "Boycott leaves China less "
                           "secure than engagement.", "v1": "holds", "v2": "fails"}]}


def _words(t: Trust) -> dict[str, str]:
    return {head: text for head, text, _ in trust_items(t, reduced=False)}


def test_every_check_is_said_in_words():
    words = _words(Trust(81, 80, BACKCAST, TRACK, RECORD, V2))
    assert words["Inputs"].startswith("80 of the 81 parameters are assumptions")
    assert "600 simulated histories" in words["History"]
    assert "0 reproduce all 10" in words["History"]
    # a fact in its own words, its id after them
    assert "“The Taliban moved the groups.” (cl-sf-relocation) in 0.5%" in words["History"]
    assert "-14.06 (worse than climatology)" in words["Forecasts"]
    # a skill that rounds to 0 is not "better" or "worse"
    assert "+0.00 (about the same as climatology)" in words["Forecasts"]
    assert "packaged run" not in words["Forecasts"]
    assert "model v2, not the forecasts' v1" in words["Calibration on the record"]
    assert "(6 of them by construction)" in words["Calibration on the record"]
    assert "Not reproduced" not in words["Calibration on the record"]
    assert "quantities it derives" not in words["Calibration on the record"]
    derived = {**RECORD, "derived_calibrated": ["tip_border"],
               "derived_calibrated_words": ["ETIM/TIP fighters in the border zone"]}
    said = _words(Trust(81, 80, BACKCAST, TRACK, derived, V2))["Calibration on the record"]
    assert "not that it is reproduced): ETIM/TIP fighters in the border zone;" in said
    assert "P1, “Boycott leaves China less secure than engagement.” (holds → fails)" in (
        words["Model v2"])
    json.dumps(Trust(81, 80, BACKCAST, TRACK, RECORD, V2).to_json(), allow_nan=False)
    # no forecast window given: no line on dates with fewer than two to compare
    assert "Dates" in words and "known by 2025-12-31" in words["Dates"]
    dated = _words(Trust(81, 80, BACKCAST, TRACK, RECORD, V2,
                         forecast=("2025-06-30", "2026-06-30")))["Dates"]
    assert dated.startswith("The report reads the case at several dates. The backcast reads "
                            "the stylised facts known by 2025-12-31")
    assert "the record known by 2024-06-30, the backtest's last origin" in dated
    assert "The forecasts start from the record known by 2025-06-30 and run to 2026-06-30" \
        in dated
    alone = _words(Trust(81, 80, BACKCAST, TRACK, None, V2, {"record": "no"}))
    assert "Dates" not in alone


def test_an_undefined_skill_and_a_missing_part_are_said_so():
    track = {**TRACK, "facts_binary_skill": None, "record_count_skill": 0.12,
             "record_binary_skill": -0.15, "record_generated": "2026-12-05"}
    t = Trust(81, 80, BACKCAST, track, None, V2,
              {"record": "no backtest origin's 12-month window ends by 2017-01-01"})
    words = _words(t)
    assert "yes/no forecasts' undefined" in words["Forecasts"]
    # the forecasts' own calibration first, both its skills
    assert words["Forecasts"].index("whole record") < words["Forecasts"].index("alone")
    assert "+0.12 (better than climatology) and the yes/no forecasts' -0.15 (worse" in (
        words["Forecasts"])
    assert "rests on" not in words["Forecasts"]      # no count of the scored events given
    counted = {**track, "record_count_events": {"occurrences": 3, "from": "2016-06-30",
                                                "to": "2025-06-30"}}
    said = _words(Trust(81, 80, BACKCAST, counted, None, V2))["Forecasts"]
    assert said.endswith("The count forecasts' skill rests on 3 attacks of the record in "
                         "the scored windows (2016-06-30 to 2025-06-30): few events, so weak "
                         "evidence either way.")
    assert words["Calibration on the record"] == (
        "Not available for this case: no backtest origin's 12-month window ends by "
        "2017-01-01")


def test_the_one_game_point_caveat_only_for_the_choices_it_explains():
    attacks = [{"family": "attacks", "observation": "nationals, etim"}]
    engaged = [{"family": "milestones", "observation": "engaged 2021"}]
    assert not one_game_point_misses(1, attacks)
    assert one_game_point_misses(1, attacks + engaged)
    assert not one_game_point_misses(30, engaged)
    record = {**RECORD, "game_points": 1, "missed": attacks, "checks_inside": 48,
              "one_game_point_explains": one_game_point_misses(1, attacks)}
    text = _words(Trust(81, 80, BACKCAST, TRACK, record, V2))["Calibration on the record"]
    assert ". Not reproduced: attacks nationals, etim." in text
    assert "one game point" not in text


def _relationship(first_move, efforts, reach):
    return {"states": {"unrecognised": {
        "first_move": first_move,
        "after": {m: {"efforts": efforts} for m in first_move},
        "p_recognised_next_by_type": {t: reach for t in efforts}}}}


def test_the_v2_bottom_line_follows_the_equilibrium():
    harbour = {"harbour": 1.0}
    doc = _relationship({"Engage[no_promise]": 1.0}, {"S,H": harbour, "I,L": harbour}, 0.0)
    assert bottom_line(doc) == (
        "At the defaults, while unrecognised, China plays Engage[no_promise] and every "
        "Taliban type harbours the militants, so the deal does not form; the chance that "
        "some type is recognised next quarter is nil.")
    mixed = _relationship({"Recognize": 0.7, "Boycott": 0.3},
                          {"S,H": {"restrain": 0.6, "harbour": 0.4}, "I,L": harbour}, 0.3)
    line = bottom_line(mixed)
    assert "China's likeliest first move is Recognize (probability 0.70)" in line
    assert "with probability S,H 0.60; I,L 0.00" in line
    assert "does not form" not in line
    acting = _relationship({"Recognize": 1.0}, {"S,H": {"restrain": 1.0},
                                                "I,L": {"crackdown": 1.0}}, 0.9)
    assert "every Taliban type acts against the militants" in bottom_line(acting)


def test_given_others_in_words():
    row = {"used": True, "others_match": 22 / 1200, "given_others": 3 / 22}
    assert given_others_words(row, 1200) == "3 of 22"
    assert given_others_words({**row, "others_match": 0.0}, 1200) == "no simulated history"
    assert given_others_words({**row, "used": False}, 1200) == "—"
    assert given_others_words({**row, "others_match": float("nan")}, 1200) == "—"


def test_each_kind_of_dash_in_a_skill_table_is_explained():
    def row(event, origins, model, clim, pers, skill_c, skill_p):
        return {"event": event, "origins": origins,
                "scores": {"model": model, "climatology": clim, "persistence": pers},
                "skill_vs_climatology": skill_c, "skill_vs_persistence": skill_p}
    note = _dashes([row("iskp_strength_band", 17, None, 0.7, 1.2, None, None),
                    row("china_recognizes_de_jure", 17, 0.001, 0.0, 0.0, None, None),
                    row("tip_strength_band", 0, None, None, None, None, None),
                    row("attacks", 17, 0.2, 0.1, 0.1, -1.0, -1.0)])
    assert "iskp_strength_band: no model score" in note
    assert "fighter scale" in note
    assert ("china_recognizes_de_jure against climatology, china_recognizes_de_jure "
            "against persistence: no skill") in note
    assert "tip_strength_band: no origin" in note
    assert _dashes([row("attacks", 17, 0.2, 0.1, 0.1, -1.0, -1.0)]) == ""


def test_a_disagreement_without_shared_reasons_is_said_once():
    d = Disagreement(("game", "exploration"), ("no", "yes"), "iskp_pull", 0.01, "PRIM",
                     "game finds no backfire at the defaults; the exploration finds it in "
                     "5% of the experiments, its default 1 lies outside that range.",
                     "discovery")
    item = _disagreement_item([d])
    assert item.count("game finds no backfire") == 1 and ".." not in item


def test_every_code_name_the_sections_print_is_defined_once():
    import datetime as dt
    from pathlib import Path

    from qpq.case import load_case
    from qpq.model import policy_names
    from qpq.report._sections import ReportContext
    from qpq.report._shared import explore_study
    from qpq.report._sim_sections import BACKCAST_VARIABLES
    from qpq.report._trust import names, names_html
    from qpq.sim import EVENTS, RECORD_EVENTS, SERIES_EVENTS

    ctx = ReportContext(case=load_case(), out_dir=Path("."), generated=dt.datetime.now(dt.UTC))
    listed = [n for n, _ in names(ctx)]
    study = explore_study(ctx)
    assert study is not None
    expected = [*policy_names(), *(o.name for o in study.outcomes), *(e.name for e in EVENTS),
                *SERIES_EVENTS, *BACKCAST_VARIABLES, *(r.name for r in RECORD_EVENTS),
                *(f"all_{k}" for k in ("binary", "count", "band"))]
    assert set(listed) == set(expected) and len(set(listed)) == len(listed)
    # a name both lenses use is defined once, with both meanings
    both = dict(names(ctx))["iskp_strength"]
    assert "as an outcome of the exploration" in both and "as a forecast event" in both
    assert all(text for _, text in names(ctx))
    # the levers the exploration compares are among the policies defined
    assert set(study.levers) <= set(policy_names())
    html = names_html(ctx)
    assert html.count("<dt>") == len(listed)
    assert "<dt><code>militants_iskp</code></dt>" in html and "lower is better" in html
    # the backcast's fan charts are titled by series the glossary once left out
    # (belief_sincere, militants_neutralised; found 2026-12-07)
    assert "China's belief that the Taliban are sincere" in dict(names(ctx))["belief_sincere"]
    assert "the backcast's fan chart" in dict(names(ctx))["militants_neutralised"]
    # a banded backtest event gives its band edges
    assert "bands: 250, 500, 1000 (edges)" in dict(names(ctx))["tip_strength_band"]


def test_glossary_defines_the_calibration_and_bargaining_words_the_sections_print():
    # "belief grid 12, nuisance prior", "particles", "logit tracing" (forecast, track record,
    # model v2) and the bargaining charts' "EU of challenging" beside the actor "eu" were
    # printed without a definition (found 2026-12-07)
    from qpq.report._trust import GLOSSARY, glossary_html

    terms = dict(GLOSSARY)
    for term in ("EU (in the bargaining charts)", "belief grid", "nuisance prior",
                 "particles", "logit tracing"):
        assert terms[term], term
        assert f"<dt>{term}</dt>" in glossary_html()
    assert "not the European Union" in terms["EU (in the bargaining charts)"]


def _fake_ctx(claims=(), parameters=()):
    from types import SimpleNamespace

    return SimpleNamespace(case=SimpleNamespace(claims=claims, parameters=parameters))


def test_the_backcast_counts_only_histories_that_miss_nothing(monkeypatch):
    # the rarest facts are those fewest histories reproduce, the two lowest shares, in their
    # own words; a history that misses one fact does not reproduce "all" of them
    import datetime as dt
    from types import SimpleNamespace

    import numpy as np

    from qpq.report import _trust

    table = [{"fact": f, "used": used, "evaluable": True, "prior_match": share}
             for f, used, share in (("common", True, 0.9), ("rare", True, 0.01),
                                    ("rarer", True, 0.002), ("mid", True, 0.3),
                                    ("unused", False, 0.0))]
    cal = SimpleNamespace(backcast_table=lambda: table, misses=np.array([0, 1, 2, 0, 1]),
                          as_of=dt.date(2025, 12, 31), model="v1")
    monkeypatch.setattr(_trust, "backcast_calibration", lambda ctx: cal)
    claims = (SimpleNamespace(id="rare", text="A rare thing."),
              SimpleNamespace(id="rarer", text="A rarer thing."))
    b = _trust._backcast(_fake_ctx(claims))
    assert (b["histories"], b["matching_every_fact"], b["facts_used"]) == (5, 2, 4)
    assert [(x["fact"], x["text"], x["share"]) for x in b["rarest"]] == [
        ("rarer", "A rarer thing.", 0.002), ("rare", "A rare thing.", 0.01)]


def test_the_record_part_counts_checks_inside_and_those_inside_by_construction(monkeypatch):
    # an estimate met by construction counts as such only where it is inside; every missed
    # check is named, and the count inside is the checks less those
    import datetime as dt
    from types import SimpleNamespace

    from qpq.report import _trust

    def check(family, obs, inside, built=False):
        return {"family": family, "observation": obs, "inside_90": inside,
                "by_construction": built}

    checks = [check("estimates", "tip 2020", True, True), check("estimates", "tip 2022",
                                                                 False, True),
              check("attacks", "nationals", False), check("actions", "relocate", True),
              check("milestones", "engaged", False)]
    labels = {"calibrated": ("a",), "weakly constrained": ("b", "c")}
    derived = (SimpleNamespace(name="iskp_fighters", label="calibrated"),
               SimpleNamespace(name="tip_border", label="weakly constrained"))
    rec = SimpleNamespace(checks=checks, as_of=dt.date(2024, 6, 30), model="v2",
                          settings=SimpleNamespace(game_points=1), parameters=("a", "b",
                                                                               "c", "d"),
                          labelled=lambda lab: labels[lab], derived=derived)
    monkeypatch.setattr(_trust, "record_calibration", lambda ctx: rec)
    r = _trust._record(_fake_ctx())
    assert (r["checks"], r["checks_inside"], r["by_construction"]) == (5, 2, 1)
    assert (r["parameters"], r["calibrated"], r["weakly_constrained"]) == (4, 1, 2)
    assert r["derived_calibrated"] == ["iskp_fighters"]
    assert [m["observation"] for m in r["missed"]] == ["tip 2022", "nationals", "engaged"]
    assert r["one_game_point_explains"]     # a milestone missed with one game point


def test_the_inputs_line_counts_the_assumptions(monkeypatch):
    import datetime as dt
    from types import SimpleNamespace

    from qpq.report import _trust

    for part in ("_backcast", "_track_record", "_record", "_v2"):
        monkeypatch.setattr(_trust, part, lambda ctx: None)
    monkeypatch.setattr(_trust, "forecast_window",
                        lambda ctx: (dt.date(2025, 6, 30), dt.date(2026, 6, 30)))
    params = [SimpleNamespace(assumption=a) for a in (True, False, False, True, True)]
    t = _trust.compute_trust(_fake_ctx(parameters=params))
    assert (t.parameters, t.assumptions) == (5, 3)
    assert t.forecast == ("2025-06-30", "2026-06-30")


def test_a_skill_is_about_the_same_only_where_it_rounds_to_zero():
    # the sentence prints two decimals: +0.04 is better than climatology, not "about the
    # same"; one attack is singular, none plural
    from qpq.report._trust import _skill_words, _track_words

    assert _skill_words(0.04) == "+0.04 (better than climatology)"
    assert _skill_words(-0.04) == "-0.04 (worse than climatology)"
    assert _skill_words(0.004) == "+0.00 (about the same as climatology)"
    one = {**TRACK, "record_count_skill": 0.1, "record_binary_skill": 0.1,
           "record_generated": "2026-12-05",
           "record_count_events": {"occurrences": 1, "from": "a", "to": "b"}}
    assert "rests on 1 attack of the record" in _track_words(one)
    none = {**one, "record_count_events": {"occurrences": 0, "from": "a", "to": "b"}}
    assert "rests on 0 attacks of the record" in _track_words(none)


def test_the_calibration_names_its_model_only_where_it_is_not_the_forecasts():
    said = _words(Trust(81, 80, BACKCAST, {**TRACK, "model": "v2"}, RECORD, V2))
    assert "model v2:" in said["Calibration on the record"]
    assert "not the forecasts'" not in said["Calibration on the record"]
