"""The oracle of benchmarks/known_items.py: the posterior of the simulator's own model, on captions made by hand."""

from __future__ import annotations

import math
import random
import sys
from collections import Counter

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import known_items
from known_items import KnownItem, Oracle

GEORGIA = ["Greene County", "Georgia", "United States"]
TRACTOR = "Tractor plowing cotton field, tractor"
MULE = "Mule plowing cotton field"
MULE_TWIN = "Mule plowing cotton field."  # the same words in order: a duplicate
ROWS = [
    {"caption": TRACTOR, "places": GEORGIA},
    {"caption": MULE, "places": GEORGIA},
    {"caption": MULE_TWIN, "places": ["Georgia", "United States"]},
    {"caption": "Pickers resting shade trees", "places": []},
    {"caption": "Plowing cotton", "places": GEORGIA},  # two words: no target, though it holds the words
]
# Five distinct captions; documents holding each word: plowing and cotton 4, field 3, mule 2, tractor 1.
# idf = log(5 / df). Weights (tf * idf):
#   TRACTOR: tractor 2 log 5 = 3.2189, plowing = cotton = log 1.25 = 0.2231, field log(5/3) = 0.5108; sum 4.1760
#   MULE (and its twin): mule log 2.5 = 0.9163, plowing, cotton, field as above; sum 1.8734
LOG = {"tractor": 2 * math.log(5), "mule": math.log(2.5), "plowing": math.log(1.25), "field": math.log(5 / 3)}
LOG["cotton"] = LOG["plowing"]
TRACTOR_SUM = LOG["tractor"] + LOG["plowing"] + LOG["cotton"] + LOG["field"]
MULE_SUM = LOG["mule"] + LOG["plowing"] + LOG["cotton"] + LOG["field"]


def item(query: str, target: str, kind: str = "plain") -> KnownItem:
    return KnownItem(query, kind, target, "tune", query)


def test_the_likelihood_is_the_draw_in_order_times_the_length_and_the_place_position():
    oracle = Oracle(ROWS)
    # "cotton plowing", two words of four (length 2: 1/3), cotton first, then plowing among the three left.
    tractor = 1 / 3 * (LOG["cotton"] / TRACTOR_SUM) * (LOG["plowing"] / (TRACTOR_SUM - LOG["cotton"]))  # 0.00101
    mule = 1 / 3 * (LOG["cotton"] / MULE_SUM) * (LOG["plowing"] / (MULE_SUM - LOG["cotton"]))  # 0.00537
    scores = oracle.posterior(item("cotton plowing", TRACTOR))
    # Prior: each caption's records (one each); "Plowing cotton" is too short to be a target.
    assert set(scores) == {TRACTOR, MULE, MULE_TWIN}
    assert scores[TRACTOR] == pytest.approx(tractor) and scores[MULE] == pytest.approx(mule) == scores[MULE_TWIN]
    # Place class: Greene County is a place of TRACTOR's and MULE's records (not the twin's); one word drawn
    # (length 2: 1/3), cotton alone (0.2231 / 4.1760 and / 1.8734), the place before it or after (1/2).
    scores = oracle.posterior(item("Greene County cotton", TRACTOR, "place"))
    assert scores == pytest.approx(
        {TRACTOR: 1 / 3 * LOG["cotton"] / TRACTOR_SUM / 2, MULE: 1 / 3 * LOG["cotton"] / MULE_SUM / 2}
    )
    # Two records of one caption: twice the prior (unless every caption counts once).
    assert Oracle([*ROWS, ROWS[0]]).posterior(item("cotton plowing", TRACTOR))[TRACTOR] == pytest.approx(2 * tractor)
    uniform = Oracle([*ROWS, ROWS[0]], uniform=True)
    assert uniform.posterior(item("cotton plowing", TRACTOR))[TRACTOR] == pytest.approx(tractor)
    assert uniform.posterior(item("Greene County cotton", TRACTOR, "place"))[TRACTOR] == pytest.approx(
        1 / 3 * LOG["cotton"] / TRACTOR_SUM / 2
    )


