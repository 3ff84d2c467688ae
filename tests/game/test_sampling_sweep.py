"""Ordered Monte Carlo sampling over the assumption ranges, and phase-diagram sweeps."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.game import solve, solve_ensemble
from qpq.game._labels import LABELS
from qpq.game.analysis import _draws
from qpq.game.analysis._draws import sample_assumptions, sampled_names
from qpq.game.analysis._sweep import NO_PURE, OUTSIDE, cell_edges, phase_diagram
from qpq.model import ParameterRegistry, ParameterSet


def test_sampling_respects_ranges_orderings_and_the_generator(
        registry: ParameterRegistry) -> None:
    a = sample_assumptions(registry, 3000, np.random.default_rng(5))
    b = sample_assumptions(registry, 3000, np.random.default_rng(5))
    c = sample_assumptions(registry, 3000, np.random.default_rng(6))
    assert a.size == 3000 and set(a.sampled) == set(sampled_names(registry))
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
        p = registry[k]
        assert (a.params[k] >= p.low).all() and (a.params[k] <= p.high).all()
    assert not np.array_equal(a.params["iskp_pull"], c.params["iskp_pull"])
    for con in registry.constraints:
        assert con.holds(a.params[con.lhs], a.params[con.rhs]).all()
    # the ordered pairs still cover their ranges
    assert a.params["restrain_intensity"].max() > 0.65
    assert a.params["effort_cost_sincere"].max() > 1.9
    # evidence-fixed and option parameters stay at their defaults
    assert "us_presence" not in a.sampled and "planb_covers_iskp" not in a.sampled
    assert (a.params["us_presence"] == registry["us_presence"].default).all()
    assert a.fixed["planb_covers_iskp"] == 0.0


def test_sampling_overrides_and_bad_input(registry: ParameterRegistry) -> None:
    s = sample_assumptions(registry, 200, np.random.default_rng(1),
                           overrides={"crackdown_intensity": 0.55})
    assert (s.params["crackdown_intensity"] == 0.55).all()
    assert (s.params["restrain_intensity"] < 0.55).all()
    assert "crackdown_intensity" not in s.sampled
    with pytest.raises(BadInputError,
                       match=r"n \(Monte Carlo draws\) must be a whole number of at least 1"):
        sample_assumptions(registry, 0, np.random.default_rng(1))
    with pytest.raises(BadInputError, match="out of range"):
        sample_assumptions(registry, 5, np.random.default_rng(1), overrides={"iskp_pull": 9})


def _with_extra(registry: ParameterRegistry, at: int, name: str = "zz_extra_game"
                ) -> ParameterRegistry:
    """``registry`` with one more assumption, which no ordering names, at position ``at``."""
    extra = registry["iskp_pull"].model_copy(update={"name": name, "low": 0.0, "high": 1.0,
                                                     "default": 0.5})
    params = list(registry.parameters)
    params.insert(at, extra)
    return dataclasses.replace(registry, parameters=tuple(params))


@pytest.mark.parametrize("at", ["first", "middle", "last"])
def test_an_extra_game_parameter_leaves_every_other_draw_identical(
        registry: ParameterRegistry, monkeypatch: pytest.MonkeyPatch, at: str) -> None:
    # a game parameter added anywhere in the case (and to the game's symbols, so the Monte
    # Carlo draws it) shifts no other parameter's draws, ordering redraws included: each
    # parameter draws from its own stream. Streams read in registry order fail this.
    index = {"first": 0, "middle": len(registry) // 2, "last": len(registry)}[at]
    n = 1500
    before = sample_assumptions(registry, n, np.random.default_rng(2024))
    monkeypatch.setattr(_draws, "GAME_PARAMETERS", (*_draws.GAME_PARAMETERS, "zz_extra_game"))
    bigger = _with_extra(registry, index)
    after = sample_assumptions(bigger, n, np.random.default_rng(2024))
    assert set(after.sampled) == set(before.sampled) | {"zz_extra_game"}
    assert set(after.params) == set(before.params) | {"zz_extra_game"}
    for name, column in before.params.items():
        np.testing.assert_array_equal(after.params[name], column, err_msg=name)
    assert len(np.unique(after.params["zz_extra_game"])) == n
    # the test can fail: a parameter's draws depend on its own name
    monkeypatch.setattr(_draws, "GAME_PARAMETERS", (*_draws.GAME_PARAMETERS, "zz_other"))
    renamed = sample_assumptions(_with_extra(registry, index, "zz_other"), n,
                                 np.random.default_rng(2024))
    assert not np.array_equal(renamed.params["zz_other"], after.params["zz_extra_game"])


def test_drawing_fewer_parameters_leaves_the_others_identical(
        registry: ParameterRegistry) -> None:
    # overriding one assumption (or naming fewer) removes its draws and nothing else's,
    # where no ordering ties the two
    ordered = {k for c in registry.constraints for k in (c.lhs, c.rhs)}
    a = sample_assumptions(registry, 800, np.random.default_rng(9))
    b = sample_assumptions(registry, 800, np.random.default_rng(9),
                           overrides={"iskp_pull": 0.4})
    c = sample_assumptions(registry, 800, np.random.default_rng(9),
                           names=a.sampled[::-3])
    assert "iskp_pull" not in b.sampled and (b.params["iskp_pull"] == 0.4).all()
    for name in set(a.sampled) - {"iskp_pull"}:
        np.testing.assert_array_equal(a.params[name], b.params[name], err_msg=name)
    for name in set(c.sampled) - ordered:
        np.testing.assert_array_equal(a.params[name], c.params[name], err_msg=name)


def test_game_draws_come_from_the_documented_stream(registry: ParameterRegistry) -> None:
    # docs/model-game.md A.5: one root seed from the caller's generator, then each
    # parameter's Philox stream keyed (root, 200, first 8 bytes of SHA-256 of its name)
    n = 500
    s = sample_assumptions(registry, n, np.random.default_rng(31))
    root = int(np.random.default_rng(31).integers(2**63))
    ordered = {k for c in registry.constraints for k in (c.lhs, c.rhs)}
    free = [k for k in s.sampled if k not in ordered]
    assert len(free) > 10
    for name in free:
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
        gen = np.random.Generator(np.random.Philox(np.random.SeedSequence(
            root, spawn_key=(200, key))))
        p = registry[name]
        np.testing.assert_array_equal(s.params[name], gen.uniform(p.low, p.high, n),
                                      err_msg=name)


def test_phase_diagram_agrees_with_the_solver(registry: ParameterRegistry,
                                              defaults: ParameterSet) -> None:
    d = phase_diagram(registry, "iskp_pull", "w_security", 14, ny=9, workers=1)
    assert d.shape == (9, 14)
    assert d.x.values[0] == registry["iskp_pull"].low
    assert d.y.values[-1] == registry["w_security"].high
    sol = solve(defaults, mixed=False)
    assert d.default_label == sol.label
    assert d.default_point == (defaults["iskp_pull"], defaults["w_security"])
    # every cell is the ensemble solver's answer at that point
    for j, i in [(0, 0), (4, 7), (8, 13), (2, 11)]:
        point = defaults.with_overrides({"iskp_pull": d.x.values[i],
                                         "w_security": d.y.values[j]})
        ens = solve_ensemble(point.arrays())
        expect = ens.label[0] if ens.has_pure[0] else NO_PURE
        assert d.label[j, i] == expect
        assert d.multiple[j, i] == ens.multiple[0] and d.tie[j, i] == ens.tie[0]
    assert sum(d.shares().values()) == pytest.approx(1.0)
    assert set(d.shares()) <= {*LABELS, "no pure PBE"}
    doc = json.loads(json.dumps(d.to_json(), default=lambda o: o.tolist()))
    assert doc["shape"] == [9, 14] and len(doc["label"]) == 9 and len(doc["label"][0]) == 14


def test_phase_diagram_marks_points_outside_the_orderings(registry: ParameterRegistry) -> None:
    d = phase_diagram(registry, "restrain_intensity", "crackdown_intensity", 8, workers=1)
    outside = d.label == OUTSIDE
    gx, gy = np.meshgrid(d.x.values, d.y.values)
    np.testing.assert_array_equal(outside, gx >= gy)
    assert np.isnan(d.security[outside]).all() and np.isfinite(d.security[~outside]).all()
    assert d.name_of(OUTSIDE) == "outside the spec's orderings"
    assert d.name_of(NO_PURE) == "no pure PBE"


def test_phase_diagram_integer_axis_and_overrides(registry: ParameterRegistry) -> None:
    d = phase_diagram(registry, "planb_covers_iskp", "intervene_cost", 5,
                      overrides={"w_security": 2.5}, workers=1)
    assert d.x.values.tolist() == [0.0, 1.0] and d.shape == (5, 2)
    assert d.fixed == {"w_security": 2.5}


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(x="iskp_pull", y="iskp_pull"), "must differ"),
    (dict(x="quiet_quarters", y="iskp_pull"), "not a parameter of the game"),
    (dict(x="iskp_pull", y="w_security", overrides={"iskp_pull": 1}), "cannot also be set"),
    (dict(x="iskp_pull", y="w_security", n=1), "at least 2"),
    (dict(x="iskp_pull", y="nonsense"), "not a parameter of the game"),
])
def test_phase_diagram_bad_input(registry: ParameterRegistry, kwargs: dict, needle: str
                                 ) -> None:
    with pytest.raises(BadInputError, match=needle):
        phase_diagram(registry, **kwargs)


def test_sampling_redraws_with_the_registry_rule(registry: ParameterRegistry,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # sample_assumptions owns no redraw loop: without the registry's rule its draws break
    # the orderings.
    monkeypatch.setattr(ParameterRegistry, "redraw_until_ordered", lambda *a, **k: None)
    with pytest.raises(BadInputError, match="break"):
        sample_assumptions(registry, 3000, np.random.default_rng(5))


def test_phase_diagram_overrides_may_break_an_ordering_with_a_swept_default(
        registry: ParameterRegistry) -> None:
    # effort_cost_sincere = 2 breaks the ordering with effort_cost_insincere's default (2)
    # only: the sweep marks the grid points below it, not the whole request, as outside.
    d = phase_diagram(registry, "effort_cost_insincere", "w_security", 6,
                      overrides={"effort_cost_sincere": 2.0}, workers=1)
    outside = d.label == OUTSIDE
    np.testing.assert_array_equal(outside.any(axis=0), d.x.values <= 2.0)
    assert outside.all(axis=0).any() and not outside.all()
    assert d.default_label == d.name_of(OUTSIDE)
    with pytest.raises(BadInputError, match="inconsistent"):
        phase_diagram(registry, "iskp_pull", "w_security", 4, workers=1,
                      overrides={"restrain_intensity": 0.7, "crackdown_intensity": 0.6})


def test_cell_edges() -> None:
    np.testing.assert_allclose(cell_edges(np.array([0.0, 1.0, 3.0])), [-0.5, 0.5, 2.0, 4.0])
    np.testing.assert_allclose(cell_edges(np.array([2.0])), [1.5, 2.5])
