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

# decide-exchange-model 2025.3.1 (PyPI), run by bench/peers/decide/run_decide.py (its own
# model loop, Python `random` seeded with the tie seed) on the inputs
# tests/bargain/test_exchange_decide.decide_text(gen_seed), 10 iterations: per issue the
# outcome at the start of each round ("preference" NBS), exchanges per round, ties broken.
# Keys: (gen_seed, tie_seed). Outputs of the peer only; none of its code.
DECIDE_SYNTHETIC: dict[tuple[int, int], dict] = {
    (1, 1): {
        "exchanges_per_round": [39, 33, 24, 29, 35, 36, 28, 31, 35, 30],
        "tie_count": 24,
        "preference_mds": {
            "d0": [
                50.4070964923, 50.6281062975, 47.3595689632, 46.1840432713, 47.0136259205,
                48.1318842279, 47.1242462885, 46.2700801838, 46.3748517493, 46.2781225008,
            ],
            "d1": [
                42.4296198444, 39.7220615450, 38.4276913796, 37.6674212501, 37.0790599113,
                36.6204495853, 36.3783958233, 36.9403897852, 36.5965190801, 36.7730526667,
            ],
            "d2": [
                49.2887734646, 49.7149853813, 52.2321630446, 49.8573866607, 50.9366118036,
                49.5019120399, 49.6719123459, 49.3312405451, 49.3902687914, 48.5587319852,
            ],
            "d3": [
                44.8271554925, 43.4192612723, 44.7239637783, 41.6815274243, 40.4821029914,
                38.0921764714, 37.3850513785, 36.2363193304, 35.1202748551, 34.6818618951,
            ],
            "d4": [
                63.7845169068, 65.8948830441, 65.3093831279, 67.0565051190, 68.3804350790,
                69.7163837256, 69.5752304001, 69.4046144631, 70.0606265314, 71.1338825019,
            ],
        },
    },
    (2, 2): {
        "exchanges_per_round": [27, 30, 33, 33, 27, 32, 28, 31, 27, 26],
        "tie_count": 37,
        "preference_mds": {
            "d0": [
                61.6744247905, 58.8922230228, 56.8159237073, 53.8043146708, 54.2928244932,
                53.5337953765, 53.8717537685, 53.6880181622, 52.0846187715, 51.2391120387,
            ],
            "d1": [
                39.7106875425, 38.8033755696, 37.0671133923, 36.2146234927, 35.2080176316,
                35.5416019462, 34.8453968105, 36.1376545154, 35.5694789514, 34.9421518147,
            ],
            "d2": [
                74.6307006917, 78.8641705985, 81.9866209663, 83.3617598280, 83.8684631074,
                84.8979082542, 85.1425791020, 85.8307959684, 85.3567565640, 86.3427273374,
            ],
            "d3": [
                54.5229978204, 57.8579324676, 59.8674554008, 61.8749775289, 61.9003561428,
                63.1930479344, 62.7334966283, 62.9299319264, 63.1205200441, 63.6310434675,
            ],
            "d4": [
                45.1385938290, 43.9155976672, 40.3831728779, 39.4615499713, 38.5444125026,
                37.7243613275, 37.3565028699, 37.2196199956, 37.4084416864, 37.2704048449,
            ],
        },
    },
}
