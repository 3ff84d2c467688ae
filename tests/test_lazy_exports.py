"""Packages that import their public names on first use export exactly what they list."""

import importlib

import pytest

LAZY = ("qpq.bargain", "qpq.case", "qpq.dashboard", "qpq.explore", "qpq.game", "qpq.game.analysis",
        "qpq.game.validation", "qpq.model", "qpq.report", "qpq.sim")


@pytest.mark.parametrize("name", LAZY)
def test_lazy_exports_match_all(name):
    package = importlib.import_module(name)
    listed = [n for names in package._EXPORTS.values() for n in names]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(package.__all__)
    for module, names in package._EXPORTS.items():
        source = importlib.import_module(module)
        for n in names:
            assert getattr(package, n) is getattr(source, n), (name, n)
    assert set(package.__all__) <= set(dir(package))


def test_unknown_name_is_an_attribute_error():
    import qpq.model

    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        qpq.model.no_such_name  # noqa: B018