def test_ranks_count_ties_and_duplicate_aware_groups_sum_their_captions():
    oracle = Oracle(ROWS)
    # MULE and its twin tie at ranks 1-2 (0.00537 each), TRACTOR third; as groups, the mule pair's sum first.
    assert oracle.ranks(item("cotton plowing", TRACTOR)) == (3, 2)
    assert oracle.ranks(item("cotton plowing", MULE)) == ((1, 2), 1)
    assert known_items.reciprocal((1, 2)) == (0.75, 1.0)  # first or second, equally likely
    assert known_items.reciprocal((10, 2)) == (0.05, 0.5)  # tenth or eleventh
    assert known_items.reciprocal(3) == (1 / 3, 1.0) and known_items.reciprocal(None) == (0.0, 0.0)
    assert oracle.ranks(item("tractor", MULE)) == (None, None)  # no mule caption has the word
    # What the oracle expects: the mule pair (0.00537 each) at 0.75, TRACTOR (0.00101) at 1/3; as groups 1 and 1/2.
    scores = oracle.posterior(item("cotton plowing", TRACTOR))
    mule, tractor = scores[MULE], scores[TRACTOR]
    strict = (2 * mule * 0.75 + tractor / 3) / (2 * mule + tractor)
    assert oracle.expectation(item("cotton plowing", TRACTOR)) == pytest.approx(
        (strict, (2 * mule + tractor / 2) / (2 * mule + tractor))
    )


def test_the_draw_probability_is_how_often_the_simulator_draws_the_words():
    caption = "Farmer Farmer plowing cotton with mule team near Greene"
    df, total = Counter({"farmer": 40, "plowing": 10, "cotton": 30, "mule": 5, "team": 8, "greene": 2}), 100
    _, pool = known_items.term_weights(caption, df, total)
    rng, draws = random.Random(7), Counter()
    for _ in range(20000):
        draws[tuple(w.lower() for w in known_items.draw_terms(rng, caption, 2, df, total))] += 1
    for pair in (("greene", "mule"), ("farmer", "greene"), ("cotton", "team"), ("mule", "greene")):
        assert draws[pair] / 20000 == pytest.approx(known_items.draw_probability(pool, list(pair)), abs=0.006)
    assert known_items.length_probability(2, 6, with_place=False) == pytest.approx(1 / 3)
    assert known_items.length_probability(1, 1, with_place=True) == pytest.approx(1.0)  # 2, 3 and 4 give 1 word


def test_a_collapsed_run_counts_each_caption_once():
    hits = [MULE, MULE, MULE_TWIN, TRACTOR, MULE]
    assert known_items.once(hits, str) == [MULE, MULE_TWIN, TRACTOR]
    assert known_items.once(hits, known_items.words_in_order) == [MULE, TRACTOR]
    assert known_items.rank_of(known_items.once(hits, str), TRACTOR) == 3 and known_items.rank_of(hits, TRACTOR) == 4


def test_each_query_a_run_ranks_below_the_oracle_gets_the_first_cause_that_holds():
    oracle, query = Oracle(ROWS), "cotton plowing"
    mule, tractor = item(query, MULE), item(query, TRACTOR)  # the oracle: the mule pair tied at 1-2, TRACTOR 3rd
    cause = known_items.gap_cause
    assert cause(oracle, tractor, [MULE, MULE, MULE, MULE_TWIN, TRACTOR], 3) == "duplicates"  # once each: 3rd
    assert cause(oracle, mule, [MULE_TWIN, MULE], (1, 2)) == "tie"
    assert cause(oracle, mule, ["Plowing cotton", MULE], (1, 2)) == "lacks a word"  # too short to be a target
    assert cause(oracle, mule, [TRACTOR, MULE], (1, 2)) == "words"  # 0.00101 against 0.00537 by the words
    # Six photographs of TRACTOR: 6 x 0.00101 puts it first, though MULE is likelier by its words.
    many = Oracle([*ROWS, *[ROWS[0]] * 5])
    assert many.ranks(tractor)[0] == 1 and cause(many, tractor, [MULE, TRACTOR], 1) == "more photographs"
