"""One citation formatter for a source (qpq.case.Source.citation), used by report and dashboard."""

from __future__ import annotations

import re

import pytest

from qpq.case import Source, load_case


def _src(**kw: object) -> Source:
    base: dict[str, object] = {"id": "s", "kind": "article", "date": "2022-03-25"}
    return Source.model_validate(base | kw)


@pytest.mark.parametrize(("fields", "expected"), [
    ({"authors": ["Shannon Tiezzi"], "publisher": "The Diplomat"},
     "Shannon Tiezzi (2022-03-25). The Diplomat."),
    ({"authors": ["A B", "C D"], "title": "Why now?", "publisher": "P"},
     "A B; C D (2022-03-25). Why now? P."),
    ({"publisher": "Amnesty International", "title": "Report."},
     "Amnesty International (2022-03-25). Report."),
    ({"title": "Only a title", "date": None, "note": "undated"}, "Only a title."),
    ({"authors": ["A B"], "title": "T", "date": None, "note": "undated",
      "citations": [{"footnote": 1}]}, "A B. T."),
])
def test_citation_leaves_out_missing_parts(fields: dict[str, object], expected: str) -> None:
    assert _src(**fields).citation == expected


def test_citation_falls_back_to_a_citation_title() -> None:
    s = _src(authors=["A B"], citations=[{"footnote": 3, "title": "Printed title"}])
    assert s.best_title == "Printed title"
    assert s.citation == "A B (2022-03-25). Printed title."


def test_no_built_in_source_prints_an_empty_part() -> None:
    case = load_case()
    for s in case.sources:
        assert not re.search(r"\.\s*\.|\(\s*\)|^\W", s.citation), (s.id, s.citation)
