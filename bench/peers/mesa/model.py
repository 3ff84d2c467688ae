"""Mesa 3 peer of qpq's simulator: the same quarterly equations, one Mesa Model per scenario.

Run in bench/peers/mesa/.venv (see setup.sh), not in qpq's environment:

    python model.py SPEC.json SCENARIOS SEED [payoffs]

SPEC.json is exported by bench/sim_bench.py from qpq: the timeline (us_presence, Taliban in
power, third-party recognitions, regime per quarter), one parameter point, the equilibrium
lookup of that point (selected first move, efforts by type, China's responses) and the
consequence tables of China's (first move, final action) pairs. The model re-implements
qpq.sim.dynamics quarter by quarter with one agent per actor group (China, the Taliban, the
Uyghur militants, ISKP) and the `equilibrium` policy. It prints one JSON line with the
timing and a few ensemble means (to check that both implementations agree in distribution;
the random numbers differ). Like qpq.sim, it computes the one-round payoffs only when asked
(``payoffs``), since no output of the benchmark reads them.
"""

from __future__ import annotations

import json
import math
import sys
import time

import mesa
import numpy as np
from scipy import stats

RECOGNIZE, BOYCOTT, PLAN_B, INTERVENE = 5, 0, 5, 6
SINCERE = (1.0, 1.0, 0.0, 0.0)
HIGH = (True, False, True, False)


def logistic(z: float) -> float:
    return math.exp(-np.logaddexp(0.0, -z))


def defection_prob(x: float, p: dict) -> float:
    z = (p["iskp_pull"] * (1.0 + x) - p["iskp_join_cost"]) / p["militant_temperature"]
    return p["base_defection"] + (1.0 - p["base_defection"]) * logistic(z)


def suppression_prob(x: float, p: dict, us: float) -> float:
    return 1.0 - (1.0 - x) * (1.0 - us * p["us_suppression"]) * (1.0 - p["base_suppression"])


def poisson_inverse(lam: float, u: float) -> float:
    if lam <= 0.0:
        return 0.0
    if lam > 40.0:
        return float(stats.poisson.ppf(u, lam))
    p = math.exp(-lam)
    cdf, k = p, 0
    while u > cdf and k < 400:
        k += 1
        p *= lam / k
        cdf += p
    return float(k)


def china_utility(p: dict, *, engaged, recognised, aid, grants, plan_b, intervene, breach, s, d,
                  sincere, kappa, effort, rc) -> float:
    w, fw = p["w_security"], p["future_weight"]
    effect = plan_b * p["planb_effect"] + intervene * p["intervene_effect"]
    q = recognised + (1.0 - recognised) * p["sincere_persistence"]
    continued = sincere * kappa * effort * q
    future = ((1.0 - effect) * p["etim_threat"] * (1.0 - continued)
              + (1.0 - p["planb_covers_iskp"] * effect) * p["iskp_threat"]
              * defection_prob(continued, p))
    value = sincere * p["future_value_sincere"] + (1.0 - sincere) * p["future_value_insincere"]
    harm = p["etim_threat"] * (1.0 - s) + p["iskp_threat"] * d
    return (-w * harm + recognised * value - w * fw * future
            + p["econ_gain"] * engaged * (1.0 - d) - p["aid_cost"] * aid - rc * grants
            - (1.0 + fw) * (plan_b * p["planb_cost"] + intervene * p["intervene_cost"])
            - p["reneging_cost"] * breach)


def taliban_utility(p: dict, *, recognised, aid, boycott, plan_b, intervene, s, d, sincere,
                    effort) -> float:
    k = sincere * p["effort_cost_sincere"] + (1.0 - sincere) * p["effort_cost_insincere"]
    bond = 1.0 + (p["boycott_bond"] - 1.0) * boycott
    return (p["recognition_value"] * recognised + p["aid_value"] * aid - k * effort ** 2
            + p["harbour_benefit"] * (1.0 - sincere) * (1.0 - s) * bond
            - p["iskp_threat_to_taliban"] * d - p["sovereignty_cost"] * (plan_b + 2 * intervene))


