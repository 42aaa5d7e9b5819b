"""Reading the caption collection: every *.jsonl, *.json, *.csv, *.tsv and *.yaml file under a folder.

Reading never stops at the first problem: each one is collected with its file
and line, so a user fixes a whole corpus in one pass.  Damage stays local: a
bad byte, a bad line or an unbalanced quote costs that record only, and the
rest of the file is read.  ``Corpus.rejected`` counts the records left out;
``Corpus.unreadable`` counts files (or the rest of a file) that could not be
split into records at all, such as a YAML file with a syntax error.
"""

from __future__ import annotations

import os
import time
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, overload

from ichigo_search.corpus.files import (
    COLLECTION_FILE,
    LINK_OUT,
    RECORD_SUFFIXES,
    SETTLED_NS,
    THESAURUS_FILE,
    FileState,
    corpus_files,
    leaves_folder,
)
from ichigo_search.corpus.formats import (
    DIGEST_BYTES,
    HASH_BYTES,
    UTF8_BOM,
    KnownLine,
    compose_yaml,
    csv_entries,
    decode_whole,
    json_entries,
    jsonl_entries,
    line_digest,
    parse_json_line,
    quoted,
    read_bytes,
    xlsx_entries,
    yaml_entries,
    yaml_error,
)
from ichigo_search.corpus.record import MAX_EXTRA_CHARS, Record, TooBig, record_from_mapping, to_plain
from ichigo_search.errors import CorpusChangedError, CorpusError, Problem

# What a caption file's name ends with, for messages: *.jsonl, *.json, *.csv, ...
_PATTERNS = ", ".join(f"*{suffix}" for suffix in RECORD_SUFFIXES if suffix != ".yml")


class Records(Sequence[Record]):
    """The valid records of one read of a corpus, in corpus order.

    A record of a JSON-lines file is not kept: only its file, where its line starts,
    the line's digest and the record's content hash, and it is parsed again each time
    it is read (a million parsed records would hold gigabytes; their lines take 38
    bytes each here).  Records of other files are kept.  Reading a line that is not
    the one checked (its file changed since) raises :class:`CorpusChangedError`.
    """

    def __init__(self, root: Path):
        self._root = root
        self._files: list[tuple[str, int, int]] = []  # name, size, modification time
        self._file_of = array("i")  # per record: its file's number, or -1 when kept in memory
        self._where = array("q")  # per record: its line's number among _lines, or its index in _kept
        self._lines = array("q")  # per JSON line: its byte offset in its file
        self._kept: list[Record] = []
        self._digests = bytearray()  # per JSON line: its line_digest, DIGEST_BYTES bytes
        self._hashes = bytearray()  # per JSON line: its record's content hash, HASH_BYTES bytes
        self._open: tuple[int, int, BinaryIO, int] | None = None  # process, file number, handle, BOM size

    def append(self, record: Record) -> None:
        self._file_of.append(-1)
        self._where.append(len(self._kept))
        self._kept.append(record)

    def add_file(self, name: str, size: int, mtime_ns: int) -> int:
        """Register a JSON-lines file (as checked) whose lines :meth:`append_lines` will name."""
        self._files.append((name, size, mtime_ns))
        return len(self._files) - 1

    def append_lines(self, file_number: int, offsets: list[int], digests: list[str], content_hashes: list[str]) -> None:
        """Records of the file :meth:`add_file` numbered: where their lines start, their digests and hashes."""
        self._file_of.extend(repeat(file_number, len(offsets)))
        self._where.extend(range(len(self._lines), len(self._lines) + len(offsets)))
        self._lines.extend(offsets)
        self._digests += bytes.fromhex("".join(digests))
        self._hashes += bytes.fromhex("".join(content_hashes))

    def __len__(self) -> int:
        return len(self._file_of)

    @overload
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        number, where = self._file_of[index], self._where[index]
        if number < 0:
            return self._kept[where]
        name = self._files[number][0]
        handle, bom = self._handle(number)
        handle.seek(self._lines[where] + bom)
        line = handle.readline().removesuffix(b"\n")
        if line_digest(line) != self._digests[where * DIGEST_BYTES : (where + 1) * DIGEST_BYTES].hex():
            raise _changed(name)
        record, _ = record_from_mapping(parse_json_line(line.decode("utf-8")))
        if record is None:  # cannot be: the very line found valid
            raise _changed(name)
        # The hash found when the line was checked, in the cached_property's own slot: not computed again.
        record.__dict__["content_hash"] = self._hashes[where * HASH_BYTES : (where + 1) * HASH_BYTES].hex()
        return record

    def _handle(self, number: int) -> tuple[BinaryIO, int]:
        """An open handle on file ``number`` in this process (a forked one opens its own)."""
        opened = self._open
        if opened is not None and opened[1] == number and opened[0] == os.getpid():
            return opened[2], opened[3]
        if opened is not None and opened[0] == os.getpid():
            opened[2].close()
        name, size, mtime_ns = self._files[number]
        path = self._root / name
        try:
            handle = path.open("rb")
            info = os.fstat(handle.fileno())
        except OSError as exc:
            reason = exc.strerror or exc
            raise CorpusChangedError(f"{name}: cannot be read again ({reason}); run the command again") from exc
        if (info.st_size, info.st_mtime_ns) != (size, mtime_ns):
            handle.close()
            raise _changed(name)
        bom = _bom_size(handle)
        self._open = (os.getpid(), number, handle, bom)
        return handle, bom


