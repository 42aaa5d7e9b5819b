"""The command line: commands, exit codes, JSON output, defaults and error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import __version__
from ichigo_search.cli import main


@pytest.fixture
def run(tmp_path, corpus):
    """Invoke the CLI in-process with --corpus/--index pointing at private copies."""
    runner = CliRunner()
    index_dir = tmp_path / "index"

    def invoke(*args: str, locate: bool = True):
        extra = ["--corpus", str(corpus), "--index", str(index_dir)] if locate else []
        return runner.invoke(main, [*args, *extra], catch_exceptions=False)

    invoke.index_dir = index_dir
    return invoke


def test_query_exit_codes(run):
    assert run("query", "Liuzhou", "airbase").exit_code == 0
    assert run("query", "zeppelin").exit_code == 1
    bad = run("query", "x", "--year", "soon")
    assert bad.exit_code == 2 and "--year" in bad.output


def test_query_text_output(run):
    result = run("query", "Liuzhou airbase", "--limit", "2")
    assert result.exit_code == 0
    assert "1-2 of 7 captions" in result.output
    assert " 1. liuzhou-destroyed-fighter" in result.output
    assert "\x1b[" not in result.output  # plain when not a terminal
    assert "Liuzhou · Guangxi · China | 1945 | Robert F. Riese" in result.output


def test_a_matched_title_is_shown_once_with_its_match_marked(run, corpus):
    """The title heads the hit; where the query matches it, it is not repeated among the caption's fragments."""
    record = {"id": "t1", "title": "Pontoon ferry", "caption": "Crossing the river at dawn", "places": ["Guilin"]}
    (corpus / "titled.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run("query", "pontoon")
    assert result.exit_code == 0
    assert result.output.count("Pontoon ferry") == 1
    assert "    Pontoon ferry\n    Crossing the river at dawn\n" in result.output


def test_query_json_is_one_object_with_the_contract_shape(run):
    result = run("query", "Guilin", "--json")
    data = json.loads(result.output)
    assert data["query"] == "Guilin" and data["total"] == 2
    assert [h["rank"] for h in data["hits"]] == [1, 2]
    assert all("<mark>Guilin</mark>" in h["highlights"][0] for h in data["hits"])


def test_query_filters(run):
    data = json.loads(run("query", "Japanese", "--place", "Guilin", "--year", "1944", "--json").output)
    assert [h["id"] for h in data["hits"]] == ["guilin-soldiers-convoy"]


def test_query_updates_the_index_when_the_corpus_changes(run, corpus):
    assert run("query", "zeppelin").exit_code == 1
    (corpus / "new.csv").write_text("id,caption\nz1,A zeppelin over Kunming\n", encoding="utf-8")
    assert json.loads(run("query", "zeppelin", "--json").output)["hits"][0]["id"] == "z1"
    (corpus / "new.csv").write_text("id,caption\nz1,A balloon over Kunming\n", encoding="utf-8")
    assert run("query", "zeppelin", "--no-update").exit_code == 0  # stale on purpose
    assert run("query", "zeppelin").exit_code == 1


def test_query_with_a_broken_corpus_searches_the_last_good_index(run, corpus):
    run("index")
    (corpus / "broken.jsonl").write_text("{nope\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["query", "Guilin", "--corpus", str(corpus), "--index", str(run.index_dir)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "broken.jsonl:1" in result.output and "searching the last good index" in result.output


def test_index_command_reports_counts(run, corpus):
    first = run("index")
    assert first.exit_code == 0 and "10 added" in first.output
    assert "0 added, 0 updated, 0 deleted, 10 unchanged" in run("index").output
    data = json.loads(run("index", "--rebuild", "--json").output)
    assert data["rebuilt"] and data["added"] == 10
    assert run("index", "--quiet").output == ""


def test_index_bad_corpus_exit_2_every_problem_no_traceback(run, corpus):
    run("index")
    (corpus / "zz-bad.jsonl").write_text('{"id": "liuzhou-destroyed-fighter", "caption": "dup"}\n{"id": 5}\n')
    result = run("index")
    assert result.exit_code == 2
    assert "zz-bad.jsonl:1: duplicate id 'liuzhou-destroyed-fighter' (first at ichigo-campaign.yaml:6)" in result.output
    assert "zz-bad.jsonl:2: id must be text" in result.output
    assert "zz-bad.jsonl:2: missing caption" in result.output
    assert "Traceback" not in result.output
    skipped = run("index", "--skip-invalid")
    assert skipped.exit_code == 0 and "2 left out" in skipped.output


def test_show_and_stats(run):
    shown = run("show", "liuchow-remains-field")
    assert shown.exit_code == 0 and "Unidentified remains in a field." in shown.output
    assert json.loads(run("show", "bukey-calcutta", "--json").output)["places"] == ["Calcutta", "India"]
    assert run("show", "nope").exit_code == 1
    stats = json.loads(run("stats", "--json").output)
    assert stats["records"] == 10 and stats["corpus_files"] == ["ichigo-campaign.yaml"]
    assert "records" in run("stats").output


def test_help_and_version(run):
    assert __version__ in run("--version", locate=False).output
    for command in ("query", "index", "show", "stats"):
        result = run(command, "--help", locate=False)
        assert result.exit_code == 0 and "Example" in result.output, command


def test_environment_variables_name_the_folders(tmp_path, corpus):
    env = {"ICHIGO_CORPUS": str(corpus), "ICHIGO_INDEX": str(tmp_path / "env-index")}
    result = CliRunner(env=env).invoke(main, ["query", "Calcutta", "--json"], catch_exceptions=False)
    assert json.loads(result.output)["hits"][0]["id"] == "bukey-calcutta"
    assert (tmp_path / "env-index" / "CURRENT").exists()


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ichigo_search", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_real_process_defaults_to_local_corpus_then_sample(tmp_path, corpus):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env.pop("ICHIGO_CORPUS", None)
    env.pop("ICHIGO_INDEX", None)
    # A folder with ./corpus uses ./corpus and ./index.
    project = corpus.parent
    local = _cli("query", "Liuzhou airbase", "--json", cwd=project, env=env)
    assert local.returncode == 0, local.stderr
    assert json.loads(local.stdout)["hits"][0]["id"] == "liuzhou-destroyed-fighter"
    assert (project / "index" / "CURRENT").exists()
    # Anywhere else the shipped sample is indexed into the user's data folder.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sample = _cli("query", "Calcutta", "--json", cwd=elsewhere, env=env)
    assert sample.returncode == 0, sample.stderr
    assert json.loads(sample.stdout)["hits"][0]["id"] == "bukey-calcutta"
    assert list((tmp_path / "data").rglob("CURRENT"))
    errors = _cli(
        "query", "x", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "i"), cwd=elsewhere, env=env
    )
    assert errors.returncode == 2 and "Traceback" not in errors.stderr and "missing" in errors.stderr
