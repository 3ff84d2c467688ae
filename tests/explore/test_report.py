"""Report sections of the exploration lens (on a copy of the case with a tiny scenario)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml

from qpq.case import builtin_case_path, load_case
from qpq.report import _explore_sections as report
from qpq.report._sections import ReportContext

from .conftest import TINY


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    root = tmp_path_factory.mktemp("case") / "china_taliban"
    shutil.copytree(builtin_case_path(), root)
    (root / "scenarios" / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    return ReportContext(case=load_case(root), out_dir=root, generated=dt.datetime(2026, 1, 1),
                         reduced=True, options={"explore_scenario": "tiny"})


def test_sensitivity_section(ctx):
    content = report.sensitivity_section(ctx)
    assert "Reduced run" in content.html and "Sobol" in content.html
    assert "crackdown_intensity" in content.html
    assert [f.id for f in content.figures] == [
        "explore-sobol-china_security", "explore-sobol-china_security-difference",
        "explore-sobol-militants_iskp", "explore-sobol-militants_iskp-difference"]
    # the policy question beside the levels: the difference and the regret against boycott
    assert "id='sensitivity-china_security-difference'" in content.html
    assert "id='sensitivity-militants_iskp-regret'" in content.html
    assert content.summary.startswith("sensitivity: china_security driven by")
    content.figures[0].chart.to_dict()            # a valid Vega-Lite spec


def test_discovery_section(ctx):
    content = report.discovery_section(ctx)
    assert "backfire" in content.html and "quasi-p" in content.html
    assert {f.id for f in content.figures} == {"explore-prim-tradeoff", "explore-prim-box"}
    for f in content.figures:
        f.chart.to_dict()


def test_a_discovery_without_backfire_says_so_and_draws_no_box(tmp_path):
    root = tmp_path / "china_taliban"
    shutil.copytree(builtin_case_path(), root)
    # a margin no experiment can pass: the deal backfires nowhere
    never = {**TINY, "extra": {**TINY["extra"], "discovery": {"worse_by": 1e12}}}
    (root / "scenarios" / "tiny.yaml").write_text(yaml.safe_dump(never))
    ctx = ReportContext(case=load_case(root), out_dir=root, generated=dt.datetime(2026, 1, 1),
                        reduced=True, options={"explore_scenario": "tiny"})
    content = report.discovery_section(ctx)
    assert "No experiment meets the rule" in content.html
    assert "nan" not in content.html and "quasi-p" not in content.html
    assert content.figures == ()
    assert content.summary.startswith("discovery: no backfire in ")


def test_policies_section(ctx):
    content = report.policies_section(ctx)
    assert "minimax regret" in content.html.lower() and "boycott" in content.html
    assert content.summary.startswith("policies: most robust for china_security")
    for f in content.figures:
        f.chart.to_dict()


def test_a_case_without_scenarios_gets_a_placeholder(ctx, tmp_path):
    root = tmp_path / "case"
    shutil.copytree(builtin_case_path(), root)
    shutil.rmtree(root / "scenarios")
    bare = ReportContext(case=load_case(root), out_dir=tmp_path, generated=ctx.generated)
    assert "no exploration scenario" in report.policies_section(bare).html


def test_sobol_noise_is_counted_not_hidden():
    from qpq.explore import SobolResult

    def result(s1, st, conf):
        names = tuple(s1)
        return SobolResult("china_security", names, s1, st, dict.fromkeys(names, conf),
                           dict.fromkeys(names, conf), 64, 448, 0.0, 1.0)

    clean = result({"a": 0.6, "b": 0.2}, {"a": 0.7, "b": 0.3}, 0.05)
    assert report._noise_note([clean]) == ""
    noisy = result({"a": -0.03, "b": 0.2}, {"a": 1.2, "b": 0.3}, 0.4)
    note = report._noise_note([noisy])
    # -0.03 and 1.2 outside [0, 1]; the furthest is ST of a; intervals of 0.4 reach 0 for
    # -0.03 and 0.2 and 0.3
    assert "Of the 4 indices" in note and "2 lie outside [0, 1]" in note
    assert "ST of <code>a</code>" in note and "1.200" in note
    assert "3 have intervals reaching 0" in note


def test_a_suspect_without_measurable_effect_is_not_given_a_rank():
    from qpq.explore import SobolResult

    names = ("a", "b")
    main = SobolResult("china_security", names, {"a": 0.5, "b": 0.0}, {"a": 0.6, "b": 0.001},
                       {"a": 0.05, "b": 0.01}, {"a": 0.05, "b": 0.002}, 64, 448, 0.0, 1.0)
    assert report._suspect_words(main, "a", 1, 2) == "<code>a</code> ranks 1 of 2"
    words = report._suspect_words(main, "b", 2, 2)
    assert "no measurable effect" in words and "ST 0.001 ± 0.002" in words
