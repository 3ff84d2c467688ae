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
"""

from qpq.explore.cart import CartResult, cart
from qpq.explore.evaluate import Evaluation, ModelSetup, evaluate, evaluate_block, model_setup
from qpq.explore.loading import load_study
from qpq.explore.prim import PrimBox, PrimResult, prim
from qpq.explore.robustness import Comparison, PolicyMetrics, compare_policies
from qpq.explore.sampling import METHODS, Design, make_design
from qpq.explore.scenario import OutcomeSpec, Study, Uncertainty
from qpq.explore.sensitivity import MorrisResult, SobolResult, morris_indices, sobol_indices
from qpq.explore.settings import ExploreSettings, scenario_json_schema
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
    "Design",
    "DiscoveryStudy",
    "Evaluation",
    "ExploreSettings",
    "ModelSetup",
    "MorrisResult",
    "OutcomeSpec",
    "PolicyMetrics",
    "PrimBox",
    "PrimResult",
    "SensitivityStudy",
    "SobolResult",
    "Study",
    "Uncertainty",
    "cart",
    "compare_policies",
    "evaluate",
    "evaluate_block",
    "load_study",
    "make_design",
    "model_setup",
    "morris_indices",
    "prim",
    "run_comparison",
    "run_discovery",
    "run_sensitivity",
    "scenario_json_schema",
    "sobol_indices",
]
