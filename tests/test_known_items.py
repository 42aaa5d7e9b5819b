"""The known-item set of benchmarks/known_items.py: made as its README says, and the committed file is what it makes."""

from __future__ import annotations

import html
import json
import random
import re
import sys

from conftest import FSA_CAPTIONS, ROOT
from test_vocabulary import osa

sys.path.insert(0, str(ROOT / "benchmarks"))
import known_items


def test_the_committed_queries_are_the_seeded_simulation_and_follow_the_rules():
    committed = [json.loads(line) for line in (known_items.HERE / "simulated.jsonl").read_text().splitlines()]
    assert committed == known_items.make_queries(FSA_CAPTIONS)
    rows = {row["id"]: row for row in map(json.loads, _lines())}
    assert len(committed) == known_items.TARGETS
    assert len({rows[q["id"]]["caption"] for q in committed}) == len(committed)
    for kind, share in (("plain", 0.4), ("typo", 0.3), ("place", 0.3)):
        of_kind = [q for q in committed if q["class"] == kind]
        assert len(of_kind) == share * len(committed)
        assert sum(q["half"] == "tune" for q in of_kind) == len(of_kind) // 2
    for q in committed:
        row, text = rows[q["id"]], q.get("intended", q["q"])
        if q["class"] == "typo":
            changed = [(a, b) for a, b in zip(q["q"].split(), text.split(), strict=True) if a != b]
            assert len(changed) == 1, q
            typo, word = changed[0]
            assert len(word) >= known_items.TYPO_MIN_LETTERS and typo[0] == word[0] and osa(typo, word) == 1
        if q["class"] == "place":
            place = known_items.place_of(row)
            assert place in text, q
            text = text.replace(place, " ")
        drawn = text.split()
        assert 1 <= len(drawn) <= 4 and (len(drawn) >= 2 or q["class"] == "place"), q
        # Words of the caption as shown: "quot" of a "&quot;" is none (13,744 captions hold such references).
        assert set(drawn) <= set(re.findall(r"[A-Za-z]+", html.unescape(row["caption"]))), q
        assert not any(w.lower() in known_items.STOP or len(w) < 3 for w in drawn), q


def test_each_typo_is_one_edit_of_the_kinds_named_past_the_first_letter():
    rng = random.Random(1)
    for word in ("shack", "Louisville", "desert", "department", "aaaaa"):
        for _ in range(200):
            typo = known_items.misspell(rng, word)
            assert typo != word and typo[0] == word[0] and osa(typo.lower(), word.lower()) == 1


def test_written_queries_name_real_targets_and_the_scores_are_rank_based():
    ids = {json.loads(line)["id"] for line in _lines()}
    written = [json.loads(line) for line in (known_items.HERE / "written.jsonl").read_text().splitlines()]
    assert len(written) >= 30 and all(q["id"] in ids and q["class"] == "written" for q in written)
    assert known_items.rank_of(["a", "b", "c"], "c") == 3 and known_items.rank_of(["a"] * 10 + ["c"], "c") is None
    assert known_items.figures([1, 2, None, 4]) == f"{(1 + 0.5 + 0.25) / 4:.3f} / 0.750"


def test_duplicate_aware_ranks_count_a_caption_with_the_same_words_in_order():
    captions = [json.loads(line)["caption"] for line in _lines()]
    pilot = [c for c in captions if c.startswith("Marine lieutenant, glider pilot in training") and "ready" not in c]
    assert len(set(pilot)) >= 2  # the same series catalogued with and without a comma
    target, twin = sorted(set(pilot))[:2]
    other = next(c for c in captions if c.startswith("Marine Corps glider in flight"))
    hits = [other, twin, target]
    assert known_items.rank_of(hits, target) == 3
    assert known_items.rank_of(hits, target, known_items.words_in_order) == 2
    assert known_items.words_in_order("Children&#39;s parade") == known_items.words_in_order("CHILDREN'S  parade.")
    assert known_items.words_in_order("court day, in Campton") != known_items.words_in_order("court day. Campton")


def _lines() -> list[str]:
    import gzip

    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as f:
        return f.read().splitlines()
