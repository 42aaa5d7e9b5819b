"""Reading the caption collection: every *.jsonl, *.csv and *.yaml file under a folder.

Reading never stops at the first problem: each one is collected with its file
and line, so a user fixes a whole corpus in one pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CorpusError, Problem
from .records import Record, record_from_mapping

RECORD_SUFFIXES = (".jsonl", ".csv", ".yaml", ".yml")
# Files at the corpus root that describe the collection rather than hold records.
COLLECTION_FILE = "collection.yaml"
RESERVED_FILES = frozenset({COLLECTION_FILE, "thesaurus.yaml"})


@dataclass
class Corpus:
    """What reading a corpus folder found."""

    root: Path
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rejected: int = 0
    collection: dict[str, Any] = field(default_factory=dict)

    def raise_for_problems(self) -> None:
        """Raise CorpusError listing every problem, if there is any."""
        if self.problems:
            raise CorpusError(self.problems)


def corpus_files(root: Path) -> list[Path]:
    """Record files under ``root``, sorted, skipping hidden paths and reserved files."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(RECORD_SUFFIXES):
                continue
            path = Path(dirpath, name)
            if Path(dirpath) == root and name in RESERVED_FILES:
                continue
            found.append(path)
    return found


def fingerprint(root: Path) -> str:
    """A cheap digest of the corpus files' names, sizes and modification times."""
    digest = hashlib.blake2b(digest_size=16)
    paths = corpus_files(root) + [root / name for name in sorted(RESERVED_FILES)]
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def read_corpus(root: str | os.PathLike[str]) -> Corpus:
    """Read and validate every record file under ``root``."""
    root = Path(root)
    corpus = Corpus(root=root)
    if not root.exists():
        corpus.problems.append(Problem(str(root), None, "corpus folder does not exist"))
        return corpus
    if not root.is_dir():
        corpus.problems.append(Problem(str(root), None, "corpus path is not a folder"))
        return corpus
    corpus.collection = _read_collection(root, corpus.problems)
    seen: dict[str, str] = {}
    for path in corpus_files(root):
        name = str(path.relative_to(root))
        corpus.files.append(name)
        for line, raw, error in _read_file(path, name, corpus.problems):
            if error:
                corpus.problems.append(Problem(name, line, error))
                corpus.rejected += 1
                continue
            record, errors = record_from_mapping(raw)
            if record is None:
                ident = raw.get("id") if isinstance(raw, dict) else None
                label = f"record {ident!r}: " if isinstance(ident, str) and ident.strip() else ""
                for message in errors:
                    corpus.problems.append(Problem(name, line, label + message))
                corpus.rejected += 1
                continue
            where = f"{name}:{line}" if line else name
            if record.id in seen:
                corpus.problems.append(Problem(name, line, f"duplicate id {record.id!r} (first at {seen[record.id]})"))
                corpus.rejected += 1
                continue
            seen[record.id] = where
            corpus.records.append(record)
    if not corpus.files and not corpus.problems:
        corpus.problems.append(
            Problem(str(root), None, "no caption files (*.jsonl, *.csv, *.yaml) in the corpus folder")
        )
    return corpus


def _decode(path: Path, name: str, problems: list[Problem]) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, None, "cannot read: the file is missing (a broken link?)"))
        return None
    except OSError as exc:
        problems.append(Problem(name, None, f"cannot read: {exc.strerror or exc}"))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        problems.append(Problem(name, line, "contains a NUL byte (is this a binary file?)"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(name, line, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"))
        return None


Entry = tuple[int | None, Any, str | None]


def _read_file(path: Path, name: str, problems: list[Problem]) -> Iterator[Entry]:
    text = _decode(path, name, problems)
    if text is None:
        return iter(())
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_entries(text)
    if suffix == ".csv":
        return _csv_entries(text)
    return _yaml_entries(text, name, problems)


def _jsonl_entries(text: str) -> Iterator[Entry]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"


def _csv_entries(text: str) -> Iterator[Entry]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield 1, None, f"invalid CSV header: {exc}"
        return
    header = [h.strip() for h in header]
    missing = [c for c in ("id", "caption") if c not in header]
    if missing:
        yield 1, None, f"CSV header lacks the column(s) {', '.join(missing)} (found: {', '.join(header)})"
        return
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, None, f"invalid CSV: {exc} (an unbalanced quote?)"
            return
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield start, None, f"row has {len(row)} fields but the header has {len(header)}"
            continue
        yield start, dict(zip(header, row, strict=True)), None


def _yaml_loader():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[misc, valid-type]
        """Safe loader that remembers where each mapping starts."""

    def construct_mapping(loader, node, deep=False):
        mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
        mapping["\0line"] = node.start_mark.line + 1
        return mapping

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return yaml, LineLoader


def _load_yaml(text: str, name: str, problems: list[Problem]) -> tuple[bool, Any]:
    yaml, loader = _yaml_loader()
    try:
        return True, yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, line, f"invalid YAML: {what}"))
        return False, None


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "\0line"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _yaml_entries(text: str, name: str, problems: list[Problem]) -> Iterator[Entry]:
    ok, data = _load_yaml(text, name, problems)
    if not ok or data is None:
        return
    if not isinstance(data, list):
        line = data.get("\0line") if isinstance(data, dict) else None
        problems.append(Problem(name, line, "a YAML caption file must be a list of records (- id: …)"))
        return
    for item in data:
        line = item.get("\0line") if isinstance(item, dict) else None
        yield line, _strip_lines(item), None


def _read_collection(root: Path, problems: list[Problem]) -> dict[str, Any]:
    path = root / COLLECTION_FILE
    if not path.is_file():
        return {}
    text = _decode(path, COLLECTION_FILE, problems)
    if text is None:
        return {}
    ok, data = _load_yaml(text, COLLECTION_FILE, problems)
    if not ok or data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(COLLECTION_FILE, None, "must be a mapping (name:, description:)"))
        return {}
    return _strip_lines(data)


def load_corpus(root: str | os.PathLike[str], *, skip_invalid: bool = False) -> Corpus:
    """Read the corpus; raise CorpusError unless it is clean or ``skip_invalid`` is set."""
    corpus = read_corpus(root)
    fatal = not corpus.records or not skip_invalid
    if corpus.problems and fatal:
        corpus.raise_for_problems()
    return corpus
