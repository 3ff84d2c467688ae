"""Loading valid cases, and one test per class of bad input (the message names file+field)."""

import pytest

from qpq.case import load_case
from qpq.case._loader import builtin_case_path
from qpq.errors import BadInputError


def _problems(path):
    with pytest.raises(BadInputError) as info:
        load_case(path)
    return info.value.problems


def test_mini_case_loads(make_case):
    case = load_case(make_case())
    assert case.meta.id == "mini"
    assert [e.id for e in case.events] == ["ev-a", "ev-b", "ev-c"]
    assert case.kind_of("wakhan") == "place"
    assert case.parameter["iskp_pull"].assumption
    assert case.sources[1].footnotes == [1, 2]


def test_unquoted_dates_stay_dates(make_case):
    text = ("- id: ev-a\n  date: 2021-08-15\n  title: t\n  summary: s\n  type: political\n"
            "  actors: [taliban]\n  sources: [paper]\n"
            "- id: ev-b\n  date: 2003\n  title: t\n  summary: s\n  type: political\n"
            "  actors: [taliban]\n  sources: [paper]\n")
    case = load_case(make_case(events=text))
    assert [e.date for e in case.events] == ["2021-08-15", "2003"]


def test_bad_yaml_names_file_and_line(make_case):
    (problem,) = _problems(make_case(events="- id: ev-a\n  date: [unclosed\n"))
    assert problem.file.endswith("events.yaml")
    assert problem.line is not None
    assert "invalid YAML" in problem.message


def test_unknown_field_lists_allowed_fields(make_case):
    bad = [{**MINI_EVENT, "colour": "red"}]
    root = make_case(events=bad)
    (problem,) = _problems(root)
    assert problem.file.endswith("events.yaml")
    assert "colour" in problem.field
    assert "allowed fields" in problem.message and "summary" in problem.message
    lines = (root / "events.yaml").read_text().splitlines()
    assert lines[problem.line - 1].startswith("  colour:")  # the line of the offending key


def test_wrong_type(make_case):
    bad = [{**MINI_EVENT, "actors": "china"}]
    (problem,) = _problems(make_case(events=bad))
    assert "actors" in problem.field
    assert "list" in problem.message


def test_bad_date(make_case):
    bad = [{**MINI_EVENT, "date": "15 August 2021"}]
    (problem,) = _problems(make_case(events=bad))
    assert problem.field.endswith("date")
    assert "YYYY" in problem.message  # says what is allowed


def test_bad_enum_names_allowed_values(make_case):
    bad = [{**MINI_EVENT, "type": "battle"}]
    (problem,) = _problems(make_case(events=bad))
    assert problem.field.endswith("type")
    assert "diplomatic" in problem.message


def test_unknown_id_suggests_close_ids(make_case):
    bad = [{**MINI_EVENT, "actors": ["chian"]}]
    (problem,) = _problems(make_case(events=bad))
    assert problem.file.endswith("events.yaml")
    assert problem.field == "ev-x.actors"
    assert "'chian'" in problem.message and "china" in problem.message


def test_reference_of_wrong_kind(make_case):
    bad = [{**MINI_EVENT, "sources": ["china"]}]
    (problem,) = _problems(make_case(events=bad))
    assert problem.message == "'china' is an actor; this field needs a source id"


def test_duplicate_id_across_files(make_case):
    bad = [{**MINI_EVENT, "id": "china"}]
    problems = _problems(make_case(events=bad))
    assert any("already used" in p.message and "actors.yaml" in p.message for p in problems)


def test_duplicate_key(make_case):
    text = "- id: china\n  name: China\n  name: PRC\n  kind: state\n"
    (problem,) = _problems(make_case(actors=text + "- id: taliban\n  name: T\n  kind: state\n"
                                     "- id: etim\n  name: E\n  kind: militant_group\n"))
    assert problem.field == "name" and problem.line == 3


def test_python_tag_is_never_executed(make_case, tmp_path):
    marker = tmp_path / "pwned"
    text = f"- !!python/object/apply:os.system ['touch {marker}']\n"
    (problem,) = _problems(make_case(events=text))
    assert not marker.exists()
    assert "no tags" in problem.message


def test_unknown_file_and_missing_meta(make_case):
    problems = _problems(make_case(**{"case.yaml": None, "event.yaml": []}))
    messages = " ".join(str(p) for p in problems)
    assert "case.yaml" in messages and "missing" in messages
    assert "event.yaml" in messages and "unknown case file" in messages


def test_parameter_outside_range_and_uncited(make_case):
    bad = [{"name": "x", "description": "d", "unit": "1", "default": 3, "low": 0, "high": 1,
            "assumption": True},
           {"name": "y", "description": "d", "unit": "1", "default": 0.5, "low": 0, "high": 1}]
    problems = _problems(make_case(parameters=bad))
    assert any("outside its range" in p.message for p in problems)
    assert any("assumption" in p.message for p in problems)
    assert all(p.file.endswith("parameters.yaml") for p in problems)


