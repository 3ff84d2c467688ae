"""Pin the exploration lens's public surface."""

import qpq.explore


def test_exported_names():
    assert set(qpq.explore.__all__) == {
        "CartResult", "ChunkProblem", "Comparison", "ComparisonStudy", "DaskCluster", "Design",
        "DiscoveryStudy",
        "Evaluation", "ExploreSettings", "InProcess", "METHODS", "ModelSetup", "MorrisResult",
        "OutcomeSpec", "PolicyMetrics", "PrimBox", "PrimResult", "ProcessPool", "RunAnalysis",
        "TIE_FRACTION", "TIE_SHARE",
        "RunConfig", "RunInterrupted", "RunPlan", "RunProgress", "RunStore", "RunSummary",
        "SensitivityStudy", "SobolResult", "Study", "Uncertainty", "analyse_run", "cart",
        "compare_policies", "contrasts", "evaluate", "evaluate_block", "executor_for",
        "export_run",
        "load_study", "make_design", "make_executor", "model_setup", "morris_chart",
        "morris_indices", "plan_run", "policy_chart", "policy_names", "prim", "prim_box_chart",
        "prim_tradeoff_chart", "regret_chart", "run_comparison", "run_discovery", "run_lhs",
        "run_plan",
        "run_sensitivity", "scenario_json_schema", "sobol_chart", "sobol_indices", "sql_ident",
        "StoreHealth", "to_ranges", "reaches_zero"}
    for name in qpq.explore.__all__:
        assert hasattr(qpq.explore, name), name
