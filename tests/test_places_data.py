"""Places data that change under a built index (an upgrade with another gazetteer): every record is located again.

The package is pointed at a modified copy of its gazetteer (``gazetteer.DATA_FILE``, read at call time),
as an upgrade would replace it; the installed file is never written.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import Index
from ichigo_search.app.refresh import refresh_index
from ichigo_search.cli import main
from ichigo_search.text import dictionary as dictionary_module
from ichigo_search.vocab import data as data_files
from ichigo_search.vocab import gazetteer as gazetteer_module
from ichigo_search.vocab.gazetteer import gazetteer
from ichigo_search.vocab.words import ENGLISH_FORMS, ENGLISH_WORDS

# A record whose own places and caption name Liuzhou only as "Liuchow".
RECORD = "liuchow-cavalry-column"
NOTE = "the places data changed since the index was built (gazetteer.sqlite): re-indexed all 10 records"


def upgraded(tmp_path: Path) -> Path:
    """A copy of the gazetteer without the spelling "Liuchow", as another release might ship it."""
    copy = tmp_path / "upgrade" / "gazetteer.sqlite"
    copy.parent.mkdir()
    shutil.copyfile(gazetteer_module.DATA_FILE, copy)
    with sqlite3.connect(copy) as db:
        assert db.execute("DELETE FROM names WHERE key = 'liuchow'").rowcount > 0
    db.close()
    return copy


def place_ids(idx: Index, record_id: str) -> set[str]:
    return {place["id"] for place in idx.located(record_id) or []}


@pytest.fixture
def liuzhou() -> str:
    return gazetteer().candidates("Liuzhou")[0].id


def test_an_update_locates_every_record_again_when_the_data_changed(index, corpus, tmp_path, monkeypatch, liuzhou):
    assert liuzhou in place_ids(index, RECORD)
    assert not index.needs_update(corpus)
    copy = upgraded(tmp_path)
    monkeypatch.setattr(gazetteer_module, "DATA_FILE", copy)
    assert index.needs_update(corpus)  # the corpus did not change, the data did
    report = index.update_from(corpus)
    assert report.rebuilt and report.added == 10 and report.notes == [NOTE]
    assert liuzhou not in place_ids(index, RECORD)  # the unchanged record, read with today's data
    assert RECORD not in [hit.id for hit in index.search("cavalry", place="Liuzhou").hits]
    assert index.meta()["data"]["gazetteer.sqlite"][2] == data_files.digest(copy)
    assert not index.needs_update(corpus)
    again = index.update_from(corpus)
    assert (again.rebuilt, again.unchanged, again.notes) == (False, 10, [])


def test_the_same_data_reinstalled_costs_no_reindexing(index, corpus, tmp_path, monkeypatch):
    copy = tmp_path / "reinstalled" / "gazetteer.sqlite"
    copy.parent.mkdir()
    shutil.copyfile(gazetteer_module.DATA_FILE, copy)  # same bytes, another modification time
    monkeypatch.setattr(gazetteer_module, "DATA_FILE", copy)
    assert index.needs_update(corpus)  # the cheap check reads no file: the time moved
    report = index.update_from(corpus)
    assert (report.rebuilt, report.changed, report.unchanged) == (False, False, 10)
    assert index.meta()["data"]["gazetteer.sqlite"][1] == copy.stat().st_mtime_ns  # remembered: no check next time
    assert not index.needs_update(corpus)


def test_an_index_that_does_not_record_its_places_data_is_rebuilt(index, corpus):
    from ichigo_search import store

    generation = store.current_generation(index.path)
    meta = store.read_meta(generation)
    del meta["data"]  # as an earlier version wrote it
    store.write_meta(generation, meta)
    assert index.needs_update(corpus)
    report = index.update_from(corpus)
    assert report.rebuilt and report.notes[0].startswith("the places data the index was built with are not recorded")


def test_the_query_path_refresh_relocates_and_says_so(index, corpus, tmp_path, monkeypatch, liuzhou):
    monkeypatch.setattr(gazetteer_module, "DATA_FILE", upgraded(tmp_path))
    said: list[str] = []
    refresh_index(index, corpus, said.append)
    assert said == [f"note: {NOTE}"]
    assert liuzhou not in place_ids(index, RECORD)


def test_the_command_line_reports_the_data_and_its_change(tmp_path, corpus, monkeypatch):
    runner = CliRunner()
    where = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert runner.invoke(main, ["index", *where], catch_exceptions=False).exit_code == 0
    today = data_files.digest(gazetteer_module.DATA_FILE)
    stats = json.loads(runner.invoke(main, ["stats", "--json", *where], catch_exceptions=False).output)
    assert stats["data"] == {
        "gazetteer.sqlite": today,
        "english-words.txt": data_files.digest(ENGLISH_WORDS),
        "english-forms.txt": data_files.digest(ENGLISH_FORMS),
        "cjk-english.sqlite": data_files.digest(dictionary_module.DATA_FILE),  # a caption's CJK words' glosses
    }
    assert f"gazetteer.sqlite {today[:16]}" in runner.invoke(main, ["stats", *where], catch_exceptions=False).output

    monkeypatch.setattr(gazetteer_module, "DATA_FILE", upgraded(tmp_path))
    checked = runner.invoke(main, ["check", "--json", *where], catch_exceptions=False)
    report = json.loads(checked.output)
    assert checked.exit_code == 0 and report["sound"] and report["data"] == stats["data"]
    assert "re-indexes every record" in report["warnings"][0]
    updated = runner.invoke(main, ["index", *where], catch_exceptions=False)
    assert updated.exit_code == 0 and f"note: {NOTE}" in updated.output
    after = json.loads(runner.invoke(main, ["check", "--json", *where], catch_exceptions=False).output)
    assert after["warnings"] == [] and after["data"] != report["data"]


def test_a_failed_reindexing_leaves_the_index_answering_as_before(index, corpus, tmp_path, monkeypatch, liuzhou):
    import errno

    from ichigo_search import IchigoError, store

    live = store.current_generation(index.path)
    monkeypatch.setattr(gazetteer_module, "DATA_FILE", upgraded(tmp_path))

    def full_disk(stage: str, count: int = 0) -> None:
        if stage == "meta":
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "crash_point", full_disk)
    with pytest.raises(IchigoError, match="disk is full"):
        index.update_from(corpus)
    assert store.current_generation(index.path) == live and liuzhou in place_ids(index, RECORD)
    monkeypatch.setattr(store, "crash_point", lambda stage, count=0: None)
    assert index.update_from(corpus).notes == [NOTE] and liuzhou not in place_ids(index, RECORD)


def test_an_upgrade_with_other_builtin_place_aliases_says_which_file_changed(index, corpus, tmp_path, monkeypatch):
    from ichigo_search.vocab import thesaurus

    upgraded_vocabulary = tmp_path / "vocabulary.yaml"
    text = thesaurus.BUILTIN.read_text(encoding="utf-8")
    upgraded_vocabulary.write_text(text.replace("\nplaces: {}\n", "\nplaces:\n  Bennett Ave: [Chicago]\n", 1), "utf-8")
    assert upgraded_vocabulary.read_text(encoding="utf-8") != text
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(thesaurus, "BUILTIN", upgraded_vocabulary)
    for cached in (thesaurus._builtin, thesaurus._compiled):
        cached.cache_clear()
    try:
        report = index.update_from(corpus)
    finally:
        monkeypatch.undo()
        for cached in (thesaurus._builtin, thesaurus._compiled):
            cached.cache_clear()
    assert report.rebuilt and report.notes[0].endswith(
        "the built-in place aliases (vocabulary.yaml) changed; rebuilt it from the corpus"
    )
