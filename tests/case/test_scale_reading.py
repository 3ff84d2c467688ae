"""A bargaining position read on its issue's scale (BargainingIssue.reading)."""

from qpq.case import BargainingIssue

ISSUE = BargainingIssue(id="rec", name="Recognition", description="d", scale_min=0,
                        scale_max=100, anchors={"0": "no contact", "50": "de facto",
                                                "100": "de jure"})


def test_between_two_anchors_names_both() -> None:
    text = ISSUE.reading(43.93)
    assert text.startswith("43.9 on 0–100")
    assert "between 0 (no contact) and 50 (de facto)" in text


def test_on_an_anchor_names_it_alone() -> None:
    assert ISSUE.reading(50.2) == "50.2 on 0–100: de facto (50)"


def test_beyond_the_outer_anchors_and_no_anchors() -> None:
    edge = BargainingIssue(id="x", name="x", description="d", anchors={"20": "low",
                                                                         "80": "high"})
    assert edge.reading(90) == "90.0 on 0–100, above 80 (high)"
    assert edge.reading(5) == "5.0 on 0–100, below 20 (low)"
    bare = BargainingIssue(id="y", name="y", description="d")
    assert bare.reading(12) == "12.0 on 0–100 (the scale has no anchors)"


def test_stance_is_the_nearest_anchors_the_lower_on_a_tie() -> None:
    issue = BargainingIssue(id="r", name="r", description="d",
                            anchors={"0": "none", "50": "de facto", "100": "de jure"},
                            stances={"0": "boycott", "50": "engage", "100": "recognise"})
    assert issue.stance(24.9) == "boycott"
    assert issue.stance(25.0) == "boycott"
    assert issue.stance(25.1) == "engage"
    assert issue.stance(80) == "recognise"
    assert ISSUE.stance(80) is None          # no stances: the case says nothing


def test_stances_must_name_every_anchor_and_only_anchors() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not anchors of the scale"):
        BargainingIssue(id="r", name="r", description="d", anchors={"0": "a", "100": "b"},
                        stances={"0": "x", "60": "y"})
    with pytest.raises(ValidationError, match=r"missing: \['100'\]"):
        BargainingIssue(id="r", name="r", description="d", anchors={"0": "a", "100": "b"},
                        stances={"0": "x"})


def test_the_record_s_point_known_by_a_date_and_a_forecast_beside_it() -> None:
    import datetime as dt

    from qpq.case import IssueObservation

    issue = BargainingIssue(
        id="rec", name="Recognition", description="d",
        anchors={"0": "no contact", "50": "de facto", "75": "ambassadors"},
        observed=[IssueObservation(date="2022-03", value=50, evidence=["ms-a"], note="a visit"),
                  IssueObservation(date="2023-12/2024-01-30", value=75, evidence=["ms-b"],
                                   note="credentials")])
    assert issue.observed_at(dt.date(2022, 3, 30)) is None       # March counts from its end
    assert issue.observed_at(dt.date(2022, 3, 31)).value == 50
    assert issue.observed_at(dt.date(2024, 1, 29)).value == 50     # a span from its end
    assert issue.observed_at().value == 75
    text = issue.against_record(43.93)
    assert text.startswith("The record puts the issue “Recognition” at 75.0 on 0–100: "
                           "ambassadors (75) since 2024-01-30: credentials (ms-b)")
    assert text.endswith("43.9 lies 31.1 points below it.")
    assert issue.against_record(80, dt.date(2023, 1, 1)).endswith("80.0 lies 30.0 points "
                                                                  "above it.")
    assert issue.against_record(50.2, dt.date(2023, 1, 1)).endswith("lies at it.")
    assert issue.against_record(10, dt.date(2020, 1, 1)) == ""
    assert ISSUE.observed_at() is None
