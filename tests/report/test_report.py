import datetime as dt
import re
from pathlib import Path

import pytest

from qpq.case import load_case
from qpq.report import ReportContext, Section, build_report, default_sections


def test_report_builds_with_placeholders(make_case, tmp_path):
    out = tmp_path / "out"
    result = build_report(load_case(make_case()), out)
    html = result.html.read_text()
    built = {s.id for s in result.sections if s.built}
    assert {"case", "timeline", "audit", "parameters"} <= built
    # every registered section appears, built or as a placeholder
    for section in default_sections():
        assert f"id='{section.id}'" in html
    assert html.count("class='placeholder'") == len(result.sections) - len(built)
    # figures: embedded spec + PNG and SVG files on disk
    assert (out / "figures" / "timeline.png").stat().st_size > 1000
    assert (out / "figures" / "timeline.svg").read_text().startswith("<svg")
    assert "vegaEmbed" in html and "How to read this" in html
    # offline: no external scripts or stylesheets
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+stylesheet", html)


def test_failed_build_keeps_previous_report(make_case, tmp_path):
    out = tmp_path / "out"
    case = load_case(make_case())
    build_report(case, out)
    before = (out / "report.html").read_text()

    def figures() -> dict[str, tuple[int, bytes]]:
        return {p.name: (p.stat().st_mtime_ns, p.read_bytes())
                for p in (out / "figures").iterdir()}

    drawn = figures()
    assert "timeline.png" in drawn and "map.png" in drawn
    # a section that draws a figure, then one that fails: the earlier figures were
    # overwritten one by one before 2026-12-06, beside the earlier page
    (timeline,) = [s for s in default_sections() if s.id == "timeline"]
    broken = [timeline,
              Section("x", "X", "test", "never", "qpq.report._evidence_sections:no_such_fn")]
    with pytest.raises(AttributeError):
        build_report(case, out, broken)
    assert (out / "report.html").read_text() == before
    assert figures() == drawn
    assert sorted(p.name for p in out.iterdir()) == ["figures", "report.html"]
    # a build with fewer sections leaves no figure of the sections it no longer has
    (only,) = build_report(case, out, [timeline]).sections
    assert {p.name for p in (out / "figures").iterdir()} == {
        f"{fig}.{ext}" for fig in only.figures for ext in ("png", "svg")}
    assert len(only.figures) < len(drawn) / 2


def test_a_folder_given_as_a_string(make_case, tmp_path):
    # a notebook's "out" ended in "'str' object has no attribute 'mkdir'"
    (timeline,) = [s for s in default_sections() if s.id == "timeline"]
    result = build_report(load_case(make_case()), str(tmp_path / "out"), [timeline])
    assert result.html == tmp_path / "out" / "report.html" and result.html.is_file()


@pytest.mark.parametrize(("own", "beside", "said"), [
    ({"my-figure.png": "mine"}, False, "no report.html is beside it"),
    ({"a.svg": "<svg/>", "data.csv": "1,2"}, True, "holds files that are not a report's "
                                                   "(data.csv)"),
    ({"sub/x.png": "mine"}, True, "holds files that are not a report's (sub)"),
    # a folder named like a figure is not one (files_only)
    ({"old.svg/notes.txt": "mine"}, True, "holds files that are not a report's (old.svg)"),
])
def test_a_figures_folder_the_report_did_not_write_is_refused(make_case, tmp_path, own,
                                                              beside, said):
    # `qpq report --out ~/paper` deleted the user's own ~/paper/figures without a word:
    # the build replaces figures/ whole
    from qpq.errors import BadInputError

    out = tmp_path / "out"
    for name, text in own.items():
        (out / "figures" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "figures" / name).write_text(text)
    if beside:
        (out / "report.html").write_text("<html>mine</html>")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    (timeline,) = [s for s in default_sections() if s.id == "timeline"]
    with pytest.raises(BadInputError, match=re.escape(said)):
        build_report(load_case(make_case()), out, [timeline])
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


