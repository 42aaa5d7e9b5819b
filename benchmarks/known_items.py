"""Known-item search over the 98,244 FSA/OWI captions: does the one photograph a reader remembers come first?

    python benchmarks/known_items.py                        # MRR@10 and success@10 per class, every run
    python benchmarks/known_items.py --work /tmp/topical    # keep (or reuse topical.py's) indexes there
    python benchmarks/known_items.py --half test            # only the held-out half (tune on --half tune)
    python benchmarks/known_items.py --misses ichigo        # also each query a run ranks below 1st
    python benchmarks/known_items.py --runs ichigo,ichigo@b=0.5  # a run with other Ranking knobs, to tune
    python benchmarks/known_items.py --below ichigo         # also each query a run ranks below the oracle
    python benchmarks/known_items.py --collapse             # each caption once in a run's hits, as the oracle
    python benchmarks/known_items.py --make                 # regenerate known-items/simulated.jsonl

The set is in ``benchmarks/known-items/`` (how it was made: its README): 400 simulated queries,
each for one target record, drawn with a fixed seed as in the known-item literature (Azzopardi, de
Rijke & Balog 2007), in three classes (``plain``, ``typo``, ``place``), and queries written by
reading a caption (``written``). A target is its caption's text: every record with that caption
counts as the hit (many FSA/OWI photographs share one). Runs: ichigo-search, ichigo-search with
semantic ranking (an index built with ``semantic=True``, as ``topical.py`` builds it), and the peers
of ``engines.py`` with the query's words OR-ed, and the ``oracle``: every caption ranked by its exact
posterior under the simulator's own model (:class:`Oracle`), the best any engine can expect to score
on the simulated queries (it knows each query's class and the word a typo meant), and ``oracle-uniform``,
the same with every caption as likely a target. Each target and its queries are in the ``tune`` or the
``test`` half; tune on one, report the other.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import math
import random
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engines import Query
from ichigo_search.ranking import Ranking
from topical import CAPTIONS, RUN_LABELS, IchigoBridged, open_run, write_corpus

HERE = Path(__file__).resolve().parent / "known-items"
CLASSES = ("plain", "typo", "place", "written")
RUNS = ("oracle", "oracle-uniform", "ichigo", "ichigo+semantic", "fts5", "tantivy", "whoosh")
DEPTH = 10

# -- making the simulated queries -----------------------------------------------------------------

SEED = 18
TARGETS = 400
# Of every ten targets: four plain, three with a typo, three with a place; halves alternate by ten.
CLASS_CYCLE = ("plain",) * 4 + ("typo",) * 3 + ("place",) * 3
LENGTHS = (2, 3, 4)  # a query's words, a place counting as one; each length equally likely
MIN_WORDS = 4  # distinct usable words a target's caption needs
TYPO_MIN_LETTERS = 5  # the misspelt word: people misspell long words, and short ones are beyond repair
# Words no one remembers a photograph by: English function words (NLTK's stop-word list) and the
# commonest adverbs, numerals and verbs of description.
STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each every few first for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just last made make many may me more most much my near next no nor not now of off on once
    one only or other our out over own same second several she should so some such than that the their
    them then there these they this those three through to too two under until up upon very was we
    were what when where which while who whom why will with would you your""".split()
)
_WORD_RE = re.compile(r"[A-Za-z]+")
# Neighbouring keys on a QWERTY keyboard: most substitution typos hit one (Kukich 1992).
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {
    c: "".join(
        _ROWS[r2][c2]
        for r2 in range(max(0, r - 1), min(3, r + 2))
        for c2 in range(max(0, i - 1), i + 2)
        if c2 < len(_ROWS[r2]) and _ROWS[r2][c2] != c
    )
    for r, row in enumerate(_ROWS)
    for i, c in enumerate(row)
}


