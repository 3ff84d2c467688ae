from __future__ import annotations

import qpq.game
import qpq.model


def test_model_exports() -> None:
    assert set(qpq.model.__all__) == {
        "CANONICAL_PARAMETERS", "CONSTRAINTS", "Consequence", "HISTORY_EFFECTS",
        "HistoryEffect", "MODELS", "PRESENCE_FLOOR", "apply_history", "Constraint",
        "DYNAMICS_PARAMETERS",
        "Direction", "FINAL_ACTIONS", "FIRST_MOVES", "FinalAction", "FirstMove", "GAME_PARAMETERS",
        "Lens", "MoveKind", "OUTCOMES", "Outcome", "POLICIES", "ParameterRegistry", "ParameterSet",
        "Policy", "Promise", "UNCALIBRATED", "breaks_word", "check_game_values", "check_model",
        "check_policy", "china_utility",
        "consequence",
        "continuation_value", "defection_logit", "defection_prob", "expected_etim_share",
        "final_actions", "first_move", "future_harm", "outcome", "parameter_generators",
        "policy_names", "round_harm",
        "signal_pressure", "stay_prob", "suppression_prob",
        "taliban_utility", "un_close_prob"}
    for name in qpq.model.__all__:
        assert hasattr(qpq.model, name)


def test_game_exports() -> None:
    assert set(qpq.game.__all__) == {
        "ALL_EFFORTS", "Continuation", "Continuations", "DEFAULT_TOL", "MAX_TOL", "EFFORTS",
        "Effort",
        "EnsembleSolution",
        "Equilibrium", "FULL_GAME", "GameSolution", "GameStructure", "LABELS", "MixedSearchReport",
        "Node", "Readings", "Relationship", "SELECTION_RULE", "Signal", "TYPES", "TalibanType",
        "Tree", "build_tree", "continuations", "parse_efg", "RELATIONSHIP_BUDGET",
        "check_relationship_budget", "check_tol", "STATES", "read_efg", "solve",
        "solve_ensemble", "solve_relationship", "stage_params", "to_efg", "type_prior", "write_efg"}
    for name in qpq.game.__all__:
        assert hasattr(qpq.game, name)


def test_game_analysis_exports() -> None:
    import qpq.game.analysis

    assert set(qpq.game.analysis.__all__) == {
        "FOUND_BY", "LABEL_COLOURS", "LABEL_KEY", "NO_PURE_NAME", "OUTSIDE", "OUTSIDE_COLOUR",
        "SMALL_MARGIN", "AssumptionSample",
        "Flip", "Kind",
        "PbeVerdict", "PhaseDiagram", "PropositionResult", "PropositionStudy", "cell_edges",
        "most_influential", "nearest_flip", "pbe_verdict", "phase_diagram", "run_study",
        "sample_assumptions", "small_share"}
    for name in qpq.game.analysis.__all__:
        assert hasattr(qpq.game.analysis, name)


def test_game_imports_without_pygambit() -> None:
    """pygambit is imported lazily: importing qpq.game (and solving) does not load it."""
    import subprocess
    import sys

    code = ("import sys, qpq.game, qpq.cli._game; "
            "print('pygambit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
