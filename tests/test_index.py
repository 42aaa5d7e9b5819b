"""Incremental updates, atomic rebuilds and the library API."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest
import yaml

from conftest import caption_ids
from ichigo_search import CorpusError, Index, IndexBusyError, store


def edit_caption(corpus: Path, record_id: str, new_caption: str) -> None:
    path = corpus / "ichigo-campaign.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    for record in records:
        if record["id"] == record_id:
            record["caption"] = new_caption
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_first_update_builds_and_second_changes_nothing(tmp_path, corpus):
    idx = Index(tmp_path / "index")
    assert not idx.exists and idx.needs_update(corpus)
    first = idx.update_from(corpus)
    assert (first.added, first.rebuilt) == (10, True)
    assert not idx.needs_update(corpus)
    second = idx.update_from(corpus)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 10)
    assert len(idx) == 10


def test_edit_add_and_delete_are_incremental(index, corpus):
    edit_caption(corpus, "bukey-calcutta", "Elmer Bukey beside a zebu in Calcutta")
    (corpus / "more.jsonl").write_text(
        json.dumps({"id": "new-one", "caption": "A brand new caption about Kunming"}) + "\n", encoding="utf-8"
    )
    assert index.needs_update(corpus)
    report = index.update_from(corpus)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 1, 0, 9)
    assert caption_ids(index.search("zebu")) == ["bukey-calcutta"]
    assert caption_ids(index.search("Kunming")) == ["new-one"]
    assert index.search("396th").total == 0  # the old text is gone

    (corpus / "more.jsonl").unlink()
    report = index.update_from(corpus)
    assert (report.added, report.updated, report.deleted) == (0, 0, 1)
    assert index.search("Kunming").total == 0
    assert len(index) == 10


def test_bad_corpus_leaves_the_index_exactly_as_it_was(index, corpus):
    before = index.search("Liuzhou").to_dict()
    generation = store.current_generation(index.path)
    files_before = sorted(p.name for p in generation.iterdir())
    (corpus / "broken.jsonl").write_text('{"id": "x", "caption": "fine"}\n{"id": "y"\n', encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        index.update_from(corpus)
    assert "broken.jsonl:2" in str(info.value)
    assert sorted(p.name for p in generation.iterdir()) == files_before
    assert index.search("Liuzhou").to_dict() == before


def test_skip_invalid_indexes_the_valid_records(index, corpus):
    (corpus / "mixed.jsonl").write_text('{"id": "good", "caption": "Kweiyang road"}\n{"id": "bad"}\n', encoding="utf-8")
    report = index.update_from(corpus, skip_invalid=True)
    assert (report.added, report.rejected) == (1, 1)
    assert "mixed.jsonl:2" in str(report.problems[0])
    assert caption_ids(index.search("Kweiyang")) == ["good"]


def test_rebuild_swaps_generations_and_cleans_up(index, corpus):
    old = store.current_generation(index.path)
    report = index.rebuild_from(corpus)
    new = store.current_generation(index.path)
    assert report.rebuilt and report.added == 10 and new != old
    assert not old.exists()
    assert [p.name for p in index.path.iterdir() if p.name.startswith("gen-")] == [new.name]
    assert index.search("Liuzhou airbase")[0].id == "liuzhou-destroyed-fighter"


def test_get_returns_the_full_record(index):
    record = index.get("liuzhou-airstrip-mines")
    assert record is not None and record.caption.startswith("Lt. Colonel Wright Hiatt")
    assert record.places == ("Liuzhou", "China")
    assert index.get("no-such-id") is None


def test_stats(index):
    stats = index.stats()
    assert stats["records"] == 10
    assert stats["index_bytes"] > 0
    assert stats["corpus_files"] == ["ichigo-campaign.yaml"]
    assert stats["collection"]["name"] == "Ichigo Campaign"


def test_second_writer_waits_then_reports_busy(index, corpus):
    with store.write_lock(index.path, timeout=1):
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="another ichigo-search process"):
            index.update_from(corpus, lock_timeout=0.3)
        assert time.monotonic() - started < 5


def _search_loop(index_path: str, stop_at: float, queue) -> None:
    idx = Index(index_path)
    seen = set()
    errors = []
    while time.time() < stop_at:
        try:
            result = idx.search("Liuzhou", limit=20)
            seen.add((result.total, tuple(sorted(h.id for h in result))))
        except Exception as exc:
            errors.append(repr(exc))
    queue.put((sorted(seen), errors))


def test_search_during_rebuild_sees_old_or_new_never_half(tmp_path, corpus):
    big = corpus / "bulk.jsonl"
    with big.open("w", encoding="utf-8") as handle:
        for i in range(3000):
            handle.write(json.dumps({"id": f"bulk-{i}", "caption": f"Convoy number {i} on the road to Kunming"}) + "\n")
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    expected = (idx.search("Liuzhou", limit=20).total, tuple(sorted(h.id for h in idx.search("Liuzhou", limit=20))))
    queue = multiprocessing.get_context("fork").Queue()
    reader = multiprocessing.get_context("fork").Process(
        target=_search_loop, args=(str(idx.path), time.time() + 4, queue)
    )
    reader.start()
    for _ in range(3):
        idx.rebuild_from(corpus)
    seen, errors = queue.get(timeout=60)
    reader.join(timeout=30)
    assert errors == []
    assert seen == [expected]


def _settled(path: Path) -> None:
    """Date a file a minute back, as an untouched file would be."""
    past = time.time() - 60
    os.utime(path, (past, past))


def test_an_update_parses_only_the_files_that_changed(tmp_path):
    from ichigo_search.corpus.reading import read_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, word in (("a.jsonl", "Kunming"), ("b.jsonl", "Chengtu")):
        lines = [json.dumps({"id": f"{name}-{i}", "caption": f"{word} convoy {i}"}) for i in range(50)]
        (corpus / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        _settled(corpus / name)
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    _, known = idx._indexer()._file_states()
    assert set(known) == {"a.jsonl", "b.jsonl"} and all(state.clean for state in known.values())

    edited = (corpus / "b.jsonl").read_text(encoding="utf-8").replace("Chengtu convoy 7", "Chengtu zeppelin 7")
    (corpus / "b.jsonl").write_text(edited, encoding="utf-8")
    again = read_corpus(corpus, known)  # a.jsonl unchanged; of b.jsonl only the edited line is parsed
    assert len(again.kept) == 99 and [r.id for r in again.records] == ["b.jsonl-7"]

    report = idx.update_from(corpus)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 99)
    assert [hit.id for hit in idx.search("zeppelin")] == ["b.jsonl-7"]
    (corpus / "a.jsonl").unlink()
    report = idx.update_from(corpus)
    assert (report.deleted, report.unchanged) == (50, 50)
    assert idx.search("Kunming").total == 0 and len(idx) == 50
    idx.close()


def test_unchanged_lines_of_a_changed_file_are_not_parsed_again_but_still_checked(tmp_path):
    from ichigo_search.corpus.reading import read_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [json.dumps({"id": f"r{i}", "caption": f"Kweilin airfield {i}"}) for i in range(20)]
    (corpus / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _settled(corpus / "a.jsonl")
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    _, known = idx._indexer()._file_states()
    assert len(known["a.jsonl"].digests) == 20

    # A new line on top (every line number shifts), one caption edited, one line copied (a duplicate id).
    changed = [json.dumps({"id": "new", "caption": "Liuchow ferry"}), *lines, lines[3]]
    changed[6] = json.dumps({"id": "r5", "caption": "Kweilin hangar 5"})
    (corpus / "a.jsonl").write_text("\n".join(changed) + "\n", encoding="utf-8")
    again = read_corpus(corpus, known)
    assert sorted(r.id for r in again.records) == ["new", "r5"] and len(again.kept) == 19
    assert [(p.line, p.message) for p in again.problems] == [(22, "duplicate id 'r3' (first at a.jsonl:5)")]
    assert again.states["a.jsonl"].records[1] == ("r0", known["a.jsonl"].records[0][1], 2)  # its new line

    del changed[-1]
    (corpus / "a.jsonl").write_text("\n".join(changed) + "\n", encoding="utf-8")
    report = idx.update_from(corpus)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 19)
    assert [hit.id for hit in idx.search("hangar")] == ["r5"] and idx.search("airfield").total == 19
    idx.close()


def test_a_file_just_written_is_always_read_again(tmp_path, corpus):
    sample = corpus / "ichigo-campaign.yaml"
    sample.write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)  # written a moment ago: its time cannot yet be trusted to change with it
    _, known = idx._indexer()._file_states()
    assert not known["ichigo-campaign.yaml"].clean
    idx.close()
