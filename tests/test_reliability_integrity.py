"""Integrity you can check: every index file carries a checksum; damage (bytes overwritten, a file cut
short, a pointer or metadata of the wrong kind) is one clear message from every command, never "a bug";
`index`, `query` and `show` repair it by rebuilding from the corpus, and `check` verifies every byte."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import IchigoError, Index, IndexDamagedError, store
from ichigo_search.cli import main


def run(corpus: Path, index_dir: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--corpus", str(corpus), "--index", str(index_dir)])


@pytest.fixture
def built(tmp_path, corpus):
    index_dir = tmp_path / "index"
    assert run(corpus, index_dir, "index").exit_code == 0
    return corpus, index_dir


def segments(index_dir: Path) -> list[Path]:
    return sorted(store.current_generation(index_dir).glob("*.seg"))


def overwrite(path: Path, start: int, length: int, seed: int = 15) -> None:
    """Random bytes written into the file in place (its size stays), as a careless tool would, later.

    Written milliseconds after the index, the file's time may not move (the kernel stamps times
    at its clock tick); a tool that writes later gives it a later time, as set here.
    """
    before = path.stat()
    noise = random.Random(seed).randbytes(length)
    with open(path, "r+b") as handle:
        handle.seek(start)
        handle.write(noise)
    after = path.stat()
    if after.st_mtime_ns == before.st_mtime_ns:
        os.utime(path, ns=(after.st_atime_ns, before.st_mtime_ns + 10_000_000))


def scramble_segments(index_dir: Path) -> None:
    for path in segments(index_dir):
        size = path.stat().st_size
        overwrite(path, size // 4, size // 2)


def test_every_engine_file_is_listed_with_its_checksum(built):
    _, index_dir = built
    generation = store.current_generation(index_dir)
    files = store.read_manifest(generation)
    engine_files = {p.name for p in generation.iterdir() if not p.name.endswith("_WRITELOCK")}
    engine_files -= {store.META, store.FILE_STATES, store.MANIFEST}
    assert files is not None and set(files) == engine_files and any(name.endswith(".seg") for name in files)
    for name, entry in files.items():
        assert entry["size"] == (generation / name).stat().st_size
        assert entry["crc32"] == store.file_checksum(generation / name)
    assert store.verify(generation) == []


def test_an_update_lists_its_new_files_and_keeps_the_linked_ones(built, corpus):
    _, index_dir = built
    (corpus / "more.jsonl").write_text(json.dumps({"id": "extra-1", "caption": "Ferry at Wuzhou"}) + "\n")
    assert run(corpus, index_dir, "index").exit_code == 0
    generation = store.current_generation(index_dir)
    files = store.read_manifest(generation)
    assert len([name for name in files if name.endswith(".seg")]) >= 2
    assert store.verify(generation) == []


def test_check_says_sound_then_names_the_damaged_file(built):
    corpus, index_dir = built
    sound = run(corpus, index_dir, "check", "--json")
    assert sound.exit_code == 0, sound.output
    report = json.loads(sound.output)
    assert report["sound"] is True and report["problems"] == [] and report["records"] == 10
    assert report["files"] >= 2 and report["bytes"] > 0
    assert "sound" in run(corpus, index_dir, "check").output
    seg = segments(index_dir)[0]
    overwrite(seg, 200, 16)
    os.utime(seg, ns=(seg.stat().st_atime_ns, store.read_manifest(seg.parent)[seg.name]["mtime_ns"]))  # time kept
    damaged = run(corpus, index_dir, "check", "--json")
    assert damaged.exit_code == 2
    report = json.loads(damaged.output)
    assert report["sound"] is False
    assert any(seg.name in problem and "checksum mismatch" in problem for problem in report["problems"])
    text = run(corpus, index_dir, "check")
    assert text.exit_code == 2 and "damaged" in text.output and "Traceback" not in text.output


def test_check_finds_a_file_cut_short_a_missing_one_and_no_index(built, tmp_path):
    corpus, index_dir = built
    seg = segments(index_dir)[0]
    seg.write_bytes(seg.read_bytes()[:100])
    report = json.loads(run(corpus, index_dir, "check", "--json").output)
    assert not report["sound"] and any("cut short" in problem for problem in report["problems"])
    seg.unlink()
    report = json.loads(run(corpus, index_dir, "check", "--json").output)
    assert any(f"{seg.name}: missing" in problem for problem in report["problems"])
    nothing = run(corpus, tmp_path / "nowhere", "check")
    assert nothing.exit_code == 2 and "no index here yet" in nothing.output


def test_index_finds_bytes_overwritten_in_a_segment_and_rebuilds(built):
    corpus, index_dir = built
    scramble_segments(index_dir)
    result = run(corpus, index_dir, "index")
    assert result.exit_code == 0, result.output
    assert "checksum mismatch" in result.output and "rebuilt it from the corpus" in result.output
    assert store.verify(store.current_generation(index_dir)) == []
    assert json.loads(run(corpus, index_dir, "query", "Guilin", "--json", "--no-update").output)["total"] == 2


@pytest.mark.parametrize("command", [["query", "Guilin", "--json"], ["show", "guilin-refugee-train", "--json"]])
def test_query_and_show_repair_a_damaged_index_and_say_so(built, command):
    corpus, index_dir = built
    scramble_segments(index_dir)
    result = run(corpus, index_dir, *command)
    assert result.exit_code == 0, result.output
    assert "damaged" in result.output and "rebuil" in result.output and "bug" not in result.output
    assert store.verify(store.current_generation(index_dir)) == []


def test_without_the_corpus_damage_is_one_clear_message(built):
    corpus, index_dir = built
    scramble_segments(index_dir)
    for command in (["query", "Guilin", "--no-update"], ["stats"]):
        result = run(corpus, index_dir, *command)
        assert result.exit_code == 2, (command, result.output)
        assert "damaged" in result.output and "bug" not in result.output and "Traceback" not in result.output


def test_the_library_raises_index_damaged_error_not_zlib_or_value_errors(built):
    _, index_dir = built
    ids = [hit.id for hit in Index(index_dir).search("China OR Japanese OR Liuzhou OR Guilin", limit=100)]
    assert len(ids) >= 5
    scramble_segments(index_dir)
    outcomes = []
    with Index(index_dir) as idx:
        for read in [lambda: len(idx), lambda: idx.search("Guilin"), lambda: idx.facets("China")] + [
            lambda record_id=record_id: idx.get(record_id) for record_id in ids
        ]:
            try:
                read()
                outcomes.append("answered")
            except IchigoError as exc:
                assert isinstance(exc, IndexDamagedError), exc
                outcomes.append("damaged")
    assert "damaged" in outcomes


def test_current_replaced_by_a_folder_is_repaired(built):
    corpus, index_dir = built
    (index_dir / store.CURRENT).unlink()
    (index_dir / store.CURRENT).mkdir()
    (index_dir / store.CURRENT / "junk").write_text("x")
    rebuilt = run(corpus, index_dir, "index", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (index_dir / store.CURRENT).is_file()
    (index_dir / store.CURRENT).unlink()
    (index_dir / store.CURRENT).mkdir()
    answered = run(corpus, index_dir, "query", "Guilin")
    assert answered.exit_code == 0 and "rebuilt it from the corpus" in answered.output, answered.output


@pytest.mark.parametrize(
    "key, value", [("thesaurus", "x"), ("collection", [1]), ("corpus_files", [1, 2]), ("records", "ten")]
)
def test_wrong_types_in_meta_json_are_damage_not_bugs(built, key, value):
    corpus, index_dir = built
    generation = store.current_generation(index_dir)
    meta = json.loads((generation / store.META).read_text())
    meta[key] = value
    (generation / store.META).write_text(json.dumps(meta))
    with pytest.raises(IndexDamagedError, match=f"'{key}' must be"):
        Index(index_dir).stats()
    stats = run(corpus, index_dir, "stats")
    assert stats.exit_code == 2 and f"'{key}' must be" in stats.output and "bug" not in stats.output
    query = run(corpus, index_dir, "query", "Guilin")
    assert query.exit_code == 0 and "rebuilt it from the corpus" in query.output, query.output
    assert run(corpus, index_dir, "stats").exit_code == 0


def test_an_index_without_checksums_is_rebuilt_by_the_next_index(built):
    corpus, index_dir = built
    (store.current_generation(index_dir) / store.MANIFEST).unlink()
    result = run(corpus, index_dir, "index")
    assert result.exit_code == 0 and "no checksums" in result.output and "rebuilt" in result.output


# A long-lived reader (memory_map=True, as `serve` opens it) whose segment is cut short under it.
TRUNCATED_UNDER_A_READER = r"""
import sys
from pathlib import Path
from ichigo_search import Index, IndexDamagedError, store
idx = Index(sys.argv[1], memory_map=True)
assert idx.search("Guilin").total == 2
for seg in store.current_generation(Path(sys.argv[1])).glob("*.seg"):
    with open(seg, "r+b") as handle:
        handle.truncate(100)