def test_all_problems_reported_together(make_case):
    bad = [{**MINI_EVENT, "date": "nope"}, {**MINI_EVENT, "id": "ev-y", "type": "x"}]
    assert len(_problems(make_case(events=bad))) == 2


def test_missing_folder():
    with pytest.raises(BadInputError, match="does not exist"):
        load_case("/nonexistent/case")


@pytest.mark.parametrize("path", ["", 123])
def test_an_empty_or_non_path_is_not_the_working_folder(path):
    # "" (an unset variable) loaded the working folder, 123 was a pathlib TypeError
    with pytest.raises(BadInputError, match="a case folder is a path"):
        load_case(path)


def test_builtin_case_path_is_inside_package():
    assert (builtin_case_path() / "case.yaml").is_file()


def test_an_unknown_builtin_case_is_refused():
    # a path to nowhere came back, and the error came later from whatever opened it; a
    # relative name reached the package's own folders
    for name in ("nope", "../case", "china_talban"):
        with pytest.raises(BadInputError, match=r"no built-in case .*allowed: china_taliban"):
            builtin_case_path(name)
    with pytest.raises(BadInputError, match="did you mean china_taliban"):
        builtin_case_path("china_talban")


MINI_EVENT = {
    "id": "ev-x",
    "date": "2021-08-15",
    "title": "t",
    "summary": "s",
    "type": "political",
    "actors": ["china"],
    "sources": ["paper"],
}


# --------------------------------------------------------------------------- the record


def test_record_loads_with_every_kind(make_case):
    from tests.conftest import MINI_RECORD

    case = load_case(make_case(**MINI_RECORD))
    assert [o.id for o in case.estimates] == ["est-etim-2020", "est-iskp-high", "est-iskp-low",
                                              "est-etim-words"]
    assert {case.kind_of(o.id) for o in case.observations} == {
        "estimate", "attack", "taliban_action", "milestone"}
    assert case.item("est-etim-words").interval() == (200, 900)


def test_an_estimate_s_interval_is_read_as_stated_or_with_a_rounding() -> None:
    from pydantic import ValidationError

    from qpq.case import Estimate

    rounding = {"exact": 0.1, "about": 0.25}      # a reading such as the calibration's

    base = {"id": "est-x", "sources": ["src-x"], "subject": "iskp", "measure": "fighters",
            "as_stated": "x", "reference": "2020", "geography": "afghanistan", "body": "UN"}

    def est(**kw: object) -> Estimate:
        return Estimate.model_validate({**base, **kw})

    # as stated: an exact figure is the point, "about" plus or minus 10%, open bounds open
    assert est(value=700).interval() == (700, 700)
    assert est(value=700, qualifier="about").interval() == (0.9 * 700, 1.1 * 700)
    assert est(value=700, qualifier="up_to").interval() == (0, 700)
    assert est(value=700, qualifier="more_than").interval() == (700, float("inf"))
    assert est(value=500, value_high=700, qualifier="about").interval() == (500, 700)
    # another reading rounds every single figure, and only single figures
    assert est(value=700).interval(rounding) == (0.9 * 700, 1.1 * 700)
    assert est(value=1000, qualifier="about").interval(rounding) == (750, 1250)
    assert est(value=700, qualifier="up_to").interval(rounding) == (0, 700)
    assert est(words="a few hundred", implied=(200, 900)).interval(rounding) == (200, 900)
    # a range of one number is that number, read with its qualifier
    assert est(value=500, value_high=500).interval(rounding) == (450, 550)
    # implied reads words given without a number; with a number it is refused
    with pytest.raises(ValidationError, match="not both"):
        est(value=700, words="some hundreds", implied=(200, 900))


def test_record_bad_input_names_file_item_and_field(make_case):
    from tests.conftest import MINI_RECORD

    bad_estimate = dict(MINI_RECORD["estimates.yaml"][0], value=None)  # neither value nor words
    bad_attack = dict(MINI_RECORD["attacks.yaml"][0], targets=["chinese_tourists"],
                      claimed_by=["nobody"])
    files = dict(MINI_RECORD, **{"estimates.yaml": [bad_estimate],
                                 "attacks.yaml": [bad_attack]})
    problems = _problems(make_case(**files))
    text = [(p.file, p.field, p.message) for p in problems]
    assert any(f.endswith("estimates.yaml") and "give value (a number) or words" in m
               for f, _, m in text)
    assert any(f.endswith("attacks.yaml") and fld and "targets" in fld
               and "chinese_nationals" in m for f, fld, m in text)


