"""Outside bargaining data that once ran (issue 20) is refused by the command, exit 2."""

from __future__ import annotations

import pytest

from qpq.cli import main


@pytest.mark.parametrize(("rows", "where", "words"), [
    # positions of 1e308 ran, with a mean of 3.46e307
    ("A,1,1e308,0.5\nB,1,0,0.5\nC,2,50,0.7\n", "data.csv:2: position", "<= 1e+09"),
    # one actor ran ("movers: nobody") without saying the model needs two
    ("A,1,10,0.5\n", "data.csv:2: actor", "needs at least 2"),
])
def test_eum_refuses_data_it_cannot_mean(capsys, tmp_path, rows, where, words):
    path = tmp_path / "data.csv"
    path.write_text("actor,capability,position,salience\n" + rows, encoding="utf-8")
    code = main(["bargain", "eum", "--data", str(path), "--rounds", "3"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "Traceback" not in out + err and "movers" not in out
    assert where in err and words in err, err
