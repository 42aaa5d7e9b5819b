"""Precision and recall of the places ichigo-search assigns, on a judged sample of FSA/OWI captions.

    python benchmarks/places.py                         # this tree, beside the record's own place list
    python benchmarks/places.py --before /tmp/places-base  # also the engine of another checkout
    python benchmarks/places.py --errors                # every record with a wrong or missing place

The judged sample is ``benchmarks/places-judged/judged.jsonl`` (how it was drawn and judged:
the README beside it): for each record, the countries (ISO 3166-1) and states or provinces
(ISO 3166-2) of the places its caption and its own place list name.  A record's assigned places
are the countries and provinces of its indexed place tree (``document.PLACE_TREE``).  Scores are
micro-averaged over (record, place) pairs.  States are scored for the countries whose first-level
divisions the judges read (``STATE_COUNTRIES``); other countries' provinces are left out on both sides.

``--before DIR`` runs the same measurement with the package of another checkout (its ``src/``
and its gazetteer), say the starting commit unpacked with ``git archive START | tar -x -C DIR``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUDGED = ROOT / "benchmarks" / "places-judged" / "judged.jsonl"
CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"
STATE_COUNTRIES = ("US", "CN", "IN", "MM", "JP", "CA")
# The issue's judged sample of 200 records (not in this repository), for comparison.
ISSUE_FIGURES = {
    "ichigo-search at the issue": (0.885, 0.949, 0.644, 0.990),
    "record's place list (issue)": (1.000, 0.698, None, None),
    "geotext on the caption (issue)": (0.752, 0.698, None, None),
}


def load_judged(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_raw(captions: Path, ids: set[str]) -> dict[str, dict]:
    found = {}
    with gzip.open(captions, "rt", encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            if raw["id"] in ids:
                found[raw["id"]] = raw
    return found


def engine_places(raws: list[dict]) -> dict[str, dict[str, list[str]]]:
    """Countries and provinces of each record's place tree, with the package on sys.path."""
    from ichigo_search.corpus.record import record_from_mapping
    from ichigo_search.document import PLACE_TREE, to_document
    from ichigo_search.vocab.gazetteer import gazetteer

    places = gazetteer()
    assigned = {}
    for raw in raws:
        record, problems = record_from_mapping(raw)
        assert record is not None, problems
        tree = to_document(record).get(PLACE_TREE, "").split()
        kinds = [(pid, places.place(pid)) for pid in tree]
        assigned[raw["id"]] = {
            "countries": sorted({pid for pid, p in kinds if p is not None and p.kind == "country"}),
            "states": sorted({pid for pid, p in kinds if p is not None and p.kind == "province"}),
        }
    return assigned


def record_list_places(raws: list[dict]) -> dict[str, dict[str, list[str]]]:
    """The baseline: the record's own place names that are exactly a country's or a province's name."""
    from ichigo_search.vocab.gazetteer import gazetteer

    places = gazetteer()
    assigned = {}
    for raw in raws:
        countries, states = set(), set()
        for name in raw.get("places") or []:
            for place in places.candidates(name):
                if place.name == name and place.kind == "country":
                    countries.add(place.id)
                elif place.name == name and place.kind == "province":
                    states.add(place.id)
        assigned[raw["id"]] = {"countries": sorted(countries), "states": sorted(states)}
    return assigned


def scored_states(states: list[str]) -> set[str]:
    return {s for s in states if s.split("-")[0] in STATE_COUNTRIES}


def score(judged: list[dict], assigned: dict[str, dict[str, list[str]]]) -> tuple[float, float, float, float]:
    """Country precision and recall, state precision and recall."""
    figures = []
    for level in ("countries", "states"):
        right = given = wanted = 0
        for item in judged:
            truth, got = set(item[level]), set(assigned[item["id"]][level])
            if level == "states":
                truth, got = scored_states(item[level]), scored_states(assigned[item["id"]][level])
            right += len(truth & got)
            given += len(got)
            wanted += len(truth)
        figures += [right / given if given else 1.0, right / wanted if wanted else 1.0]
    return tuple(figures)  # type: ignore[return-value]


def run_before(checkout: Path, judged_path: Path, captions: Path) -> dict:
    command = [sys.executable, __file__, "--assign-only", "--judged", str(judged_path), "--captions", str(captions)]
    env = {"PYTHONPATH": str(checkout / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=checkout)
    return json.loads(done.stdout)


def show_errors(judged: list[dict], assigned: dict, raws: dict[str, dict]) -> None:
    for item in judged:
        got = assigned[item["id"]]
        wrong_c = set(got["countries"]) ^ set(item["countries"])
        wrong_s = scored_states(got["states"]) ^ scored_states(item["states"])
        if wrong_c or wrong_s:
            raw = raws[item["id"]]
            print(f"{item['id']}  judged {item['countries']} {item['states']}  got {got['countries']} {got['states']}")
            print(f"    places={raw.get('places')}  {raw['caption'][:200]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--captions", type=Path, default=CAPTIONS)
    parser.add_argument("--before", type=Path, help="another checkout whose engine to measure too")
    parser.add_argument("--errors", action="store_true", help="list the records this tree gets wrong")
    parser.add_argument("--assign-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    judged = load_judged(args.judged)
    raws = load_raw(args.captions, {item["id"] for item in judged})
    ordered = [raws[item["id"]] for item in judged]
    if args.assign_only:
        print(json.dumps(engine_places(ordered)))
        return 0
    rows = {"ichigo-search (this tree)": engine_places(ordered)}
    if args.before:
        rows[f"ichigo-search ({args.before})"] = run_before(args.before.resolve(), args.judged, args.captions)
    rows["the record's own place list"] = record_list_places(ordered)
    pairs = sum(len(i["countries"]) for i in judged), sum(len(scored_states(i["states"])) for i in judged)
    print(f"{len(judged)} judged records ({pairs[0]} countries, {pairs[1]} states/provinces)\n")
    print("| | country precision | country recall | state/province precision | state/province recall |")
    print("|---|---|---|---|---|")
    for label, assigned in rows.items():
        print("| " + label + " | " + " | ".join(f"{x:.3f}" for x in score(judged, assigned)) + " |")
    for label, figures in ISSUE_FIGURES.items():
        print("| " + label + " | " + " | ".join("" if x is None else f"{x:.3f}" for x in figures) + " |")
    wrong = sum(
        1 for item in judged if set(rows["ichigo-search (this tree)"][item["id"]]["countries"]) - set(item["countries"])
    )
    print(f"\nrecords with a wrong country (this tree): {wrong} of {len(judged)}")
    if args.errors:
        print()
        show_errors(judged, rows["ichigo-search (this tree)"], raws)
    return 0


if __name__ == "__main__":
    sys.exit(main())
