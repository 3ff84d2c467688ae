"""The exploration lens: sensitivity, scenario discovery and policy comparison.

EMA Workbench's vocabulary on qpq's vectorised simulator. A scenario file names the
*uncertainties* (ranges of ``qpq params`` names), the *levers* (China's policies), the
*outcomes* (from the outcome registry) and the number of *experiments*
(:mod:`~qpq.explore.scenario`, :mod:`~qpq.explore.settings`). Samplers draw the
experiments in the unit hypercube and map them to parameter values that keep the spec's
orderings (:mod:`~qpq.explore.sampling`, :mod:`~qpq.explore.transform`); the experiments
run through the simulator block by block, each block a pure function of (scenario, seed,
block) (:mod:`~qpq.explore.evaluate`, with the restricted equilibrium lookups of
:mod:`~qpq.explore.lookup`). Analyses: Sobol'/Morris indices with SALib
(:mod:`~qpq.explore.sensitivity`), PRIM and CART for scenario discovery
(:mod:`~qpq.explore.prim`, :mod:`~qpq.explore.cart`), robustness metrics of the policies
(:mod:`~qpq.explore.robustness`); :mod:`~qpq.explore.studies` chains them,
:mod:`~qpq.explore.charts` draws them and :mod:`~qpq.report.explore_sections` puts them in the
report. Known answers (Ishigami, a box) live in :mod:`~qpq.explore.testfunctions`.

Runs that outgrow memory or one machine: :mod:`~qpq.explore.runs` plans a run and computes
it chunk by chunk (whole random-number blocks) on any executor of
:mod:`~qpq.explore.executors` (in-process, a process pool, Dask), streaming each chunk to the
Parquet store of :mod:`~qpq.explore.store` (a manifest, exact resume);
:mod:`~qpq.explore.export` writes EMA Workbench's archive and :mod:`~qpq.explore.analyse`
applies the studies' analyses to a finished run.
"""

from qpq.explore.analyse import RunAnalysis, analyse_run
from qpq.explore.cart import CartResult, cart
from qpq.explore.evaluate import Evaluation, ModelSetup, evaluate, evaluate_block, model_setup
from qpq.explore.executors import DaskCluster, InProcess, ProcessPool, make_executor
from qpq.explore.export import export_run
from qpq.explore.loading import load_study
from qpq.explore.prim import PrimBox, PrimResult, prim
from qpq.explore.robustness import Comparison, PolicyMetrics, compare_policies
from qpq.explore.runs import RunInterrupted, RunPlan, RunProgress, RunSummary, plan_run, run_plan
from qpq.explore.sampling import METHODS, Design, make_design
from qpq.explore.scenario import OutcomeSpec, Study, Uncertainty
from qpq.explore.sensitivity import MorrisResult, SobolResult, morris_indices, sobol_indices
from qpq.explore.settings import ExploreSettings, scenario_json_schema
from qpq.explore.store import RunConfig, RunStore
from qpq.explore.studies import (
    ComparisonStudy,
    DiscoveryStudy,
    SensitivityStudy,
    run_comparison,
    run_discovery,
    run_sensitivity,
)

__all__ = [
    "METHODS",
    "CartResult",
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
    "Study",
    "Uncertainty",
    "analyse_run",
    "cart",
    "compare_policies",
    "evaluate",
    "evaluate_block",
    "export_run",
    "load_study",
    "make_design",
    "make_executor",
    "model_setup",
    "morris_indices",
    "plan_run",
    "prim",
    "run_comparison",
    "run_discovery",
    "run_plan",
    "run_sensitivity",
    "scenario_json_schema",
    "sobol_indices",
]