def test_an_empty_figures_folder_or_an_earlier_reports_is_written_over(make_case, tmp_path):
    # the counterpart of the refusals above (once, not once per refusal: each build draws)
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    # empty but for a file manager's hidden file: anyone's
    (out / "figures" / ".DS_Store").write_bytes(b"\0")
    (timeline,) = [s for s in default_sections() if s.id == "timeline"]
    build_report(load_case(make_case()), out, [timeline])
    assert (out / "figures" / "timeline.svg").is_file()
    (out / "figures" / "timeline.svg").write_text("<svg>old</svg>")
    build_report(load_case(make_case()), out, [timeline])   # an earlier report's: replaced
    assert (out / "figures" / "timeline.svg").read_text() != "<svg>old</svg>"


def test_every_internal_link_resolves(make_case, tmp_path):
    html = build_report(load_case(make_case()), tmp_path / "out").html.read_text()
    targets = set(re.findall(r'href="#(item-[^"]+)"', html))
    anchors = set(re.findall(r'id="(item-[^"]+)"', html))
    assert targets and targets <= anchors


def test_section_that_does_not_apply_says_why(make_case, tmp_path):
    # The mini case has two parameters, not the game's: the game section explains instead of
    # failing the whole report.
    result = build_report(load_case(make_case()), tmp_path / "out")
    html = result.html.read_text()
    assert "does not apply to this case" in html
    (game,) = [s for s in result.sections if s.id == "game"]
    assert game.built and game.figures == ()


def test_record_section_draws_three_charts_as_of_a_date(make_case, tmp_path):
    import datetime as dt

    from qpq.case._asof import case_as_of
    from tests.conftest import MINI_RECORD

    (section,) = [s for s in default_sections() if s.id == "record"]
    case = load_case(make_case(**MINI_RECORD))
    full = build_report(case, tmp_path / "full", [section])
    (outcome,) = full.sections
    assert outcome.built and outcome.figures == ("record-estimates", "record-attacks",
                                                 "record-engagement")
    assert outcome.summary == ("record: 4 estimates, 2 attacks, 1 Taliban actions, "
                               "1 milestones")
    for fig in outcome.figures:
        assert (tmp_path / "full" / "figures" / f"{fig}.svg").read_text().startswith("<svg")
    html = full.html.read_text()
    assert html.count("How to read this:") == 3 and not re.search(r"<script[^>]+src=", html)
    cut = dt.date(2021, 12, 31)
    early = build_report(case_as_of(case, cut), tmp_path / "early", [section], as_of=cut)
    assert early.sections[0].summary == ("record: 1 estimates, 1 attacks, 0 Taliban actions, "
                                         "0 milestones")
    assert "known by 2021-12-31" in early.html.read_text()


def test_record_section_says_when_a_case_has_no_record(make_case, tmp_path):
    (section,) = [s for s in default_sections() if s.id == "record"]
    result = build_report(load_case(make_case()), tmp_path / "out", [section])
    assert result.sections[0].figures == ()
    assert "holds no record" in result.html.read_text()


def test_a_report_as_of_a_date_calibrates_and_scores_on_what_was_known_then(monkeypatch):
    # `qpq report --as-of` cut the case, yet its forecast calibrated on "the record known by
    # 2025-06-30", reading the quarters after the cut as quarters without attacks, and the
    # track record scored origins against a record cut short (found 2026-12-06)
    import qpq.report._track_record_section as track
    from qpq.case import case_as_of
    from qpq.errors import BadInputError
    from qpq.report._sim_sections import _date, backcast_section, forecast_section

    full = load_case()

    def context(cut: dt.date) -> ReportContext:
        return ReportContext(case=case_as_of(full, cut), out_dir=Path("."),
                             generated=dt.datetime.now(dt.UTC), as_of=cut)

    mid = context(dt.date(2021, 8, 15))
    assert _date(mid, "sim_as_of", full.run.forecast_as_of) == dt.date(2021, 8, 15)
    assert _date(mid, "sim_backcast_as_of", full.run.backcast_as_of) == dt.date(2021, 8, 15)
    assert _date(mid, "sim_until", full.run.forecast_until, as_of=False) == \
        full.run.forecast_until
    seen: list = []

    def scored(case, spec):
        seen.append(spec)
        raise RuntimeError("stop here")

    monkeypatch.setattr(track, "backtest", scored)
    with pytest.raises(RuntimeError):
        track.track_record_section(mid)
    (spec,) = seen
    assert spec.origins[-1] == dt.date(2020, 6, 30)        # its window ends 2021-06-30
    assert all(spec.window_end(o) <= dt.date(2021, 8, 15) for o in spec.origins)

    early = context(dt.date(1800, 12, 31))
    for section in (backcast_section, forecast_section, track.track_record_section):
        with pytest.raises(BadInputError, match="1800-12-31"):
            section(early)


