"""Key findings: at the top of the report, one answer per lens, the decisive assumption computed.

Small ensembles throughout (the numbers are noisy; the tests check what the computation
picks and how it is wired, not the case's verdicts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest
import yaml

from qpq.case import load_case
from qpq.cli import main
from qpq.report import ReportContext, compute_findings, default_sections
from qpq.report._findings import box_driver, decisive_parameter, findings_section
from qpq.report._shared import explore_sensitivity, explore_study

TINY_SIZES = {"sobol_n": 16, "lhs_n": 64, "study_n": 200, "prop_n": 64, "bargain_draws": 3}


@pytest.fixture(scope="module")
def case():
    return load_case()


def _ctx(case, **options):
    return ReportContext(case=case, out_dir=Path("."), generated=dt.datetime.now(dt.UTC),
                         options={"sizes": TINY_SIZES, **options})


@pytest.fixture(scope="module")
def shared(case):
    """One report context: the findings and the sections read the same cached studies."""
    return _ctx(case)


@pytest.fixture(scope="module")
def findings(shared):
    # the trust summary reads the backcast, track-record and v2 studies at the report's own
    # sizes (about 20 s); it is checked on the built-in report, which runs them anyway
    # (tests/report/test_builtin_report.py), and its words in tests/report/test_trust.py
    return compute_findings(shared, trust=False)


def test_an_unknown_option_is_refused_before_anything_runs(case):
    # the sections read options with .get(): a misspelt key ran the whole report (about
    # 20 s) on the defaults without a word
    from qpq.errors import BadInputError
    from qpq.report import findings_for

    with pytest.raises(BadInputError, match=r"unknown key 'nope'; allowed: .*sizes"):
        findings_for(case, options={"nope": 1}, trust=False)
    with pytest.raises(BadInputError, match="did you mean sim_as_of"):
        _ctx(case, sim_asof="2024-06-30")
    # and a misspelt size ran its study at the default
    from qpq.report._shared import sizes

    with pytest.raises(BadInputError, match=r"unknown size 'sobol'; allowed: sobol_n"):
        sizes(_ctx(case, sizes={"sobol": 8}))
    # refused when the report's context is made, before any section runs (a section that
    # raised it was reported as one that "does not apply")
    with pytest.raises(BadInputError, match=r"unknown size 'sobol'"):
        _ctx(case, sizes={"sobol": 8})
    with pytest.raises(BadInputError, match=r"options\['sizes'\]\['lhs_n'\] must be"):
        sizes(_ctx(case, sizes={"lhs_n": 2.5}))
    assert sizes(_ctx(case, sizes={"lhs_n": 8}))["lhs_n"] == 8
    with pytest.raises(BadInputError, match=r"options\['sizes'\] must be a mapping"):
        sizes(_ctx(case, sizes=5))
    with pytest.raises(BadInputError, match="unknown key 1"):
        findings_for(case, options={1: 2, "a": 3}, trust=False)  # type: ignore[dict-item]


def test_key_findings_come_first():
    assert default_sections()[0].id == "findings"
    assert default_sections()[0].title == "Key findings"


def test_every_disagreement_names_its_decisive_assumption(shared, findings):
    study = explore_study(shared)
    assert study is not None
    policy = findings.question("policy")
    assert {a.lens for a in policy.answers} == {"game", "simulator", "exploration",
                                                "bargaining"}
    # the stances disagree exactly where the disagreements say they do
    stance = {a.lens: a.stance for a in policy.answers}
    pairs = {tuple(d.lenses) for d in policy.disagreements}
    for a, b in (("game", "simulator"), ("game", "exploration"),
                 ("simulator", "exploration")):
        assert ((a, b) in pairs) == (stance[a] != stance[b])
    for q in findings.questions:
        for d in q.disagreements:
            assert d.decisive in study.names, (q.id, d)
            assert d.decisive in d.explanation and d.method


def test_the_decisive_assumption_is_the_top_index_of_the_difference(shared, findings):
    # the same computation the sensitivity section shows: not a name written by hand
    ctx = shared
    study = explore_study(ctx)
    assert study is not None
    sens = explore_sensitivity(ctx, study)
    diff = sens.result("china_security.difference")
    top = max(diff.ST, key=lambda k: diff.ST[k])  # type: ignore[union-attr]
    change = findings.question("change").answers[0]
    # the top index is the answer, unless its interval reaches 0: then it is named as the
    # leader within the noise and the answer is that none is shown at this size
    noisy = diff.ST[top] - diff.ST_conf[top] <= 0  # type: ignore[union-attr]
    assert change.stance == (f"not determined at this size ({top} leads within the noise)"
                             if noisy else top)
    assert ("turns most, within the noise, on" in change.answer) == noisy
    m = re.search(r"overturned in \d+% of the experiments \((\d+) of ([\d,]+)\)",
                  change.answer)
    assert m and int(m.group(1)) <= int(m.group(2).replace(",", ""))
    for d in findings.question("policy").disagreements:
        assert d.decisive == top


def _scenario(tmp_path, uncertainties):
    data = {"id": "known", "description": "a scenario whose decisive parameter is known",
            "uncertainties": uncertainties,
            "levers": ["engage_reward_if_suppressed", "boycott"],
            "outcomes": ["china_security", "militants_iskp"], "n": 32, "seed": 11,
            "extra": {"start": "2019-01-01", "until": "2024-12-31",
                      "window_start": "2021-08-15", "grid_size": 4,
                      "discovery": {"compare_to": "boycott", "worse_by_sd": 0.2}}}
    path = tmp_path / "known.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _decisive(case, path):
    ctx = _ctx(case, explore_scenario=path)
    study = explore_study(ctx)
    assert study is not None and study.id == "known"
    res = explore_sensitivity(ctx, study)
    return decisive_parameter(res.result("china_security.difference"))


def test_the_computation_picks_a_known_decisive_parameter(case, tmp_path):
    # boycott_exposure sets how much a boycott shields Chinese nationals: over [0, 1] it
    # moves the engage-minus-boycott difference, the other two hardly touch it
    known = _scenario(tmp_path, [
        {"parameter": "boycott_exposure", "low": 0.0, "high": 1.0},
        {"parameter": "crackdown_intensity", "low": 0.5, "high": 1.0},
        {"parameter": "prior_sincere", "low": 0.05, "high": 0.7}])
    name, index, rest = _decisive(case, known)
    assert name == "boycott_exposure" and index > max(v for _, v in rest)
    # pinned to a sliver it cannot matter: the scale of the attacks decides instead
    pinned = _scenario(tmp_path, [
        {"parameter": "boycott_exposure", "low": 0.3, "high": 0.3001},
        {"parameter": "nationals_severity", "low": 0.1, "high": 1.0},
        {"parameter": "prior_sincere", "low": 0.05, "high": 0.7}])
    name, _, rest = _decisive(case, pinned)
    assert name == "nationals_severity"
    assert dict(rest)["boycott_exposure"] < 0.01


def test_box_driver_is_the_smallest_quasi_p():
    import numpy as np

    from qpq.explore import prim

    rng = np.random.default_rng(5)
    x = rng.uniform(size=(600, 3))
    y = (x[:, 1] > 0.6) & (rng.uniform(size=600) < 0.95)
    name, p = box_driver(prim(x, y, ["a", "b", "c"]))
    assert name == "b" and p < 1e-6


def test_section_links_every_answer_to_a_section(shared, findings, monkeypatch):
    monkeypatch.setattr("qpq.report._findings.compute_trust", lambda ctx: None)
    html = findings_section(shared).html
    ids = {s.id for s in default_sections()} | {"sensitivity-china_security-difference"}
    for q in findings.questions:
        assert f"id='findings-{q.id}'" in html
        for a in q.answers:
            assert a.section in ids
            assert f"href='#{a.section}'" in html
    # "decisive" only where the leader's interval stands clear of the others'
    policy = findings.question("policy")
    assert policy.disagreements  # the game answers engage, the others boycott
    listed = html.split("Where they disagree")[1].split("</ul>")[0]
    items = [unescape(i) for i in listed.split("<li>")[1:]]
    # pairs with the same reasons are one item, each pair's stances kept, the reasons once
    assert len(items) == len({d.reasons for d in policy.disagreements})
    for d in policy.disagreements:
        (item,) = [i for i in items if " vs ".join(d.lenses) in i]
        what = ("leading assumption (not separable" if d.not_distinguishable_from
                else "decisive assumption")
        assert what in item
        # each lens's answer said once in its item, the shared reasons once
        for lens, stance in zip(d.lenses, d.stances, strict=True):
            assert item.lower().count(f"the {lens} answers {stance} ") == 1
        assert item.count(d.reasons) == 1
    json.dumps(findings.to_json(), allow_nan=False)  # strict JSON: no NaN


def test_cli_findings_json(capsys, monkeypatch, findings):
    """The command's wiring: the built-in case at make run's sizes, printed as the JSON.

    The computation itself is the module's ``findings`` (the tests above); computing it
    again here at other sizes would test nothing new and cost CI about 18 s.
    """
    import qpq.report._findings as module
    from qpq.report._shared import REDUCED, sizes

    seen = []

    asked = []

    def computed(ctx, trust=True):
        seen.append(ctx)
        asked.append(trust)
        return findings

    monkeypatch.setattr(module, "compute_findings", computed)
    assert main(["findings", "--json", "--no-trust"]) == 0
    assert asked == [False]
    capsys.readouterr()
    # the text keeps bracketed move names, which Rich would read as markup and drop
    assert main(["findings", "--no-trust"]) == 0
    game = next(a for a in findings.question("policy").answers if a.lens == "game")
    assert "[" in game.answer
    assert game.answer.split("(first move ")[1].split(";")[0] in " ".join(
        capsys.readouterr().out.split())
    asked.clear()
    seen.clear()
    assert main(["findings", "--json"]) == 0
    assert asked == [True]
    doc = json.loads(capsys.readouterr().out)
    (ctx,) = seen
    assert ctx.reduced and sizes(ctx) == REDUCED
    assert ctx.case.root == load_case().root
    assert doc == json.loads(json.dumps(findings.to_json()))
    assert main(["findings", "--json", "--full"]) == 0
    assert not seen[-1].reduced


def test_an_inseparable_top_index_is_said_to_be_so():
    from qpq.explore import SobolResult
    from qpq.report._shared import indistinct

    def result(st, conf):
        names = tuple(st)
        return SobolResult("y", names, st, st, conf, conf, 64, 64 * 5, 0.0, 1.0)

    wide = result({"a": 0.5, "b": 0.4, "c": 0.05}, {"a": 0.1, "b": 0.1, "c": 0.01})
    assert decisive_parameter(wide)[0] == "a" and indistinct(wide, "a") == ("b",)
    narrow = result({"a": 0.5, "b": 0.3, "c": 0.05}, {"a": 0.05, "b": 0.05, "c": 0.01})
    assert indistinct(narrow, "a") == ()
    flat = SobolResult("y", ("a",), {"a": 0.0}, {"a": 0.0}, {"a": 0.0}, {"a": 0.0}, 8, 24,
                       1.0, 0.0, constant=True)
    assert decisive_parameter(flat)[0] is None


def test_a_leader_within_the_noise_is_said_to_be(shared, findings):
    study = explore_study(shared)
    res = explore_sensitivity(shared, study).result("china_security.difference")
    name, _, _ = decisive_parameter(res)
    reaches_zero = res.ST[name] - res.ST_conf[name] <= 0
    (d, *_) = findings.question("policy").disagreements
    assert ("leads within the noise" in d.explanation) == reaches_zero


def test_the_bargaining_answer_gives_both_models_end_points(shared, findings):
    from qpq.bargain import case_issue
    from qpq.report._shared import bargaining

    data = bargaining(shared)
    for qid, issue in (("policy", "recognition"), ("backfire", "action_on_etim")):
        (answer,) = [a for a in findings.question(qid).answers if a.lens == "bargaining"]
        eum = data["eum"][issue]["forecast"]["median"]
        end = data["exchange"]["final_outcome"][issue]
        scale = case_issue(shared.case, issue)
        record = scale.observed_at(shared.as_of).value
        assert answer.numbers == {f"{issue}_median": eum, f"{issue}_exchange": end,
                                  f"{issue}_record": record}
        assert scale.against_record(eum, shared.as_of) in answer.answer
        f = data["eum"][issue]["forecast"]
        # the stability is the default run's, over its rounds, not the Monte Carlo's
        assert (f"The forecast is {f['stability']} in the default run (its median "
                f"{f['median_range'][0]:.0f}–{f['median_range'][1]:.0f} over the rounds)"
                ) in answer.answer
        assert "Over the Monte Carlo the forecast is" not in answer.answer
        # the Monte Carlo's own spread, from its draws
        mc = data["monte_carlo"]
        draws = np.asarray(mc["samples"]["eum_median"][issue])
        low, high = np.quantile(draws, [0.05, 0.95])
        assert (f"over the Monte Carlo's {draws.size:,} draws of the assumption ranges the "
                f"forecast lies within {low:.0f}–{high:.0f} (90%)") in answer.answer
        assert answer.answer.startswith("The expected-utility model forecasts")
        assert answer.answer.endswith(f"ends at {scale.reading(end)}.")
        # the stance is the expected utility model's, whatever the exchange model says
        assert answer.stance == scale.stance(eum)


def test_box_driver_and_words_order_the_restrictions_by_quasi_p():
    # three restricted dimensions, the strongest in the middle: the driver is the smallest
    # quasi-p whatever its position, and the words list the three in that order, no more
    from types import SimpleNamespace

    from qpq.report._findings import _box_words

    quasi = {"a": 0.2, "b": 1e-5, "c": 0.03, "d": 0.5}
    limits = {n: (0.1, 0.9) for n in quasi}
    box = SimpleNamespace(restricted=tuple(quasi), quasi_p=quasi, coverage=0.5, density=0.7,
                          limits=lambda names: limits)
    res = SimpleNamespace(chosen=box, names=tuple(quasi))
    assert box_driver(res) == ("b", 1e-5)
    words = _box_words(res, SimpleNamespace(base={n: 0.5 for n in quasi}))
    assert [w.split()[0] for w in words.split("; ")[:-1]] == ["b", "c", "a"]
    assert " d " not in f" {words} "


def test_a_morris_design_where_nothing_moves_names_no_assumption():
    from qpq.explore import MorrisResult

    def result(mu_star):
        names = tuple(mu_star)
        return MorrisResult("y", names, mu_star, mu_star, mu_star, mu_star, 4, 4, 20)

    assert decisive_parameter(result({"a": 0.0, "b": 0.0}))[0] is None
    assert decisive_parameter(result({"a": 0.1, "b": 0.3}))[:2] == ("b", 0.3)


def test_a_policy_s_stance_and_ties():
    from qpq.report._findings import _stance_of_policies

    assert _stance_of_policies(("boycott",)) == "boycott"
    assert _stance_of_policies(("recognize",)) == "recognise"
    assert _stance_of_policies(("conditional",)) == "engage"
    assert _stance_of_policies(("equilibrium",)) == "equilibrium play"
    assert _stance_of_policies(("boycott", "recognize")) == "tie: boycott / recognise"


def test_disagreements_without_shared_reasons_are_not_merged():
    from qpq.report._findings import Disagreement, _grouped

    a, b = (Disagreement((x, "exploration"), ("no", "yes"), "p", 0.01, "PRIM", f"{x} says",
                         "discovery") for x in ("game", "simulator"))
    assert _grouped((a, b)) == [[a], [b]]


def test_the_policy_answers_recomputed_from_their_studies(shared, findings):
    # each stance and share from the studies themselves: the simulator's sign, the share of
    # experiments where the reference policy does better, and how many overturn the
    # exploration's answer (those where the policy it does not name does better)
    from qpq.explore import contrasts
    from qpq.report._shared import dynamic_propositions, explore_lhs

    study = explore_study(shared)
    ref, other = study.reference_policy, study.discovery.compare_to
    answers = {a.lens: a for a in findings.question("policy").answers}
    p1 = {r.name: r for r in dynamic_propositions(shared)}["P1"]
    assert answers["simulator"].stance == ("engage" if p1.effect > 0 else "boycott")
    _, ev = explore_lhs(shared, study)
    diff = contrasts(study, ev, ref, other, "china_security")["difference"]
    ref_better = int(sum(1 for d in diff if d > 0))
    expl = answers["exploration"]
    assert f"{ref} beats {other} in {ref_better / diff.size:.0%} of them" in expl.answer
    robust = expl.answer.split("minimax regret is ")[1].split(";")[0]
    assert robust.endswith(" (tied)") == (" = " in robust)
    overturned = ref_better if expl.stance == other else diff.size - ref_better
    change = findings.question("change").answers[0].answer
    assert f"({overturned} of {diff.size:,})" in change


def test_the_backfire_answers_recomputed_from_their_studies(shared, findings):
    # the game backfires where a P5 variant holds at the defaults, the exploration where at
    # least one experiment backfires (a stance of "backfires" with no experiment backfiring
    # passed every test before); at the built-in case both P5 variants fail, so "any" against
    # "all" is not told apart here
    from qpq.report._shared import explore_discovery, v1_propositions

    answers = {a.lens: a for a in findings.question("backfire").answers}
    p5 = [r for r in v1_propositions(shared).results if r.proposition.id.startswith("P5")]
    statuses = {r.status for r in p5}
    assert len(p5) >= 2
    assert (answers["game"].stance == "backfires") == ("holds" in statuses)
    for r in p5:
        assert f"{r.proposition.id} {r.status} at the defaults" in answers["game"].answer
    disc = explore_discovery(shared, explore_study(shared))
    n_back = int(disc.cases.sum())
    assert (answers["exploration"].stance == "backfires in a region") == (n_back > 0)
    assert answers["exploration"].answer.startswith(
        f"{n_back / disc.cases.size:.0%} of {disc.cases.size:,} experiments")
