from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.model import (
    CANONICAL_PARAMETERS,
    CONSTRAINTS,
    DYNAMICS_PARAMETERS,
    GAME_PARAMETERS,
    ParameterRegistry,
    parameter_generators,
)
from qpq.model._utilities import china_utility, taliban_utility

# Every symbol written in `code font` in model-spec sections 1-2 (copied from the spec text),
# and the section-3 symbols the issue names.
SPEC_SYMBOLS = {
    "prior_sincere", "p_high_capacity", "capacity_high", "capacity_low", "restrain_intensity",
    "crackdown_intensity", "w_security", "aid_cost", "aid_value", "reneging_cost",
    "us_presence", "us_suppression", "base_suppression", "base_defection", "iskp_pull",
    "iskp_join_cost", "militant_temperature", "un_close_if_insincere", "un_close_if_sincere",
    "econ_gain", "recognition_cost", "future_weight", "planb_cost", "intervene_cost",
    "etim_threat", "iskp_threat", "future_value_sincere", "future_value_insincere",
    "sincere_persistence", "planb_effect", "intervene_effect", "planb_covers_iskp",
    "recognition_value", "effort_cost_sincere", "effort_cost_insincere", "harbour_benefit",
    "boycott_bond", "iskp_threat_to_taliban", "sovereignty_cost",
    "elimination_threshold", "recognition_threshold", "quiet_quarters",
}


@pytest.fixture
def registry(param_case: Callable[..., Path]) -> ParameterRegistry:
    return ParameterRegistry.load(param_case())


def test_canonical_names_cover_the_spec() -> None:
    assert set(CANONICAL_PARAMETERS) == SPEC_SYMBOLS
    assert len(CANONICAL_PARAMETERS) == len(set(CANONICAL_PARAMETERS))
    assert set(DYNAMICS_PARAMETERS) <= set(CANONICAL_PARAMETERS)
    assert not set(DYNAMICS_PARAMETERS) & set(GAME_PARAMETERS)


def test_utilities_read_only_registered_names() -> None:
    class Recorder(dict[str, Any]):
        def __missing__(self, key: str) -> float:
            self.setdefault("__seen__", set()).add(key)
            if key not in CANONICAL_PARAMETERS:
                raise AssertionError(f"utility reads unregistered parameter {key!r}")
            return 0.5

    p = Recorder()
    china_utility(engaged=1, recognised=1, aid=1, grants=1, plan_b=0, intervene=0, breach=0,
                  s=1, d=0, sincere=1, kappa=0.5, effort=0.4, p=p)
    taliban_utility(recognised=1, aid=1, boycott=0, plan_b=0, intervene=0, s=1, d=0, sincere=0,
                    effort=0.4, p=p)


def test_registry_from_temporary_case(registry: ParameterRegistry) -> None:
    # The case also holds the simulator's own parameters (group "dynamics").
    assert set(CANONICAL_PARAMETERS) <= set(registry.names)
    for p in registry:
        assert p.low <= p.default <= p.high
        assert p.assumption or p.evidence, p.name
        assert p.unit and p.description


def test_registry_pickles_with_its_name_index(registry: ParameterRegistry) -> None:
    """Worker processes receive registries (a calibration's simulations)."""
    import pickle

    again = pickle.loads(pickle.dumps(registry))
    assert again == registry and again.names == registry.names
    name = registry.names[0]
    assert again[name] == registry[name]


def test_builtin_case_loads_and_matches_spec() -> None:
    registry = ParameterRegistry.load()
    assert set(CANONICAL_PARAMETERS) <= set(registry.names)
    assert registry.check_case() == []
    # the evidence ids resolve (the loader checks references) and honesty: most are
    # assumptions, and us_presence is the only evidence-fixed default
    fixed = [p.name for p in registry if not p.assumption]
    assert fixed == ["us_presence"]


def test_defaults_respect_spec_orderings(registry: ParameterRegistry) -> None:
    d = registry.defaults()
    for c in CONSTRAINTS:
        assert bool(c.holds(d[c.lhs], d[c.rhs])), str(c)
    assert d["future_value_sincere"] > 0 > d["future_value_insincere"]
    assert d["boycott_bond"] >= 1
    assert 0 < d["base_suppression"] < 1
    assert 0 < d["un_close_if_sincere"] < 1 and 0 < d["un_close_if_insincere"] < 1
    assert d["planb_covers_iskp"] == 0  # spec: default off


