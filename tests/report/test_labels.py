"""Text labels of the map and the perception quadrants do not overprint (issue 17).

The report's own specs (as embedded in the built-in report's HTML) are rendered by Vega
through vl-convert; the boxes of their text marks come from the scenegraph, with widths
measured in a real font (tests/report/textboxes.py), not from the placer's estimate. On the
layout before the placer (labels at a fixed offset) this test found 3 overlaps on the map
and 6 or more on each quadrant chart.
"""

from __future__ import annotations

import json
import re
from itertools import combinations

import altair as alt
import pandas as pd

from qpq.labels import LabelBox, label_box, leader, place_labels
from tests.report.textboxes import overlapping, text_boxes


def _specs(html: str) -> dict[str, dict]:
    found = re.findall(r"data-figure='([^']+)'></div>.*?<script type='application/json' "
                       r"id='[^']+'>(.*?)</script>", html, re.S)
    return {fig: json.loads(spec.replace("<\\/", "</")) for fig, spec in found}


def test_map_and_quadrant_labels_do_not_overlap(builtin_report):
    _, result = builtin_report
    specs = _specs(result.html.read_text())
    checked = {f: s for f, s in specs.items() if f == "map" or f.startswith("bargain-quadrants")}
    assert "map" in checked and len(checked) >= 2, sorted(specs)
    for fig, spec in checked.items():
        boxes = text_boxes(spec)
        assert len(boxes) >= 5, (fig, boxes)  # the labels are there, not dropped wholesale
        assert overlapping(boxes) == [], fig


def test_the_check_sees_overprinting():
    # Two labels at one point, as the old layout drew actors with equal perceptions.
    frame = pd.DataFrame({"x": [1.0, 1.0, 5.0], "y": [1.0, 1.1, 5.0],
                          "t": ["pakistan", "uzbekistan", "far away"]})
    chart = alt.Chart(frame).mark_text(align="left", dx=6).encode(x="x:Q", y="y:Q", text="t:N")
    assert overlapping(text_boxes(chart.to_dict())) == [("pakistan", "uzbekistan")]


def test_placer_keeps_labels_apart_and_inside():
    # Twelve labels for points in one spot: those placed are pairwise clear of each other,
    # of the marks and of the edges; those without room are left off, not overprinted.
    points = [(50.0, 50.0)] * 12
    texts = [f"actor number {i}" for i in range(12)]
    boxes = place_labels(points, texts, width=200, height=100, font_size=10)
    placed = [b for b in boxes if b is not None]
    assert 2 <= len(placed) < 12
    for a, b in combinations(placed, 2):
        assert not a.overlaps(b, pad=0.0)
    for b in placed:
        assert b.x - b.half_w >= 0 and b.x + b.half_w <= 200
        assert b.y - b.half_h >= 0 and b.y + b.half_h <= 100
        assert abs(b.x - 50) >= b.half_w + 5 or abs(b.y - 50) >= b.half_h + 5
    # the first label (highest priority) takes the first position: right of its point
    assert boxes[0] is not None and boxes[0].x > 50 and boxes[0].y == 50


def test_leader_only_for_labels_away_from_their_point():
    near = label_box("abc", 10, x=5 + 2 + label_box("abc", 10).half_w + 2, y=0)
    assert leader((0.0, 0.0), near) is None
    far = label_box("abc", 10, x=0, y=60)
    x0, y0, x1, y1 = leader((0.0, 0.0), far)
    assert (x0, x1) == (0.0, 0.0) and 0 < y0 < y1 < 60 - far.half_h


def test_placer_tries_right_left_above_below_in_that_order():
    # the module's stated order, seen where every position is free: each label at the same
    # point takes the next one
    boxes = place_labels([(200.0, 100.0)] * 4, ["ab"] * 4, width=400, height=200)
    right, left, above, below = boxes
    assert right.x > 200 and right.y == 100
    assert left.x < 200 and left.y == 100
    assert above.y < 100 and above.x == 200
    assert below.y > 100 and below.x == 200


def test_placer_keeps_clear_of_the_top_edge_and_of_other_marks():
    # a point at the top: no position above or level with it fits, so the label goes below
    (box,) = place_labels([(100.0, 3.0)], ["label"], width=200, height=100)
    assert box is not None and box.y - box.half_h >= 0
    # an unlabelled mark where the right-hand position would be pushes the label off it
    (free,) = place_labels([(100.0, 50.0)], ["label"], width=200, height=100)
    (pushed,) = place_labels([(100.0, 50.0)], ["label"], width=200, height=100,
                             obstacles=[(free.x, free.y)])
    assert pushed is not None and (pushed.x, pushed.y) != (free.x, free.y)
    assert not pushed.overlaps(LabelBox(free.x, free.y, 5.0, 5.0), pad=0.0)
