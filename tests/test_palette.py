"""A category keeps its colour whichever others a chart shows (qpq.palette.fixed_colours)."""

import pandas as pd
import pytest

from qpq.palette import OKABE_ITO, fixed_colours


def test_colour_follows_the_fixed_order_not_the_chart() -> None:
    order = ["boycott", "engage", "recognise"]
    assert fixed_colours(["recognise", "boycott"], order) == [OKABE_ITO[2], OKABE_ITO[0]]
    assert fixed_colours(["boycott"], order) == [OKABE_ITO[0]]
    # names outside the order take the colours past it, each its own
    assert fixed_colours(["x", "boycott", "y"], order) == [OKABE_ITO[3], OKABE_ITO[0],
                                                           OKABE_ITO[4]]


def test_a_policy_has_one_colour_in_every_fan_chart() -> None:
    from qpq.sim import bands_chart

    def colours(policies: list[str]) -> dict[str, str]:
        frame = pd.DataFrame([{"policy": p, "date": "2025-03-31", "quarter": "2025Q1",
                               "q05": 0, "q25": 0, "median": 0, "q75": 0, "q95": 0}
                              for p in policies])
        scale = bands_chart(frame, "x").to_dict()["layer"][0]["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))

    one = colours(["boycott", "recognise", "equilibrium"])
    other = colours(["equilibrium", "boycott"])
    assert one["boycott"] == other["boycott"] and one["equilibrium"] == other["equilibrium"]
    assert len(set(one.values())) == 3


def test_categorical_gives_distinct_colours_or_refuses():
    from qpq.palette import categorical

    assert categorical(3) == OKABE_ITO[:3]
    thirteen = categorical(13)       # the record's estimating bodies
    assert len(set(thirteen)) == 13 and thirteen[:10] == OKABE_ITO
    with pytest.raises(ValueError, match="palette has 18"):
        categorical(19)
