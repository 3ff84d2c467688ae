"""The report on the built-in case (what `make run` builds), at reduced settings."""

import json
import re
from html import unescape

import pytest

from qpq.case import load_case
from qpq.report import build_report


@pytest.fixture(scope="module")
def built(builtin_report):
    return builtin_report


EVERY_LENS = ("findings", "case", "timeline", "map", "parameters", "game", "phase",
              "propositions",
              "relationship", "backcast", "forecast", "track-record", "dynamic-propositions",
              "sensitivity", "discovery", "policies", "bargaining", "audit", "evidence")


def test_every_lens_really_built(built):
    # a section whose builder failed on the built-in case is rendered as "does not apply":
    # that must fail here, not pass as built
    _, result = built
    by_id = {s.id: s for s in result.sections}
    for sid in EVERY_LENS:
        assert by_id[sid].built, sid
        assert by_id[sid].applies, (sid, by_id[sid].note)
    with_figures = ("game", "phase", "relationship", "backcast", "forecast", "track-record",
                    "sensitivity", "policies", "bargaining")
    assert all(by_id[sid].figures for sid in with_figures), [
        sid for sid in with_figures if not by_id[sid].figures]
    # discovery draws PRIM's box only where the deal backfires somewhere
    assert by_id["discovery"].figures or "no backfire" in by_id["discovery"].summary


def _section_html(result, sid):
    html = result.html.read_text()
    part = html[html.index(f"<section id='{sid}'>"):]
    return part[:part.index("</section>")]


def _specs(part):
    return [json.loads(m.replace("<\\/", "</")) for m in re.findall(
        r"<script type='application/json' id='fig-[^']+-spec'>(.*?)</script>", part, re.S)]


def test_phase_and_proposition_sections(built):
    from qpq.game.analysis import LABEL_COLOURS, OUTSIDE_COLOUR
    from qpq.report._phase_section import DIAGRAMS

    _, result = built
    by_id = {s.id: s for s in result.sections}
    phase = _section_html(result, "phase")
    assert len(by_id["phase"].figures) == len(DIAGRAMS) and "60 × 60" in phase
    specs = _specs(phase)
    assert len(specs) == len(DIAGRAMS) == phase.count("How to read this:")
    for spec in specs:
        colours = {c for layer in spec["layer"] for c in
                   layer.get("encoding", {}).get("color", {}).get("scale", {}).get("range", [])}
        assert colours and colours <= {*LABEL_COLOURS.values(), OUTSIDE_COLOUR}
        assert "diamond" in json.dumps(spec)   # the defaults are marked
    props = _section_html(result, "propositions")
    assert "Strategic results" in props and "Built into mechanisms" in props
    for pid in ("P1", "P2", "P3", "P4", "P5m", "P5p", "P6", "P6s", "P7"):
        assert f"<strong>{pid}</strong>" in props
    assert "Not reproduced at the defaults" in props
    # how each verdict was reached: PBE, margin, flip, region (docs/model-game.md A.5)
    assert "selected / some / every PBE: no / yes / no" in props       # P2
    assert "nearest flip: econ_gain = 0.04" in props                   # P6s
    assert "econ_gain in (0, aid_cost]" in props and "◐ partly" in props
    (chart,) = _specs(props)
    assert chart["layer"]
    assert (by_id["propositions"].summary or "").startswith("propositions:")


def refuse(ctx):
    from qpq.errors import BadInputError

    raise BadInputError("this case has no simulator parameters")


def test_a_section_that_does_not_apply_is_reported(tmp_path):
    from qpq.report import Section

    section = Section("sim-x", "A lens", "dynamics", "", f"{__name__}:refuse")
    result = build_report(load_case(), tmp_path, sections=[section])
    (outcome,) = result.sections
    assert outcome.built and not outcome.applies
    assert "no simulator parameters" in outcome.note


def test_every_figure_has_files_and_words(built):
    out, result = built
    html = result.html.read_text()
    figures = [f for s in result.sections for f in s.figures]
    assert len(figures) >= 5
    for fig in figures:
        assert (out / "figures" / f"{fig}.png").stat().st_size > 1000
        assert (out / "figures" / f"{fig}.svg").stat().st_size > 1000
    assert html.count("How to read this:") == len(figures)
    assert not re.search(r"<script[^>]+src=", html)