def words_of(caption: str) -> list[str]:
    """The words a query may draw from a caption as a reader sees it: letters only, three or more, no function words.

    13,744 of the captions hold HTML character references (``&quot;``, ``&#39;``): shown decoded, so their
    names (*quot*) are no words of the caption.
    """
    return [w for w in _WORD_RE.findall(html.unescape(caption)) if len(w) >= 3 and w.lower() not in STOP]


def term_weights(
    caption: str, df: Counter, total: int, without: frozenset[str] = frozenset()
) -> tuple[dict[str, str], dict[str, float]]:
    """A caption's usable words (lower case, none of ``without``): each one's spelling at its first use, and
    its weight in a draw, tf * idf (idf over the ``total`` distinct captions; + 1e-9, so none is zero)."""
    forms: dict[str, str] = {}
    tf: Counter = Counter()
    for word in (w for w in words_of(caption) if w.lower() not in without):
        forms.setdefault(word.lower(), word)
        tf[word.lower()] += 1
    return forms, {w: tf[w] * math.log(total / df[w]) + 1e-9 for w in tf}


def draw_terms(
    rng: random.Random, caption: str, count: int, df: Counter, total: int, without: frozenset[str] = frozenset()
) -> list[str]:
    """``count`` distinct words of the caption, each drawn with probability tf * idf, without replacement.

    Azzopardi, de Rijke & Balog (2007)'s discriminative term selection: a reader remembers what sets the
    photograph apart more often than its common words. Each word keeps the caption's spelling of its first use.
    """
    forms, pool = term_weights(caption, df, total, without)
    chosen = []
    for _ in range(min(count, len(pool))):
        words = sorted(pool)
        pick = rng.choices(words, weights=[pool[w] for w in words])[0]
        chosen.append(forms[pick])
        del pool[pick]
    return chosen


def draw_probability(pool: dict[str, float], drawn: list[str]) -> float:
    """The probability that :func:`draw_terms` draws these words (lower case) first, in this order, from a
    caption whose :func:`term_weights` are ``pool``: each word's weight over the weight of the words left."""
    left, probability = sum(pool.values()), 1.0
    for word in drawn:
        if word not in pool:
            return 0.0
        probability *= pool[word] / left
        left -= pool[word]
    return probability


def length_probability(count: int, pool_size: int, with_place: bool) -> float:
    """The probability that a query draws ``count`` words from a caption with ``pool_size`` usable ones: its
    length is uniform over LENGTHS, a place counts as one of them, and no caption gives more words than it has."""
    return sum(min(n - with_place, pool_size) == count for n in LENGTHS) / len(LENGTHS)


def misspell(rng: random.Random, word: str) -> str:
    """One typo, not in the first letter (rarely wrong, Pollock & Zamora 1983): a swap of neighbours,
    a dropped, a doubled or a substituted letter (a neighbouring key)."""
    while True:
        kind = rng.choice(("swap", "drop", "double", "substitute"))
        i = rng.randrange(1, len(word) - (kind == "swap"))
        if kind == "swap":
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "drop":
            typo = word[:i] + word[i + 1 :]
        elif kind == "double":
            typo = word[: i + 1] + word[i] + word[i + 1 :]
        else:
            keys = NEIGHBOURS.get(word[i].lower(), "")
            typo = word[:i] + rng.choice(keys) + word[i + 1 :] if keys else word
        if typo.lower() != word.lower():
            return typo


def place_of(row: dict) -> str | None:
    """The most specific of a record's places a reader would name: not the country, not a truncated value."""
    for place in row.get("places") or []:
        if place not in ("United States", "") and not re.fullmatch(r"New County|[A-Z]{2}\.[A-Z]{2}\.\d+", place):
            return re.sub(r"[()]", "", place)
    return None


def read_rows(data: Path) -> list[dict]:
    """The records of a gzipped corpus JSONL file, in its order."""
    with gzip.open(data, "rt", encoding="utf-8") as src:
        return [json.loads(line) for line in src]


def caption_df(rows: list[dict]) -> tuple[Counter, int]:
    """The document frequency of each usable word (lower case) over the distinct captions, and their number."""
    distinct = {row["caption"] for row in rows}
    df: Counter = Counter()
    for text in distinct:
        df.update({w.lower() for w in words_of(text)})
    return df, len(distinct)


