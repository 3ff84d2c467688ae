"""One quarter of the quid pro quo for every scenario of a chunk at once.

Described in docs/model-dynamics.md §3 and §7.

Order of events within a quarter (the step function :meth:`Dynamics.step`):

1. **History**: ``us_presence``, whether the Taliban govern and the regime come from the
   :class:`~qpq.sim._timeline.Timeline`.
2. **China's first move** m_t from its policy (:mod:`qpq.sim._policies`) at its belief μ_t;
   Recognize when the Taliban are already recognised. No move while the Taliban do not
   govern (2001-2021): the quid pro quo is then suspended, the Taliban harbour.
3. **The Taliban's effort**: their true type's effort in the tabulated continuation
   equilibrium after m_t at μ_t (:mod:`qpq.sim._lookup`).
4. **Signals**: suppression s = 1 when the Taliban's action (probability κ_θ·control·e),
   US/NATO action (``us_presence``·``us_suppression``) or other counter-terrorism
   (``base_suppression``) succeeds, so P(s) is :func:`qpq.model.suppression_prob`;
   defection d with :func:`qpq.model.defection_prob` once ISKP exists; a UN report every
   ``un_report_period`` quarters while the Taliban govern, "close" with
   :func:`qpq.model.un_close_prob`.
5. **Attacks**: counts from the stocks at the start of the quarter — Poisson in v1,
   negative binomial in model v2 (shape ``attack_dispersion``), both by inversion.
6. **Flows** between the militant stocks, driven by the realised signals (conserving
   militants; only recruitment adds).
7. **Observation and belief**: China updates its belief over the four types by Bayes'
   rule on (s, d, r) with the likelihoods implied by each type's tabulated effort.
8. **China's final move** f_t at the signals, its consequences (recognition, aid, Plan B,
   intervention, breach of its word) from the policy registry, payoffs from
   :func:`qpq.model.china_utility` and :func:`qpq.model.taliban_utility`.
9. ISKP strength and Taliban control evolve.

Random numbers: :data:`qpq.sim._rng.N_UNIFORMS` uniforms per scenario per quarter from the
block streams, turned into Bernoulli and count draws by inversion; model v2 draws its
mixed choices from a stream of its own (``N_CHOICE_UNIFORMS`` per scenario and quarter),
so v1's draws are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qpq.checks import check_flag, check_whole
from qpq.errors import BadInputError
from qpq.game import FULL_GAME, Effort, stage_params
from qpq.model import (
    HISTORY_EFFECTS,
    apply_history,
    china_utility,
    defection_prob,
    expected_etim_share,
    signal_pressure,
    suppression_prob,
    taliban_utility,
    un_close_prob,
)
from qpq.sim._flows import militant_flows
from qpq.sim._lookup import (
    N_REPORT_FREE,
    N_SIGNALS,
    N_TYPES,
    ContinuationTable,
    grid_index,
    signal_index,
)
from qpq.sim._outputs import OUTPUTS, PAYOFF_OUTPUTS
from qpq.sim._policies import (
    BOYCOTT,
    CONSEQUENCES,
    INTERVENE,
    PLAN_B,
    RECOGNIZE,
    REWARD,
    WITHHOLD,
    PolicyKind,
    SimPolicy,
    relationship_moves,
)
from qpq.sim._relationship_table import RelationshipTable
from qpq.sim._rng import (
    N_CHOICE_UNIFORMS,
    N_UNIFORMS,
    Purpose,
    Stream,
    block_generator,
    choice_generator,
    negative_binomial_inverse,
    poisson_inverse,
)
from qpq.sim._state import TYPE_CAPACITY_HIGH, TYPE_SINCERE, ChunkState
from qpq.sim._timeline import Timeline

__all__ = ["OUTPUTS", "Dynamics", "StepOptions"]

FloatArray = NDArray[np.float64]
Out = dict[str, NDArray[Any]]

N_FINAL = CONSEQUENCES.valid.shape[1]
_CONS = {k: getattr(CONSEQUENCES, k).ravel()
         for k in ("recognised", "aid", "grants", "plan_b", "intervene")}
_BREACH = CONSEQUENCES.breach.ravel()
_BREACH_NR = CONSEQUENCES.breach_no_report.ravel()
DEFECTION_KEYS = ("iskp_pull", "iskp_join_cost", "militant_temperature", "base_defection")


@dataclass(frozen=True, slots=True)
class StepOptions:
    """Switches for tests.

    ``forced_effort`` forces the Taliban's effort (index 0-2, or 3 for co-optation where the
    relationship table has it); ``fixed_belief`` looks the
    strategies up at China's initial belief instead of its current one (the same
    strategies every quarter, as the game's values assume).
    """

    forced_effort: int | None = None
    fixed_belief: bool = False

    def __post_init__(self) -> None:
        # unchecked, forced_effort=5 indexed past the intensities and "no" was true
        if self.forced_effort is not None:
            effort = check_whole(self.forced_effort, "StepOptions.forced_effort")
            if effort > Effort.COOPT:
                raise BadInputError(f"StepOptions.forced_effort must be an effort index 0-2, "
                                    f"or {Effort.COOPT:d} for co-optation, or None; got "
                                    f"{self.forced_effort!r}")
            object.__setattr__(self, "forced_effort", effort)
        object.__setattr__(self, "fixed_belief",
                           check_flag(self.fixed_belief, "StepOptions.fixed_belief"))


class _Columns(Mapping[str, Any]):
    """Per-scenario parameters at some scenarios: arrays taken at ``cols``, scalars kept.

    Read lazily, so a shared utility called on a few scenarios indexes only the
    parameters it reads.
    """

    def __init__(self, params: Mapping[str, Any], cols: NDArray[np.int64],
                 keys: tuple[str, ...] | None = None) -> None:
        self.params, self.cols = params, cols
        self.keys_ = tuple(params) if keys is None else keys

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys_:
            raise KeyError(key)
        v = self.params[key]
        return v if np.ndim(v) == 0 else np.asarray(v)[self.cols]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)


def _per_scenario(params: Mapping[str, FloatArray], pool_index: NDArray[np.int64]
                  ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in params.items():
        out[k] = float(v[0]) if np.all(v == v[0]) else v[pool_index]
    return out


class Dynamics:
    """Steps a chunk of scenarios through the quarters of a timeline.

    Parameters
    ----------
    state
        The chunk's state (updated in place).
    pool
        Parameter arrays over pool points (``name -> (P,)``).
    table
        The lookup for the pool's points and the timeline's regimes: v1's continuation
        table, or model v2's relationship table (then the quarter follows v2's stationary
        strategies, see :meth:`_choose_v2`).
    policy
        China's policy.
    timeline
        History.
    blocks
        ``(block, first, stop)`` of the chunk (global scenario indices).
    seed, purpose
        Key of the random streams.
    options
        Proposition-test switches.
    needed
        Outputs the caller reads (``None``: all); the payoffs and the remaining-militant
        total are only computed when asked for.
    """

    def __init__(self, state: ChunkState, pool: Mapping[str, FloatArray],
                 table: ContinuationTable | RelationshipTable, policy: SimPolicy,
                 timeline: Timeline,
                 blocks: list[tuple[int, int, int]], seed: int,
                 purpose: Purpose = Purpose.DYNAMICS, options: StepOptions | None = None,
                 needed: frozenset[str] | None = None) -> None:
        self.s = state
        self.p = _per_scenario(pool, state.pool_index)
        self.table = table
        self.policy = policy
        self.timeline = timeline
        self.options = options or StepOptions()
        self.gens = [(block_generator(seed, purpose, b), lo - blocks[0][1], hi - blocks[0][1])
                     for b, lo, hi in blocks]
        n = state.n
        self.rows = np.arange(n)
        _, n_r, n_g = table.shape
        self.n_g = n_g
        self.base_index = state.pool_index * n_r
        self.u = np.zeros((N_UNIFORMS, n), dtype=np.float32)
        self.v2 = isinstance(table, RelationshipTable)
        if isinstance(table, RelationshipTable):
            # China's move selection lives in the table: a fixed policy's table is the
            # relationship solved with China committed to its move (one-hot `move`)
            if table.moves != relationship_moves(policy.name):
                raise BadInputError(
                    f"policy {policy.name!r} under model v2 needs a relationship table solved "
                    f"for China's first moves {relationship_moves(policy.name)}, not "
                    f"{table.moves} (build_relationship_table(..., moves="
                    f"relationship_moves({policy.name!r})))")
            self.n_m = int(table.move.shape[3])
            n_e = len(table.efforts)
            self.move_flat = table.move.reshape(-1, self.n_m)
            self.eff0_flat = table.effort0.reshape(-1, N_TYPES, n_e)
            self.eff1_flat = table.effort1.reshape(-1, N_TYPES, n_e)
            self.resp0_flat = table.response0.reshape(-1, N_FINAL)
            self.resp1_flat = table.response1.reshape(-1, N_FINAL)
            # most cells are pure: their choices as indices (−1 where a draw is needed), so
            # that only mixed cells pay for cumulative sums (:class:`PureChoices`; computed
            # once per table, and taken with it)
            sure = table.pure_choices
            self.move_idx = sure.move.reshape(-1)
            n_t = N_TYPES
            self.eff_row = sure.effort.reshape(-1, n_t)
            self.row_mixed = sure.mixed.reshape(-1)
            self.row_acts = sure.acts.reshape(-1)
            self.resp_row = sure.response.reshape(-1)
            self.own_row = self.rows * n_t + state.type_index   # (scenario, type) in (n, T)
            # a block whose quarter fills whole Philox steps (4 outputs) is skipped: its
            # uniforms are drawn only where a strategy mixes, from its stream's start
            # advanced past the quarters before (:meth:`_choice_uniforms`), the numbers a
            # draw every quarter gives; any other block is drawn every quarter
            self.choice_skip: list[tuple[Any, int, int]] = []     # (Philox state, lo, hi)
            self.choice_whole: list[tuple[np.random.Generator, int, int]] = []
            for b, lo, hi in blocks:
                gen = choice_generator(seed, purpose, b)
                lo, hi = lo - blocks[0][1], hi - blocks[0][1]
                if N_CHOICE_UNIFORMS * (hi - lo) % 4 == 0:
                    self.choice_skip.append((gen.bit_generator.state, lo, hi))
                else:
                    self.choice_whole.append((gen, lo, hi))
            self.choice_quarter = -1        # quarters drawn before this one
            self.uc = np.zeros((N_CHOICE_UNIFORMS, n))
            self.pending: list[tuple[Any, int, int]] = []
            # the Philox stream a touched block's uniforms are drawn from (its state set)
            self.scratch_bits = np.random.Philox(0)
            self.scratch = np.random.Generator(self.scratch_bits)
            self.stage_index = timeline.v2_regimes()[1]
            # every history effect, the stage game's and the dynamics' own
            self.history = tuple(e.attribute for e in HISTORY_EFFECTS
                                 if e.attribute in timeline.attributes)
        else:
            self.n_m = int(table.effort.shape[3])
            self.sel_flat = table.selected.reshape(-1)
            self.eff_flat = table.effort.reshape(-1, N_TYPES)
            self.resp_flat = table.response.reshape(-1)
            self.resp_nr_flat = table.response_no_report.reshape(-1)
        self._pq_key: tuple[Any, ...] | None = None     # :meth:`_quarter_params`
        # the quarter parameters whose σ_d(0) :meth:`_choose_v2` holds, and that σ_d(0)
        self._sigma0_pq: Mapping[str, Any] | None = None
        self._sigma0_v2: FloatArray = np.zeros(0)
        self._pq: dict[str, Any] = {}
        p = self.p
        self.kappa4 = np.stack([np.broadcast_to(np.asarray(
            p["capacity_high"] if h else p["capacity_low"], dtype=float), (n,))
            for h in TYPE_CAPACITY_HIGH])
        self.kappa_true = np.where(state.high_capacity, p["capacity_high"], p["capacity_low"])
        self.sincere_true = state.sincere.astype(float)
        self.close4 = un_close_prob(TYPE_SINCERE.astype(float)[:, None], p)
        self.close_true = np.where(state.sincere, p["un_close_if_sincere"],
                                   p["un_close_if_insincere"])
        self.period = (int(p["un_report_period"]) if np.ndim(p["un_report_period"]) == 0
                       else np.asarray(p["un_report_period"]).astype(np.int64))
        self.sigma0 = defection_prob(0.0, p)
        self.needed = needed
        self.payoffs = needed is None or bool(needed & PAYOFF_OUTPUTS)
        levels = [np.zeros(n), np.broadcast_to(p["restrain_intensity"], (n,)),
                  np.broadcast_to(p["crackdown_intensity"], (n,))]
        # co-optation (model v2 tables with a fourth effort): intensity 0, as in the game;
        # its signal, pull, harm and cost come from the shared utilities' `coopt` terms
        self.coopt = isinstance(table, RelationshipTable) and table.has_coopt
        if self.coopt:
            levels.append(np.zeros(n))
        elif self.options.forced_effort == Effort.COOPT:
            raise BadInputError(f"StepOptions.forced_effort {Effort.COOPT:d} (co-optation) "
                                "needs a model v2 relationship table with co-optation")
        self.intensity = np.stack(levels)
        self.intensity_flat = self.intensity.ravel()
        self.own_index = state.type_index * n + self.rows     # (type, scenario) in (4, n)
        self.initial_mu = state.mu.copy()
        self.close4_not = 1.0 - self.close4
        # each parameter point's first scenario in the chunk: functions of the parameters
        # alone are computed once per point and spread (:meth:`_per_point`)
        _, self.point_rep, self.point_of = np.unique(state.pool_index, return_index=True,
                                                     return_inverse=True)

    # ------------------------------------------------------------------ randomness

    def _draw(self) -> None:
        # every stream every quarter, whatever the history: counterfactual timelines then
        # share their random numbers (common random numbers across histories)
        for gen, lo, hi in self.gens:
            self.u[:, lo:hi] = gen.random((N_UNIFORMS, hi - lo), dtype=np.float32)

    def _defection4(self, x4: FloatArray, pq: Mapping[str, Any],
                    sigma0: Any = None) -> FloatArray:
        """σ_d for each type; harbouring types (x = 0) take the precomputed σ_d(0).

        ``pq`` and ``sigma0`` (default: the chunk's) broadcast with ``x4``.
        """
        sigma0 = self.sigma0 if sigma0 is None else sigma0
        pd4 = np.array(np.broadcast_to(sigma0, x4.shape))
        hot = np.nonzero(x4 > 0.0)
        if hot[0].size:
            sub = {k: (pq[k] if np.ndim(pq[k]) == 0 else np.broadcast_to(pq[k], x4.shape)[hot])
                   for k in DEFECTION_KEYS}
            pd4[hot] = defection_prob(x4[hot], sub)
        return pd4

    # ------------------------------------------------------------------ the quarter

    def _quarter_params(self, i: int) -> dict[str, Any]:
        """The parameters of timeline quarter ``i``.

        The chunk's parameters at the quarter's US presence, its recognitions and (model
        v2) its phase attributes, kept while the next quarter has the same three (most
        quarters do: 14 changes in 1996-2025 on the built-in case), since applying the
        history to every parameter costs as much as some steps of the dynamics. The dict
        and its arrays are read, never written, downstream.
        """
        tl = self.timeline
        history = self.history if self.v2 else ()
        key = (float(tl.us_presence[i]), int(tl.recognitions[i]),
               *(float(tl.attributes[a][i]) for a in history))
        if key == self._pq_key:
            return self._pq
        p = self.p
        pq: dict[str, Any] = dict(p)
        pq["us_presence"] = key[0]
        pq["recognition_cost"] = p["recognition_cost"] * (
            np.asarray(p["third_party_recognition_factor"]) ** key[1])
        if history:
            # the quarter's phase attributes change the stage game (model v2), and the
            # realised probabilities and payoffs with it
            pq = apply_history(pq, {a: tl.attributes[a][i] for a in history})
        self._pq_key, self._pq = key, pq
        return pq

    def step(self, q: int) -> Out:
        """Advance every scenario by quarter ``q`` (absolute); return the quarter's outputs."""
        st, p, u = self.s, self.p, self.u
        i = q - self.timeline.start
        us = float(self.timeline.us_presence[i])
        in_power = self.timeline.in_power(q)
        self._draw()
        if self.v2:
            self._draw_choices()
        r = int(self.stage_index[i] if self.v2 else self.timeline.regime_index[i])
        pq = self._quarter_params(i)
        n = st.n

        # 2-3. China's first move and the Taliban's effort -----------------------------
        types = None
        was_recognised = st.recognised.copy()
        mu_lookup = self.initial_mu if self.options.fixed_belief else st.mu
        if in_power and self.v2:
            g = grid_index(mu_lookup, self.n_g)
            cell = (self.base_index + r) * self.n_g + g
            m, row, e_all, e_idx, x, sigma_d = self._choose_v2(cell, pq)
            effort = self.intensity_flat[e_idx * n + self.rows]
        elif in_power:
            g = grid_index(mu_lookup, self.n_g)
            cell = (self.base_index + r) * self.n_g + g
            if self.policy.kind is PolicyKind.EQUILIBRIUM:
                m = self.sel_flat[cell].astype(np.int64)
            else:
                m = np.full(n, self.policy.move, dtype=np.int64)
            m = np.where(st.recognised, RECOGNIZE, m)
            eff4 = self.eff_flat[cell * self.n_m + m].T.astype(np.int64)   # (4, n)
            # each type's pressure and defection probability, as China expects them
            x4 = self.intensity_flat[eff4 * n + self.rows]
            x4 *= self.kappa4
            x4 *= st.control
            pd4 = self._defection4(x4, pq)
            types = (eff4, x4, pd4)
            if self.options.forced_effort is None:
                own = self.own_index
                e_idx = eff4.ravel()[own]
                x = x4.ravel()[own]
                sigma_d = pd4.ravel()[own]
            else:
                e_idx = np.full(n, self.options.forced_effort, dtype=np.int64)
                x = self.kappa_true * st.control * self.intensity_flat[e_idx * n + self.rows]
                sigma_d = defection_prob(x, pq)
            effort = self.intensity_flat[e_idx * n + self.rows]
        else:
            m = np.full(n, -1, dtype=np.int64)
            e_idx = np.zeros(n, dtype=np.int64)
            effort = np.zeros(n)
            x = np.zeros(n)
            sigma_d = self.sigma0

        # 4. signals -------------------------------------------------------------------
        s_t = u[Stream.TALIBAN_SUPPRESSION] < x
        s_us = u[Stream.US_SUPPRESSION] < us * p["us_suppression"]
        s_b = u[Stream.BASE_SUPPRESSION] < p["base_suppression"]
        s = s_t | s_us | s_b
        if self.v2 and "iskp_present" in self.history:
            exists = np.broadcast_to(self.timeline.attributes["iskp_present"][i] >= 0.5, (n,))
        else:
            exists = (q // 4) >= np.asarray(p["iskp_founding_year"])
        d = exists & (u[Stream.DEFECTION] < sigma_d)
        # model v2's stage observes a UN report every quarter (docs/model-game.md §10, V4)
        due = True if self.v2 else (q % self.period == 0)
        report = np.broadcast_to(in_power & due, (n,))
        close = (report & (u[Stream.UN_REPORT] < self.close_true) if in_power
                 else np.zeros(n, dtype=bool))

        # 5. attacks (stocks at the start of the quarter) -----------------------------
        planb_eff: Any = 0.0
        if st.planb.any():
            planb_eff = np.where(st.planb == 1, p["planb_effect"],
                                 np.where(st.planb == 2, p["intervene_effect"], 0.0))
        if self.coopt:
            # the round's ETIM harm share (qpq.model.expected_etim_share at the realised s):
            # under co-optation a suppressed quarter still leaves coopt_residual of it
            free = (expected_etim_share(s.astype(float), pq, self._coopted(e_idx))
                    * (1.0 - planb_eff))
        else:
            free = (~s) * (1.0 - planb_eff)
        if self.v2:
            lam, iskp_nat, iskp_ca = self._attack_rates_v2(i, m, free, planb_eff)
            lam_china, lam_nat, lam_ca = lam
            a_china, a_nat, a_ca = negative_binomial_inverse(
                lam, p["attack_dispersion"],
                u[Stream.ATTACK_CHINA:Stream.ATTACK_CENTRAL_ASIA + 1])
        else:
            iskp_term = (p["iskp_attack_weight"] * st.strength * st.iskp
                         * (1.0 - p["planb_covers_iskp"] * planb_eff))
            rate = p["attack_rate"] / 100.0
            toward = rate * (free * st.border + iskp_term)
            lam_china = toward * (1.0 - p["cross_border_share"])
            lam_ca = toward * p["cross_border_share"]
            exposure = np.where(m == BOYCOTT, p["boycott_exposure"], 1.0)
            lam_nat = rate * exposure * (p["interior_reach"] * free * (st.border + st.interior)
                                         + iskp_term)
            iskp_nat = rate * exposure * iskp_term
            iskp_ca = rate * iskp_term * p["cross_border_share"]
            a_china, a_nat, a_ca = poisson_inverse(
                np.stack([lam_china, lam_nat, lam_ca]),
                u[Stream.ATTACK_CHINA:Stream.ATTACK_CENTRAL_ASIA + 1])

        # 6. flows ---------------------------------------------------------------------
        flows = militant_flows(st, p, s_t, s_us, s_b, d, e_idx, x, us, in_power, self.coopt)

        # 7-8. belief and China's final move -------------------------------------------
        out: Out = {}
        attacked = (a_china + a_nat) > 0
        st.quiet = np.where(attacked, 0, st.quiet + 1)
        if in_power and self.v2:
            f, consequences = self._final_v2(m, row, e_all, s, d, close, exists, cell, pq)
        elif types is not None:
            f, consequences = self._final(m, types, s, d, close, report, exists, cell, pq)
        else:
            f = np.full(n, -1, dtype=np.int64)
            consequences = None
            st.recognised = np.zeros(n, dtype=bool)
            st.planb = np.zeros(n, dtype=np.int8)
        # v2: extra attrition while the sourced iskp_under_pressure phases are on (none
        # where the timeline has no such attribute, and none in v1)
        campaign = (pq["iskp_campaign_attrition"]
                    if self.v2 and "iskp_under_pressure" in self.history else 0.0)
        self._evolve(exists, flows["to_iskp"], us, in_power, campaign)
        relief = (planb_eff, was_recognised)
        out.update(self._outputs(flows, m, f, consequences, s, d, report, close, e_idx,
                                 effort, pq, (a_china, a_nat, a_ca),
                                 (lam_china, lam_nat, lam_ca, iskp_nat, iskp_ca), relief))
        return out

    # ------------------------------------------------------------------ model v2

    def _attribute(self, name: str, i: int, default: float) -> float:
        return float(self.timeline.attributes[name][i]) if name in self.timeline.attributes \
            else default

    def _attack_rates_v2(self, i: int, m: NDArray[np.int64], free: FloatArray, planb_eff: Any
                         ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Model v2's attack rates: by target region and perpetrator, scaled by exposure.

        ETIM/TIP attack from the unsuppressed border stock (into China and, as
        ``cross_border_share``, into Central Asia) and from border and interior against
        Chinese nationals in Afghanistan; ISKP attacks Chinese targets in proportion to its
        strength while it names China as a target. Attacks on Chinese nationals and interests
        scale with China's sourced exposure in the region (``china_exposure_*``; 1 where the
        timeline has none), and with ``boycott_exposure`` while China boycotts. These are
        the expected rates (the first array's rows: on China, on nationals, into Central
        Asia); the counts are negative binomial of these means (see :meth:`step`). The last
        two are ISKP's part of the rates on nationals and into Central Asia (the record names
        perpetrators; the calibration compares them, :mod:`qpq.sim._record`).
        """
        st, p = self.s, self.p
        rate = p["attack_rate"] / 100.0
        share = p["cross_border_share"]
        targets = self._attribute("iskp_targets_china", i, 1.0)
        exp_af = self._attribute("china_exposure_afghanistan", i, 1.0)
        exp_ca = self._attribute("china_exposure_central_asia", i, 1.0)
        boycott = np.where(m == BOYCOTT, p["boycott_exposure"], 1.0)
        iskp = (p["iskp_china_attack_rate"] * st.strength * targets
                * (1.0 - p["planb_covers_iskp"] * planb_eff))
        etim_out = rate * free * st.border
        # the three rates written as rows of one array, which the counts take whole
        lam = np.empty((3, st.n))
        np.multiply(etim_out, 1.0 - share, out=lam[0])
        np.multiply(exp_af * boycott, rate * p["interior_reach"] * free
                    * (st.border + st.interior) + iskp, out=lam[1])
        np.multiply(exp_ca, etim_out * share + iskp * share, out=lam[2])
        iskp_nat = exp_af * boycott * iskp
        iskp_ca = exp_ca * iskp * share
        return lam, iskp_nat, iskp_ca

    @staticmethod
    def _coopted(e_idx: NDArray[np.int64]) -> FloatArray:
        """1.0 where the effort index is co-optation (the utilities' ``coopt`` flag)."""
        return np.asarray(e_idx == int(Effort.COOPT), dtype=float)

    def _draw_choices(self) -> None:
        # the choice uniforms are read only where a strategy mixes: the skipped blocks are
        # drawn on demand (:meth:`_choice_uniforms`)
        self.choice_quarter += 1
        self.pending = list(self.choice_skip)
        for gen, lo, hi in self.choice_whole:
            self.uc[:, lo:hi] = gen.random((N_CHOICE_UNIFORMS, hi - lo))

    def _choice_uniforms(self, row: int, idx: NDArray[np.int64]) -> FloatArray:
        """Row ``row`` (< 3) of this quarter's choice uniforms at scenarios ``idx`` (ascending)."""
        if self.pending:
            if idx.size > 1 and not (idx[1:] > idx[:-1]).all():
                # unsorted indices would leave a touched block's uniforms undrawn, silently
                raise ValueError("choice uniforms are read at ascending scenario indices")
            keep = []
            # idx ascends (every caller's is a flatnonzero): a block is hit if idx's first
            # entry at or above lo is below hi
            first = np.searchsorted(idx, [lo for _, lo, _ in self.pending])
            for (state, lo, hi), at in zip(self.pending, first, strict=True):
                if at < idx.size and idx[at] < hi:
                    # the block's stream at this quarter: its start advanced past the
                    # quarters before, N_CHOICE_UNIFORMS·(hi − lo)/4 Philox steps each
                    bits = self.scratch_bits
                    bits.state = state
                    bits.advance(self.choice_quarter * (N_CHOICE_UNIFORMS * (hi - lo) // 4))
                    self.uc[:, lo:hi] = self.scratch.random((N_CHOICE_UNIFORMS, hi - lo))
                else:
                    keep.append((state, lo, hi))
            self.pending = keep
        out: FloatArray = self.uc[row, idx]
        return out

    @staticmethod
    def _pick(probs: FloatArray, u: FloatArray) -> NDArray[np.int64]:
        """Index drawn from each row's probabilities by inversion of a uniform."""
        cum = np.cumsum(probs, axis=1)
        idx = (u[:, None] * cum[:, -1:] > cum).sum(axis=1)
        out: NDArray[np.int64] = np.minimum(idx, probs.shape[1] - 1).astype(np.int64)
        return out

    def _effort_probs(self, cell: NDArray[np.int64], m: NDArray[np.int64],
                      rows: NDArray[np.int64]) -> FloatArray:
        """(k, T, E): every type's effort probabilities at scenarios ``rows``."""
        rec = self.s.recognised[rows]
        return np.where(rec[:, None, None], self.eff1_flat[cell[rows]],
                        self.eff0_flat[cell[rows] * self.n_m + m[rows]])

    def _per_point(self, f: Callable[[Mapping[str, Any]], Any], pq: Mapping[str, Any]
                   ) -> Any:
        """``f(pq)`` for a function of the parameters alone, once per parameter point.

        The per-scenario parameters repeat their point's values, so ``f`` at each point's
        first scenario, spread to the point's scenarios, is ``f(pq)`` number for number.
        """
        if 2 * self.point_rep.size > self.s.n:
            return f(pq)
        out = np.asarray(f(_Columns(pq, self.point_rep)))
        return out if out.ndim == 0 else out[self.point_of]

    def _choose_v2(self, cell: NDArray[np.int64], pq: Mapping[str, Any]
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8],
                              NDArray[np.int64], FloatArray, FloatArray]:
        """Model v2: China's first move and the type's effort from the stationary strategies.

        Returns the move, the row of the (cell, state) tables (the state: the first move
        while unrecognised, ``n_m`` once recognised), every type's effort index (n, T;
        −1 where the type mixes), the true type's effort index, its pressure and its
        defection probability.
        """
        st, n = self.s, self.s.n
        rec = st.recognised
        m = self.move_idx[cell]
        draw = np.flatnonzero(m < 0)
        if draw.size:
            m[draw] = self._pick(self.move_flat[cell[draw]], self._choice_uniforms(0, draw))
        m[rec] = RECOGNIZE
        row = cell * (self.n_m + 1) + np.where(rec, self.n_m, m)
        # four int8 efforts per row: one 4-byte gather
        e_all = self.eff_row.view(np.int32)[row, 0].view(np.int8).reshape(n, N_TYPES)
        if self.options.forced_effort is None:
            e_idx = e_all.reshape(-1)[self.own_row].astype(np.int64)
            draw = np.flatnonzero(e_idx < 0)
            if draw.size:
                own = self._effort_probs(cell, m, draw)[np.arange(draw.size),
                                                        st.type_index[draw]]
                e_idx[draw] = self._pick(own, self._choice_uniforms(1, draw))
        else:
            e_idx = np.full(n, self.options.forced_effort, dtype=np.int64)
        cap = self.kappa_true * st.control
        effort = self.intensity_flat[e_idx * n + self.rows]
        x = cap * effort
        if self.coopt:
            # co-optation: China's suppression signal sees κ·coopt_visibility, ISKP's pull
            # on the absorbed fighters is scaled (qpq.model's coopt terms)
            c = self._coopted(e_idx)
            return m, row, e_all, e_idx, signal_pressure(cap, effort, pq, c), \
                defection_prob(x, pq, c)
        # σ_d at no pressure is a function of the parameters: once per point, and again
        # only when the quarter's parameters change (:meth:`_quarter_params` keeps them)
        if self._sigma0_pq is not pq:
            self._sigma0_v2 = np.broadcast_to(
                self._per_point(lambda q: defection_prob(0.0, q), pq), (n,))
            self._sigma0_pq = pq
        sigma_d = np.array(self._sigma0_v2)
        hot = np.flatnonzero(x > 0.0)
        if hot.size:
            sigma_d[hot] = defection_prob(x[hot], _Columns(pq, hot))
        return m, row, e_all, e_idx, x, sigma_d

    def _likelihood_v2(self, e4: NDArray[np.int64], cols: NDArray[np.int64],
                       s: NDArray[np.bool_], d: NDArray[np.bool_], exists: NDArray[np.bool_],
                       pq: Mapping[str, Any]) -> FloatArray:
        """(T, k): each type's P(s, d) at scenarios ``cols`` when it plays efforts ``e4``."""
        n = self.s.n
        x4 = self.intensity_flat[e4 * n + cols] * self.kappa4[:, cols] * self.s.control[cols]
        sub = _Columns(pq, cols)
        if self.coopt:
            c4 = self._coopted(e4)
            cap4 = self.kappa4[:, cols] * self.s.control[cols]
            ps4 = suppression_prob(signal_pressure(cap4, self.intensity_flat[e4 * n + cols],
                                                   sub, c4), sub)
            pd4 = defection_prob(x4, sub, c4)
        else:
            ps4 = suppression_prob(x4, sub)
            sigma0 = self.sigma0 if np.ndim(self.sigma0) == 0 else self.sigma0[cols]
            pd4 = self._defection4(x4, _Columns(pq, cols, DEFECTION_KEYS), sigma0)
        ex = exists if np.ndim(exists) == 0 else np.asarray(exists)[cols]
        out: FloatArray = (np.where(s[cols], ps4, 1.0 - ps4)
                           * np.where(d[cols], pd4, 1.0 - ex * pd4))
        return out

    def _final_v2(self, m: NDArray[np.int64], row: NDArray[np.int64],
                  e_all: NDArray[np.int8], s: NDArray[np.bool_],
                  d: NDArray[np.bool_], close: NDArray[np.bool_], exists: NDArray[np.bool_],
                  cell: NDArray[np.int64], pq: Mapping[str, Any]
                  ) -> tuple[NDArray[np.int64], dict[str, NDArray[np.bool_]]]:
        """Model v2: Bayes over the types with their mixed efforts, China's drawn response."""
        st = self.s
        rec = st.recognised
        like = np.where(close, self.close4, self.close4_not)            # (T, n)
        # under co-optation every type's likelihood comes from the coopt terms (no
        # shortcut); otherwise a harbouring type (no pressure: most types, most quarters)
        # has the same P(s, d) whatever its type: once per scenario
        acts = self.rows if self.coopt else np.flatnonzero(self.row_acts[row])
        mixed = np.flatnonzero(self.row_mixed[row])
        close_acts, close_mixed = like[:, acts], like[:, mixed]
        if not self.coopt:
            ps0 = suppression_prob(0.0, pq)
            like *= (np.where(s, ps0, 1.0 - ps0)
                     * np.where(d, self.sigma0, 1.0 - exists * self.sigma0))
        if acts.size:
            # a type that plays one effort needs its likelihood at that effort only
            e4 = np.maximum(e_all[acts], 0).T.astype(np.int64)
            like[:, acts] = self._likelihood_v2(e4, acts, s, d, exists, pq) * close_acts
        if mixed.size:
            probs = self._effort_probs(cell, m, mixed)                   # (k, T, E)
            sub = _Columns(pq, mixed)
            cap = self.kappa4[:, None, mixed] * st.control[None, None, mixed]
            x = cap * self.intensity[None, :, mixed]                     # (T, E, k)
            if self.coopt:
                c = self._coopted(np.arange(self.intensity.shape[0]))[None, :, None]
                ps = suppression_prob(signal_pressure(cap, self.intensity[None, :, mixed], sub,
                                                      c), sub)
                pd = defection_prob(x, sub, c)
            else:
                ps = suppression_prob(x, sub)
                pd = defection_prob(x, sub)
            ex = exists if np.ndim(exists) == 0 else np.asarray(exists)[mixed]
            by_effort = (np.where(s[mixed], ps, 1.0 - ps)
                         * np.where(d[mixed], pd, 1.0 - ex * pd))        # (T, E, k)
            like[:, mixed] = ((np.moveaxis(probs, 0, -1) * by_effort).sum(axis=1)
                              * close_mixed)
        like *= st.belief
        like /= like.sum(axis=0)
        st.belief = like
        sig = signal_index(s, d, close)
        f = self.resp_row[row * N_SIGNALS + sig].astype(np.int64)
        draw = np.flatnonzero(f < 0)
        if draw.size:
            cd, sd = cell[draw], sig[draw]
            dist = np.where(rec[draw, None], self.resp1_flat[cd * N_SIGNALS + sd],
                            self.resp0_flat[(cd * self.n_m + m[draw]) * N_SIGNALS + sd])
            f[draw] = self._pick(dist, self._choice_uniforms(2, draw))
        f = self._policy_rule(m, f, s)
        mf = m * N_FINAL + f
        cons = {k: table[mf] for k, table in _CONS.items()}
        cons["breach"] = _BREACH[mf * N_SIGNALS + sig]
        st.recognised = cons["recognised"]
        st.planb = np.where(f == PLAN_B, 1, np.where(f == INTERVENE, 2, 0)).astype(np.int8)
        return f, cons

    # ------------------------------------------------------------------ pieces

    def _policy_rule(self, m: NDArray[np.int64], f: NDArray[np.int64], s: NDArray[np.bool_]
                     ) -> NDArray[np.int64]:
        """The final action after the policies that override the game's response.

        ``conditional`` rewards (recognises) once China's posterior belief reaches
        ``recognition_threshold`` after ``quiet_quarters`` without attacks, and otherwise
        withholds; ``plan_b_after_failure`` turns to Plan B when the Taliban fail (s = 0).
        Called after China's belief is updated on the quarter's signals.
        """
        kind, st, p = self.policy.kind, self.s, self.p
        if kind is PolicyKind.CONDITIONAL:
            ready = (st.mu >= p["recognition_threshold"]) & (st.quiet >= p["quiet_quarters"])
            return np.where(m == RECOGNIZE, f, np.where(ready, REWARD, WITHHOLD))
        if kind is PolicyKind.PLAN_B_AFTER_FAILURE:
            return np.where(s, f, PLAN_B)
        return f

    def _final(self, m: NDArray[np.int64],
               types: tuple[NDArray[np.int64], FloatArray, FloatArray], s: NDArray[np.bool_],
               d: NDArray[np.bool_], close: NDArray[np.bool_], report: NDArray[np.bool_],
               exists: NDArray[np.bool_], cell: NDArray[np.int64], pq: Mapping[str, Any]
               ) -> tuple[NDArray[np.int64], dict[str, NDArray[np.bool_]]]:
        st = self.s
        # Bayes over the four types on (s, d, r), with each type's tabulated effort
        _, x4, pd4 = types
        any_report = bool(report.any())
        sf = s.astype(float)
        like = suppression_prob(x4, pq)                   # P(s = 1 | type)
        like *= 2.0 * sf - 1.0
        like += 1.0 - sf                                   # P(s observed | type)
        if np.any(exists):                                 # no ISKP yet: no information
            like *= np.where(d, pd4, 1.0 - exists * pd4)
        if any_report:
            like *= np.where(report, np.where(close, self.close4, 1.0 - self.close4), 1.0)
        w = st.belief * like
        st.belief = w / w.sum(axis=0)
        # China's final action
        mcell = cell * self.n_m + m
        sd = FULL_GAME.report_free_index(s.astype(np.int64), d.astype(np.int64))
        sig = signal_index(s, d, close) if any_report else sd
        if not any_report:
            f = self.resp_nr_flat[mcell * N_REPORT_FREE + sd].astype(np.int64)
        else:
            f = np.where(report, self.resp_flat[mcell * N_SIGNALS + sig],
                         self.resp_nr_flat[mcell * N_REPORT_FREE + sd]).astype(np.int64)
        f = self._policy_rule(m, f, s)
        mf = m * N_FINAL + f
        breach = (np.where(report, _BREACH[mf * N_SIGNALS + sig],
                           _BREACH_NR[mf * N_REPORT_FREE + sd])
                  if any_report else _BREACH_NR[mf * N_REPORT_FREE + sd])
        cons = {k: table[mf] for k, table in _CONS.items()}
        cons["breach"] = breach
        st.recognised = cons["recognised"]
        st.planb = np.where(f == PLAN_B, 1, np.where(f == INTERVENE, 2, 0)).astype(np.int8)
        return f, cons

    def _evolve(self, exists: NDArray[np.bool_], to_iskp: FloatArray, us: float,
                in_power: bool, campaign: Any = 0.0) -> None:
        st, p = self.s, self.p
        new = exists & ~st.founded
        strength = np.where(new, p["iskp_strength_initial"], st.strength)
        st.founded = st.founded | exists
        pressure = us * p["us_suppression"] + in_power * st.control
        grown = strength + exists * (p["iskp_growth"] * strength * (1.0 - strength)
                                     + p["iskp_recruit_gain"] * to_iskp
                                     - p["iskp_attrition"] * pressure * strength
                                     - campaign * strength)
        # np.minimum(np.maximum()) is np.clip's arithmetic without its dispatch (5 µs a call)
        st.strength = np.minimum(np.maximum(grown, 0.0), 1.0)
        target = (1.0 - p["iskp_control_drag"] * st.strength) if in_power else np.broadcast_to(
            np.asarray(p["insurgent_control"], dtype=float), (st.n,))
        shock = p["control_noise"] * (2.0 * self.u[Stream.CONTROL_SHOCK] - 1.0)
        st.control = np.minimum(np.maximum(
            st.control + p["control_adjust"] * (target - st.control) + shock,
            p["control_floor"]), 1.0)

    def _outputs(self, flows: Mapping[str, FloatArray], m: NDArray[np.int64],
                 f: NDArray[np.int64], cons: Mapping[str, NDArray[np.bool_]] | None,
                 s: NDArray[np.bool_], d: NDArray[np.bool_], report: NDArray[np.bool_],
                 close: NDArray[np.bool_], e_idx: NDArray[np.int64], effort: FloatArray,
                 pq: Mapping[str, Any], attacks: tuple[FloatArray, FloatArray, FloatArray],
                 rates: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
                 relief: tuple[Any, NDArray[np.bool_]]) -> Out:
        """The quarter's outputs (only those the caller needs, when it said which)."""
        st, n = self.s, self.s.n
        zeros = np.zeros(n)

        def flag(x: NDArray[Any]) -> FloatArray:
            return np.asarray(x, dtype=float)

        make: dict[str, Callable[[], NDArray[Any]]] = {
            "militants_border": lambda: st.border, "militants_interior": lambda: st.interior,
            "militants_coopted": lambda: st.coopted, "militants_iskp": lambda: st.iskp,
            "militants_abroad": lambda: st.abroad,
            "militants_neutralised": lambda: st.neutralised,
            "militants_remaining": st.active_militants,
            "militants_border_change": lambda: flows["change"],
            "militants_relocated": lambda: flows["relocated"],
            "militants_to_iskp": lambda: flows["to_iskp"],
            "militants_transferred": lambda: flows["transferred"],
            "militants_recruited": lambda: flows["recruits"],
            "iskp_strength": lambda: st.strength, "taliban_control": lambda: st.control,
            "belief_sincere": lambda: st.mu, "first_move": lambda: m, "final_action": lambda: f,
            "engaged": lambda: flag((m >= 0) & (m != BOYCOTT)),
            "recognised": lambda: flag(st.recognised), "taliban_effort": lambda: effort,
            "taliban_acts": lambda: flag(e_idx > 0), "suppressed": lambda: flag(s),
            "defected": lambda: flag(d), "un_report": lambda: flag(report),
            "un_report_close": lambda: flag(close), "attacks_china": lambda: attacks[0],
            "attacks_nationals": lambda: attacks[1], "attacks_central_asia": lambda: attacks[2],
            "expected_attacks_china": lambda: rates[0],
            "expected_attacks_nationals": lambda: rates[1],
            "expected_attacks_central_asia": lambda: rates[2],
            "expected_attacks_nationals_iskp": lambda: rates[3],
            "expected_attacks_central_asia_iskp": lambda: rates[4],
        }
        if cons is None:
            for name in ("recognition_status", "planb_status", "china_payoff",
                         "taliban_payoff", "china_pays"):
                make[name] = lambda: zeros
        else:
            c = cons
            make["recognition_status"] = lambda: flag(
                np.where(c["recognised"], 2, np.where(c["aid"], 1, 0)))
            make["planb_status"] = lambda: flag(
                np.where(c["plan_b"], 1, np.where(c["intervene"], 2, 0)))
            if self.payoffs:
                pay = (self._payoffs_v2(m, c, s, d, effort, pq, relief, e_idx) if self.v2
                       else self._payoffs(m, c, s, d, effort, pq))
                make["china_payoff"] = lambda: pay[0]
                make["taliban_payoff"] = lambda: pay[1]
                make["china_pays"] = lambda: pay[2]
            else:
                for name in PAYOFF_OUTPUTS:
                    make[name] = lambda: np.full(n, np.nan)        # not requested
        wanted = make.keys() if self.needed is None else self.needed & make.keys()
        return {k: make[k]() for k in wanted}

    def _payoffs(self, m: NDArray[np.int64], cons: Mapping[str, NDArray[np.bool_]],
                 s: NDArray[np.bool_], d: NDArray[np.bool_], effort: FloatArray,
                 pq: Mapping[str, Any]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """U_C, U_T of the realised round and what China pays (aid + recognition cost)."""
        st, p, n = self.s, self.p, self.s.n
        u_c = china_utility(engaged=m != BOYCOTT, aid=cons["aid"], grants=cons["grants"],
                            breach=cons["breach"], s=s, d=d, sincere=self.sincere_true,
                            kappa=self.kappa_true * st.control, effort=effort, p=pq,
                            recognised=cons["recognised"], plan_b=cons["plan_b"],
                            intervene=cons["intervene"])
        u_t = taliban_utility(aid=cons["aid"], boycott=m == BOYCOTT, s=s, d=d,
                              sincere=self.sincere_true, effort=effort, p=pq,
                              recognised=cons["recognised"], plan_b=cons["plan_b"],
                              intervene=cons["intervene"])
        pays = p["aid_cost"] * cons["aid"] + pq["recognition_cost"] * cons["grants"]
        return (np.broadcast_to(u_c, (n,)), np.broadcast_to(u_t, (n,)),
                np.broadcast_to(pays, (n,)))

    def _payoffs_v2(self, m: NDArray[np.int64], cons: Mapping[str, NDArray[np.bool_]],
                    s: NDArray[np.bool_], d: NDArray[np.bool_], effort: FloatArray,
                    pq: Mapping[str, Any], relief: tuple[Any, NDArray[np.bool_]],
                    e_idx: NDArray[np.int64]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Model v2's stage payoffs of the quarter: the same sums the game's values are.

        One quarter's utilities (:func:`qpq.game.stage_params`: no look-ahead, the
        relationship's per-quarter value, no recognition cost once recognised), and China's
        gain from the harm a Plan B or intervention decided last quarter removes now.
        """
        st, n = self.s, self.s.n
        planb_eff, was_recognised = relief
        q2 = stage_params(pq, recognised=False)
        q2["recognition_cost"] = np.where(was_recognised, 0.0, pq["recognition_cost"])
        flags = {k: cons[k] for k in ("recognised", "plan_b", "intervene")}
        c = self._coopted(e_idx) if self.coopt else None
        u_c = china_utility(engaged=m != BOYCOTT, aid=cons["aid"], grants=cons["grants"],
                            breach=cons["breach"], s=s, d=d, sincere=self.sincere_true,
                            kappa=self.kappa_true * st.control, effort=effort, p=q2,
                            recognised=flags["recognised"], plan_b=flags["plan_b"],
                            intervene=flags["intervene"], coopt=c)
        etim = (1.0 - s) if c is None else expected_etim_share(s.astype(float), pq, c)
        gain = pq["w_security"] * planb_eff * (pq["etim_threat"] * etim
                                               + pq["planb_covers_iskp"] * pq["iskp_threat"] * d)
        u_t = taliban_utility(aid=cons["aid"], boycott=m == BOYCOTT, s=s, d=d,
                              sincere=self.sincere_true, effort=effort, p=q2,
                              recognised=flags["recognised"], plan_b=flags["plan_b"],
                              intervene=flags["intervene"], coopt=c)
        pays = pq["aid_cost"] * cons["aid"] + q2["recognition_cost"] * cons["grants"]
        return (np.broadcast_to(u_c + gain, (n,)), np.broadcast_to(u_t, (n,)),
                np.broadcast_to(pays, (n,)))