def test_v2_section_draws_v2_phase_diagram_over_the_central_axes(built):
    from qpq.report._phase_section import DIAGRAMS
    from qpq.report._relationship_section import V2_PHASE_REDUCED

    _, result = built
    (section,) = [s for s in result.sections if s.id == "relationship"]
    x, y, _ = DIAGRAMS[0]
    fig = f"v2-phase-{x}-{y}".replace("_", "-")
    assert section.figures == (fig,)
    html = result.html.read_text()
    part = html[html.index("<section id='relationship'>"):]
    part = part[:part.index("</section>")]
    n = V2_PHASE_REDUCED
    assert f"Over {x} × {y} ({n} × {n} grid" in part
    assert "share of the solved grid" in part              # the shares by label, a table
    # the chart is v2's: its legend names the relationship's strategies, not v1's labels
    spec = part[part.index("id='fig-relationship-0-spec'"):]
    assert "unrecognised " in spec and "engage without recognition" not in spec
    assert f"phase diagram {n}x{n}:" in (section.summary or "")


def test_bargaining_summary_mentions_the_forecast(built):
    _, result = built
    (section,) = [s for s in result.sections if s.id == "bargaining"]
    assert section.summary and "forecast" in section.summary


def test_every_source_prints_as_its_citation(built):
    # Issue 17: sources printed as "Shannon Tiezzi. . The Diplomat". Every source of the case
    # appears in the appendix as Source.citation, and no citation has an empty part.
    from html import escape

    _, result = built
    html = result.html.read_text()
    appendix = html[html.index("<section id='evidence'>"):]
    for source in load_case().sources:
        citation = source.citation
        assert citation and escape(citation) in appendix, source.id
        assert not re.search(r"\.\s*\.|\(\s*\)|^\W|\s[.,;]", citation), (source.id, citation)


def test_timeline_has_a_zoomed_figure_with_one_row_per_event(built):
    import datetime as dt
    import json

    from qpq.case import EvidenceDB

    _, result = built
    (section,) = [s for s in result.sections if s.id == "timeline"]
    assert section.figures == ("timeline", "timeline-zoom")
    html = result.html.read_text()
    spec = json.loads(re.search(r"data-figure='timeline-zoom'></div>.*?<script type="
                                r"'application/json' id='[^']+'>(.*?)</script>", html,
                                re.S).group(1).replace("<\\/", "</"))
    rows = next(iter(spec["datasets"].values()))
    expected = [r for r in EvidenceDB.from_case(load_case()).timeline()
                if r["latest"] >= dt.date(2021, 1, 1) and r["earliest"] <= dt.date(2024, 12, 31)]
    assert len(rows) == len(expected) == len({r["row"] for r in rows})
    assert spec["height"] >= 18 * len(rows)  # a row per event, room for its label


def test_every_internal_link_of_the_builtin_report_resolves(built):
    # claims cite record items (estimates, attacks, ...): before 2026-12-06 their links
    # pointed at anchors no section wrote
    _, result = built
    html = result.html.read_text()
    targets = set(re.findall(r"""href=["']#([^"']+)["']""", html))
    anchors = set(re.findall(r"""id=["']([^"']+)["']""", html))
    assert any(t.startswith("item-est-") for t in targets)
    assert targets - anchors == set()