answers = []
for read in (lambda: idx.search("Guilin"), lambda: idx.get("guilin-refugee-train"), lambda: len(idx)):
    try:
        read()
        answers.append("answered")
    except IndexDamagedError as exc:
        answers.append("damaged")
print(" ".join(answers), flush=True)
"""


def _run_script(script: str, index_dir: Path) -> subprocess.CompletedProcess:
    """Run ``script`` on ``index_dir`` in a fresh interpreter, without the caller's ICHIGO_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    return subprocess.run(
        [sys.executable, "-c", script, str(index_dir)], capture_output=True, text=True, timeout=120, env=env
    )


def test_a_segment_cut_short_under_a_mapped_reader_is_damage_not_sigbus(built):
    _, index_dir = built
    result = _run_script(TRUNCATED_UNDER_A_READER, index_dir)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.split() == ["damaged"] * 3


# A long-lived reader whose segments are cut short in the middle of a search, after the sizes were checked
# (the search's first step); with memory maps the next page it touched killed it with SIGBUS.
TRUNCATED_DURING_A_QUERY = r"""
import sys
from pathlib import Path
from ichigo_search import Index, IndexDamagedError, search, store
import ichigo_search.index as front
idx = Index(sys.argv[1], memory_map=True)
assert idx.search("Guilin").total == 2
real = front.run_search
def cut_then_search(*args, **kwargs):
    for seg in store.current_generation(Path(sys.argv[1])).glob("*.seg"):
        with open(seg, "r+b") as handle:
            handle.truncate(100)
    return real(*args, **kwargs)
front.run_search = cut_then_search
try:
    idx.search("refugee train Liuzhou")
    print("answered")
except IndexDamagedError as exc:
    print("damaged:", exc)
"""


