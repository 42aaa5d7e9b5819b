"""Security: nothing is read or written outside the given folders, whatever the record ids, file names
or a tampered index folder say; YAML is loaded with the safe loader only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import IndexFormatError, store
from ichigo_search.cli import main
from ichigo_search.corpus.formats import yaml_loader
from ichigo_search.corpus.reading import read_corpus

# standalone: not a file path (record ids that try to name files outside the index)
HOSTILE_IDS = ["../../../escaped", "/etc/passwd", "..", "CURRENT", ".lock", "gen-evil", "a/b\\c", "~root", "%2e%2e"]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def index_cli(corpus: Path, index_dir: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--corpus", str(corpus), "--index", str(index_dir)], catch_exceptions=False)


@pytest.fixture
def hostile(tmp_path):
    """A corpus whose ids and file names look like paths, and an index of it."""
    corpus = tmp_path / "work" / "corpus"
    (corpus / "sub..").mkdir(parents=True)
    records = [{"id": i, "caption": f"Caption of {i!r} near Guilin"} for i in HOSTILE_IDS]
    (corpus / "sub.." / "a..b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index_dir = tmp_path / "work" / "index"
    return tmp_path, corpus, index_dir


def test_ids_and_file_names_are_never_paths(hostile):
    root, corpus, index_dir = hostile
    outside = tree(root) - {p for p in tree(root) if p.startswith("work/index")}
    assert index_cli(corpus, index_dir, "index").exit_code == 0
    assert index_cli(corpus, index_dir, "index", "--rebuild").exit_code == 0
    for record_id in HOSTILE_IDS:
        shown = CliRunner().invoke(
            main, ["show", record_id, "--json", "--index", str(index_dir), "--corpus", str(corpus)]
        )
        assert shown.exit_code == 0 and json.loads(shown.output)["id"] == record_id
    after = tree(root)
    assert {p for p in after if not p.startswith("work/index")} == outside  # nothing written elsewhere
    names = {p.name for p in index_dir.iterdir()}
    assert names == {store.CURRENT, store.LOCK, store.QUEUE} | {g.name for g in store.generations(index_dir)}


@pytest.mark.parametrize(
    "pointer",
    # standalone: not a file path (pointers that try to lead out of the index folder)
    ["../../etc", "gen-../../etc", "/etc", "gen-x/../../etc", "gen-\x00", "", "gen-" + "a" * 300, "\xff\xfe"],
)
def test_a_tampered_current_pointer_is_rejected_and_repaired(hostile, pointer):
    _, corpus, index_dir = hostile
    index_cli(corpus, index_dir, "index")
    (index_dir / store.CURRENT).write_bytes(pointer.encode("utf-8", "surrogateescape"))
    with pytest.raises(IndexFormatError, match=r"damaged pointer|missing"):
        store.current_generation(index_dir)
    result = CliRunner().invoke(main, ["query", "Guilin", "--no-update", "--index", str(index_dir)])
    assert result.exit_code == 2 and "index --rebuild" in result.output and "Traceback" not in result.output
    repaired = index_cli(corpus, index_dir, "index")
    assert repaired.exit_code == 0 and "rebuilt it from the corpus" in repaired.output
    assert index_cli(corpus, index_dir, "query", "Guilin", "--no-update").exit_code == 0


def test_links_planted_in_the_index_folder_are_not_followed(hostile):
    root, corpus, index_dir = hostile
    index_cli(corpus, index_dir, "index")
    victim = root / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me", encoding="utf-8")
    secret = root / "secret.txt"
    secret.write_text("gen-abc\n", encoding="utf-8")
    # CURRENT as a link to a file elsewhere
    (index_dir / store.CURRENT).unlink()
    (index_dir / store.CURRENT).symlink_to(secret)
    with pytest.raises(IndexFormatError, match="symbolic link"):
        store.current_generation(index_dir)
    (index_dir / store.CURRENT).unlink()
    # a generation that is a link to a folder elsewhere
    (index_dir / "gen-planted").symlink_to(victim, target_is_directory=True)
    (index_dir / store.CURRENT).write_text("gen-planted\n", encoding="utf-8")
    with pytest.raises(IndexFormatError, match="symbolic link"):
        store.current_generation(index_dir)
    # the lock file as a link to a file elsewhere: it must not be truncated or written
    (index_dir / store.LOCK).unlink()
    (index_dir / store.LOCK).symlink_to(secret)
    result = index_cli(corpus, index_dir, "index", "--rebuild")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert secret.read_text(encoding="utf-8") == "gen-abc\n"
    (index_dir / store.LOCK).unlink()
    assert index_cli(corpus, index_dir, "index", "--rebuild").exit_code == 0
    assert (victim / "precious.txt").read_text(encoding="utf-8") == "keep me"  # cleanup never follows links
    assert (index_dir / "gen-planted").is_symlink()


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object:pathlib.Path {{}}",
        "!!python/tuple [1, 2]",
        "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
    ],
)
def test_yaml_is_loaded_safely(tmp_path, tag):
    marker = tmp_path / "pwned"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "evil.yaml").write_text(
        f"- id: a\n  caption: fine\n- id: b\n  caption: {tag.format(marker=marker)}\n", encoding="utf-8"
    )
    (corpus / "collection.yaml").write_text(f"name: {tag.format(marker=marker)}\n", encoding="utf-8")
    found = read_corpus(corpus)
    assert [r.id for r in found.records] == ["a"]
    assert any("evil.yaml:4: invalid YAML" in str(p) for p in found.problems)
    assert any("collection.yaml" in str(p) for p in found.problems)
    assert not marker.exists()


def test_the_yaml_loader_is_a_safe_loader():
    import yaml

    _, loader = yaml_loader()
    assert issubclass(loader, yaml.SafeLoader) or issubclass(loader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert not issubclass(loader, (yaml.UnsafeLoader, yaml.FullLoader))


def test_highlights_of_ids_and_fields_in_json_are_data(hostile):
    _, corpus, index_dir = hostile
    result = index_cli(corpus, index_dir, "query", "Guilin", "--json", "--limit", "20")
    hits = json.loads(result.output)["hits"]
    assert {h["id"] for h in hits} == set(HOSTILE_IDS)
    for hit in hits:
        assert "<" not in "".join(hit["highlights"]).replace("<mark>", "").replace("</mark>", "")
    assert os.sep not in {p.name for p in index_dir.iterdir()}
