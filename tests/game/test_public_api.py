from __future__ import annotations

import qpq.game
import qpq.model


def test_model_exports() -> None:
    assert set(qpq.model.__all__) == {
        "CANONICAL_PARAMETERS", "CONSTRAINTS", "DYNAMICS_PARAMETERS", "FIRST_MOVES",
        "GAME_PARAMETERS", "OUTCOMES", "POLICIES", "Consequence", "Constraint", "Direction",
        "FinalAction", "FirstMove", "Lens", "MoveKind", "Outcome", "ParameterRegistry",
        "ParameterSet", "Policy", "Promise", "breaks_word", "china_utility", "consequence",
        "continuation_value", "defection_logit", "defection_prob", "final_actions",
        "first_move", "future_harm", "outcome", "round_harm", "suppression_prob",
        "taliban_utility", "un_close_prob"}
    for name in qpq.model.__all__:
        assert hasattr(qpq.model, name)


def test_game_exports() -> None:
    assert set(qpq.game.__all__) == {
        "DEFAULT_TOL", "EFFORTS", "FULL_GAME", "LABELS", "SELECTION_RULE", "TYPES",
        "Continuation", "Effort", "EnsembleSolution", "Equilibrium", "GameSolution",
        "GameStructure", "MixedSearchReport", "Node", "Signal", "TalibanType", "Tree",
        "build_tree", "parse_efg", "read_efg", "solve", "solve_ensemble", "to_efg",
        "write_efg"}
    for name in qpq.game.__all__:
        assert hasattr(qpq.game, name)


def test_game_imports_without_pygambit() -> None:
    """pygambit is imported lazily: importing qpq.game (and solving) does not load it."""
    import subprocess
    import sys

    code = ("import sys, qpq.game, qpq.cli.game; "
            "print('pygambit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
