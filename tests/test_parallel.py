"""A large corpus is read, and rebuilt, by two processes: what they find and write is what one process would."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import fsa_lines
from ichigo_search.corpus import reading as corpus_module
from ichigo_search.corpus.reading import read_corpus


def _mixed_corpus(root: Path) -> Path:
    """Real captions in six files of every format, with bad lines and ids repeated across the halves."""
    lines = fsa_lines(600)
    first_id = json.loads(lines[0])["id"]
    root.mkdir()
    (root / "a.jsonl").write_text("\n".join(lines[:200]) + "\n", encoding="utf-8")
    (root / "b.jsonl").write_text(
        "\n".join([*lines[200:300], "{not json", json.dumps({"id": "no-caption"})]) + "\n", encoding="utf-8"
    )
    (root / "c.csv").write_text(
        f'id,caption\ncsv-1,"A farmer, Vermont"\n{first_id},"repeats the first file\'s id"\n,no id\n', encoding="utf-8"
    )
    (root / "d.jsonl").write_text("\n".join(lines[300:450]) + "\n", encoding="utf-8")
    yaml_text = "- id: yaml-1\n  caption: Kweilin airfield, 1944\n- caption: no id\n"
    (root / "e.yaml").write_text(yaml_text, encoding="utf-8")
    repeated = json.dumps({**json.loads(lines[10]), "caption": "a later record with an earlier id"})
    (root / "f.jsonl").write_text(
        "\n".join([*lines[450:600], repeated, lines[550]]) + "\n"  # then a line repeated whole, encoding="utf-8"
    )
    return root


def _summary(corpus) -> dict:
    return {
        "records": [(r.id, r.content_hash, r.to_dict()) for r in corpus.records],
        "kept": corpus.kept,
        "problems": [str(p) for p in corpus.problems],
        "files": corpus.files,
        "rejected": corpus.rejected,
        "unreadable": corpus.unreadable,
        "states": {name: state.to_json() for name, state in corpus.states.items()},
    }


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_two_processes_read_what_one_reads(tmp_path, monkeypatch, forks):
    root = _mixed_corpus(tmp_path / "corpus")
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 10**12)
    alone = _summary(read_corpus(root))
    assert not forks
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    together = _summary(read_corpus(root))
    assert len(forks) == 1
    assert together == alone
    # the duplicates across the halves are found, and named where their ids first appeared
    assert any("c.csv:3: duplicate id" in p and "(first at a.jsonl:1)" in p for p in together["problems"])
    assert any("f.jsonl:151: duplicate id" in p and "(first at a.jsonl:11)" in p for p in together["problems"])
    assert any("f.jsonl:152: duplicate id" in p and "(first at f.jsonl:101)" in p for p in together["problems"])
    assert len(together["records"]) == 600 + 2  # every FSA caption once, one from the CSV, one from the YAML


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_one_large_file_is_cut_between_two_lines_and_read_in_halves(tmp_path, monkeypatch, forks):
    """A BOM, blank lines, bad lines and a repeated id on both sides of the cut: found as one reader finds them."""
    lines = fsa_lines(700)
    repeated = json.dumps({**json.loads(lines[3]), "caption": "the same id again, past the middle"})
    body = [*lines[:300], "", "{bad json", *lines[300:600], repeated, "[1, 2]", *lines[600:]]
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "all.jsonl").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(body).encode("utf-8") + b"\r\n")
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 10**12)
    alone = read_corpus(root)
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    reading = corpus_module.Reading(root)
    first, second = reading.halves()
    assert first[0].name == second[0].name == "all.jsonl" and first[0].end == second[0].start > 0
    together = reading.read()
    assert len(forks) == 1
    assert _summary(together) == _summary(alone)
    assert len(together.records) == 700 and len(together.problems) == 3
    assert list(together.records)[650] == list(alone.records)[650]  # read again from its line, past the cut


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_an_update_reads_changed_files_in_two_processes_alike(tmp_path, monkeypatch, forks):
    """Known lines of changed files (not parsed again) travel back from the second process too."""
    root = _mixed_corpus(tmp_path / "corpus")
    known = read_corpus(root).states
    edited = []
    for name in ("a.jsonl", "f.jsonl"):
        path = root / name
        lines = path.read_text(encoding="utf-8").splitlines()
        record = json.loads(lines[5])
        record["caption"] += " (edited)"
        edited.append(record["id"])
        lines[5] = json.dumps(record)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 10**12)
    alone = read_corpus(root, known)
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    together = read_corpus(root, known)
    assert len(forks) == 1
    assert _summary(together) == _summary(alone)
    # parsed again: the two edited lines, and the CSV and YAML files that had problems (no line digests)
    assert sorted(r.id for r in together.records) == sorted([*edited, "csv-1", "yaml-1"])
    assert len(together.kept) == len(alone.kept) > 500


def _search_all(idx, queries: list[str]) -> list[dict]:
    return [idx.search(q, limit=20).to_dict() for q in queries]


QUERIES = ["Liuzhou airbase", "farm", "Kweilin refugees", '"county road"', "farm -tractor", "1942", "Vermont"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("files", [4, 1])
def test_a_rebuild_that_parses_as_it_writes_builds_what_read_then_write_builds(tmp_path, monkeypatch, forks, files):
    """Each process indexes its half of the files as it parses them; the index is the one of a read corpus."""
    from ichigo_search import Index

    lines = fsa_lines(1600)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(files):
        step = 1600 // files
        (corpus / f"part-{number}.jsonl").write_text("\n".join(lines[number * step : (number + 1) * step]) + "\n")
    built = []
    for name, parallel_bytes in (("read-then-write", 10**12), ("as-parsed", 0)):
        monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", parallel_bytes)
        with Index(tmp_path / name) as idx:
            forked_before = len(forks)
            report = idx.rebuild_from(corpus)
            assert len(forks) - forked_before == (parallel_bytes == 0)  # the second half's process
            assert (report.added, report.problems) == (1600, [])
            stored = list(idx._searcher_now().whoosh.reader().all_stored_fields())
            again = idx.update_from(corpus)  # the file states written let an update find nothing to do
            assert (again.added, again.deleted, again.updated) == (0, 0, 0)
            built.append((stored, _search_all(idx, QUERIES), idx.stats()["records"]))
    assert built[0] == built[1]
    assert sum(result["total"] for result in built[0][1]) > 20


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_problems_found_while_writing_in_halves_fail_the_build_or_are_skipped(tmp_path, monkeypatch, forks):
    """A bad line, and an id the first half holds, are found in the second half: as a read corpus reports them."""
    from ichigo_search import CorpusError, Index

    lines = fsa_lines(900)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("\n".join(lines[:400]) + "\n")
    (corpus / "b.jsonl").write_text("\n".join(lines[400:800]) + "\n")
    idx = Index(tmp_path / "index")
    idx.rebuild_from(corpus)
    before = _search_all(idx, QUERIES)
    repeated = json.dumps({**json.loads(lines[5]), "caption": "A later record reusing an earlier id, about zeppelins"})
    (corpus / "c.jsonl").write_text("\n".join([*lines[800:], "{broken", repeated]) + "\n")

    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    with pytest.raises(CorpusError) as raised:
        idx.rebuild_from(corpus)
    assert [str(p) for p in raised.value.problems] == [str(p) for p in read_corpus(corpus).problems]
    assert _search_all(idx, QUERIES) == before  # the live index is untouched
    assert len(list((tmp_path / "index").glob("gen-*"))) == 1

    report = idx.rebuild_from(corpus, skip_invalid=True)
    assert report.added == 900 and report.rejected == 2
    assert [str(p) for p in report.problems] == [str(p) for p in read_corpus(corpus).problems]
    assert idx.search("zeppelins").total == 0  # the repeated id's later record is not searchable
    assert idx.get(json.loads(lines[5])["id"]).caption == json.loads(lines[5])["caption"]
    assert idx.stats()["records"] == 900
    assert len(forks) >= 2  # both builds wrote their second half in a forked process
    idx.close()


def test_the_halves_hold_about_as_many_records_whatever_their_bytes(tmp_path, monkeypatch, forks):
    """Records, not bytes, are what indexing costs: long records in one file, short in the next."""
    lines = fsa_lines(1200)
    long_records = [json.dumps({**json.loads(line), "notes": json.loads(line)["caption"] * 8}) for line in lines[:400]]
    short_records = [
        json.dumps({"id": f"short-{n}", "caption": json.loads(line)["caption"][:40]})
        for n, line in enumerate(lines[400:])
    ]
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.jsonl").write_text("\n".join(long_records) + "\n", encoding="utf-8")
    (root / "b.jsonl").write_text("\n".join(short_records) + "\n", encoding="utf-8")
    assert (root / "a.jsonl").stat().st_size > 4 * (root / "b.jsonl").stat().st_size
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    reading = corpus_module.Reading(root)
    first, second = reading.halves()
    assert first[-1].name == second[0].name == "b.jsonl"  # cut among the short records
    in_first = 400 + (root / "b.jsonl").read_bytes()[: first[-1].end].count(b"\n")
    assert abs(in_first - 600) < 60  # within 5% (line lengths are sampled); by bytes: 265 records against 935
    assert len(reading.read().records) == 1200


def test_a_source_that_may_not_pass_problems_gives_no_record_after_the_first_but_reads_on(tmp_path):
    """A build that will fail on a bad corpus stops indexing at its first problem and reports every one."""
    lines = fsa_lines(300)
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.jsonl").write_text("\n".join([*lines[:100], "{bad", *lines[100:200]]) + "\n", encoding="utf-8")
    (root / "b.jsonl").write_text("\n".join([*lines[200:], lines[250], "[]"]) + "\n", encoding="utf-8")
    reading = corpus_module.Reading(root)
    for past_problems, expected in ((True, 300), (False, 100)):
        source = reading.records(reading.to_read, past_problems=past_problems)()
        given = []
        while True:
            try:
                given.append(next(source).id)
            except StopIteration as end:
                scans, ids = end.value
                break
        assert len(given) == len(ids) == expected
        problems = [
            (scan.name, event[1]) for scan in scans for event in scan.events if event[0] == corpus_module._PROBLEM
        ]
        assert problems == [("a.jsonl", 101), ("b.jsonl", 102)]  # the bad line, and the last: read on to the end
        assert len(corpus_module.Reading(root).finish(scans).problems) == 3  # and the repeated line of b.jsonl
