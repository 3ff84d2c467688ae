"""Packages that import their public names on first use export exactly what they list."""

import importlib
import json
import subprocess
import sys

import pytest

LAZY = ("qpq", "qpq.api", "qpq.bargain", "qpq.case", "qpq.dashboard", "qpq.explore", "qpq.game",
        "qpq.game.analysis", "qpq.game.validation", "qpq.model", "qpq.report", "qpq.sim")


@pytest.mark.parametrize("name", LAZY)
def test_lazy_exports_match_all(name):
    package = importlib.import_module(name)
    listed = [n for names in package._EXPORTS.values() for n in names]
    assert len(listed) == len(set(listed))
    # ``qpq.__version__`` is the one name defined in a package ``__init__`` itself
    assert set(listed) == set(package.__all__) - {"__version__"}
    for module, names in package._EXPORTS.items():
        source = importlib.import_module(module)
        for n in names:
            assert getattr(package, n) is getattr(source, n), (name, n)
    assert set(package.__all__) <= set(dir(package))


def test_unknown_name_is_an_attribute_error():
    import qpq.model

    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        qpq.model.no_such_name  # noqa: B018


def test_import_qpq_imports_no_lens_and_no_library():
    # In a fresh interpreter (this session has imported everything): ``import qpq`` and
    # listing its names load no subpackage and none of NumPy, pandas, Altair, DuckDB.
    probe = ("import json, sys, qpq; names = dir(qpq); "
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('qpq', 'numpy', 'pandas', 'altair', 'duckdb', 'pydantic'))))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    assert json.loads(out) == ["qpq", "qpq._lazy"]


def test_a_lens_package_is_an_attribute_of_qpq_on_first_use():
    # ``import qpq`` then ``qpq.sim.QUICK_RECORD_SETTINGS`` (docs/api.md) failed with "module
    # 'qpq' has no attribute 'sim'" unless something had imported qpq.sim before
    probe = ("import sys, qpq; before = 'qpq.sim' in sys.modules; "
             "settings = qpq.sim.QUICK_RECORD_SETTINGS; "
             "print(before, qpq.sim is sys.modules['qpq.sim'], qpq.game.__name__, "
             "'sim' in dir(qpq))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "qpq.game", "True"]
