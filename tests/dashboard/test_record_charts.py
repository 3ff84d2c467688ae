"""The app draws the record's charts from Vega-Lite specs converted once and cached.

Building and converting the three charts (the attack map carries the basemap) cost about
0.7 s a rerun, so ``_app.record`` converts them with Streamlit's own Altair conversion
(private to Streamlit, pinned with it) and hands the cached spec to ``st.vega_lite_chart``
on every rerun. This checks, through Streamlit's AppTest, that the element sent is the one
``st.altair_chart`` sends for the same chart, and that drawing a cached spec again sends it
unchanged (drawing does not consume or alter the cache's copy).
"""

from __future__ import annotations

from typing import Any


def _script() -> None:
    import streamlit as st
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    from qpq.dashboard._evidence import record_figures
    from qpq.dashboard._view import Context

    for fig in record_figures(Context.load().case):
        st.altair_chart(fig.chart, key=f"direct_{fig.id}")
        spec = _convert_altair_to_vega_lite_spec(fig.chart)
        st.vega_lite_chart(spec=spec, key=f"cached_{fig.id}")
        st.vega_lite_chart(spec=spec, key=f"again_{fig.id}")


def _sent(element: Any) -> tuple[Any, ...]:
    proto = element.proto
    return (proto.spec, [(d.name, d.data.data) for d in proto.datasets], proto.data.data,
            proto.theme, proto.use_container_width)


def test_cached_specs_draw_what_altair_chart_draws(monkeypatch: Any) -> None:
    import sys

    from streamlit.testing.v1 import AppTest

    # AppTest leaves its script (a temporary file, deleted afterwards) as sys.modules
    # ["__main__"]; every process spawned later in this test session then re-imports that
    # missing file and dies (process pools, Dask nannies, the fuzz campaign's workers)
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    at = AppTest.from_function(_script, default_timeout=120).run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 9
    for direct, cached, again in zip(charts[0::3], charts[1::3], charts[2::3], strict=True):
        assert _sent(cached) == _sent(direct)
        assert _sent(again) == _sent(direct)
    # the attack map keeps its basemap in the spec (GeoJSON stays inline)
    assert any('"FeatureCollection"' in c.proto.spec or '"Feature"' in c.proto.spec
               for c in charts)


def test_the_record_s_charts_fit_the_page_s_column() -> None:
    import re

    import vl_convert as vlc

    from qpq.dashboard._evidence import record_figures
    from qpq.dashboard._view import Context

    # the main column beside the sidebar on a 1280-px screen is about 820 px; the report's
    # layout drew the attacks 1,070 px wide there, its right edge cut (an outside read in a
    # browser, 2026-12-07)
    for fig in record_figures(Context.load().case):
        svg = vlc.vegalite_to_svg(fig.chart.to_dict())
        width = float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))
        assert width <= 800, (fig.id, width)
