"""docs/api.md: every example runs, in order, as one session; every public name is documented.

The examples are the page's fenced ``python`` blocks, executed with ``exec`` in one fresh
namespace (the next block sees the names the previous ones made), in a temporary working
folder so that nothing they might write lands in the checkout.
"""

from __future__ import annotations

import re
from pathlib import Path

import qpq

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def examples(text: str) -> list[str]:
    """The fenced ``python`` blocks of a Markdown text, in order."""
    return BLOCK.findall(text)


def test_every_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = examples(API_DOC.read_text())
    assert len(blocks) >= 6
    namespace: dict[str, object] = {"__name__": "api_doc"}
    for i, block in enumerate(blocks):
        code = compile(block, f"{API_DOC.name}, example {i + 1}", "exec")
        exec(code, namespace)
    # the session made the results the page describes
    for name, kind in (("case", qpq.Case), ("solution", qpq.GameSolution),
                       ("runs", qpq.PolicyRuns), ("study", qpq.ComparisonStudy),
                       ("outlook", qpq.ForecastResult)):
        assert isinstance(namespace[name], kind), name


def test_every_public_name_is_documented():
    text = API_DOC.read_text()
    for name in qpq.__all__:
        if name != "__version__":
            assert f"qpq.{name}" in text, name
    for name in ("explore_policies", "forecast", "load_case", "simulate_policies", "solve_game"):
        assert f"## `qpq.{name}`" in text, name


def test_the_extractor_sees_blocks_and_skips_other_languages():
    text = "x\n```python\na = 1\n```\n```bash\nls\n```\n```python\nb = a\n```\n"
    assert examples(text) == ["a = 1\n", "b = a\n"]
