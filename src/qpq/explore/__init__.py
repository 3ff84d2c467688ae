"""The exploration lens: sensitivity, scenario discovery and policy comparison.

EMA Workbench's vocabulary on qpq's vectorised simulator. A scenario file names the
*uncertainties* (ranges of ``qpq params`` names), the *levers* (China's policies), the
*outcomes* (from the outcome registry) and the number of *experiments*
(:mod:`~qpq.explore._scenario`, :mod:`~qpq.explore._settings`). Samplers draw the
experiments in the unit hypercube and map them to parameter values that keep the spec's
orderings (:mod:`~qpq.explore._designs`, :mod:`~qpq.explore._transform`); the experiments
run through the simulator block by block, each block a pure function of (scenario, seed,
block) (:mod:`~qpq.explore._evaluate`, with the simulator's lookup tables restricted to the
first moves the policies reach). Analyses: Sobol'/Morris indices with SALib
(:mod:`~qpq.explore._sensitivity`), PRIM and CART for scenario discovery
(:mod:`~qpq.explore._prim`, :mod:`~qpq.explore._cart`), robustness metrics of the policies
(:mod:`~qpq.explore._robustness`); :mod:`~qpq.explore._studies` chains them,
:mod:`~qpq.explore._charts` draws them and :mod:`~qpq.report._explore_sections` puts them in the
report. Known answers (Ishigami, a box) live in :mod:`~qpq.explore._testfunctions`.

Runs that outgrow memory or one machine: :mod:`~qpq.explore._chunked_runs` plans a run and computes
it chunk by chunk (whole random-number blocks) on any executor of
:mod:`~qpq.parallel` (in-process, a process pool, Dask), streaming each chunk to the
Parquet store of :mod:`~qpq.explore._run_store` (a manifest, exact resume);
:mod:`~qpq.explore._export` writes EMA Workbench's archive and :mod:`~qpq.explore._analyse`
applies the studies' analyses to a finished run.
"""


from typing import TYPE_CHECKING

from qpq._lazy import lazy_exports

if TYPE_CHECKING:
    from qpq.explore._analyse import (
        RunAnalysis,
        analyse_run,
    )
    from qpq.explore._cart import (
        CartResult,
        cart,
    )
    from qpq.explore._charts import (
        morris_chart,
        policy_chart,
        prim_box_chart,
        prim_tradeoff_chart,
        regret_chart,
        sobol_chart,
    )
    from qpq.explore._chunked_runs import (
        RunInterrupted,
        RunPlan,
        RunProgress,
        RunSummary,
        plan_run,
        run_plan,
    )
    from qpq.explore._designs import (
        METHODS,
        Design,
        make_design,
    )
    from qpq.explore._evaluate import (
        Evaluation,
        ModelSetup,
        evaluate,
        evaluate_block,
        model_setup,
    )
    from qpq.explore._export import (
        export_run,
    )
    from qpq.explore._loading import (
        load_study,
    )
    from qpq.explore._prim import (
        PrimBox,
        PrimResult,
        prim,
    )
    from qpq.explore._robustness import (
        TIE_FRACTION,
        TIE_SHARE,
        Comparison,
        PolicyMetrics,
        compare_policies,
    )
    from qpq.explore._run_store import (
        ChunkProblem,
        RunConfig,
        RunStore,
        StoreHealth,
        sql_ident,
        to_ranges,
    )
    from qpq.explore._scenario import (
        OutcomeSpec,
        Study,
        Uncertainty,
    )
    from qpq.explore._sensitivity import (
        MorrisResult,
        SobolResult,
        morris_indices,
        reaches_zero,
        sobol_indices,
    )
    from qpq.explore._settings import (
        ExploreSettings,
        policy_names,
        scenario_json_schema,
    )
    from qpq.explore._studies import (
        ComparisonStudy,
        DiscoveryStudy,
        SensitivityStudy,
        contrasts,
        run_comparison,
        run_discovery,
        run_lhs,
        run_sensitivity,
    )
    from qpq.parallel import (
        DaskCluster,
        InProcess,
        ProcessPool,
        executor_for,
        make_executor,
    )

__all__ = [
    "METHODS",
    "TIE_FRACTION",
    "TIE_SHARE",
    "CartResult",
    "ChunkProblem",
    "Comparison",
    "ComparisonStudy",
    "DaskCluster",
    "Design",
    "DiscoveryStudy",
    "Evaluation",
    "ExploreSettings",
    "InProcess",
    "ModelSetup",
    "MorrisResult",
    "OutcomeSpec",
    "PolicyMetrics",
    "PrimBox",
    "PrimResult",
    "ProcessPool",
    "RunAnalysis",
    "RunConfig",
    "RunInterrupted",
    "RunPlan",
    "RunProgress",
    "RunStore",
    "RunSummary",
    "SensitivityStudy",
    "SobolResult",
    "StoreHealth",
    "Study",
    "Uncertainty",
    "analyse_run",
    "cart",
    "compare_policies",
    "contrasts",
    "evaluate",
    "evaluate_block",
    "executor_for",
    "export_run",
    "load_study",
    "make_design",
    "make_executor",
    "model_setup",
    "morris_chart",
    "morris_indices",
    "plan_run",
    "policy_chart",
    "policy_names",
    "prim",
    "prim_box_chart",
    "prim_tradeoff_chart",
    "reaches_zero",
    "regret_chart",
    "run_comparison",
    "run_discovery",
    "run_lhs",
    "run_plan",
    "run_sensitivity",
    "scenario_json_schema",
    "sobol_chart",
    "sobol_indices",
    "sql_ident",
    "to_ranges",
]

# Each name's module is imported on first use (qpq._lazy), so importing the package
# for one name does not import its siblings' libraries.
_EXPORTS = {
    "qpq.explore._analyse": ("RunAnalysis", "analyse_run"),
    "qpq.explore._cart": ("CartResult", "cart"),
    "qpq.explore._charts": (
        "morris_chart", "policy_chart", "prim_box_chart", "prim_tradeoff_chart", "regret_chart",
        "sobol_chart",
    ),
    "qpq.explore._chunked_runs": (
        "RunInterrupted", "RunPlan", "RunProgress", "RunSummary", "plan_run", "run_plan",
    ),
    "qpq.explore._designs": ("Design", "METHODS", "make_design"),
    "qpq.explore._evaluate": (
        "Evaluation", "ModelSetup", "evaluate", "evaluate_block", "model_setup",
    ),
    "qpq.parallel": ("DaskCluster", "InProcess", "ProcessPool", "executor_for", "make_executor"),
    "qpq.explore._export": ("export_run",),
    "qpq.explore._loading": ("load_study",),
    "qpq.explore._prim": ("PrimBox", "PrimResult", "prim"),
    "qpq.explore._robustness": (
        "TIE_FRACTION", "TIE_SHARE", "Comparison", "PolicyMetrics", "compare_policies",
    ),
    "qpq.explore._run_store": (
        "ChunkProblem", "RunConfig", "RunStore", "StoreHealth", "sql_ident", "to_ranges",
    ),
    "qpq.explore._scenario": ("OutcomeSpec", "Study", "Uncertainty"),
    "qpq.explore._sensitivity": ("MorrisResult", "SobolResult", "morris_indices", "reaches_zero",
                                 "sobol_indices"),
    "qpq.explore._settings": ("ExploreSettings", "policy_names", "scenario_json_schema"),
    "qpq.explore._studies": (
        "ComparisonStudy", "DiscoveryStudy", "SensitivityStudy",
        "contrasts", "run_comparison", "run_discovery", "run_lhs", "run_sensitivity",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
