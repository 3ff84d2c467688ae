from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from qpq.errors import EXIT_BAD_INPUT, BadInputError
from qpq.model import (
    FIRST_MOVES,
    OUTCOMES,
    POLICIES,
    FinalAction,
    FirstMove,
    MoveKind,
    Promise,
    breaks_word,
    check_policy,
    consequence,
    final_actions,
    first_move,
    outcome,
    policy_names,
)

S = np.array([0, 0, 0, 0, 1, 1, 1, 1])
D = np.array([0, 0, 1, 1, 0, 0, 1, 1])
R = np.array([1, 0, 1, 0, 1, 0, 1, 0])  # 1 = "close ties"


def test_first_moves_in_commitment_order() -> None:
    assert [m.label for m in FIRST_MOVES] == [
        "Boycott", "Engage[no_promise]", "Engage[reward_if_suppressed]",
        "Engage[reward_if_suppressed_and_clean]", "Engage[reward_if_quiet]", "Recognize"]
    assert first_move("engage[reward_if_quiet]") == FirstMove(MoveKind.ENGAGE,
                                                              Promise.REWARD_IF_QUIET)
    with pytest.raises(ValueError, match="unknown first move"):
        first_move("Invade")
    with pytest.raises(ValueError):
        FirstMove(MoveKind.ENGAGE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        FIRST_MOVES[0].kind = MoveKind.RECOGNIZE  # type: ignore[misc]


def test_final_action_sets() -> None:
    assert final_actions(MoveKind.BOYCOTT) == (FinalAction.STAY_OUT, FinalAction.PLAN_B,
                                               FinalAction.INTERVENE)
    assert set(final_actions(MoveKind.ENGAGE)) == {FinalAction.REWARD, FinalAction.WITHHOLD,
                                                   FinalAction.PLAN_B, FinalAction.INTERVENE}
    assert set(final_actions(MoveKind.RECOGNIZE)) == {
        FinalAction.MAINTAIN, FinalAction.DOWNGRADE, FinalAction.PLAN_B, FinalAction.INTERVENE}


def test_consequences_follow_the_spec() -> None:
    boycott, engage, recognise = FIRST_MOVES[0], FIRST_MOVES[1], FIRST_MOVES[-1]
    # degeneracy guard: a boycott can never end in recognition or aid
    for f in final_actions(MoveKind.BOYCOTT):
        c = consequence(boycott, f)
        assert not c.recognised and not c.aid and not c.grants and not c.engaged
    c = consequence(engage, FinalAction.REWARD)
    assert c.recognised and c.aid and c.grants
    c = consequence(engage, FinalAction.WITHHOLD)
    assert not c.recognised and c.aid and not c.grants
    c = consequence(engage, FinalAction.PLAN_B)
    assert not c.recognised and c.aid and c.plan_b
    c = consequence(engage, FinalAction.INTERVENE)
    assert not c.recognised and not c.aid and c.intervene
    c = consequence(recognise, FinalAction.MAINTAIN)
    assert c.recognised and c.aid and c.grants
    c = consequence(recognise, FinalAction.PLAN_B)
    assert c.recognised and c.aid and c.grants and c.plan_b
    for f in (FinalAction.DOWNGRADE, FinalAction.INTERVENE):
        c = consequence(recognise, f)
        assert not c.recognised and not c.aid and c.grants  # the cost was paid anyway
    with pytest.raises(ValueError):
        consequence(boycott, FinalAction.REWARD)


def test_promises_and_breach() -> None:
    assert list(Promise.REWARD_IF_SUPPRESSED.prescribes(S, D, R)) == list(S == 1)
    assert list(Promise.REWARD_IF_QUIET.prescribes(S, D, R)) == list((S == 1) & (D == 0))
    assert list(Promise.REWARD_IF_SUPPRESSED_AND_CLEAN.prescribes(S, D, R)) == list(
        (S == 1) & (R == 0))
    engage = FirstMove(MoveKind.ENGAGE, Promise.REWARD_IF_SUPPRESSED)
    assert list(breaks_word(engage, FinalAction.REWARD, S, D, R)) == list(S == 0)
    assert list(breaks_word(engage, FinalAction.WITHHOLD, S, D, R)) == list(S == 1)
    assert list(breaks_word(engage, FinalAction.PLAN_B, S, D, R)) == list(S == 1)
    cheap = FirstMove(MoveKind.ENGAGE, Promise.NO_PROMISE)
    for f in final_actions(MoveKind.ENGAGE):
        assert not breaks_word(cheap, f, S, D, R).any()
    rec = FIRST_MOVES[-1]
    assert breaks_word(rec, FinalAction.DOWNGRADE, S, D, R).all()
    assert breaks_word(rec, FinalAction.INTERVENE, S, D, R).all()
    assert not breaks_word(rec, FinalAction.PLAN_B, S, D, R).any()
    assert not breaks_word(FIRST_MOVES[0], FinalAction.INTERVENE, S, D, R).any()


def test_policy_registry() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names))
    for required in ("boycott", "engage_no_promise", "recognise", "conditional",
                     "plan_b_after_failure", "equilibrium"):
        assert required in names
    conditional = next(p for p in POLICIES if p.name == "conditional")
    assert set(conditional.parameters) == {"recognition_threshold", "quiet_quarters"}


def test_outcome_registry() -> None:
    names = {o.name for o in OUTCOMES}
    assert {"china_security", "recognition_time", "militants_border", "militants_iskp",
            "iskp_strength", "taliban_payoff", "china_payoff"} <= names
    for o in OUTCOMES:
        assert o.unit and o.description and o.definition
    assert outcome("china_security").direction.value == "higher is better for China"
    with pytest.raises(BadInputError, match="known"):
        outcome("happiness")


def test_each_promise_says_in_words_which_signals_it_reads():
    grid = np.array(list(np.ndindex(2, 2, 2))).T          # every (s, d, r)
    for p in Promise:
        said = p.prescribes(*grid)
        reads_d = not np.array_equal(said, p.prescribes(grid[0], 1 - grid[1], grid[2]))
        reads_r = not np.array_equal(said, p.prescribes(grid[0], grid[1], 1 - grid[2]))
        assert ("ISKP" in p.words) == reads_d, p
        assert ("UN" in p.words) == reads_r == p.needs_report, p
        assert ("suppressed" in p.words) == p.binding, p
        # the policy list, where a reader meets the promise, carries the words
        (policy,) = [x for x in POLICIES if x.name == f"engage_{p.value}"]
        assert p.words in policy.description and f"Engage[{p.value}]" in policy.description


def test_each_final_action_has_its_own_words():
    words = [a.words for a in FinalAction]
    assert len(set(words)) == len(words) and all(words)
    # what the actions do to recognition, as docs/model-game.md states it
    assert "recognise" in FinalAction.REWARD.words
    assert "withdraw" in FinalAction.DOWNGRADE.words


def test_a_policy_name_is_checked_once_in_the_same_words() -> None:
    # the simulator, the exploration's studies and runs, and --lever each had their own
    # test ("known policies: …" in one, "allowed: …" in the others)
    for name in policy_names():
        assert check_policy(name) == name
    allowed = ", ".join(policy_names())
    for field, where in ((None, ""), ("--lever", "--lever: ")):
        with pytest.raises(BadInputError) as info:
            check_policy("appease", field=field)
        assert str(info.value) == f"{where}unknown policy 'appease'; allowed: {allowed}"
        assert info.value.exit_code == EXIT_BAD_INPUT
