"""Published reference runs, copied as data (with attribution) from the oracle notes.

EU emission standards: Bueno de Mesquita (1994), in Bueno de Mesquita & Stokman (eds),
*European Community Decision Making*, pp. 77-78 (capability, position = year by which EC
emission standards for medium-sized cars apply, salience).

Trajectory: the open replication jmckib/bdm-scholz-expected-utility-model (commit e9d86fe,
"Perfect replication of bdm-scholz results up to 10 rounds") of Scholz, Calbert & Smith
(2011), "Unravelling Bueno de Mesquita's group decision model", J. Theoretical Politics
23(4): median / mean after each round. These are facts about other people's models; only the
numbers are copied, no code.

Exchange-model unit checks: the open decide-exchange-model package's own tests (three actors
at 0, 100, 100 with s = c = 1 give an outcome of 200/3, and so on).
"""

EU_EMISSIONS = [  # actor, capability, position, salience
    ("Netherlands", 0.08, 4, 0.8),
    ("Belgium", 0.08, 7, 0.4),
    ("Luxembourg", 0.03, 4, 0.2),
    ("Germany", 0.16, 4, 0.8),
    ("France", 0.16, 10, 0.6),
    ("Italy", 0.16, 10, 0.6),
    ("UK", 0.16, 10, 0.9),
    ("Ireland", 0.05, 7, 0.1),
    ("Denmark", 0.05, 4, 1.0),
    ("Greece", 0.08, 7, 0.7),
]

EU_INITIAL_MEAN = 7.389955686853767
EU_INITIAL_MEDIAN = 7.0
# Net pairwise vote margins of the initial state (winner, loser, margin to 3 decimals).
EU_INITIAL_MARGINS = [(7, 4, 0.543), (7, 10, 0.015), (10, 4, 0.528)]

SCHOLZ_TRAJECTORY = [  # round, median, mean
    (0, 7.0, 7.389956),
    (1, 8.415932, 7.461314),
    (2, 9.610859, 7.552501),
    (3, 9.961980, 7.590145),
    (4, 9.961980, 7.358131),
    (5, 9.961980, 7.349174),
    (6, 7.472046, 7.414878),
    (7, 8.824594, 7.510457),
    (8, 9.671130, 7.572447),
    (9, 9.671130, 7.324989),
    (10, 7.0, 7.242131),
]
# The table gives 6 decimals: agreement to 1e-6 means |ours - table| <= 5e-7 + rounding.
TABLE_TOLERANCE = 1e-6

# Round 1 of the Scholz run: (actor, kind, partner, new position, EU_ij, EU_ji).
SCHOLZ_ROUND1_MOVES = [
    ("Belgium", "compromise", "France", 8.415932, -0.114831, 0.243297),
    ("Luxembourg", "confrontation", "Belgium", 7.0, None, None),
    ("Ireland", "confrontation", "Luxembourg", 4.0, None, None),
]
SCHOLZ_MOVERS = {"Belgium", "Luxembourg", "Ireland"}

# decide-exchange-model unit checks: positions of three actors (s = c = 1) -> outcome.
NBS_CASES = [
    ((0.0, 100.0, 100.0), 200.0 / 3.0),
    ((100.0, 100.0, 100.0), 100.0),
    ((0.0, 0.0, 100.0), 100.0 / 3.0),
]
