import datetime as dt

import pytest

from qpq.case._dates import (
    DateParseError,
    FuzzyDate,
    Precision,
    quarter_label,
    quarter_of,
    quarter_of_label,
)
from qpq.errors import BadInputError


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("2021-08-15", dt.date(2021, 8, 15), dt.date(2021, 8, 15), Precision.DAY),
        ("2023-05", dt.date(2023, 5, 1), dt.date(2023, 5, 31), Precision.MONTH),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), Precision.MONTH),  # leap year
        ("2003", dt.date(2003, 1, 1), dt.date(2003, 12, 31), Precision.YEAR),
        ("1996/2001", dt.date(1996, 1, 1), dt.date(2001, 12, 31), Precision.RANGE),
        ("2006-06-18/2006-06-21", dt.date(2006, 6, 18), dt.date(2006, 6, 21), Precision.RANGE),
    ],
)
def test_parse(text, earliest, latest, precision):
    d = FuzzyDate.parse(text)
    assert (d.earliest, d.latest, d.precision) == (earliest, latest, precision)


@pytest.mark.parametrize("text", ["", "21-08-15", "2021-13", "2021-02-30", "August 2021",
                                  "2001/1996", "2021-8-15"])
def test_rejects(text):
    with pytest.raises(DateParseError):
        FuzzyDate.parse(text)


def test_one_date_refuses_an_interval_and_does_not_offer_one():
    assert FuzzyDate.parse("2021-08", interval=False).latest.isoformat() == "2021-08-31"
    with pytest.raises(DateParseError, match="is not one date; give YYYY, YYYY-MM or "
                                             "YYYY-MM-DD"):
        FuzzyDate.parse("2020/2021", interval=False)
    with pytest.raises(DateParseError) as info:
        FuzzyDate.parse("yesterday", interval=False)
    assert str(info.value).endswith("allowed: YYYY, YYYY-MM or YYYY-MM-DD")
    with pytest.raises(DateParseError, match="or START/END"):      # the case's own dates
        FuzzyDate.parse("yesterday")


def test_a_quarter_label_reads_back_as_its_quarter():
    # the simulator's charts and the dashboard's fan chart each split "2021Q3" themselves
    for q in (quarter_of(dt.date(1996, 1, 1)), quarter_of(dt.date(2021, 8, 15)), 8103):
        assert quarter_of_label(quarter_label(q)) == q
    assert quarter_of_label("1996Q1") == 7984
    for bad in ("2021Q5", "2021Q0", "2021-Q3", "21Q3", "2021q3", " 2021Q3", "2021Q3\n"):
        with pytest.raises(DateParseError, match="is not a quarter label"):
            quarter_of_label(bad)


def test_a_quarter_is_found_from_a_date_or_its_iso_spelling():
    # a string ended in "'str' object has no attribute 'year'"
    assert quarter_of("2021-08-15") == quarter_of(dt.date(2021, 8, 15)) == 2021 * 4 + 2
    assert quarter_of("1996-01-01") == 7984
    for bad in ("2021-08", "15/08/2021", 2021):
        with pytest.raises(BadInputError, match=r"day: .* is not a date; write YYYY-MM-DD"):
            quarter_of(bad)