class China(mesa.Agent):
    """China: belief over the four types, first and final moves, recognition, Plan B."""

    def __init__(self, model: QuidProQuo) -> None:
        super().__init__(model)
        p = model.p
        ps, ph = p["prior_sincere"], p["p_high_capacity"]
        self.belief = [ps * ph, ps * (1 - ph), (1 - ps) * ph, (1 - ps) * (1 - ph)]
        self.recognised = False
        self.planb = 0
        self.quiet = 0
        self.move = -1

    @property
    def mu(self) -> float:
        return self.belief[0] + self.belief[1]

    def first_move(self, r: int) -> int:
        m = self.model.spec["selected"][r][self.model.cell()]
        self.move = RECOGNIZE if self.recognised else m
        return self.move

    def observe_and_decide(self, r, s, d, report, close, x4, pd4, us, rc) -> None:
        model, p = self.model, self.model.p
        like = []
        for t in range(4):
            ps = suppression_prob(x4[t], p, us)
            lk = ps if s else 1.0 - ps
            if model.exists:
                lk *= pd4[t] if d else 1.0 - pd4[t]
            if report:
                pc = p["un_close_if_sincere"] if SINCERE[t] else p["un_close_if_insincere"]
                lk *= pc if close else 1.0 - pc
            like.append(self.belief[t] * lk)
        total = sum(like)
        g = model.cell()                     # China's move was taken at the prior cell
        self.belief = [w / total for w in like]
        m = self.move
        if report:
            sig = 4 * s + 2 * d + (1 - close)
            f = model.spec["response"][r][g][m][sig]
            breach = model.spec["breach"][m][f][sig]
        else:
            sd = 2 * s + d
            f = model.spec["response_no_report"][r][g][m][sd]
            breach = model.spec["breach_no_report"][m][f][sd]
        cons = model.spec["consequences"]
        self.recognised = bool(cons["recognised"][m][f])
        self.planb = 1 if f == PLAN_B else 2 if f == INTERVENE else 0
        if not model.payoffs:        # like qpq.sim, payoffs only when an output needs them
            return
        taliban = model.taliban
        kw = dict(recognised=float(self.recognised), plan_b=float(cons["plan_b"][m][f]),
                  intervene=float(cons["intervene"][m][f]), s=float(s), d=float(d))
        model.china_payoff = china_utility(
            p, engaged=float(m != BOYCOTT), aid=float(cons["aid"][m][f]),
            grants=float(cons["grants"][m][f]), breach=float(breach),
            sincere=SINCERE[taliban.type], kappa=taliban.kappa * taliban.control,
            effort=taliban.effort, rc=rc, **kw)
        model.taliban_payoff = taliban_utility(
            p, aid=float(cons["aid"][m][f]), boycott=float(m == BOYCOTT),
            sincere=SINCERE[taliban.type], effort=taliban.effort, **kw)


class Taliban(mesa.Agent):
    """The Taliban: true type (drawn once), control, effort."""

    def __init__(self, model: QuidProQuo, in_power: bool) -> None:
        super().__init__(model)
        p = model.p
        sincere = model.rng.random() < p["prior_sincere"]
        high = model.rng.random() < p["p_high_capacity"]
        self.type = 2 * (not sincere) + (not high)
        self.kappa = p["capacity_high"] if high else p["capacity_low"]
        self.control = 1.0 if in_power else p["insurgent_control"]
        self.effort = 0.0
        self.e_idx = 0

    def intensity(self, e: int) -> float:
        p = self.model.p
        return (0.0, p["restrain_intensity"], p["crackdown_intensity"])[e]