def test_record_references_must_resolve_to_the_right_kind(make_case):
    from tests.conftest import MINI_RECORD

    attack = dict(MINI_RECORD["attacks.yaml"][0], claimed_by=["iskpp"], place="iskp")
    problems = _problems(make_case(**dict(MINI_RECORD, **{"attacks.yaml": [attack]})))
    messages = {(p.field, p.message) for p in problems}
    assert any(f == "atk-kabul.claimed_by" and "did you mean iskp" in m for f, m in messages)
    assert any(f == "atk-kabul.place" and "needs a place id" in m for f, m in messages)


def test_parameter_observations_must_be_observations(make_case):
    from tests.conftest import MINI_CASE, MINI_RECORD

    params = [dict(MINI_CASE["parameters.yaml"][0], observations=["est-iskp-high", "cl-1"])]
    problems = _problems(make_case(**dict(MINI_RECORD, **{"parameters.yaml": params})))
    assert [(p.field, "estimate or attack or taliban_action or milestone" in p.message)
            for p in problems] == [("iskp_pull.observations", True)]


def test_a_document_read_again_is_the_same_values_and_edits_are_seen(tmp_path):
    """read_yaml keeps a document's parse by its text: the values and lines of a fresh parse,
    the caller's changes stay its own, and an edit within the clock's resolution is read."""
    import os

    from qpq.case._yamlio import _parse, read_yaml

    path = tmp_path / "x.yaml"
    path.write_text("a: {k: [1, 2]}\nb: [x, y]\nb2: 3\n", encoding="utf-8")
    first = read_yaml(path)
    first.data["a"]["k"].append(99)
    first.data["b"].clear()
    again = read_yaml(path)
    fresh = _parse(path, path.name, path.read_text(encoding="utf-8"))
    assert again.data == fresh.data == {"a": {"k": [1, 2]}, "b": ["x", "y"], "b2": 3}
    assert again.lines == fresh.lines and again.line_of(("b2",)) == 3
    stamp = path.stat()
    # same size, same modification time, other text
    path.write_text("a: {k: [1, 3]}\nb: [x, y]\nb2: 3\n", encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert read_yaml(path).data["a"]["k"] == [1, 3]
    # the same text under another name reports that name in its duplicates
    dup = tmp_path / "dup.yaml"
    dup.write_text("k: 1\nk: 2\n", encoding="utf-8")
    assert read_yaml(dup, "one.yaml").duplicates[0].file == "one.yaml"
    assert read_yaml(dup, "two.yaml").duplicates[0].file == "two.yaml"


@pytest.mark.parametrize(("file", "old", "new", "said"), [
    ("case.yaml", 'takeover: "2021-08-15"', 'takeover: "2021-15-08"',
     "(got '2021-15-08'; allowed: a date YYYY-MM-DD)"),
    ("parameters.yaml", "\n  assumption: true", "\n  assumption: maybe",
     "(got 'maybe'; allowed: true or false)"),
])
def test_a_date_or_a_yes_no_says_its_form(tmp_path, file, old, new, said):
    # pydantic's own words ("Input should be a valid boolean, unable to interpret input")
    # did not say what the file may hold (found 2026-12-06)
    import shutil

    root = tmp_path / "case"
    shutil.copytree(builtin_case_path(), root)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        load_case(root)
    assert said in str(info.value) and file in str(info.value)


def test_a_parameter_defined_twice_is_refused(make_case):
    from tests.conftest import MINI_CASE

    params = [*MINI_CASE["parameters.yaml"], dict(MINI_CASE["parameters.yaml"][0], default=0.7)]
    (problem,) = _problems(make_case(parameters=params))
    assert problem.field == "name" and "'iskp_pull' is defined twice" in problem.message


def test_first_reported_must_name_a_source_or_an_observation(make_case):
    from tests.conftest import MINI_CASE

    claims = [*MINI_CASE["claims.yaml"],
              {"id": "cl-ev", "kind": "empirical", "text": "x", "evidence": ["ev-a"],
               "first_reported": ["ev-a"]}]
    (problem,) = _problems(make_case(claims=claims))
    assert problem.field == "cl-ev.first_reported"
    assert problem.message.startswith("'ev-a' is an event; this field needs a source or ")


def test_a_range_must_not_end_below_its_start() -> None:
    from pydantic import ValidationError

    from qpq.case import Estimate
    from qpq.case._schema import FactTarget

    base = {"id": "est-x", "sources": ["src-x"], "subject": "iskp", "measure": "fighters",
            "as_stated": "x", "reference": "2020", "geography": "afghanistan", "body": "UN"}
    assert Estimate.model_validate({**base, "value": 500, "value_high": 500}).interval() == (
        500, 500)
    with pytest.raises(ValidationError, match="value_high needs value <= value_high"):
        Estimate.model_validate({**base, "value": 500, "value_high": 499})
    target = {"quantity": "q", "start": "2020", "end": "2021", "op": "between", "value": 3}
    assert FactTarget.model_validate({**target, "value_high": 3}).value_high == 3
    with pytest.raises(ValidationError, match="needs value_high >= value"):
        FactTarget.model_validate({**target, "value_high": 2})
