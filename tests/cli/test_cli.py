"""The CLI's shared contract: exit codes, --json, plain errors, --version."""

import json

import pytest

from qpq import __version__
from qpq.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"qpq {__version__}"


@pytest.mark.parametrize("args", [("report", "--out", "{tmp}"), ("evidence", "timeline"),
                                  ("sim", "calibrate", "--as-of", "2024-06-30")])
def test_ctrl_c_exits_130_not_0(capsys, monkeypatch, tmp_path, args):
    # typer, outside standalone mode, returns 130 for a KeyboardInterrupt instead of
    # raising it, and main() returned 0: an interrupted `qpq report` looked finished to a
    # script that chained it (found 2026-12-06; only `explore run` had its own 130)
    # raised where the command's own code starts (patching a domain function instead
    # would leak: a module first imported under the patch keeps the patched name)
    from typer.core import TyperCommand

    def interrupted(self, ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr(TyperCommand, "invoke", interrupted)
    code, _out, err = run(capsys, *(a.format(tmp=tmp_path) for a in args))
    assert code == 130
    assert "interrupted" in err and "Traceback" not in err


def test_a_file_system_refusal_is_a_sentence_naming_the_path(capsys, tmp_path):
    # an --out under a file ended in a traceback (NotADirectoryError, FileExistsError)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for args in (("evidence", "schema", "--out", str(blocker / "schema.json")),
                 ("game", "sweep", "--x", "iskp_pull", "--y", "crackdown_intensity", "--n",
                  "3", "--out", str(blocker / "sweep.png"))):
        code, _out, err = run(capsys, *args)
        assert code == 1, args
        assert str(blocker) in err.replace("\n", "") and "Traceback" not in err, err


@pytest.mark.parametrize("args", [
    ("game", "propositions", "--n", "8", "--seed", "-1"),
    ("bargain", "exchange", "--seed", "-1"),
    ("bargain", "montecarlo", "--draws", "3", "--seed", "-1"),
    ("explore", "run", "deal-under-uncertainty", "--n", "8", "--seed", "-1", "--out", "{tmp}"),
    ("sim", "backtest", "--origins", "2022-12-31", "--horizon", "99999m"),
    ("sim", "backtest", "--origins", "1995-12-31"),
    ("game", "relationship", "--at", "1800-01-01"),
])
def test_bad_numbers_and_dates_are_refused_naming_their_option(capsys, tmp_path, args):
    # each ended in a traceback (numpy's "expected non-negative integer", the calendar's
    # "year 10356 is out of range") or named an option the command does not have
    code, out, err = run(capsys, *(a.format(tmp=tmp_path / "run") for a in args))
    assert code == 2 and out == "" and "Traceback" not in err, err
    option = "--horizon" if "--horizon" in args else next(
        a for a in args if a in ("--seed", "--origins", "--at"))
    assert option in err and "--as-of" not in err, err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("args", "said"), [
    (("report", "--as-of", "2030-01-01", "--out", "{tmp}"), "after the record's last day"),
    (("report", "--as-of", "15/08/2021", "--out", "{tmp}"), "'15/08/2021' is not one date"),
    (("sim", "forecast", "--as-of", "2021-06-30/2021-09-30", "--until", "2022-06-30"),
     "is not one date"),
    (("sim", "forecast", "--as-of", "2021-06-30", "--until", "2022-13"),
     "bad month number 13"),
])
def test_an_as_of_date_is_one_date_the_record_knows(capsys, tmp_path, args, said):
    # a report as of 2030 ran (and dropped the packaged backtest the plain one shows) where
    # the simulator refuses the date; an interval was read as its end; "15/08/2021" was
    # reported as the date "15" (found 2026-12-06)
    code, out, err = run(capsys, *(a.format(tmp=tmp_path / "run") for a in args))
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert said in " ".join(err.split()), err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("args", "named"), [
    (("sim", "run", "--out", ""), "--out: an empty value"),
    (("sim", "run", "--charts="), "--charts: an empty value"),
    (("sim", "calibrate", "--cache-dir", ""), "--cache-dir: an empty value"),
    (("evidence", "validate", ""), "the argument after 'validate': an empty value"),
    (("bargain", "eum", "--issue", ""), "--issue: an empty value"),
])
def test_an_empty_value_is_refused_before_any_work(capsys, tmp_path, monkeypatch, args,
                                                    named):
    # an empty path is the working folder to Python: `sim run --out ""` wrote its run
    # there; an empty name silently took the default
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and named in err
    assert list(tmp_path.iterdir()) == []


