"""tests/required.py: a missing need fails under CI and skips elsewhere."""

from __future__ import annotations

import pytest

from tests.required import require_module


def test_a_missing_module_fails_under_ci_and_skips_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    need = {"install": "pip install it", "needed_by": "these tests"}
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"^these tests need it, and CI must run "
                       r"them: qpq_no_such_module is not installed"):
        require_module("qpq_no_such_module", **need)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"^qpq_no_such_module is not installed "
                       r"\(pip install it\)"):
        require_module("qpq_no_such_module", **need)
    assert require_module("json", **need).dumps([1]) == "[1]"
