"""Hostile inputs beyond bad records: links that lead out of the corpus, files that are not corpus files
at all, a CSV header of 100,000 columns, and a line of hundreds of megabytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import CorpusError, Index
from ichigo_search.cli import main
from ichigo_search.corpus.files import LINK_OUT
from ichigo_search.corpus.formats import MAX_CSV_COLUMNS, QUOTE_CHARS

SECRET = "s3cret-first-line:x:0:0:only the owner may read this:/root:/bin/bash"


def run(corpus: Path, index_dir: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--corpus", str(corpus), "--index", str(index_dir)])


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the corpus, with a private file and a valid caption file."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "passwd").write_text(SECRET + "\nmore:x:1:1::/:/bin/false\n", encoding="utf-8")
    (folder / "captions.jsonl").write_text(json.dumps({"id": "from-outside", "caption": "Ferry at Wuzhou"}) + "\n")
    return folder


@pytest.mark.parametrize("link, target", [("passwd.csv", "passwd"), ("more.jsonl", "captions.jsonl")])
def test_a_link_out_of_the_corpus_is_refused_by_its_name_without_its_content(tmp_path, corpus, outside, link, target):
    (corpus / link).symlink_to(outside / target)
    result = run(corpus, tmp_path / "index", "index")
    assert result.exit_code == 2
    assert f"{link}: {LINK_OUT}" in result.output
    assert "s3cret" not in result.output and "Wuzhou" not in result.output
    skipped = run(corpus, tmp_path / "index", "index", "--skip-invalid")
    assert skipped.exit_code == 0 and "s3cret" not in skipped.output
    with Index(tmp_path / "index") as idx:
        assert len(idx) == 10 and idx.get("from-outside") is None and idx.search("Wuzhou").total == 0


def test_a_linked_folder_out_of_the_corpus_and_a_linked_thesaurus_are_refused(tmp_path, corpus, outside):
    (corpus / "linked").symlink_to(outside, target_is_directory=True)
    (outside / "thesaurus.yaml").write_text("synonyms:\n  - [ferry, barge]\n")
    (corpus / "thesaurus.yaml").symlink_to(outside / "thesaurus.yaml")
    result = run(corpus, tmp_path / "index", "index")
    assert result.exit_code == 2
    assert f"linked/captions.jsonl: {LINK_OUT}" in result.output and f"thesaurus.yaml: {LINK_OUT}" in result.output


def test_a_link_that_stays_inside_the_corpus_is_read(tmp_path, corpus):
    hidden = corpus / ".drafts"
    hidden.mkdir()
    (hidden / "captions.jsonl").write_text(json.dumps({"id": "inside-1", "caption": "Ferry at Wuzhou"}) + "\n")
    (corpus / "wuzhou.jsonl").symlink_to(hidden / "captions.jsonl")
    assert run(corpus, tmp_path / "index", "index").exit_code == 0
    with Index(tmp_path / "index") as idx:
        assert idx.get("inside-1") is not None


def test_a_file_that_is_not_a_corpus_file_is_quoted_by_a_short_prefix_only(tmp_path, corpus):
    line = "x" * 5000 + "," + "y" * 5000
    (corpus / "notes.csv").write_text(line + "\n" + line + "\n", encoding="utf-8")
    result = run(corpus, tmp_path / "index", "index")
    assert result.exit_code == 2 and "notes.csv:1: CSV header lacks the column(s) id, caption" in result.output
    problem = next(text for text in result.output.splitlines() if "notes.csv" in text)
    assert len(problem) < 250 and "x" * (QUOTE_CHARS + 1) not in problem  # the quote is the bounded part


def test_a_csv_header_of_100000_columns_is_refused_as_such(tmp_path, corpus):
    columns = ["id", "caption", *(f"c{i}" for i in range(99_998))]
    row = ["wide-1", "A wide row", *("v" for _ in range(99_998))]
    (corpus / "wide.csv").write_text(",".join(columns) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        Index(tmp_path / "index").update_from(corpus)
    assert [str(p) for p in info.value.problems] == [
        f"wide.csv:1: the CSV header has 100,000 columns (at most {MAX_CSV_COLUMNS:,}); its 1 row left out"
    ]


MEASURE_A_HUGE_LINE = r"""
import json, resource, sys
from pathlib import Path
from ichigo_search import CorpusError, Index
corpus = Path(sys.argv[1])
size = int(sys.argv[2])
with open(corpus / "huge.jsonl", "w") as handle:
    handle.write(json.dumps({"id": "fine", "caption": "A fine caption"}) + "\n")
    handle.write('{"id": "huge", "caption": "' + "a" * size + '"}\n')
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:
    Index(sys.argv[3]).update_from(corpus)
except CorpusError as exc:
    print(exc.problems[0])
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before) / size)
"""


def test_a_line_of_many_megabytes_is_rejected_before_it_is_decoded(tmp_path, corpus):
    """Read once, never decoded or parsed: the memory it costs is about its size, not four times it."""
    import os
    import subprocess
    import sys

    size = 64 << 20
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_A_HUGE_LINE, str(corpus), str(size), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    problem, growth = result.stdout.splitlines()
    assert problem.startswith(f"huge.jsonl:2: line is longer than 16 MB ({size + 29:,} bytes): no record is that long")
    assert float(growth) < 2.0  # the file's bytes once (and a little); decoding and parsing it took 4 times