def test_debug_is_an_option_of_qpq_itself(capsys, monkeypatch):
    # the README said "--debug shows tracebacks" and users put it after the command, where
    # it is refused; the docs now say it goes first, as this checks
    from qpq import cli
    from qpq.errors import BadInputError

    monkeypatch.setitem(cli._state, "debug", False)     # --debug sets it for the process

    code, out, err = run(capsys, "evidence", "show", "no-such-id", "--debug")
    assert code == 2 and "--debug" in err and out == ""
    with pytest.raises(BadInputError, match="no-such-id"):
        main(["--debug", "evidence", "show", "no-such-id"])


def test_timeline_json_is_one_document(capsys, make_case):
    code, out, _ = run(capsys, "evidence", "timeline", "--case", str(make_case()), "--actor",
                       "China", "--json")
    assert code == 0
    data = json.loads(out)
    assert [e["id"] for e in data["events"]] == ["ev-a", "ev-c"]


def test_as_of_excludes_later_and_year_precision(capsys, make_case):
    code, out, _ = run(capsys, "evidence", "timeline", "--case", str(make_case()), "--as-of",
                       "2024-06-30", "--json")
    assert code == 0
    assert [e["id"] for e in json.loads(out)["events"]] == ["ev-a"]


@pytest.mark.parametrize("args", [
    ("evidence", "timeline", "--actor", "nobody"),
    ("evidence", "timeline", "--as-of", "yesterday"),
    ("evidence", "show", "no-such-id"),
    ("evidence", "frobnicate"),
])
def test_bad_input_exits_2_with_a_sentence(capsys, make_case, args):
    code, out, err = run(capsys, *args, *(["--case", str(make_case())]
                                         if args[1] != "frobnicate" else []))
    assert code == 2
    assert out == ""
    assert "Traceback" not in err and err.strip()


def test_timeline_refuses_a_from_after_its_to(capsys, make_case):
    # "--from 2025 --to 2020" printed "Timeline (0 events)" and exit 0: swapped dates
    # looked like a question with no answer
    root = str(make_case())
    code, out, err = run(capsys, "evidence", "timeline", "--case", root, "--from", "2021-09",
                         "--to", "2021-08")
    assert code == 2 and out == ""
    assert "--from 2021-09" in err and "--to 2021-08" in err and "Traceback" not in err
    # one year (or month) for both is a window, not an error: 2021 holds ev-b and ev-c
    code, out, _ = run(capsys, "evidence", "timeline", "--case", root, "--from", "2021",
                       "--to", "2021", "--json")
    assert code == 0
    assert [e["id"] for e in json.loads(out)["events"]] == ["ev-c", "ev-b"]


def test_malformed_case_exits_2_naming_file_and_field(capsys, make_case):
    bad = make_case(events=[{"id": "ev-a", "date": "soon", "title": "t", "summary": "s",
                             "type": "political", "actors": ["china"], "sources": ["paper"]}])
    code, _, err = run(capsys, "evidence", "audit", "--case", str(bad))
    assert code == 2
    assert "events.yaml" in err and "date" in err


def test_validate_and_show_and_search(capsys, make_case):
    root = str(make_case())
    assert run(capsys, "evidence", "validate", root, "--json")[0] == 0
    code, out, _ = run(capsys, "evidence", "show", "ev-b", "--case", root, "--json")
    assert code == 0 and json.loads(out)["item"]["title"] == "Takeover"
    code, out, _ = run(capsys, "evidence", "search", "takeover", "--case", root, "--json")
    assert [r["id"] for r in json.loads(out)["results"]] == ["ev-b"]


def test_validate_reads_the_basemap(capsys, make_case):
    # a damaged basemap passed `evidence validate` and was found at the end of a report
    # (the map section) instead (found 2026-12-06)
    root = make_case()
    code, out, _ = run(capsys, "evidence", "validate", str(root), "--json")
    assert code == 0 and json.loads(out)["basemap_outlines"] == 0
    (root / "basemap.geojson").write_text('{"type": "FeatureCollection"}')
    code, out, err = run(capsys, "evidence", "validate", str(root))
    assert code == 2 and out == ""
    assert "basemap.geojson" in err and "features" in err and "Traceback" not in err


def test_validate_counts_the_builtin_basemap(capsys):
    from qpq.case import builtin_case_path

    code, out, _ = run(capsys, "evidence", "validate", str(builtin_case_path()), "--json")
    assert code == 0 and json.loads(out)["basemap_outlines"] > 10


def test_audit_json(capsys, make_case):
    code, out, _ = run(capsys, "evidence", "audit", "--case", str(make_case()), "--json")
    data = json.loads(out)
    assert code == 0 and data["errors"] == [] and len(data["findings"]) == 4