class Militants(mesa.Agent):
    """The Uyghur militants: stocks by location and affiliation."""

    def __init__(self, model: QuidProQuo) -> None:
        super().__init__(model)
        p = model.p
        self.border, self.interior, self.coopted = p["militants_initial_border"], 0.0, 0.0
        self.iskp, self.abroad = 0.0, p["militants_initial_abroad"]
        self.neutralised = self.transferred = 0.0

    def flows(self, s_t, s_us, s_b, d, e_idx, x, us, in_power) -> float:
        p, ctrl = self.model.p, self.model.taliban.control
        b0 = self.border
        border, interior, abroad = self.border, self.interior, self.abroad
        relocated = coopt = neutralised = 0.0
        if in_power and s_t:
            hit = p["taliban_action_rate"]
            restrain = hit * (e_idx == 1)
            crack = hit * (e_idx == 2)
            moved = restrain * border
            relocated = moved * (1.0 - p["coopt_share"])
            coopt = moved * p["coopt_share"]
            cracked = crack * (border + interior)
            neutralised = cracked * p["crackdown_neutralise_share"]
            border = border - moved - crack * border
            interior = interior - crack * interior + relocated
            abroad = abroad + (cracked - neutralised)
        killed = 0.0
        if us > 0.0:
            killed = s_us * p["us_strike_rate"] * border
            border -= killed
        base_rate = s_b * p["base_neutralise_rate"]
        base = base_rate * (border + interior)
        border -= base_rate * border
        interior -= base_rate * interior
        neutralised += base
        to_iskp = 0.0
        if d:
            share = p["defection_share"]
            to_iskp = share * (border + interior)
            border -= share * border
            interior -= share * interior
        pressure = min(us * p["us_suppression"] + in_power * ctrl, 1.0)
        k_loss = p["iskp_fighter_attrition"] * pressure * (self.iskp + to_iskp)
        returned = p["return_rate"] * abroad
        recruits = p["recruitment"] * (1.0 - x)
        self.transferred += p["transfer_share"] * neutralised
        self.border = border + returned + recruits
        self.interior = interior
        self.coopted += coopt
        self.iskp += to_iskp - k_loss
        self.abroad = abroad - returned
        self.neutralised += neutralised + killed + k_loss
        self.change = self.border - b0
        return to_iskp


class Iskp(mesa.Agent):
    """ISKP: strength index, founded in iskp_founding_year."""

    def __init__(self, model: QuidProQuo) -> None:
        super().__init__(model)
        self.strength, self.founded = 0.0, False

    def evolve(self, exists, to_iskp, us, in_power) -> None:
        p, taliban = self.model.p, self.model.taliban
        strength = p["iskp_strength_initial"] if exists and not self.founded else self.strength
        self.founded = self.founded or exists
        pressure = us * p["us_suppression"] + in_power * taliban.control
        if exists:
            strength += (p["iskp_growth"] * strength * (1.0 - strength)
                         + p["iskp_recruit_gain"] * to_iskp
                         - p["iskp_attrition"] * pressure * strength)
        self.strength = min(max(strength, 0.0), 1.0)