def test_no_missing_value_is_printed_as_a_number(built):
    _, result = built
    text = re.sub(r"<script.*?</script>", "", result.html.read_text(), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert not re.findall(r"\b(?:nan|NaN|None)\b", text)


def test_the_forecast_says_the_adjustment_it_applied(built):
    _, result = built
    html = _section_html(result, "forecast")
    # the record calibration's 500 accepted points are enough for the regression; the
    # opposite case (too few points) is tests/sim/test_report.py's tiny calibration
    assert "adjustment local-linear," in html
    assert "regression adjustment not applied" not in html


def test_key_findings_open_with_how_far_to_trust_them(built):
    _, result = built
    html = result.html.read_text()
    findings = unescape(html.split("id='findings-trust'")[1].split("</ul>")[0])
    for head in ("Inputs.", "History.", "Forecasts.", "Calibration on the record.",
                 "Model v2."):
        assert f"<strong>{head}</strong>" in findings
    # the same studies as the sections it links to, not others at other sizes
    of = re.search(r"Of ([\d,]+) simulated histories", findings).group(1)
    assert re.search(rf"Accepted: \d+ of {of}\.", html)
    by_id = {s.id: s for s in result.sections}
    skill = re.search(r"count skill vs climatology (\S+) on the stylised facts",
                      by_id["track-record"].summary).group(1)
    assert f"count forecasts' skill is {skill} " in findings
    checks = re.search(r"(\d+) of (\d+) observations inside", findings)
    table = html.split("Posterior predictive checks")[1].split("</table>")[0]
    assert table.count("<tr>") - 1 == int(checks.group(2))


def test_the_forecast_says_why_the_policies_differ_on_attacks_on_nationals(built):
    _, result = built
    html = _section_html(result, "forecast")
    part = unescape(re.sub(r"<[^>]+>", "", html))
    # the table's row for the event, and the note under it, read the same runs
    (row,) = [unescape(r) for r in re.findall(r"<tr>(.*?)</tr>", html, re.S)
              if "<td>attacks_on_chinese_nationals_afghanistan</td>" in r]
    boycott = re.search(r"boycott: ([\d.]+)", row).group(1)
    conditional = re.search(r"conditional: ([\d.]+)", row).group(1)
    note = part[part.index("What China does over the window"):]
    assert re.search(r"boycott engaged 0%, recognised 0%", note)
    assert re.search(r"conditional engaged 100%", note)
    assert "boycott_exposure" in note and "(range 0–1, default 0.3)" in note
    assert f"boycott expects {boycott} and conditional, which engages most, {conditional}." \
        in note
    share = float(re.search(r"the exposure alone makes (-?[\d.]+)% of the gap",
                            note).group(1))
    assert 0 <= share <= 150
    # make run's report calibrates on the record as qpq sim forecast does: no caveat that
    # the equilibrium policy's moves rest on fewer solved games
    from qpq.report._sim_sections import RECORD, RECORD_REDUCED

    assert RECORD_REDUCED.game_points == RECORD.game_points >= 30
    assert "The record calibration here solves" not in note
    assert f"{RECORD.game_points} game points" in _section_html(result, "forecast")


def test_the_map_accounts_for_every_place(built):
    from qpq.report._map_section import FRAME

    _, result = built
    text = unescape(re.sub(r"<[^>]+>", "", _section_html(result, "map")))
    places = load_case().places
    m = re.search(r"Of the case's (\d+) places, (\d+) are marked in the region, (\d+) "
                  r"countries in it drawn as outlines rather than marks \((\d+) further away", text)
    assert m, text[:400]
    total, marked, outlined, away = map(int, m.groups())
    assert total == len(places) == marked + outlined + away
    assert away == sum(not FRAME.contains(p.lon, p.lat) for p in places)


def test_the_exchange_model_says_how_its_pair_s_positions_moved_between_trades(built):
    from qpq.bargain import bargain_report_data

    _, result = built
    text = unescape(re.sub(r"<[^>]+>", "", _section_html(result, "bargaining")))
    ex = bargain_report_data(load_case(), mc_draws=2)["exchange"]
    total, pair = sum(len(r["exchanges"]) for r in ex["rounds"]), len(ex["pair_exchanges"])
    assert 1 < pair < total
    assert (f"{pair} exchanges between China and Taliban" in text
            and f"The other {total - pair} of the {total} exchanges, between other pairs, "
                "move positions in between" in text), text[:600]


def test_the_bargaining_forecasts_stand_beside_the_record_s_point(built):
    _, result = built
    case = load_case()
    for sid in ("bargaining", "findings"):
        text = unescape(re.sub(r"<[^>]+>", "", _section_html(result, sid)))
        # recognition: Xi accepted the Taliban ambassador's credentials on 2024-01-30 (75)
        m = re.search(r"The record puts the issue “Recognition of the Taliban government” at "
                      r"75\.0 on 0–100: .*? since 2024-01-30: .*?; ([\d.]+) lies ([\d.]+) "
                      r"points (below|above) it\.", text)
        assert m, sid
        gap = float(m.group(1)) - 75.0
        assert m.group(3) == ("below" if gap < 0 else "above")
        assert abs(abs(gap) - float(m.group(2))) < 0.11
    issue = next(i for i in case.bargaining_issues if i.id == "recognition")
    assert issue.observed_at().evidence[0] in case.by_id


def test_the_game_section_says_how_to_read_an_information_set(built):
    from qpq.model import FinalAction

    _, result = built
    text = unescape(re.sub(r"<[^>]+>", "", _section_html(result, "game")))
    assert "An information set C|m,s,d,r is what China has seen" in text
    for action in FinalAction:
        assert f"{action.value}: {action.words}" in text


def test_pbe_the_table_cannot_tell_from_the_selected_one_are_named(built):
    from qpq.report._game_section import _same_path

    def eq(move, p, china, selected=False):
        return {"first_move": move, "pure": True, "selected": selected,
                "outcome": {"p_recognised": p, "label": "x"}, "payoffs": {"China": china}}
    chosen = eq("Engage[no_promise]", 0.12, -1.96, True)
    listed = [eq("Engage[no_promise]", 0.06, -2.04), eq("Engage[no_promise]", 0.12, -1.96),
              chosen, eq("Boycott", 0.12, -1.96)]
    assert _same_path(listed, chosen) == [2]
    assert _same_path(listed, None) == []
    _, result = built
    text = unescape(re.sub(r"<[^>]+>", "", _section_html(result, "game")))
    named = re.search(r"PBE ([\d, ]+) and the selected one play the same path", text)
    # the built-in case's defaults have such a twin; the sentence names it
    assert named and all(int(i) > 0 for i in named.group(1).split(", "))


def test_the_forecast_table_names_the_constrained_parameters(built):
    _, result = built
    html = _section_html(result, "forecast")
    cells = re.findall(r"<td>some: ([a-z_, ]+) \((\d+) of (\d+)\)(?:; at the as-of date: "
                       r"[a-z_, ]+)?</td>", html)
    assert cells                    # the record constrains some of the attack events' ones
    for names, k, n in cells:
        assert len(names.split(", ")) == int(k) <= int(n)
    assert "<td>some</td>" not in html
    # and the level at the as-of date where the record narrowed it (qpq.sim.derived_text)
    assert re.search(r"; at the as-of date: [a-z_, ]+ (calibrated|weakly constrained)</td>",
                     html)


def test_the_track_record_accounts_for_every_attack_of_the_record(built):
    _, result = built
    text = unescape(re.sub(r"<[^>]+>", "", _section_html(result, "track-record")))
    m = re.search(r"Of the record's (\d+) attacks on Chinese targets known by ([\d-]+), the "
                  r"attack checks count (\d+); not used: (.*?)\.\n?", text)
    assert m
    known, counted = int(m.group(1)), int(m.group(3))
    left = sum(int(n) for n in re.findall(r"(?:^|, |; )(\d+)(?: in |: )", m.group(4)))
    assert counted + left == known
    assert "in Pakistan" in m.group(4)


def test_second_outsider_read_fixes_hold(built):
    _, result = built
    words = {sid: unescape(re.sub(r"<[^>]+>", "", _section_html(result, sid)))
             for sid in ("findings", "track-record", "game", "sensitivity")}
    flat = {k: " ".join(v.split()) for k, v in words.items()}
    # a disagreement with the simulator points to the simulator's own decomposition
    assert re.search(r"the simulator's answer at the defaults is decomposed in its own row: "
                     r"with boycott_exposure at 1 the difference is [-+][\d.e-]+, against "
                     r"[-+][\d.]+ at its default 0.3; the assumption makes [\d.]+% of it\.",
                     flat["findings"])
    assert "The report reads the case at several dates. The backcast reads" in flat["findings"]
    # what the attack checks cannot check, and which facts the facts-at-once line counts
    assert "The model's attacks inside China (Xinjiang), a term of China's security " \
        "measure, have no check" in flat["track-record"]
    assert re.search(r"match every one of the \d+ facts known by 2024-06-30", flat["track-record"])
    assert "a defection seen is evidence of effort" in flat["game"]
    assert "samples each uncertainty over its prior range, not the record calibration's " \
        "posterior" in flat["sensitivity"]


def test_the_forecasts_skill_says_how_many_attacks_it_rests_on(built):
    _, result = built
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", _section_html(result, "findings"))).split())
    m = re.search(r"The count forecasts' skill rests on (\d+) attacks? of the record in "
                  r"the scored windows \(2016-06-30 to 2025-06-30\)", text)
    assert m
    # the record's attacks in Afghanistan and the Central Asian states on its border, then
    in_window = [a for a in load_case().attacks
                 if a.country in ("afghanistan", "tajikistan-country", "uzbekistan-country",
                                  "turkmenistan-country")
                 and "2016-06-30" < a.date[:10] <= "2025-06-30"]
    assert int(m.group(1)) == len(in_window)


def test_the_forecast_says_what_china_s_belief_does_to_the_chance_of_recognition(built):
    _, result = built
    html = _section_html(result, "forecast")
    part = " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())
    # the table's probability and the note's are the same run's
    (row,) = [unescape(r) for r in re.findall(r"<tr>(.*?)</tr>", html, re.S)
              if "<td>china_recognizes_de_jure</td>" in r]
    note = part[part.index("China's de jure recognition in"):]
    p = float(re.search(r"P = ([\d.e-]+) \(the forecast\)", note).group(1))
    assert f"{p:.2g}" in row or f"{p:.3g}" in row
    reset = float(re.search(r"the same scenarios give P = ([\d.e-]+)", note).group(1))
    assert 0.0 <= p <= 1.0 and 0.0 <= reset <= 1.0
    # the counts agree with the paragraph above the table
    kept, total = re.search(r"resampled from the ([\d,]+) of ([\d,]+) calibrated", part).groups()
    assert f"in the {kept} kept" in note and f"of the {total} (" in note
    # the game's one round is named beside it, with the game section's own number
    game = _section_html(result, "game")
    p_game = re.search(r"The game section's P\(recognised\), ([\d.]+) at the defaults", note)
    assert p_game and f"<td>{p_game.group(1)}</td>" in game
    findings = " ".join(unescape(re.sub(r"<[^>]+>", "", _section_html(result, "findings"))
                                 ).split())
    assert f"P(recognised) {p_game.group(1)} in one round from the prior belief" in findings


def test_the_decisive_assumption_comes_with_what_the_record_says_of_it(built):
    # Key findings named attack_rate as what the policy answer turns on without saying that
    # the record's calibration puts it near the bottom of its range (an outside read,
    # 2026-12-06); the median and its prior quantile are the track record table's
    _, result = built
    html = unescape(result.html.read_text())
    findings = html.split("<h3>Calibration on the record as of")[0]
    name = re.search(r"turns most(?:, within the noise,)? on (\w+) \(ST", findings).group(1)
    table = html.split("<h3>Calibration on the record as of")[1].split("</table>")[0]
    row = re.search(rf"<td>{name}</td>(.*?)</tr>", table)
    if row is None:
        assert "The calibration on the record (as of" not in findings
        return
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    median, quantile = re.match(r"(\S+) \((\S+)\)", cells[3]).groups()
    said = re.search(rf"puts {name}'s median at (\S+), at its prior's (\d+)% quantile",
                     findings)
    assert said is not None
    assert float(said.group(1)) == pytest.approx(float(median), rel=0.01)
    assert abs(int(said.group(2)) - 100 * float(quantile)) <= 1


def test_every_figure_fits_the_page(built):
    # the record's charts, the timeline and the posteriors were drawn 1,040-1,070 px wide
    # in the 1,000-px page (an outside read, 2026-12-07)
    from qpq.report._render import PAGE_WIDTH

    out, result = built
    for fig in (f for s in result.sections for f in s.figures):
        svg = (out / "figures" / f"{fig}.svg").read_text()
        width = float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))
        assert width <= PAGE_WIDTH, (fig, width)