def test_schema_export(capsys, tmp_path):
    target = tmp_path / "schema.json"
    assert run(capsys, "evidence", "schema", "--out", str(target))[0] == 0
    schema = json.loads(target.read_text())
    assert "events.yaml" in schema["files"]
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema["files"]["events.yaml"])


def test_report_as_of(capsys, make_case, tmp_path):
    out = tmp_path / "r"
    code, stdout, _ = run(capsys, "report", "--case", str(make_case()), "--out", str(out),
                          "--as-of", "2016-12-31", "--json")
    assert code == 0
    assert json.loads(stdout)["report"].endswith("report.html")
    html = (out / "report.html").read_text()
    assert "Evidence as of 2016-12-31" in html
    assert "Takeover" not in html  # an event of 2021 is not known by then
    assert "Secret meeting" in html
    assert run(capsys, "report", "--case", str(make_case()), "--out", str(out), "--as-of",
               "soon")[0] == 2


def test_schema_covers_the_record_and_validates_it(capsys, tmp_path):
    import jsonschema
    import yaml

    from qpq.case._loader import builtin_case_path

    target = tmp_path / "schema.json"
    assert run(capsys, "evidence", "schema", "--out", str(target))[0] == 0
    files = json.loads(target.read_text())["files"]
    for name in ("estimates.yaml", "attacks.yaml", "taliban_actions.yaml", "milestones.yaml"):
        validator = jsonschema.Draft202012Validator(files[name])
        data = yaml.safe_load((builtin_case_path() / name).read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], name
        # an unknown field is refused, as in every case file
        assert list(validator.iter_errors([dict(data[0], colour="red")]))


def test_one_parameter_in_full_with_its_evidence(capsys):
    from qpq.case import load_case

    case = load_case()
    p = case.parameter["iskp_threat"]
    code, out, _ = run(capsys, "params", "iskp_threat")
    assert code == 0 and out.splitlines()[0] == "iskp_threat"
    # every evidence id is printed, a cited source with its citation (not a dict)
    for e in p.evidence:
        assert f"    {e} (" in out
    first = case.by_id[p.evidence[0]]
    assert first.citation in out and "{" not in out
    # `evidence show` on a parameter name prints the same text
    code2, out2, _ = run(capsys, "evidence", "show", "iskp_threat")
    assert code2 == 0 and out2 == out
    code3, out3, _ = run(capsys, "params", "iskp_threat", "--json")
    data = json.loads(out3)["parameters"][0]
    assert code3 == 0 and data["name"] == "iskp_threat"
    assert [i["id"] for i in data["items"]] == list(p.evidence)


def test_the_parameter_table_counts_observations_in_words(capsys):
    # "militants_initial_border ... 1 observations" (found 2026-12-07 by a docs audit)
    from qpq.case import load_case

    counts = {p.name: len(p.observations) for p in load_case().parameters}
    assert 1 in counts.values() and any(n > 1 for n in counts.values())
    code, out, _ = run(capsys, "params")
    printed = " ".join(out.replace("│", " ").split())
    assert code == 0 and "; 1 observations" not in printed
    assert "; 1 observation " in printed and "; 3 observations" in printed


def test_unknown_parameter_names_close_ones(capsys):
    code, _, err = run(capsys, "params", "atack_rate")
    assert code == 2 and "'atack_rate'" in err and "attack_rate" in err


def test_tables_fit_80_columns_without_cutting_text():
    from rich.table import Table

    from qpq.cli._common import _FittingConsole

    headers = ["policy", "expected_attacks_china", "expected_attacks_nationals",
               "recognised_ever", "engaged_share", "militants_border", "iskp_strength"]
    table = Table(title="Policies")
    for h in headers:
        table.add_column(h)
    table.add_row("boycott", "32.3", "5.1", "0", "0", "244", "0.408")
    table.add_row("engage_no_promise", "32.3", "17.1", "0.37", "1", "244", "0.408")
    import io

    con = _FittingConsole(width=80, record=True, file=io.StringIO())
    con.print(table)
    text = con.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for h in headers:                        # every header word, whole, somewhere
        for word in h.split("_"):
            assert word in text
    assert "engage_no_promise" in text       # names are not broken where they can fit


