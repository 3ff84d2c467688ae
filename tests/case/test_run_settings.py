"""The case's ``run`` block: the dates the simulator and the report take from the case."""

import datetime as dt
import json
import shutil

import pytest
import yaml

from qpq.case import builtin_case_path, load_case
from qpq.cli import main
from qpq.errors import BadInputError
from qpq.sim import RunRequest
from tests.conftest import MINI_CASE

RUN = {"start": "1996-01-01", "takeover": "2021-08-15", "until": "2030-12-31",
       "backcast_as_of": "2025-12-31", "forecast_as_of": "2025-06-30",
       "forecast_until": "2026-06-30"}


def test_builtin_case_dates():
    # The values the code held before they moved to case.yaml: outputs depend on them.
    run = load_case().run
    assert {k: v.isoformat() for k, v in run.model_dump().items()} == RUN


@pytest.mark.parametrize(("edit", "message"), [
    ({"takeover": "1990-01-01"}, "start < takeover <= until"),
    ({"until": "2020-12-31"}, "start < takeover <= until"),
    ({"forecast_until": "2025-01-01"}, "forecast_as_of < forecast_until"),
    ({"backcast_as_of": "1995-12-31"}, "must be after start"),
    ({"start": "1996-02-30"}, "run.start"),
    ({"horizon": "2030-12-31"}, "horizon"),
])
def test_bad_run_block_is_bad_input(make_case, edit, message):
    meta = {**MINI_CASE["case.yaml"], "run": {**RUN, **edit}}
    with pytest.raises(BadInputError) as info:
        load_case(make_case(**{"case.yaml": meta}))
    assert message in str(info.value) + "".join(str(p) for p in info.value.problems)


def test_case_without_run_block_says_what_is_missing(make_case):
    case = load_case(make_case())
    with pytest.raises(BadInputError, match=r"no run block in case\.yaml"):
        case.run  # noqa: B018


def test_a_second_case_changes_the_dates_without_code(tmp_path, capsys):
    root = tmp_path / "other"
    shutil.copytree(builtin_case_path(), root)
    meta = yaml.safe_load((root / "case.yaml").read_text())
    meta["run"] |= {"start": "2000-01-01", "takeover": "2021-10-01", "until": "2024-12-31"}
    (root / "case.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True))
    case = load_case(root)
    assert RunRequest().for_case(case).dates() == (
        dt.date(2000, 1, 1), dt.date(2024, 12, 31), dt.date(2021, 10, 1))
    assert main(["sim", "run", "--case", str(root), "--policy", "boycott", "--n", "64",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["start"], doc["window_start"], doc["until"]) == (
        "2000-01-01", "2021-10-01", "2024-12-31")