def _changed(name: str) -> CorpusChangedError:
    return CorpusChangedError(f"{name}: changed while it was being indexed; run the command again")


@dataclass
class Corpus:
    """What reading a corpus folder found.

    ``records`` are the records parsed in this read; ``kept`` the (id, hash) of those taken
    unchanged from files an earlier read already knew (see :class:`FileState`).
    """

    root: Path
    records: Records = field(init=False)
    kept: list[tuple[str, str]] = field(default_factory=list)
    states: dict[str, FileState] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rejected: int = 0
    unreadable: int = 0
    collection: dict[str, Any] = field(default_factory=dict)
    thesaurus: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.records = Records(self.root)

    def check(self, skip_invalid: bool = False) -> None:
        """Raise CorpusError listing every problem, unless ``skip_invalid`` is set and some record is valid."""
        if self.problems and (not self.size or not skip_invalid):
            raise CorpusError(self.problems)

    @property
    def size(self) -> int:
        """How many valid records the corpus holds (parsed or kept)."""
        return len(self.records) + len(self.kept)


_PROBLEM, _KNOWN, _PARSED = 0, 1, 2  # kinds of _FileScan events


class _FileScan:
    """What reading one file found, in line order: its problems and its valid records.

    Made by whichever process read the file, then taken into the corpus in file order by
    :func:`_take`, which checks each id against the records before it.  Events are tuples
    (millions of them cross a pipe): ``(_PROBLEM, line, message, rejected, unreadable)``,
    ``(_KNOWN, line, id, content hash, line digest)`` for a line an earlier read found valid,
    ``(_PARSED, line, id, content hash, line digest, byte offset, record)``, the record
    itself only where it cannot be read again from its line.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.jsonl = False  # a JSON-lines file that could be read (its records are read again from their lines)
        self.stat: os.stat_result | None = None
        self.events: list[tuple] = []
        self.end: int | None = None  # where the run of lines read ends, if not at the end of the file
        self.problems = 0

    def joined(self, later: _FileScan) -> _FileScan:
        """This scan of a file's earlier lines followed by ``later``'s; the file must not have changed between."""
        if self.stat is None or later.stat is None or _version(later.stat) != _version(self.stat):
            raise _changed(self.name)
        self.events += later.events
        self.end = later.end
        return self

    def reject(self, line: int | None, message: str, records: int = 1) -> None:
        self.events.append((_PROBLEM, line, message, records, 0))
        self.problems += 1

    def unreadable(self, line: int | None, message: str) -> None:
        self.events.append((_PROBLEM, line, message, 0, 1))
        self.problems += 1


def _version(info: os.stat_result) -> tuple[int, int]:
    return info.st_size, info.st_mtime_ns


Seen = dict[str, tuple[str, int | None]]  # record id -> the file and line where it first appears


def _claim(corpus: Corpus, seen: Seen, name: str, record_id: str, line: int | None) -> bool:
    """Note where ``record_id`` first appears; False (reported) when an earlier record has it."""
    first = seen.get(record_id)
    if first is not None:
        where = f"{first[0]}:{first[1]}" if first[1] else first[0]
        corpus.problems.append(Problem(name, line, f"duplicate id {quoted(repr(record_id))} (first at {where})"))
        corpus.rejected += 1
        return False
    seen[record_id] = (name, line)
    return True


def read_corpus(root: str | os.PathLike[str], known: dict[str, FileState] | None = None) -> Corpus:
    """Read and validate every record file under ``root``.

    Files in ``known`` that were clean and have the same size and modification time are
    not parsed again: their records are taken as they were (``Corpus.kept``).
    """
    return Reading(root, known).read()


class _Part(NamedTuple):
    """A file to parse, or a run of its lines: from byte ``start`` (a line's start, after any BOM) to ``end``."""

    name: str
    known_lines: dict[str, tuple[str, str]]
    start: int = 0
    end: int | None = None


ToRead = list[_Part]
# A corpus whose files to parse hold at least this many bytes (about 10,000 captions) is read
# by two processes, each parsing and validating half of its files.
PARALLEL_READ_BYTES = 5_000_000


class Reading:
    """One read of a corpus folder: the files to parse, then the :class:`Corpus` from their scans.

    The files may be parsed anywhere (two processes, or the processes that index the
    records as they are parsed); :meth:`finish` takes their scans in file order and
    checks each record's id against those before it, as one reader would.
    """

    def __init__(self, root: str | os.PathLike[str], known: dict[str, FileState] | None = None) -> None:
        self.root = root = Path(root)
        self.corpus = corpus = Corpus(root=root)
        self._plan: list[tuple[str, FileState | None]] = []  # each file, with its known state if it need not be read
        self.to_read: ToRead = []
        self._sizes: list[int] = []
        self._halves: list[ToRead] | None = None
        if not root.exists():
            corpus.problems.append(Problem(str(root), None, "corpus folder does not exist"))
            return
        if not root.is_dir():
            corpus.problems.append(Problem(str(root), None, "corpus path is not a folder"))
            return
        corpus.collection = _read_collection(root, corpus)
        corpus.thesaurus = _read_thesaurus(root, corpus)
        try:
            paths = corpus_files(root)
        except OSError as exc:  # pragma: no cover - os.walk reports errors through onerror, not raising
            corpus.problems.append(Problem(str(root), None, f"cannot list the folder: {exc.strerror or exc}"))
            return
        for path in paths:
            name = str(path.relative_to(root))
            try:
                file_stat = path.stat()
            except OSError:
                file_stat = None
            previous = (known or {}).get(name)
            if (
                file_stat is not None
                and previous is not None
                and previous.clean
                and (previous.size, previous.mtime_ns) == _version(file_stat)
            ):
                self._plan.append((name, previous))
                continue
            self._plan.append((name, None))
            self.to_read.append(_Part(name, previous.known_lines() if previous else {}))
            self._sizes.append(file_stat.st_size if file_stat else 0)

    def halves(self) -> list[ToRead]:
        """The files to parse in two runs of about as many lines, or in one when not worth a second process.

        A JSON-lines file astride the middle is cut between two of its lines.
        """
        if self._halves is None:
            self._halves = self._halve()
        return self._halves

    def _halve(self) -> list[ToRead]:
        """Lines, not bytes: records are what indexing costs (each file's line length is sampled)."""
        from ichigo_search.util.forking import can_fork

        if not self.to_read or sum(self._sizes) < PARALLEL_READ_BYTES or not can_fork():
            return [self.to_read]
        line_bytes = [_line_bytes(self.root / part.name) for part in self.to_read]
        lines = [size / per_line for size, per_line in zip(self._sizes, line_bytes, strict=True)]
        half = sum(lines) / 2
        running, middle = 0.0, 0
        while running + lines[middle] < half and middle < len(lines) - 1:
            running += lines[middle]
            middle += 1
        part = self.to_read[middle]
        cut = _line_start(self.root / part.name, round((half - running) * line_bytes[middle]))
        if cut is None:  # not a JSON-lines file, or no line starts after the middle: cut before or after it
            middle += running + lines[middle] / 2 < half
            return [self.to_read[:middle], self.to_read[middle:]] if 0 < middle < len(self.to_read) else [self.to_read]
        before, after = part._replace(end=cut), part._replace(start=cut)
        return [[*self.to_read[:middle], before], [after, *self.to_read[middle + 1 :]]]

    def read(self) -> Corpus:
        """Parse the files here (a large corpus's later half in a forked process meanwhile): the corpus."""
        halves = self.halves()
        forked = None
        if len(halves) > 1:
            from ichigo_search.util.forking import Forked

            forked = Forked(_scan_files, self.root, halves[1], role="corpus reading process")

        def scans() -> Iterator[_FileScan]:
            yield from (_scan_file(self.root, part) for part in halves[0])
            if forked is not None:
                yield from forked.result()

        try:
            return self.finish(scans())
        except BaseException:
            if forked is not None:
                forked.kill()
            raise

    def finish(self, scans: Iterable[_FileScan]) -> Corpus:
        """The corpus, given the scans of ``to_read`` in order."""
        corpus = self.corpus
        seen: Seen = {}
        scanned = iter(scans)
        for name, unchanged in self._plan:
            corpus.files.append(name)
            if unchanged is None:
                scan = next(scanned)
                while scan.end is not None:  # a file cut in two: its later lines' scan follows
                    scan = scan.joined(next(scanned))
                _take(corpus, scan, seen)
                continue
            for record_id, content_hash, line in unchanged.records:
                if _claim(corpus, seen, name, record_id, line):
                    corpus.kept.append((record_id, content_hash))
            corpus.states[name] = unchanged
        if not corpus.files and not corpus.problems:
            corpus.problems.append(
                Problem(str(self.root), None, f"no caption files ({_PATTERNS}) in the corpus folder")
            )
        elif not corpus.size and not corpus.problems:
            corpus.problems.append(Problem(str(self.root), None, "the caption files hold no records"))
        return corpus

    def records(
        self, files: ToRead, *, past_problems: bool = True
    ) -> Callable[[], Generator[Record, None, tuple[list[_FileScan], list[str]]]]:
        """A source of the valid records of ``files`` as they are parsed, each id once (its first record).

        The generator returns the files' scans, for :meth:`finish`, and the ids of the
        records it gave, in order: an id an earlier run of files also holds is found only
        when both are done (see :meth:`repeated`).  Unless ``past_problems``, it gives no
        record after the first problem (a bad line, an id repeated in these files), as the
        build will fail, but reads on, so that every problem is reported at reading speed.
        """

        def source() -> Generator[Record, None, tuple[list[_FileScan], list[str]]]:
            scans: list[_FileScan] = []
            given: list[str] = []
            seen: set[str] = set()
            giving = True
            for part in files:
                scan = _FileScan(part.name)
                scans.append(scan)
                for record in _scanning(self.root, scan, part):
                    repeated = record.id in seen
                    giving = giving and (past_problems or not (repeated or scan.problems))
                    if giving and not repeated:
                        seen.add(record.id)
                        given.append(record.id)
                        yield record
                giving = giving and (past_problems or not scan.problems)
            return scans, given

        return source

    @staticmethod
    def repeated(given: list[list[str]]) -> list[list[int]]:
        """Per run of :meth:`records`, the positions of the records whose id an earlier run gave."""
        earlier: set[str] = set()
        found = []
        for ids in given:
            found.append([number for number, record_id in enumerate(ids) if record_id in earlier])
            earlier.update(ids)
        return found


def _scan_files(root: Path, to_read: ToRead) -> list[_FileScan]:
    return [_scan_file(root, part) for part in to_read]


def _scan_file(root: Path, part: _Part) -> _FileScan:
    """Read, parse and validate one record file or run of lines (lines in ``known_lines`` are taken as they were)."""
    scan = _FileScan(part.name)
    for _ in _scanning(root, scan, part):
        pass
    return scan


def _scanning(root: Path, scan: _FileScan, part: _Part) -> Iterator[Record]:
    """Fill ``scan`` from its file, yielding each valid record as it is parsed."""
    path = root / scan.name
    if leaves_folder(root, path):
        scan.unreadable(None, LINK_OUT)
        return
    scan.jsonl = path.suffix.lower() == ".jsonl"
    try:
        scan.stat = path.stat()
    except OSError:
        scan.jsonl = False
    events = scan.events
    scan.end = part.end
    for line, raw, digest, offset in _read_file(path, scan, part):
        if isinstance(raw, KnownLine):
            events.append((_KNOWN, line, raw.id, raw.content_hash, digest))
            continue
        record, errors = record_from_mapping(raw)
        if record is None:
            ident = raw.get("id") if isinstance(raw, dict) else None
            label = f"record {ident!r}: " if isinstance(ident, str) and ident.strip() and len(ident) <= 200 else ""
            for count, message in enumerate(errors):
                scan.reject(line, label + message, records=int(count == 0))
            continue
        kept = None if scan.jsonl and offset is not None else record
        events.append((_PARSED, line, record.id, record.content_hash, digest, offset, kept))
        yield record


def _take(corpus: Corpus, scan: _FileScan, seen: Seen) -> None:
    """Add one file's scan to the corpus: its problems, and its records whose ids are not taken yet."""
    name = scan.name
    problems_before = len(corpus.problems)
    valid: list[tuple[str, str, int | None]] = []
    digests: list[str | None] = []
    records = corpus.records
    offsets: list[int] = []  # of the JSON lines parsed: where they start, their digests and hashes
    parsed_digests: list[str] = []
    parsed_hashes: list[str] = []
    for event in scan.events:
        if event[0] == _PROBLEM:
            _, line, message, rejected, unreadable = event
            corpus.problems.append(Problem(name, line, message))
            corpus.rejected += rejected
            corpus.unreadable += unreadable
            continue
        line, record_id, content_hash, digest = event[1:5]
        if not _claim(corpus, seen, name, record_id, line):
            continue
        if event[0] == _KNOWN:
            corpus.kept.append((record_id, content_hash))
        elif event[6] is None:
            offsets.append(event[5])
            parsed_digests.append(digest)
            parsed_hashes.append(content_hash)
        else:
            records.append(event[6])
        valid.append((record_id, content_hash, line))
        digests.append(digest)
    if scan.jsonl:
        number = records.add_file(name, scan.stat.st_size, scan.stat.st_mtime_ns)
        records.append_lines(number, offsets, parsed_digests, parsed_hashes)
    if scan.stat is not None:
        # A file changed within the last seconds may change again within its timestamp's
        # granularity without a new size or time: it is read again next time ("racily clean").
        settled = time.time_ns() - scan.stat.st_mtime_ns > SETTLED_NS
        clean = len(corpus.problems) == problems_before and settled
        line_digests = tuple(digests) if all(digests) else ()
        corpus.states[name] = FileState(scan.stat.st_size, scan.stat.st_mtime_ns, clean, tuple(valid), line_digests)


def _bom_size(handle: BinaryIO) -> int:
    """The size of the UTF-8 BOM a file opened at its start begins with (0 if none), read past it."""
    if handle.read(len(UTF8_BOM)) == UTF8_BOM:
        return len(UTF8_BOM)
    handle.seek(0)
    return 0


def _line_bytes(path: Path, sample: int = 1 << 18) -> float:
    """About how many bytes a line of the file takes, from its first ``sample`` bytes (at least 1)."""
    try:
        with path.open("rb") as f:
            head = f.read(sample)
    except OSError:
        return 1.0
    return max(1.0, len(head) / max(1, head.count(b"\n")))


def _line_start(path: Path, near: int) -> int | None:
    """Where the first line at or after byte ``near`` of a JSON-lines file starts (after any BOM), or None."""
    if path.suffix.lower() != ".jsonl" or near <= 0:
        return None
    try:
        with path.open("rb") as f:
            bom = _bom_size(f)
            f.seek(bom + near - 1)
            f.readline()  # the rest of the line astride the cut (or the newline just before it)
            start = f.tell() - bom
            more = f.read(1)
    except OSError:
        return None
    return start if more else None


def _read_file(path: Path, report: _FileScan, part: _Part) -> Iterator[tuple[int | None, Any, str | None, int | None]]:
    """(line, parsed value or KnownLine, line digest, byte offset) per record; the last two for JSON lines only.

    Of a JSON-lines file cut in two, the later lines' reader reports no problem of the whole
    file (the earlier one does), and a file that no longer has a line starting at the cut
    has changed since it was cut.
    """
    data = read_bytes(path, report if part.start == 0 else _FileScan(part.name))
    if data is None:
        return iter(())
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        if part.start and data[part.start - 1 : part.start] != b"\n":
            raise _changed(part.name)
        first_line = data.count(b"\n", 0, part.start) + 1
        return jsonl_entries(data, report, part.known_lines, part.start, part.end, first_line)
    if suffix in (".csv", ".tsv"):
        entries = csv_entries(data, report, "\t" if suffix == ".tsv" else ",")
    elif suffix == ".xlsx":
        entries = xlsx_entries(data, report)
    else:
        entries = json_entries(data, report) if suffix == ".json" else yaml_entries(data, report)
    return ((line, value, None, None) for line, value in entries)


def _read_thesaurus(root: Path, corpus: Corpus) -> dict[str, Any]:
    """The corpus's own vocabulary (synonyms, abbreviations, related, places), validated."""
    from ichigo_search.vocab.thesaurus import validate

    report = _FileScan(THESAURUS_FILE)
    data = _read_mapping(root / THESAURUS_FILE, report, "(synonyms:, abbreviations:, related:, places:)")
    problems = validate(data, THESAURUS_FILE)
    for problem in problems:
        report.unreadable(None, problem.removeprefix(f"{THESAURUS_FILE}: "))
    _take(corpus, report, {})
    return {} if problems else data


def _read_collection(root: Path, corpus: Corpus) -> dict[str, Any]:
    """The collection's description (name:, description:)."""
    report = _FileScan(COLLECTION_FILE)
    data = _read_mapping(root / COLLECTION_FILE, report, "(name:, description:)")
    _take(corpus, report, {})
    return data


def _read_mapping(path: Path, report: _FileScan, shape: str) -> dict[str, Any]:
    """A reserved YAML file at the corpus root that holds one mapping."""
    if not path.is_file():
        return {}
    if leaves_folder(path.parent, path):
        report.unreadable(None, LINK_OUT)
        return {}
    data = read_bytes(path, report)
    text = decode_whole(data, report) if data is not None else None
    if text is None:
        return {}
    yaml, loader, node = compose_yaml(text, report)
    if loader is None or node is None:
        return {}
    try:
        value = loader.construct_document(node)
    except (yaml.YAMLError, RecursionError) as exc:
        report.unreadable(*yaml_error(exc))
        return {}
    finally:
        loader.dispose()
    if not isinstance(value, dict):
        report.unreadable(None, f"must be a mapping {shape}")
        return {}
    try:
        return to_plain(value, [MAX_EXTRA_CHARS])
    except (ValueError, TooBig, RecursionError) as exc:
        report.unreadable(None, f"the file {exc}")
        return {}


def load_corpus(
    root: str | os.PathLike[str], *, skip_invalid: bool = False, known: dict[str, FileState] | None = None
) -> Corpus:
    """Read the corpus; raise CorpusError unless it is clean or ``skip_invalid`` is set.

    Even with ``skip_invalid`` a corpus without a single valid record raises:
    an empty index is never what a broken corpus should produce.
    """
    corpus = read_corpus(root, known)
    corpus.check(skip_invalid)
    return corpus