def test_fitted_tables_wrap_headers_of_unwrapped_ratio_columns():
    # `qpq explore compare` asks for no_wrap number columns and ratios; rich then cropped
    # "max regret" to "max re" beside a long policy name
    import io

    from rich.table import Table

    from qpq.cli._common import _FittingConsole

    table = Table(title="militants_iskp")
    table.add_column("policy", overflow="fold", ratio=2)
    for h in ("mean", "worst 10%", "max regret", "mean regret", "satisficing"):
        table.add_column(h, justify="right", no_wrap=True, ratio=1)
    table.add_row("engage_reward_if_suppressed_and_clean", "245", "427", "49", "1.01", "0.50")
    con = _FittingConsole(width=80, record=True, file=io.StringIO())
    con.print(table)
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    words = text.split()
    for word in ("worst", "10%", "max", "regret", "satisficing",
                 "engage_reward_if_suppressed_and_clean"):
        assert word in words


def test_text_headers_are_printed_exactly_when_the_table_must_fold():
    # a query's columns are names the user types back: underscores stay even where the
    # table is too wide and plain headers break at theirs
    import io

    from rich.table import Table
    from rich.text import Text

    from qpq.cli._common import _FittingConsole

    names = ["avg(militants_iskp)", "count_star()", "sum(expected_attacks_china)"]
    table = Table()
    table.add_column("plain_snake_header")
    for name in names:
        table.add_column(Text(name))
    table.add_row("x", "249.7", "8", "1234.5")
    for width in (200, 80):         # 80: too wide with lines, so headers must break
        con = _FittingConsole(width=width, record=True, file=io.StringIO())
        con.print(table)
        words = con.export_text().split()
        assert all(name in words for name in names), (width, words)
        assert "plain" in words and "plain_snake_header" not in words


def test_progress_counts_off_a_terminal_print_starts_and_ends_on_their_own_lines(capsys):
    # off a terminal a carriage return would leave "48/48boycott: 500/500" glued to the
    # table printed next (seen in `qpq sim run ... | cat`)
    from qpq.cli._common import count_printer

    show = count_printer()
    for done in range(4):
        show("boycott", done, 3)
    show("engage", 5, 5)
    err = capsys.readouterr().err
    assert err == "boycott: 0/3\nboycott: 3/3\nengage: 5/5\n"


def test_show_prints_fields_in_words_not_as_python_values(capsys, monkeypatch):
    # a source's citations were printed as a list of Python dicts (found 2026-12-06)
    # narrower than the URL, whatever COLUMNS says where the tests run (at 300 a folding
    # console printed it whole too)
    from qpq.cli._common import console

    monkeypatch.setattr(console, "_width", 80)
    code, out, _ = run(capsys, "evidence", "show", "roggio-2024-lwj")
    assert code == 0
    flat = " ".join(out.split())
    assert "citations: footnote 56, full; footnote 57, ibidem; bibliography" in flat
    assert "authors: Bill Roggio" in flat
    assert "{" not in out and "['" not in out
    # the URL whole on its line, whatever the width (folded, it was copied broken)
    assert ("  url: https://www.longwarjournal.org/archives/2024/02/al-qaeda-opens-8-new-"
            "training-camps-5-madrasas-and-a-facilitation-network-to-iran-in-afghanistan.php"
            "\n") in out
    code, out, _ = run(capsys, "evidence", "show", "roggio-2024-lwj", "--json")
    assert json.loads(out)["item"]["citations"][0]["footnote"] == 56     # --json keeps all


@pytest.fixture(scope="module")
def out_of_bounds_case(tmp_path_factory):
    """The built-in case with prior_sincere's range reaching 1.5: a probability above 1."""
    import shutil

    import yaml

    from qpq.case._loader import builtin_case_path

    root = tmp_path_factory.mktemp("bad") / "badprob"
    shutil.copytree(builtin_case_path(), root)
    path = root / "parameters.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = params if isinstance(params, list) else params["parameters"]
    (row,) = [p for p in rows if p["name"] == "prior_sincere"]
    row.update(default=1.3, high=1.5)
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return root


@pytest.mark.parametrize("args", [
    ("sim", "run", "--n", "10", "--policy", "boycott"),
    ("sim", "backcast", "--draws", "4"),
    ("explore", "validate", "deal-under-uncertainty"),
    ("serve", "--print-command"),
    ("params",),
])
def test_a_case_the_model_refuses_is_refused_by_every_lens(capsys, out_of_bounds_case, args):
    # sim and serve started on such a case (a traceback from deep in the game's payoffs,
    # or a server) while params and the game's commands refused it (found 2026-12-06)
    code, _out, err = run(capsys, *args, "--case", str(out_of_bounds_case))
    assert code == 2, (args, err)
    assert "Traceback" not in err
    assert "prior_sincere.high" in err and "outside what the model allows" in err
