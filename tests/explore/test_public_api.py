"""Pin the exploration lens's public surface."""

import qpq.explore


def test_exported_names():
    assert set(qpq.explore.__all__) == {
        "METHODS", "CartResult", "Comparison", "ComparisonStudy", "Design", "DiscoveryStudy",
        "Evaluation", "ExploreSettings", "ModelSetup", "MorrisResult", "OutcomeSpec",
        "PolicyMetrics", "PrimBox", "PrimResult", "SensitivityStudy", "SobolResult", "Study",
        "Uncertainty", "cart", "compare_policies", "evaluate", "evaluate_block", "load_study",
        "make_design", "model_setup", "morris_indices", "prim", "run_comparison",
        "run_discovery", "run_sensitivity", "scenario_json_schema", "sobol_indices",
        # large runs
        "DaskCluster", "InProcess", "ProcessPool", "RunAnalysis", "RunConfig",
        "RunInterrupted", "RunPlan", "RunProgress", "RunStore", "RunSummary", "analyse_run",
        "export_run", "make_executor", "plan_run", "run_plan"}
    for name in qpq.explore.__all__:
        assert hasattr(qpq.explore, name), name
