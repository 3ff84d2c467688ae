"""Phase diagrams of model v2: every cell is ``solve_relationship`` at that point."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qpq.errors import BadInputError
from qpq.game import solve_relationship
from qpq.game.analysis import _sweep
from qpq.game.analysis._sweep import FOUND_BY, OUTSIDE, phase_diagram, relationship_labels
from qpq.model import FIRST_MOVES, ParameterRegistry, ParameterSet

# δ = 0.9, 0.95, 1.0 against ISKP's pull: at the defaults this small grid holds a pure fixed
# point of policy iteration, pure strategies from the tracing, mixed ones, and δ = 1 (no
# finite value), so every kind of cell is checked against the solver.
X, Y = "quarterly_discount", "iskp_pull"


@pytest.fixture(scope="module")
def diagram(registry: ParameterRegistry) -> _sweep.PhaseDiagram:
    with pytest.MonkeyPatch.context() as mp:
        # two chunks, each taking every other point: a cell's answer must not depend
        # on which points share its chunk
        mp.setattr(_sweep, "V2_CHUNK", 4)
        return phase_diagram(registry, X, Y, 3, workers=1, model="v2")


def _point(defaults: ParameterSet, d: _sweep.PhaseDiagram, j: int, i: int
           ) -> dict[str, np.ndarray]:
    return {k: np.array([v]) for k, v in defaults.with_overrides(
        {X: float(d.x.values[i]), Y: float(d.y.values[j])}).items()}


def test_every_cell_is_the_relationship_at_that_point(diagram: _sweep.PhaseDiagram,
                                                     defaults: ParameterSet) -> None:
    d = diagram
    assert d.model == "v2" and d.shape == (3, 3)
    outside = d.label == OUTSIDE
    # δ = 1 has no finite value: the column is not solved, every other cell is
    np.testing.assert_array_equal(outside, np.broadcast_to(d.x.values == 1.0, d.shape))
    assert np.isnan(d.regret[outside]).all() and (d.found_by[outside] == -1).all()
    cells = list(zip(*np.nonzero(~outside), strict=True))
    # one batch of every solved cell and the defaults (the sweep ran two interleaved chunks)
    points = [_point(defaults, d, j, i) for j, i in cells]
    points.append({k: np.array([v]) for k, v in defaults.items()})
    rel = solve_relationship({k: np.concatenate([p[k] for p in points]) for k in points[0]})
    found = np.where(rel.converged, 0, np.where(rel.pure.all(axis=1), 1, 2))
    codes, names = relationship_labels(rel.first_move, rel.effort, rel.response, found)
    for r, (j, i) in enumerate(cells):
        assert d.found_by[j, i] == found[r]
        assert d.first_move[j, i] == rel.first_move[r]
        assert d.regret[j, i] == rel.regret[r] and d.value[j, i] == rel.value[r]
        name = d.name_of(int(d.label[j, i]))
        assert name == names[int(codes[r])]
        # the name says what was played: the first move, each state's efforts, how found
        letters = ["".join("hrc"[e] for e in rel.effort[r, x]) for x in (0, 1)]
        assert name.startswith(f"unrecognised {FIRST_MOVES[rel.first_move[r]].label}:")
        assert f"efforts {letters[0]}; recognised:" in name
        assert name.endswith(f"efforts {letters[1]}; {FOUND_BY[found[r]]}")
    assert set(found[:-1].tolist()) == {0, 1, 2}, \
        "the grid should hold pure, traced pure and mixed cells"
    mixed = d.found_by == 2
    assert (d.regret[mixed] > 1e-6).all() and (d.regret[(d.found_by >= 0) & ~mixed]
                                                <= 1e-6).all()
    # the defaults rode along in the sweep's batch and are labelled as the solver has them
    assert d.default_label == names[int(codes[-1])]


def test_v2_document(diagram: _sweep.PhaseDiagram) -> None:
    doc = json.loads(json.dumps(diagram.to_json(), default=lambda o: o.tolist()))
    assert doc["model"] == "v2" and doc["multiple"] is None and doc["tie"] is None
    assert doc["label"][0][2].startswith("outside") and doc["found_by"][0][2] is None
    kinds = {k for row in doc["found_by"] for k in row if k}
    assert kinds == set(doc["found_by_shares"]) == set(FOUND_BY[:3])
    assert sum(doc["shares"].values()) == pytest.approx(1.0)
    assert sum(doc["found_by_shares"].values()) == pytest.approx(1.0)
    mixed = [r for rr, ff in zip(doc["regret"], doc["found_by"], strict=True)
             for r, f in zip(rr, ff, strict=True) if f == "mixed"]
    assert diagram.mixed_regret() == (pytest.approx(float(np.median(mixed))), max(mixed))
    assert "types in the order S,H S,L I,H I,L" in doc["label_key"]
    # each cell's text: its label, with the regret where play is mixed
    for j, row in enumerate(doc["cell"]):
        for i, text in enumerate(row):
            if doc["found_by"][j][i] == "mixed":
                assert text == f"{doc['label'][j][i]} (regret {doc['regret'][j][i]:.3g})"
            else:
                assert text == doc["label"][j][i]


def test_pure_only_sweep_leaves_cycling_points_unsolved(registry: ParameterRegistry,
                                                       diagram: _sweep.PhaseDiagram,
                                                       defaults: ParameterSet) -> None:
    d = phase_diagram(registry, X, Y, 3, workers=1, model="v2", mixed=False)
    solved = d.label != OUTSIDE
    # without the tracing, the cells policy iteration could not settle are marked as such
    np.testing.assert_array_equal(d.found_by[solved] == 3, diagram.found_by[solved] > 0)
    np.testing.assert_array_equal(d.label[diagram.found_by == 0] >= 0, True)
    j, i = map(int, np.argwhere(d.found_by == 3)[0])
    rel = solve_relationship(_point(defaults, d, j, i), mixed=False)
    assert not rel.converged[0] and d.first_move[j, i] == rel.first_move[0]
    assert d.name_of(int(d.label[j, i])).endswith(FOUND_BY[3])


def test_v1_sweep_keeps_its_document(registry: ParameterRegistry) -> None:
    d = phase_diagram(registry, "iskp_pull", "w_security", 4, workers=1)
    doc = d.to_json()
    assert d.model == "v1" and "model" not in doc and "regret" not in doc
    assert d.regret is None and d.found_by is None


def test_v2_sweep_bad_input(registry: ParameterRegistry) -> None:
    with pytest.raises(BadInputError, match="unknown model"):
        phase_diagram(registry, "iskp_pull", "w_security", 3, model="v3")
    # δ is an axis of v2 only
    with pytest.raises(BadInputError, match="not a parameter of the game"):
        phase_diagram(registry, X, Y, 3, model="v1")


def test_a_v2_diagram_past_the_budget_is_refused_before_any_solve(registry) -> None:
    from qpq.errors import BadInputError
    from qpq.game import RELATIONSHIP_BUDGET

    # 200 x 200 (the CLI's default n) with the tracing: about 15 CPU minutes (50 under the
    # tracing's former schedule), past the budget's 12.8
    most = int(RELATIONSHIP_BUDGET // _sweep.V2_POINT_SECONDS)
    assert most < 200 * 200 - 1
    with pytest.raises(BadInputError, match=f"at most {most:,} grid points .lower --n, or "
                                            "--pure-only."):
        _sweep.phase_diagram(registry, "iskp_pull", "crackdown_intensity", 200, model="v2")
    most = int(RELATIONSHIP_BUDGET // _sweep.V2_POINT_SECONDS_PURE)
    with pytest.raises(BadInputError, match=f"at most {most:,} grid points .lower --n.$"):
        _sweep.phase_diagram(registry, "iskp_pull", "crackdown_intensity", 300, model="v2",
                             mixed=False)


def test_the_relationship_budget_refuses_past_it_and_not_at_it() -> None:
    from qpq.errors import BadInputError
    from qpq.game import RELATIONSHIP_BUDGET, check_relationship_budget

    at = int(RELATIONSHIP_BUDGET // 0.5)
    check_relationship_budget(at, 0.5, unit="points", what="here", lower="less")
    with pytest.raises(BadInputError, match=r"\(about 0\.5 s of CPU each\).*at most "
                                            rf"{at:,} points \(less\)"):
        check_relationship_budget(at + 1, 0.5, unit="points", what="here", lower="less")


def test_a_refused_cost_never_reads_as_the_budget() -> None:
    # 13.0 minutes against the budget's 12.8 read "about 13 CPU minutes; allowed under v2:
    # about 13 CPU minutes" (a new user's read, 2026-12-07)
    from qpq.errors import BadInputError
    from qpq.game import RELATIONSHIP_BUDGET, check_relationship_budget

    just_over = int(RELATIONSHIP_BUDGET * 1.02)
    with pytest.raises(BadInputError, match=r"about 13\.1 CPU minutes; allowed under v2: "
                                            r"about 12\.8 CPU minutes"):
        check_relationship_budget(just_over, 1.0, unit="points", what="here", lower="less")
    # a few seconds past (a phase diagram's pure points, 0.013 s each) read "about 12.8 CPU
    # minutes; allowed under v2: about 12.8 CPU minutes"
    past = int(RELATIONSHIP_BUDGET // 0.013) + 1
    with pytest.raises(BadInputError, match=r"about 12\.9 CPU minutes; allowed under v2: "
                                            r"about 12\.8 CPU minutes"):
        check_relationship_budget(past, 0.013, unit="points", what="here", lower="less")
    with pytest.raises(BadInputError, match=r"about 26 CPU minutes; allowed under v2: about "
                                            r"13 CPU minutes"):
        check_relationship_budget(int(RELATIONSHIP_BUDGET * 2), 1.0, unit="points",
                                  what="here", lower="less")