class QuidProQuo(mesa.Model):
    """One scenario of the quarterly dynamics (the `equilibrium` policy)."""

    def __init__(self, spec: dict, seed: int, payoffs: bool = False) -> None:
        super().__init__(rng=seed)
        self.spec, self.p = spec, spec["params"]
        self.payoffs = payoffs
        self.grid = spec["grid_size"]
        self.q = spec["start"]
        self.exists = False
        self.china = China(self)
        self.taliban = Taliban(self, bool(spec["in_power"][0]))
        self.militants = Militants(self)
        self.iskp = Iskp(self)
        self.china_payoff = self.taliban_payoff = 0.0
        self.attacks = [0.0, 0.0, 0.0]

    def cell(self) -> int:
        return min(int(self.china.mu * self.grid), self.grid - 1)

    def step(self) -> None:
        p, spec = self.p, self.spec
        i = self.q - spec["start"]
        us, in_power = spec["us_presence"][i], bool(spec["in_power"][i])
        r, n_rec = spec["regime"][i], spec["recognitions"][i]
        rc = p["recognition_cost"] * p["third_party_recognition_factor"] ** n_rec
        u = self.rng.random(9)
        china, taliban, mil = self.china, self.taliban, self.militants
        x4 = pd4 = None
        if in_power:
            g = self.cell()
            m = china.first_move(r)
            eff4 = spec["effort"][r][g][m]
            x4 = [(p["capacity_high"] if HIGH[t] else p["capacity_low"]) * taliban.control
                  * taliban.intensity(eff4[t]) for t in range(4)]
            pd4 = [defection_prob(x, p) for x in x4]
            e_idx = eff4[taliban.type]
            x, sigma_d = x4[taliban.type], pd4[taliban.type]
        else:
            china.move, e_idx, x = -1, 0, 0.0
            sigma_d = defection_prob(0.0, p)
        taliban.e_idx, taliban.effort = e_idx, taliban.intensity(e_idx)
        s_t = u[0] < x
        s_us = u[1] < us * p["us_suppression"]
        s_b = u[2] < p["base_suppression"]
        s = s_t or s_us or s_b
        self.exists = self.q // 4 >= p["iskp_founding_year"]
        d = self.exists and u[3] < sigma_d
        report = in_power and self.q % int(p["un_report_period"]) == 0
        close_p = p["un_close_if_sincere"] if SINCERE[taliban.type] else p["un_close_if_insincere"]
        close = report and u[4] < close_p
        planb_eff = (p["planb_effect"] if china.planb == 1 else
                     p["intervene_effect"] if china.planb == 2 else 0.0)
        free = (not s) * (1.0 - planb_eff)
        iskp_term = (p["iskp_attack_weight"] * self.iskp.strength * mil.iskp
                     * (1.0 - p["planb_covers_iskp"] * planb_eff))
        rate = p["attack_rate"] / 100.0
        toward = rate * (free * mil.border + iskp_term)
        exposure = p["boycott_exposure"] if china.move == BOYCOTT else 1.0
        lams = (toward * (1.0 - p["cross_border_share"]),
                rate * exposure * (p["interior_reach"] * free * (mil.border + mil.interior)
                                   + iskp_term),
                toward * p["cross_border_share"])
        self.attacks = [poisson_inverse(lam, float(np.float32(u[6 + k])))
                        for k, lam in enumerate(lams)]
        to_iskp = mil.flows(s_t, s_us, s_b, d, e_idx, x, us, in_power)
        china.quiet = 0 if self.attacks[0] + self.attacks[1] > 0 else china.quiet + 1
        if in_power:
            china.observe_and_decide(r, int(s), int(d), report, int(close), x4, pd4, us, rc)
        else:
            china.recognised, china.planb = False, 0
            self.china_payoff = self.taliban_payoff = 0.0
        self.iskp.evolve(self.exists, to_iskp, us, in_power)
        target = (1.0 - p["iskp_control_drag"] * self.iskp.strength) if in_power else \
            p["insurgent_control"]
        shock = p["control_noise"] * (2.0 * u[5] - 1.0)
        taliban.control = min(max(taliban.control + p["control_adjust"]
                                  * (target - taliban.control) + shock, 0.05), 1.0)
        self.q += 1


def main(argv: list[str]) -> None:
    with open(argv[1]) as fh:
        spec = json.load(fh)
    k, seed = int(argv[2]), int(argv[3])
    payoffs = len(argv) > 4 and argv[4] == "payoffs"
    t_len = len(spec["us_presence"])
    border = attacks = mu = 0.0
    start = time.perf_counter()
    for i in range(k):
        model = QuidProQuo(spec, seed + i, payoffs)
        for _ in range(t_len):
            model.step()
            attacks += model.attacks[0]
        border += model.militants.border
        mu += model.china.mu
    seconds = time.perf_counter() - start
    print(json.dumps({"mesa": mesa.__version__, "scenarios": k, "quarters": t_len,
                      "seconds": seconds, "steps_per_s": k * t_len / seconds,
                      "mean_border_end": border / k, "mean_attacks_china": attacks / k,
                      "mean_belief_end": mu / k}))


if __name__ == "__main__":
    main(sys.argv)
