"""The shared utilities of the one-round game, written once and vectorised.

Every function takes its parameters as a mapping ``name -> value or array`` and its other
arguments as arrays, and combines them by NumPy broadcasting, so the same formula serves a
single parameter point, a grid of 200 x 200 points or an ensemble of a million draws. The
game (:mod:`qpq.game`), the simulator and the exploration lenses all call these functions;
none of them re-derives a payoff.

Conventions: ``sincere`` is 1 for type S and 0 for type I; ``kappa`` is the type's capacity
κ_θ; ``effort`` is the intensity e (0, ``restrain_intensity`` or ``crackdown_intensity``);
``pressure`` is κ_θ·e, the share of effort that becomes effect; signals ``s`` and ``d`` are
0/1; the flags ``recognised`` (R), ``aid`` (A), ``grants`` (G), ``plan_b``, ``intervene``,
``engaged`` (m ≠ Boycott), ``boycott`` (m = Boycott) and ``breach`` are 0/1 or boolean.

Co-optation (docs/model-game.md §7.4, "Co-optation"): ``coopt`` is 1 where the Taliban's
choice is to absorb the militants into their own forces (its intensity ``effort`` is then
0) and 0 for v1's efforts. Every function that takes it accepts ``coopt=None``, meaning v1's
efforts only, and then computes exactly v1's formula (the same floating-point operations).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Params",
    "china_utility",
    "continuation_value",
    "defection_logit",
    "defection_prob",
    "effort_cost",
    "expected_etim_share",
    "final_effect",
    "future_harm",
    "logistic",
    "persistence",
    "round_harm",
    "signal_pressure",
    "stay_prob",
    "suppression_prob",
    "taliban_utility",
    "un_close_prob",
]

Params = Mapping[str, ArrayLike]
"""Parameter values by name: scalars or arrays that broadcast with the other arguments."""

FloatArray = NDArray[np.float64]


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def logistic(x: ArrayLike) -> FloatArray:
    """The logistic function 1 / (1 + exp(-x)), computed without overflow."""
    z = _f(x)
    out: FloatArray = np.exp(-np.logaddexp(0.0, -z))
    return out


def suppression_prob(pressure: ArrayLike, p: Params) -> FloatArray:
    """σ_s: probability that the militants are suppressed this round.

    σ_s = 1 − (1 − κ_θ·e)(1 − ``us_presence``·``us_suppression``)(1 − ``base_suppression``).
    Under co-optation κ_θ·e is replaced by :func:`signal_pressure`'s κ_θ·``coopt_visibility``:
    s = 1 is what China observes (militants gone from the border zone, no ETIM attack).
    """
    us = _f(p["us_presence"]) * _f(p["us_suppression"])
    return 1.0 - (1.0 - _f(pressure)) * (1.0 - us) * (1.0 - _f(p["base_suppression"]))


def signal_pressure(kappa: ArrayLike, effort: ArrayLike, p: Params,
                    coopt: ArrayLike | None = None) -> FloatArray:
    """The pressure behind the suppression signal s: κ_θ·e, or κ_θ·``coopt_visibility``.

    Co-opted militants leave the border zone and stop attacking, which China reads as
    suppression; ``coopt_visibility`` is how much of a full crackdown's signal that gives
    per unit of capacity (the fighters are not removed, only moved into Taliban ranks).
    """
    if coopt is None:
        return _f(kappa) * _f(effort)
    c = _f(coopt)
    return _f(kappa) * ((1.0 - c) * _f(effort) + c * _f(p["coopt_visibility"]))


def _pull(p: Params, coopt: ArrayLike | None) -> FloatArray:
    """ISKP's pull on the militants: ``iskp_pull``, times ``coopt_pull_scale`` if co-opted.

    Fighters on the Taliban's payroll have less reason to defect.
    """
    if coopt is None:
        return _f(p["iskp_pull"])
    return _f(p["iskp_pull"]) * (1.0 - _f(coopt) * (1.0 - _f(p["coopt_pull_scale"])))


def defection_logit(pressure: ArrayLike, p: Params, coopt: ArrayLike | None = None
                    ) -> FloatArray:
    """L: the militants' logit choice of ISKP over staying, at pressure κ_θ·e.

    L = logistic((pull·(1 + κ_θ·e) − ``iskp_join_cost``) / ``militant_temperature``), with
    pull = ``iskp_pull``·(1 − coopt·(1 − ``coopt_pull_scale``)).
    """
    x = (_pull(p, coopt) * (1.0 + _f(pressure)) - _f(p["iskp_join_cost"])) / _f(
        p["militant_temperature"])
    return logistic(x)


def defection_prob(pressure: ArrayLike, p: Params, coopt: ArrayLike | None = None
                   ) -> FloatArray:
    """σ_d: probability of defection to ISKP, ``base_defection`` + (1 − base)·L.

    Model v2 multiplies it by ``iskp_presence`` when the parameters carry it (0 before
    ISKP exists; :func:`qpq.model.apply_history`).
    """
    base = _f(p["base_defection"])
    sigma = base + (1.0 - base) * defection_logit(pressure, p, coopt)
    if "iskp_presence" in p:
        return _f(p["iskp_presence"]) * sigma
    return sigma


def stay_prob(pressure: ArrayLike, p: Params, coopt: ArrayLike | None = None) -> FloatArray:
    """1 − σ_d, computed without cancellation (it can be far below machine epsilon)."""
    x = (_pull(p, coopt) * (1.0 + _f(pressure)) - _f(p["iskp_join_cost"])) / _f(
        p["militant_temperature"])
    stay = (1.0 - _f(p["base_defection"])) * logistic(-x)
    if "iskp_presence" in p:
        present = _f(p["iskp_presence"])
        return (1.0 - present) + present * stay
    return stay


def un_close_prob(sincere: ArrayLike, p: Params) -> FloatArray:
    """Probability that the UN report says "close ties", by type."""
    s = _f(sincere)
    return s * _f(p["un_close_if_sincere"]) + (1.0 - s) * _f(p["un_close_if_insincere"])


def effort_cost(sincere: ArrayLike, p: Params) -> FloatArray:
    """k_θ: ``effort_cost_sincere`` for type S, ``effort_cost_insincere`` for type I."""
    s = _f(sincere)
    return s * _f(p["effort_cost_sincere"]) + (1.0 - s) * _f(p["effort_cost_insincere"])


def persistence(recognised: ArrayLike, p: Params) -> FloatArray:
    """q(R): 1 when recognised (recognition locks in effort), else ``sincere_persistence``."""
    r = _f(recognised)
    return r + (1.0 - r) * _f(p["sincere_persistence"])


def final_effect(plan_b: ArrayLike, intervene: ArrayLike, p: Params) -> FloatArray:
    """effect(f): ``planb_effect`` for Plan B, ``intervene_effect`` for intervention, else 0."""
    return _f(plan_b) * _f(p["planb_effect"]) + _f(intervene) * _f(p["intervene_effect"])


def round_harm(s: ArrayLike, d: ArrayLike, p: Params, coopt: ArrayLike | None = None
               ) -> FloatArray:
    """Harm = ``etim_threat``·(1 − s) + ``iskp_threat``·d: this round's realised harm.

    Under co-optation a signal s = 1 removes only part of the ETIM harm: the absorbed
    fighters stay armed inside Taliban ranks (the al-Qaeda pattern), so
    ``etim_threat``·``coopt_residual``·s remains.
    """
    harm = _f(p["etim_threat"]) * (1.0 - _f(s)) + _f(p["iskp_threat"]) * _f(d)
    if coopt is None:
        return harm
    return harm + _f(coopt) * _f(p["etim_threat"]) * _f(p["coopt_residual"]) * _f(s)


def expected_etim_share(p_s: ArrayLike, p: Params, coopt: ArrayLike | None = None
                        ) -> FloatArray:
    """E[ETIM harm]/``etim_threat`` given P(s = 1) = p_s, by effort.

    1 − p_s, plus ``coopt_residual``·p_s under co-optation: the expectation of
    :func:`round_harm`'s ETIM part.
    """
    share = 1.0 - _f(p_s)
    if coopt is None:
        return share
    return share + _f(coopt) * _f(p["coopt_residual"]) * _f(p_s)


def future_harm(*, sincere: ArrayLike, kappa: ArrayLike, effort: ArrayLike,
                recognised: ArrayLike, plan_b: ArrayLike, intervene: ArrayLike, p: Params,
                kappa_in_defection: bool = True, coopt: ArrayLike | None = None
                ) -> FloatArray:
    """The bracket of W: future ETIM harm plus future ISKP harm (unweighted).

    (1 − effect(f))·``etim_threat``·(1 − 1[θ=S]·κ_θ·e·q(R))
    + (1 − c·effect(f))·``iskp_threat``·σ_d(1[θ=S]·e·q(R)), where c =
    ``planb_covers_iskp`` and σ_d at continued effort x is evaluated at pressure κ_θ·x
    (``kappa_in_defection``, the default reading) or at x as the spec's formula is written
    (``qpq.game.Readings.kappa_in_future_defection`` names the choice).

    Continued co-optation removes 1[θ=S]·q(R)·κ_θ·``coopt_visibility``·(1 − ``coopt_residual``)
    of the future ETIM harm (deferred, not removed: the residual stays) and scales ISKP's
    pull by ``coopt_pull_scale`` with weight 1[θ=S]·q(R).
    """
    effect = final_effect(plan_b, intervene, p)
    effort_kept = _f(sincere) * _f(effort) * persistence(recognised, p)
    continued = _f(kappa) * effort_kept
    removed, weight = continued, None
    if coopt is not None:
        c = _f(coopt)
        kept = _f(sincere) * persistence(recognised, p)
        removed = kept * signal_pressure(kappa, effort, p, c) * (
            1.0 - c * _f(p["coopt_residual"]))
        weight = c * kept
    etim = (1.0 - effect) * _f(p["etim_threat"]) * (1.0 - removed)
    iskp = (1.0 - _f(p["planb_covers_iskp"]) * effect) * _f(p["iskp_threat"]) * (
        defection_prob(continued if kappa_in_defection else effort_kept, p, weight))
    return etim + iskp


def continuation_value(*, sincere: ArrayLike, kappa: ArrayLike, effort: ArrayLike,
                       recognised: ArrayLike, plan_b: ArrayLike, intervene: ArrayLike,
                       p: Params, kappa_in_defection: bool = True,
                       coopt: ArrayLike | None = None) -> FloatArray:
    """W: China's continuation value of how the round ends, for a known type and effort.

    W = R·V_θ − ``w_security``·``future_weight``·(future harm), with
    V_S = ``future_value_sincere`` and V_I = ``future_value_insincere``
    (``kappa_in_defection``: see :func:`future_harm`).
    """
    s = _f(sincere)
    value = s * _f(p["future_value_sincere"]) + (1.0 - s) * _f(p["future_value_insincere"])
    harm = future_harm(sincere=sincere, kappa=kappa, effort=effort, recognised=recognised,
                       plan_b=plan_b, intervene=intervene, p=p,
                       kappa_in_defection=kappa_in_defection, coopt=coopt)
    return _f(recognised) * value - _f(p["w_security"]) * _f(p["future_weight"]) * harm


def china_utility(*, engaged: ArrayLike, recognised: ArrayLike, aid: ArrayLike,
                  grants: ArrayLike, plan_b: ArrayLike, intervene: ArrayLike, breach: ArrayLike,
                  s: ArrayLike, d: ArrayLike, sincere: ArrayLike, kappa: ArrayLike,
                  effort: ArrayLike, p: Params, kappa_in_defection: bool = True,
                  coopt: ArrayLike | None = None) -> FloatArray:
    """U_C: China's payoff for one play of the round (docs/model-game.md §7.1, A.1).

    U_C = −w·Harm + W + ``econ_gain``·1[m≠Boycott]·(1 − d) − ``aid_cost``·A
    − ``recognition_cost``·G − (1 + ``future_weight``)·(``planb_cost``·1[PlanB]
    + ``intervene_cost``·1[Intervene]) − ``reneging_cost``·1[breach].
    """
    w = _f(p["w_security"])
    recurring = (1.0 + _f(p["future_weight"])) * (
        _f(plan_b) * _f(p["planb_cost"]) + _f(intervene) * _f(p["intervene_cost"]))
    return (
        -w * round_harm(s, d, p, coopt)
        + continuation_value(sincere=sincere, kappa=kappa, effort=effort,
                             recognised=recognised, plan_b=plan_b, intervene=intervene, p=p,
                             kappa_in_defection=kappa_in_defection, coopt=coopt)
        + _f(p["econ_gain"]) * _f(engaged) * (1.0 - _f(d))
        - _f(p["aid_cost"]) * _f(aid)
        - _f(p["recognition_cost"]) * _f(grants)
        - recurring
        - _f(p["reneging_cost"]) * _f(breach)
    )


def taliban_utility(*, recognised: ArrayLike, aid: ArrayLike, boycott: ArrayLike,
                    plan_b: ArrayLike, intervene: ArrayLike, s: ArrayLike, d: ArrayLike,
                    sincere: ArrayLike, effort: ArrayLike, p: Params,
                    coopt: ArrayLike | None = None) -> FloatArray:
    """U_T: the Taliban's payoff for one play of the round (docs/model-game.md §7.1, A.1).

    U_T = ``recognition_value``·R + ``aid_value``·A − k_θ·e²
    + ``harbour_benefit``·1[θ=I]·(1 − s)·(1 + (``boycott_bond`` − 1)·1[m=Boycott])
    − ``iskp_threat_to_taliban``·d − ``sovereignty_cost``·(1[PlanB] + 2·1[Intervene]).

    Co-optation costs ``coopt_cost_share`` of a crackdown's k_θ·``crackdown_intensity``², and
    the insincere type keeps ``coopt_harbour_share`` of its harbour benefit whatever s (the
    fighters serve in its own ranks), in place of the (1 − s) share.
    """
    bond = 1.0 + (_f(p["boycott_bond"]) - 1.0) * _f(boycott)
    if coopt is None:
        kept = 1.0 - _f(s)
        cost = effort_cost(sincere, p) * _f(effort) ** 2
    else:
        c = _f(coopt)
        kept = (1.0 - c) * (1.0 - _f(s)) + c * _f(p["coopt_harbour_share"])
        cost = effort_cost(sincere, p) * (
            _f(effort) ** 2 + c * _f(p["coopt_cost_share"]) * _f(p["crackdown_intensity"]) ** 2)
    harbour = _f(p["harbour_benefit"]) * (1.0 - _f(sincere)) * kept * bond
    return (
        _f(p["recognition_value"]) * _f(recognised)
        + _f(p["aid_value"]) * _f(aid)
        - cost
        + harbour
        - _f(p["iskp_threat_to_taliban"]) * _f(d)
        - _f(p["sovereignty_cost"]) * (_f(plan_b) + 2.0 * _f(intervene))
    )