def test_a_report_as_of_a_date_after_the_record_is_refused_before_anything_is_written(
        tmp_path):
    # the CLI's check, at build_report's depth: a notebook's as_of=2030 ran and quietly
    # dropped the packaged backtest
    from qpq.errors import BadInputError

    with pytest.raises(BadInputError, match="after the record's last day 2025-06-30"):
        build_report(load_case(), tmp_path / "out", as_of=dt.date(2030, 1, 1))
    assert not (tmp_path / "out").exists()


def test_a_study_the_case_refuses_is_attempted_once_per_report(make_case):
    from qpq.errors import BadInputError

    ctx = ReportContext(case=load_case(make_case()), out_dir=Path("."),
                        generated=dt.datetime(2026, 1, 1))
    calls = []

    def refuse() -> None:
        calls.append(1)
        raise BadInputError("the case has no record")

    for _ in range(3):     # the section, the trust summary and the key findings
        with pytest.raises(BadInputError, match="the case has no record"):
            ctx.memo("sim.record_calibration", refuse)
    assert len(calls) == 1
    assert ctx.memo("other", lambda: 5) == 5 and ctx.memo("other", lambda: 6) == 5


def test_phase_caption_names_the_colour_the_chart_gives_points_without_a_pure_pbe():
    # the caption said "black" after the diagrams' shared palette made these points light
    # grey (qpq.game.analysis.LABEL_COLOURS)
    from qpq.game.analysis import LABEL_COLOURS, NO_PURE_NAME
    from qpq.report._phase_section import HOW_TO_READ

    assert LABEL_COLOURS[NO_PURE_NAME] == "#BBBBBB"
    assert "light grey (\"no pure PBE\") marks points without a pure equilibrium" in HOW_TO_READ
    assert "black marks" not in HOW_TO_READ


def test_attack_chart_size_legend_reads_the_chinese_killed_not_the_mark_size():
    # the legend was titled "Chinese killed + 1" and labelled with the mark's size (0, 2, 4,
    # ...), so "0" read as minus one killed
    from qpq.report._record_section import attacks_chart

    case = load_case()
    spec = attacks_chart(case).to_dict()
    sizes = [enc["size"] for chart in spec["vconcat"]
             for layer in chart.get("layer", [chart]) if "size" in (enc := layer["encoding"])]
    assert sizes
    most = max(a.chinese_killed or 0 for a in case.attacks)
    for size in sizes:
        assert size["title"] == "Chinese killed"
        legend = size["legend"]
        assert legend["labelExpr"] == "datum.value - 1"
        shown = [v - 1 for v in legend["values"]]
        assert shown[0] == 0 and max(shown) <= most


def test_a_report_s_reduced_switch_is_true_or_false(make_case):
    from qpq.errors import BadInputError

    # reduced="no" is true to Python and ran the reduced report
    with pytest.raises(BadInputError, match="reduced must be True or False; got 'no'"):
        ReportContext(case=load_case(make_case()), out_dir=Path("."),
                      generated=dt.datetime(2026, 1, 1), reduced="no")