def test_a_segment_cut_short_during_a_query_is_damage_not_sigbus(built):
    _, index_dir = built
    result = _run_script(TRUNCATED_DURING_A_QUERY, index_dir)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])  # -7: killed by SIGBUS
    assert result.stdout.startswith("damaged:") and ".seg" in result.stdout, result.stdout


def test_query_answers_from_the_last_good_index_when_a_file_changes_while_it_is_read(built, monkeypatch):
    """The automatic update reads a file, the file changes before the writer reads its lines again."""
    from ichigo_search import indexing

    corpus, index_dir = built
    extra = corpus / "more.jsonl"
    extra.write_text("".join(json.dumps({"id": f"x-{i}", "caption": f"Ferry {i} at Wuzhou"}) + "\n" for i in range(5)))
    assert run(corpus, index_dir, "index").exit_code == 0
    extra.write_text("".join(json.dumps({"id": f"x-{i}", "caption": f"Barge {i} at Wuzhou"}) + "\n" for i in range(5)))
    real_load = indexing.load_corpus

    def load_then_edit(*args, **kwargs):
        loaded = real_load(*args, **kwargs)
        extra.write_text(extra.read_text() + json.dumps({"id": "x-late", "caption": "A late edit"}) + "\n")
        return loaded

    monkeypatch.setattr(indexing, "load_corpus", load_then_edit)
    result = run(corpus, index_dir, "query", "Wuzhou", "--json")
    assert result.exit_code == 0, result.output
    assert "changed while it was being indexed" in result.output and "searching it as it is" in result.output
    assert json.loads(result.output[result.output.index("{") :])["total"] == 5


def test_a_running_server_rebuilds_a_damaged_index_and_answers_again(built):
    """The web app answers 503 while it rebuilds, in the background, an index found damaged; then it searches."""
    import time

    from starlette.testclient import TestClient

    from ichigo_search.web.app import create_app
    from ichigo_search.web.server import repairer

    corpus, index_dir = built
    with Index(index_dir) as idx, TestClient(create_app(idx, repair=repairer(corpus, index_dir))) as client:
        assert client.get("/api/search", params={"q": "Guilin"}).json()["total"] > 0
        damaged = store.current_generation(index_dir)
        scramble_segments(index_dir)
        idx.close()  # as a worker that opens the index again (a new generation, a restart) would
        first = client.get("/api/search", params={"q": "Guilin"})
        assert first.status_code == 503 and "rebuilt" in first.json()["error"]
        deadline = time.monotonic() + 60
        while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.get("/api/search", params={"q": "Guilin"}).json()["total"] > 0
    assert store.current_generation(index_dir) != damaged and store.verify(store.current_generation(index_dir)) == []


