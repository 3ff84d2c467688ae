from __future__ import annotations

import pytest

from qpq.dashboard._evidence import (
    citing_parameters,
    evidence_href,
    evidence_markdown,
    parameter_evidence,
    resolve_evidence,
)
from qpq.dashboard._view import Context


def test_every_parameter_resolves_to_sources_or_says_assumption(ctx: Context) -> None:
    for p in ctx.case.parameters:
        pe = parameter_evidence(ctx.case, p.name)
        assert [i.id for i in pe.items] == list(p.evidence)
        for item in pe.items:
            assert item.sources, f"{p.name}: {item.id} leads to no source"
        if p.assumption:
            assert "assumption" in pe.status and f"[{p.low:g}, {p.high:g}]" in pe.status
        else:
            assert pe.status == "evidence"


def test_a_source_links_to_its_url(ctx: Context) -> None:
    item = resolve_evidence(ctx.case, "roggio-2024-lwj")
    assert item.kind == "source" and item.url is not None and item.url.startswith("https://")
    assert item.title.startswith("Al Qaeda opens 8 new training camps")


def test_claims_events_and_quantities_lead_to_their_sources(ctx: Context) -> None:
    claim = resolve_evidence(ctx.case, "cl-sf-relocation")
    assert claim.kind == "claim" and claim.url is None
    assert [s.id for s in claim.sources] == ["rehalem-2025"]
    event = resolve_evidence(ctx.case, "ev-badakhshan-uyghur-refuge")
    assert event.kind == "event" and all(s.url for s in event.sources)
    q = resolve_evidence(ctx.case, "q-uyghurs-in-badakhshan")
    assert q.kind == "quantity" and "hundreds" in q.title


def test_source_without_a_printed_title_says_so(ctx: Context) -> None:
    item = resolve_evidence(ctx.case, "tiezzi-2022-diplomat")
    assert item.title.startswith("(title not printed) The Diplomat")


def test_markdown_links_items_and_sources(ctx: Context) -> None:
    md = evidence_markdown(parameter_evidence(ctx.case, "prior_sincere"))
    assert f"[un-2024-monitoring-team]({evidence_href('un-2024-monitoring-team')})" in md
    assert "(https://www.longwarjournal.org/" in md
    assert "assumption, plausible range [0.05, 0.7]" in md
    bare = evidence_markdown(parameter_evidence(ctx.case, "crackdown_intensity"))
    assert "no evidence cited: a pure assumption" in bare


def test_citing_parameters_and_unknown_ids(ctx: Context) -> None:
    assert "prior_sincere" in citing_parameters(ctx.case, "roggio-2024-lwj")
    with pytest.raises(KeyError, match="unknown id"):
        resolve_evidence(ctx.case, "roggio-2042")
    with pytest.raises(KeyError, match="no parameter"):
        parameter_evidence(ctx.case, "nope")