def test_overrides(registry: ParameterRegistry) -> None:
    p = registry.point({"iskp_pull": "2.5", "reneging_cost": 7})
    assert p["iskp_pull"] == 2.5 and p["reneging_cost"] == 7.0
    assert p.changed() == {"iskp_pull": 2.5, "reneging_cost": 7.0}
    assert registry.defaults()["iskp_pull"] != 2.5  # the defaults are untouched


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("iskp_pull", "9", "allowed range is [0, 3]"),
    ("iskp_pull", "-0.1", "allowed range is [0, 3]"),
    ("iskp_pull", "abc", "not a number"),
    ("iskp_pull", "nan", "out of range"),
    ("iskp_pull", "1e400", "iskp_pull=1e400 is out of range"),   # was "=inf": not typed
    # from Python: float(None) and float([1]) were TypeErrors, True was taken as 1.0
    ("iskp_pull", None, "iskp_pull: None is not a number"),
    ("iskp_pull", True, "iskp_pull: True is not a number"),
    ("iskp_pull", [1], "iskp_pull: [1] is not a number"),
    (1, "2", "a parameter's name is a string, got 1"),     # a difflib TypeError
    ("quiet_quarters", "2.5", "whole number"),
    ("iskp_pul", "1", "did you mean iskp_pull"),
])
def test_bad_overrides(registry: ParameterRegistry, name: Any, value: Any, needle: str) -> None:
    with pytest.raises(BadInputError) as exc:
        registry.point({name: value})
    assert needle in str(exc.value)
    assert exc.value.exit_code == 2


def test_orderings_are_enforced(registry: ParameterRegistry) -> None:
    with pytest.raises(BadInputError) as exc:
        registry.point({"restrain_intensity": 0.7, "crackdown_intensity": 0.6})
    assert "restrain_intensity < crackdown_intensity" in str(exc.value)
    with pytest.raises(BadInputError):
        registry.point({"effort_cost_sincere": 2.0, "effort_cost_insincere": 1.0})


def test_missing_parameter_is_reported(param_case: Callable[..., Path]) -> None:
    def drop(items: list[dict[str, Any]]) -> None:
        items[:] = [i for i in items if i["name"] != "iskp_pull"]

    with pytest.raises(BadInputError) as exc:
        ParameterRegistry.load(param_case(drop))
    assert "iskp_pull" in str(exc.value)


def test_spec_bounds_are_checked(param_case: Callable[..., Path]) -> None:
    def widen(items: list[dict[str, Any]]) -> None:
        for i in items:
            if i["name"] == "un_close_if_sincere":
                i["high"] = 1.0
            if i["name"] == "capacity_high":
                i["high"] = 1.0

    with pytest.raises(BadInputError) as exc:
        ParameterRegistry.load(param_case(widen))
    text = str(exc.value)
    assert "un_close_if_sincere.high" in text and "(0, 1)" in text
    assert "capacity_high.high" in text


def test_validate_arrays(registry: ParameterRegistry) -> None:
    out = registry.validate_arrays({"iskp_pull": np.linspace(0, 3, 5), "prior_sincere": 0.2})
    assert set(out) == set(registry.names)
    assert all(v.shape == (5,) for v in out.values())
    assert np.all(out["prior_sincere"] == 0.2)
    with pytest.raises(BadInputError, match="iskp_pull"):
        registry.validate_arrays({"iskp_pull": [0.5, 4.0]})
    with pytest.raises(BadInputError, match="restrain_intensity < crackdown_intensity"):
        registry.validate_arrays({"restrain_intensity": [0.3, 0.7],
                                  "crackdown_intensity": [0.9, 0.6]})
    with pytest.raises(BadInputError, match="unknown parameter"):
        registry.validate_arrays({"nope": [1.0]})


def _ordered_rows(registry: ParameterRegistry) -> dict[str, np.ndarray]:
    """Five rows at the defaults; row 1 breaks the effort-level ordering, row 2 the
    capacity ordering, row 3 both the effort-level and the effort-cost orderings."""
    d = registry.defaults()
    v = {name: np.full(5, d[name]) for name in registry.names}
    v["restrain_intensity"][[1, 3]] = v["crackdown_intensity"][[1, 3]]
    v["capacity_low"][2] = v["capacity_high"][2] + 0.05
    v["effort_cost_sincere"][3] = v["effort_cost_insincere"][3] + 0.1
    return v