def updated_then_damaged(corpus: Path, index_dir: Path) -> Path:
    """An incremental update (which keeps the generation it replaces), then a file only the new generation has
    (not a hard link to the kept one) cut short; returns the damaged generation."""
    extra = corpus / "more.jsonl"
    extra.write_text("".join(json.dumps({"id": f"x-{i}", "caption": f"Ferry {i} at Wuzhou"}) + "\n" for i in range(5)))
    assert run(corpus, index_dir, "index").exit_code == 0
    live, kept = store.current_generation(index_dir), store.previous_generation(index_dir)
    assert kept is not None and kept != live
    kept_files = {path.stat().st_ino for path in kept.iterdir()}
    own = [live / name for name in store.read_manifest(live) if (live / name).stat().st_ino not in kept_files]
    victim = max(own, key=lambda path: path.stat().st_size)
    os.truncate(victim, victim.stat().st_size // 2)
    return live


def test_query_answers_from_the_last_good_generation_then_rebuilds(built):
    corpus, index_dir = built
    damaged = updated_then_damaged(corpus, index_dir)
    result = CliRunner().invoke(main, ["query", "Guilin", "--json", "--corpus", str(corpus), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "answering from the index as before its last update" in result.stderr, result.stderr
    assert "the index was rebuilt" in result.stderr and "Traceback" not in result.output
    assert json.loads(result.stdout)["total"] == 2  # the --json shape, from the kept generation
    live = store.current_generation(index_dir)
    assert live != damaged and store.verify(live) == [] and not damaged.exists()
    assert json.loads(run(corpus, index_dir, "query", "Wuzhou", "--json", "--no-update").stdout)["total"] == 5


def test_a_server_answers_from_the_last_good_generation_while_it_rebuilds(built):
    import time

    from starlette.testclient import TestClient

    from ichigo_search.web.app import WARNING_HEADER, create_app
    from ichigo_search.web.server import repairer

    corpus, index_dir = built
    with Index(index_dir) as idx, TestClient(create_app(idx, repair=repairer(corpus, index_dir))) as client:
        assert client.get("/api/search", params={"q": "Guilin"}).json()["total"] == 2
        damaged = updated_then_damaged(corpus, index_dir)
        during = client.get("/api/search", params={"q": "Guilin"})
        assert during.status_code == 200 and during.json()["total"] == 2, during.text
        assert "before its last update" in during.headers[WARNING_HEADER]
        deadline = time.monotonic() + 60
        while WARNING_HEADER in client.get("/healthz").headers and time.monotonic() < deadline:
            time.sleep(0.2)
        after = client.get("/api/search", params={"q": "Wuzhou"})
        assert after.status_code == 200 and WARNING_HEADER not in after.headers and after.json()["total"] == 5
    live = store.current_generation(index_dir)
    assert live != damaged and store.verify(live) == []


def test_a_rebuild_that_fails_after_the_answer_is_a_warning_not_an_error(built):
    corpus, index_dir = built
    damaged = updated_then_damaged(corpus, index_dir)
    (corpus / "broken.jsonl").write_text('{"id": "no-caption"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "Guilin", "--json", "--corpus", str(corpus), "--index", str(index_dir)])
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 2, result.output
    assert "could not be rebuilt: the corpus has 1 problem" in result.stderr and "Traceback" not in result.output
    assert store.current_generation(index_dir) == damaged  # left for the next command, once the corpus is fixed


def test_the_last_good_generation_opens_for_reading_only(built):
    corpus, index_dir = built
    extra = corpus / "more.jsonl"
    extra.write_text(json.dumps({"id": "x-1", "caption": "Ferry at Wuzhou"}) + "\n")
    with Index(index_dir) as idx:
        assert idx.last_good() is None  # a first build keeps nothing
        idx.update_from(corpus)
        with idx.last_good() as kept:
            assert kept.search("Wuzhou").total == 0 and idx.search("Wuzhou").total == 1
            with pytest.raises(IchigoError, match="for reading only"):
                kept.update_from(corpus)