def usable(caption: str) -> bool:
    """Whether a caption can be a target: it has MIN_WORDS distinct usable words."""
    return len({w.lower() for w in words_of(caption)}) >= MIN_WORDS


def place_words(place: str) -> frozenset[str]:
    """The words of a place (lower case), which a ``place`` query does not draw from the caption again."""
    return frozenset(w.lower() for w in _WORD_RE.findall(place))


def make_queries(data: Path, count: int = TARGETS, seed: int = SEED) -> list[dict]:
    """The simulated known-item queries: targets sampled with ``seed``, one query each."""
    rows = read_rows(data)
    df, total = caption_df(rows)
    rng = random.Random(seed)
    order = list(range(len(rows)))
    rng.shuffle(order)
    queries: list[dict] = []
    seen: set[str] = set()
    for index in order:
        if len(queries) == count:
            break
        row = rows[index]
        caption, kind = row["caption"], CLASS_CYCLE[len(queries) % len(CLASS_CYCLE)]
        place = place_of(row)
        if caption in seen or not usable(caption) or (kind == "place" and not place):
            continue
        length = rng.choice(LENGTHS)
        # A place class query names the place once: its words are not drawn from the caption too.
        without = place_words(place) if kind == "place" and place else frozenset()
        terms = draw_terms(rng, caption, length - (kind == "place"), df, total, without)
        if not terms:
            continue
        intended = list(terms)
        if kind == "typo":
            long = [i for i, w in enumerate(terms) if len(w) >= TYPO_MIN_LETTERS]
            if not long:
                continue
            i = rng.choice(long)
            terms[i] = misspell(rng, terms[i])
        if kind == "place":
            at = rng.randrange(len(terms) + 1)
            terms.insert(at, place)
            intended.insert(at, place)
        seen.add(caption)
        half = "tune" if (len(queries) // len(CLASS_CYCLE)) % 2 == 0 else "test"
        query = {"q": " ".join(terms), "class": kind, "id": row["id"], "half": half}
        queries.append(query | ({"intended": " ".join(intended)} if kind == "typo" else {}))
    return queries


# -- runs -------------------------------------------------------------------------------------------

# A run "ichigo@knob=value;knob=value" is ichigo-search with those Ranking knobs (for tuning).
KNOBS = "@"


class IchigoTuned(IchigoBridged):
    """ichigo-search on its index with other :class:`Ranking` knobs."""

    def __init__(self, knobs: dict[str, float]) -> None:
        self.knobs = knobs

    def open(self, index: Path) -> None:
        from ichigo_search import Index

        self.index = Index(index, ranking=Ranking(**self.knobs))


def open_tuned(name: str, corpus: Path, work: Path):
    """An adapter for a run name, ``ichigo@knob=value;...`` included (on the ichigo-search index)."""
    if KNOBS not in name:
        return open_run(name, corpus, work)
    base, _, spec = name.partition(KNOBS)
    knobs = {}
    for pair in spec.split(";"):
        knob, _, value = pair.partition("=")
        default = getattr(Ranking(), knob)
        knobs[knob] = type(default)(float(value))
    adapter = open_run(base, corpus, work)  # builds the index if needed
    adapter.close()
    tuned = IchigoTuned(knobs)
    tuned.open(work / f"{base}-index")
    return tuned


# -- scoring ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownItem:
    text: str
    kind: str
    target: str  # the target's caption text
    half: str
    intended: str  # the query without its typo


DUPLICATE_AWARE = "Duplicate-aware (a hit with the target's words in order counts: case, punctuation, references aside)"
AMBIGUOUS = 10  # other captions with every word a query means, from which it is ambiguous


def load_set(folder: Path, captions: dict[str, str]) -> list[KnownItem]:
    """The simulated and the written queries, each with its target's caption."""
    items = []
    for name in ("simulated.jsonl", "written.jsonl"):
        path = folder / name
        if path.exists():
            for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
                intended = row.get("intended", row["q"])
                items.append(KnownItem(row["q"], row["class"], captions[row["id"]], row["half"], intended))
    return items


COLLAPSED = 100  # hits a run fetches to count each caption once (--collapse)


def once(hits: list[str], same: Callable[[str], object]) -> list[str]:
    """The hits with each caption once, at its first place (``same`` keys a caption, as in :func:`rank_of`)."""
    first: dict[object, str] = {}
    for text in hits:
        first.setdefault(same(text), text)
    return list(first.values())


def rank_of(hits: list[str], target: str, same: Callable[[str], object] = str) -> int | None:
    """The 1-based rank of the first hit with the target's caption, if in the top DEPTH.

    ``same`` keys a caption: a hit counts when its key is the target's (``words_in_order``: duplicate-aware).
    """
    wanted = same(target)
    return next((i + 1 for i, text in enumerate(hits[:DEPTH]) if same(text) == wanted), None)


_TOKEN_RE = re.compile(r"\w+")


def words_in_order(caption: str) -> tuple[str, ...]:
    """A caption's words in order, as a reader tells captions apart: case, punctuation, spacing and HTML
    character references aside.

    970 groups of the FSA/OWI captions are such duplicates of each other (*… glider pilot in training, at
    Page Field* and *… in training at Page Field*; *U. S.Navy* and *U.S. Navy*): the same photograph series
    catalogued twice, which no engine can tell apart from the other by the words a reader remembers.
    """
    return tuple(_TOKEN_RE.findall(html.unescape(caption).casefold()))


# -- the oracle ---------------------------------------------------------------------------------------

ORACLE = "oracle"
UNIFORM = "oracle-uniform"  # the oracle with a uniform prior over captions
TIE = 1e-9  # posteriors this close (relative) are equal: captions the model cannot tell apart
# A rank: 1-based, None past DEPTH, or (first, k): a tie of k captions at ranks first..first+k-1.
Rank = int | tuple[int, int] | None


class Oracle:
    """Every caption ranked by its exact posterior under the simulator's own model (:func:`make_queries`).

    A target is a record drawn uniformly among those whose caption is :func:`usable` (and, for ``place``,
    has a :func:`place_of`), so a caption's prior is its number of such records; its likelihood is that of
    the query's length and of drawing the query's words in the order typed (:func:`draw_probability`), and
    for ``place`` that of the place's position. The oracle knows each query's class and reads a typo query
    as intended (it knows the correction); it reads words case-folded, as the engines do. Ranking by the
    posterior maximises the expected reciprocal rank: see the set's README.
    """

    def __init__(self, rows: list[dict], uniform: bool = False) -> None:
        """``uniform``: every caption as likely a target, whatever its records (what the prior is worth)."""
        self.df, self.total = caption_df(rows)
        self.records: Counter = Counter()  # a caption that can be a target: its records
        self.placed: dict[str, Counter] = defaultdict(Counter)  # a place, case-folded: caption -> its records
        for row in rows:
            if usable(row["caption"]):
                self.records[row["caption"]] += 1
                if place := place_of(row):
                    self.placed[" ".join(place.lower().split())][row["caption"]] += 1
        self.uniform = uniform
        self.postings: dict[str, set[str]] = defaultdict(set)
        for caption in self.records:
            for word in words_of(caption):
                self.postings[word.lower()].add(caption)

    def likelihood(self, caption: str, drawn: list[str], place: str | None = None) -> float:
        """The probability that a query for ``caption`` (its record's place ``place`` for a ``place`` query)
        draws the lower-case words ``drawn`` in this order, and puts the place where the query has it."""
        _, pool = term_weights(caption, self.df, self.total, place_words(place) if place else frozenset())
        probability = length_probability(len(drawn), len(pool), place is not None) * draw_probability(pool, drawn)
        return probability / (len(drawn) + 1) if place is not None else probability

    def posterior(self, item: KnownItem, uniform: bool | None = None) -> Counter:
        """Each caption that could have made this query: prior times likelihood (not normalised); with
        ``uniform`` (by default the oracle's own), the likelihood alone."""
        words = item.intended.lower().split()
        scores: Counter = Counter()
        flat = self.uniform if uniform is None else uniform
        if item.kind != "place":
            for caption in self._holding(words, self.records):
                scores[caption] += (1 if flat else self.records[caption]) * self.likelihood(caption, words)
            return scores
        # Which words are the place: any run of them naming a record's place, the others drawn.
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                place, drawn = " ".join(words[i:j]), words[:i] + words[j:]
                if place in self.placed and drawn:
                    for caption in self._holding(drawn, self.placed[place]):
                        prior = 1 if flat else self.placed[place][caption]
                        scores[caption] += prior * self.likelihood(caption, drawn, place)
        return scores

    def ranks(self, item: KnownItem) -> tuple[Rank, Rank]:
        """The target's rank by posterior: strict, and duplicate-aware, where a group of captions with the same
        words in order (:func:`words_in_order`) is ranked by its summed posterior, one caption each."""
        scores, groups = self._ranked(item)
        return tie_rank(scores, item.target), tie_rank(groups, words_in_order(item.target))

    def expectation(self, item: KnownItem) -> tuple[float, float]:
        """The oracle's expected reciprocal rank (strict, duplicate-aware) over the targets the query may have been
        made for, each as likely as its posterior: the most any ranking can expect from this query."""
        return tuple(expected_reciprocal(scores) for scores in self._ranked(item))  # type: ignore[return-value]

    def _ranked(self, item: KnownItem) -> tuple[Counter, Counter]:
        scores = self.posterior(item)
        groups: Counter = Counter()
        for caption, score in scores.items():
            groups[words_in_order(caption)] += score
        return scores, groups

    def _holding(self, words: list[str], among: Counter) -> set[str]:
        found = set.intersection(*(self.postings.get(w, set()) for w in words))
        return {caption for caption in found if caption in among}


def tie_rank(scores: Counter, target: object) -> Rank:
    """The target's rank among the keys by score, a tie counted as such (:data:`Rank`)."""
    mine = scores.get(target, 0.0)
    above = sum(1 for score in scores.values() if score > mine * (1 + TIE))
    tied = sum(1 for score in scores.values() if abs(score - mine) <= mine * TIE)
    if mine <= 0 or above >= DEPTH:
        return None
    return above + 1 if tied == 1 else (above + 1, tied)


def gap_cause(oracle: Oracle, item: KnownItem, hits: list[str], best: Rank) -> str:
    """Why a run's hits rank the target lower than the oracle (at ``best``) does, by the first rule that holds:

    ``duplicates``: counted once per caption, the hits rank the target as high as the oracle; ``tie``: the
    captions above it are ones the oracle cannot tell from it; ``lacks a word``: the first caption above it that
    the oracle ranks below it does not hold every word as typed (a stem, a variant, a correction elsewhere) or
    cannot be a target; ``more photographs``: that caption is as likely by its words, the target's caption has
    more records; ``words``: by its words alone the draw prefers the target (length, repeats, order).
    """
    if reciprocal(rank_of(once(hits, str), item.target))[0] >= reciprocal(best)[0] - 1e-9:
        return "duplicates"
    scores = oracle.posterior(item)
    mine = scores[item.target]
    shown = once(hits, str)
    above = shown[: shown.index(item.target)] if item.target in shown else shown
    rival = next((text for text in above if scores.get(text, 0.0) < mine * (1 - TIE)), None)
    if rival is None:
        return "tie"
    if not scores.get(rival):
        return "lacks a word"
    words = oracle.posterior(item, uniform=True)
    if words[rival] >= words[item.target]:
        return "more photographs"
    return "words"


def expected_reciprocal(scores: Counter) -> float:
    """The expected reciprocal rank at DEPTH of a target drawn by these (unnormalised) posteriors, ranked by them."""
    total, expected, first = sum(scores.values()), 0.0, 1
    ordered = sorted(scores.values(), reverse=True)
    while first <= min(DEPTH, len(ordered)):
        tied = [s for s in ordered[first - 1 :] if s >= ordered[first - 1] * (1 - TIE)]
        expected += sum(tied) / total * reciprocal((first, len(tied)))[0]
        first += len(tied)
    return expected


def reciprocal(rank: Rank) -> tuple[float, float]:
    """A rank's (expected) reciprocal rank and success at DEPTH: a tie of k at ranks r..r+k-1 puts the target
    at each of them with probability 1/k."""
    first, tied = rank if isinstance(rank, tuple) else (rank or DEPTH + 1, 1)
    shown = range(first, min(first + tied - 1, DEPTH) + 1)
    return sum(1 / r for r in shown) / tied, len(shown) / tied


def rivals(fts5, item: KnownItem, captions: dict[str, str]) -> int:
    """Other captions holding every word the query means (SQLite FTS5, words AND-ed), up to 100."""
    hits = fts5.search(Query.parse(item.intended, conjunction=True), limit=100 + AMBIGUOUS)
    return len({captions[ident] for ident, _ in hits} - {item.target})


def table(results: dict[str, list[tuple[KnownItem, Rank]]]) -> str:
    """Markdown: MRR@10 / success@10 for each run, over all queries, the simulated ones and per class."""
    first = next(iter(results.values()))
    counts = {kind: sum(1 for item, _ in first if item.kind == kind) for kind in CLASSES}
    kinds = [k for k in CLASSES if counts[k]]
    simulated = len(first) - counts["written"]
    head = " | ".join(f"{k} ({counts[k]} q)" for k in kinds)
    lines = [
        f"| MRR@10 / success@10 | all ({len(first)} q) | simulated ({simulated} q) | {head} |",
        "| --- |" + " ---: |" * (len(kinds) + 2),
    ]
    for run, rows in results.items():
        cells = [figures([r for _, r in rows]), figures([r for item, r in rows if item.kind != "written"])]
        # The oracle cannot read a written query: it counts them first (an upper bound) and shows no figure.
        cells += [
            "—"
            if run in (ORACLE, UNIFORM) and kind == "written"
            else figures([r for item, r in rows if item.kind == kind])
            for kind in kinds
        ]
        lines.append(f"| {RUN_LABELS.get(run, run)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figures(ranks: list[Rank]) -> str:
    n = len(ranks) or 1
    scores = [reciprocal(r) for r in ranks]
    return f"{sum(rr for rr, _ in scores) / n:.3f} / {sum(s for _, s in scores) / n:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=CAPTIONS, help="gzipped corpus JSONL (the FSA/OWI captions)")
    parser.add_argument("--set", type=Path, default=HERE, help="folder of simulated.jsonl and written.jsonl")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, of {','.join(RUNS)}")
    parser.add_argument("--half", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--work", type=Path, help="keep the corpus and indexes here and reuse them")
    parser.add_argument("--misses", help="print the queries this run does not rank first")
    parser.add_argument(
        "--collapse", action="store_true", help="count each caption once in a run's hits, as the oracle ranks them"
    )
    parser.add_argument("--below", help="print the queries this run ranks lower than the oracle (with oracle run)")
    parser.add_argument("--make", action="store_true", help=f"write {HERE.name}/simulated.jsonl anew (seed {SEED})")
    args = parser.parse_args(argv)
    if args.make:
        queries = make_queries(args.data)
        out = args.set / "simulated.jsonl"
        out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
        print(f"{len(queries)} queries written to {out}")
        return 0
    with tempfile.TemporaryDirectory() as tmp_name:
        work = args.work or Path(tmp_name)
        corpus, captions = write_corpus(work, args.data)
        items = [i for i in load_set(args.set, captions) if args.half in ("all", i.half)]
        strict: dict[str, list[tuple[KnownItem, Rank]]] = {}
        aware: dict[str, list[tuple[KnownItem, Rank]]] = {}
        oracle = None
        below_hits: dict[KnownItem, list[str]] = {}  # the hits of the --below run, COLLAPSED deep
        for run in args.runs.split(","):
            ranked: list[tuple[Rank, Rank]] = []
            if run in (ORACLE, UNIFORM):
                model = Oracle(read_rows(args.data), uniform=run == UNIFORM)
                ranked = [(1, 1) if item.kind == "written" else model.ranks(item) for item in items]
                oracle = model if run == ORACLE else oracle
            else:
                adapter = open_tuned(run, corpus, work)
                for item in items:
                    deep = args.collapse or run == args.below
                    found = adapter.search(Query.parse(item.text), limit=COLLAPSED if deep else DEPTH)
                    hits = [captions[ident] for ident, _ in found]
                    if run == args.below:
                        below_hits[item] = hits
                    hits = hits if args.collapse else hits[:DEPTH]
                    strict_hits, aware_hits = (
                        (once(hits, str), once(hits, words_in_order)) if args.collapse else (hits,) * 2
                    )
                    ranked.append((rank_of(strict_hits, item.target), rank_of(aware_hits, item.target, words_in_order)))
                adapter.close()
            strict[run] = [(item, rank) for item, (rank, _) in zip(items, ranked, strict=True)]
            aware[run] = [(item, rank) for item, (_, rank) in zip(items, ranked, strict=True)]
            for item, rank in strict[run] if run == args.misses else ():
                if rank != 1:
                    print(f"{rank or '-'!s:>7} {item.kind:7} {item.text!r:40} {item.target[:90]}")
        if args.below and oracle:
            # The queries a run ranks lower than the oracle does, each with a cause (gap_cause): the gap to the
            # ceiling, query by query.
            causes: Counter = Counter()
            for (item, rank), (_, best) in zip(strict[args.below], strict[ORACLE], strict=True):
                if item.kind != "written" and reciprocal(rank)[0] < reciprocal(best)[0] - 1e-9:
                    causes[cause := gap_cause(oracle, item, below_hits[item], best)] += 1
                    print(
                        f"{rank or '-'!s:>3} {best!s:>8} {item.kind:6} {cause:17} {item.text!r:38} {item.target[:60]}"
                    )
            print(f"{sum(causes.values())} queries {args.below} ranks lower than the oracle, by cause: {dict(causes)}")
        print(f"\n{len(items)} known-item queries ({args.half}) over {len(captions):,} captions\n")
        print(f"Strict (the target's caption exactly):\n\n{table(strict)}")
        if oracle:
            print("\n(The oracle cannot read a written query: each counts first, so its `all` is an upper bound.)")
        print(f"\n{DUPLICATE_AWARE}:\n\n{table(aware)}")
        if oracle:
            # What the oracle expects of itself on these queries, over the targets each may have been made for.
            print("\nThe oracle's expected MRR@10 over each query's possible targets, strict / dup.-aware:", end="")
            for kind in ("plain", "typo", "place"):
                of_kind = [oracle.expectation(item) for item in items if item.kind == kind]
                n = len(of_kind) or 1
                print(f" {kind} {sum(s for s, _ in of_kind) / n:.3f} / {sum(a for _, a in of_kind) / n:.3f}", end="")
            print()
        # How many queries no engine can answer from their words alone: AMBIGUOUS or more other captions
        # have every word (series of photographs share most of a caption).
        fts5 = open_run("fts5", corpus, work)
        clear = {item for item in items if rivals(fts5, item, captions) < AMBIGUOUS}
        fts5.close()
        print(
            f"\n{len(items) - len(clear)} of the {len(items)} queries have {AMBIGUOUS} or more other captions holding"
            f" every word they mean (typos corrected); on the other {len(clear)}:\n"
        )
        for name, results in (("Strict", strict), (DUPLICATE_AWARE, aware)):
            shown = {run: [(item, rank) for item, rank in rows if item in clear] for run, rows in results.items()}
            print(f"{name}:\n\n{table(shown)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