def test_redraw_until_ordered_redraws_broken_orderings_only(registry: ParameterRegistry
                                                            ) -> None:
    lhs = {c.lhs for c in registry.constraints}
    calls: list[tuple[str, int]] = []

    def draw(p: Any, size: int) -> np.ndarray:
        calls.append((p.name, size))
        return np.full(size, p.low if p.name in lhs else (p.low + p.high) / 2)

    before = _ordered_rows(registry)
    values = {k: v.copy() for k, v in before.items()}
    drawn = [n for n in registry.names if n != "capacity_high"]
    registry.redraw_until_ordered(values, drawn, draw)
    changed = {k: np.flatnonzero(values[k] != before[k]).tolist() for k in values}
    # both parameters of a broken ordering, at its rows only; an undrawn one never
    assert {k: rows for k, rows in changed.items() if rows} == {
        "restrain_intensity": [1, 3], "crackdown_intensity": [1, 3],
        "effort_cost_sincere": [3], "effort_cost_insincere": [3], "capacity_low": [2]}
    # the orderings in turn, lhs then rhs: the order in which a caller's stream is used
    assert calls == [("restrain_intensity", 2), ("crackdown_intensity", 2),
                     ("effort_cost_sincere", 1), ("effort_cost_insincere", 1),
                     ("capacity_low", 1)]
    for c in registry.constraints:
        assert c.holds(values[c.lhs], values[c.rhs]).all()


def test_redraw_until_ordered_gives_up(registry: ParameterRegistry) -> None:
    values = _ordered_rows(registry)
    with pytest.raises(BadInputError, match="neither parameter is drawn"):
        registry.redraw_until_ordered(values, ["iskp_pull"], lambda p, size: np.zeros(size))
    values = _ordered_rows(registry)
    with pytest.raises(BadInputError, match="could not draw"):       # draws that never fit
        registry.redraw_until_ordered(values, registry.names,
                                      lambda p, size: np.full(size, 0.5), max_rounds=3)


def test_draw_ordered_draws_each_parameter_from_its_own_generator(registry: ParameterRegistry
                                                                  ) -> None:
    names = [p.name for p in registry if not p.integer]

    def gens(order: list[str]) -> dict[str, np.random.Generator]:
        return {k: np.random.default_rng([5, registry.names.index(k)]) for k in order}

    def sample(order: list[str]) -> dict[str, np.ndarray]:
        d = registry.defaults()
        v = {k: np.full(300, d[k]) for k in registry.names}
        registry.draw_ordered(v, gens(order))
        return v

    a, b = sample(names), sample(names[::-1])
    for k in registry.names:                     # the order of drawing changes nothing
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    for c in registry.constraints:
        assert c.holds(a[c.lhs], a[c.rhs]).all()
        assert not c.holds(np.random.default_rng([5, registry.names.index(c.lhs)]).uniform(
            registry[c.lhs].low, registry[c.lhs].high, 300), a[c.rhs]).all()
    # a generator for an unconstrained parameter is its column: no redraw touches it
    free = next(k for k in names if all(k not in (c.lhs, c.rhs) for c in registry.constraints))
    p = registry[free]
    np.testing.assert_array_equal(a[free], gens([free])[free].uniform(p.low, p.high, 300))
    with pytest.raises(ValueError, match="generator of its own"):
        shared = np.random.default_rng(0)
        registry.draw_ordered(a, {names[0]: shared, names[1]: shared})


def _documented_stream(seed: int, head: tuple[int, ...], name: str) -> np.random.Generator:
    """The stream docs/model-dynamics.md §7.7 describes, built from its description."""
    key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(
        seed, spawn_key=(*head, key))))


def test_parameter_generators_are_keyed_by_seed_stream_and_name() -> None:
    names = ["iskp_pull", "w_security", "attack_rate"]
    for head in ((), (0, 3), (200,)):
        gens = parameter_generators(7, names, head)
        assert list(gens) == names
        for name in names:
            np.testing.assert_array_equal(gens[name].random(16),
                                          _documented_stream(7, head, name).random(16))
    # a name's stream is the same whichever other names are asked for, and in any order
    alone = parameter_generators(7, ["w_security"], (0, 3))["w_security"].random(16)
    np.testing.assert_array_equal(
        alone, parameter_generators(7, names[::-1], (0, 3))["w_security"].random(16))
    # seed, key and name each change the numbers
    for other in (parameter_generators(8, ["w_security"], (0, 3)),
                  parameter_generators(7, ["w_security"], (0, 4)),
                  parameter_generators(7, ["w_security"], (200,)),
                  {"w_security": parameter_generators(7, ["iskp_pull"], (0, 3))["iskp_pull"]}):
        assert not np.array_equal(alone, other["w_security"].random(16))
