"""The record files of a corpus, format by format: JSON lines, JSON, CSV (and TSV) and YAML, as UTF-8 text.

Each reader yields ``(line, value)`` entries and reports what it cannot read to a
:class:`Report` with the line it is on, so one bad record costs that record only.
JSON is strict (no NaN, no repeated keys); a JSON file is a list of records (or an
object holding one, as an API answers: ``{"results": [...]}``); a CSV file's first row
names its fields (a TSV file's too, separated by tabs); a YAML file is a list of
records, read with a safe loader that refuses repeated keys.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ichigo_search.corpus.fields import other_name, renames, title_as_caption

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class KnownLine(NamedTuple):
    """A JSON line byte-for-byte as an earlier read found it valid: its record need not be parsed again."""

    id: str
    content_hash: str


class Report(Protocol):
    """Where a reader reports the records it rejects and the text it cannot read."""

    def reject(self, line: int | None, message: str, records: int = 1) -> None: ...

    def unreadable(self, line: int | None, message: str) -> None: ...


_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
CSV_FIELD_LIMIT = 1 << 26
UTF8_BOM = b"\xef\xbb\xbf"


def read_bytes(path: Path, report: Report) -> bytes | None:
    """The file's bytes without a UTF-8 BOM, or None (reported) when it cannot be read as text."""
    try:
        info = path.stat()
    except FileNotFoundError:
        report.unreadable(None, "cannot read: the file is missing (a broken link?)")
        return None
    except OSError as exc:
        report.unreadable(None, f"cannot read: {exc.strerror or exc}")
        return None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe or a device?)"
        report.unreadable(None, f"cannot read: {kind}")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.unreadable(None, f"cannot read: {exc.strerror or exc}")
        return None
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            report.unreadable(None, f"is {encoding} text; save it as UTF-8")
            return None
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    return data


def _utf8_problem(data: bytes, error: UnicodeDecodeError) -> str:
    return f"is not valid UTF-8 (byte 0x{data[error.start]:02x} at column {error.start + 1})"


Entry = tuple[int | None, Any]


DIGEST_BYTES = 10
HASH_BYTES = 16  # records.Record.content_hash


def line_digest(line: bytes) -> str:
    """The digest that recognises a JSON line seen before."""
    return hashlib.blake2b(line, digest_size=DIGEST_BYTES).hexdigest()


# -- JSON lines -----------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):  # a key repeated: name the first
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"field {quoted(repr(key))} appears twice")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every line (json.loads with options would build one per call).
_JSON_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)


_SCAN = _JSON_DECODER.scan_once


def parse_json_line(text: str) -> Any:
    """One JSON line's value: strict JSON (no NaN, no repeated keys); ValueError if it is not."""
    try:  # the decoder's scanner alone, for a line that is one JSON value with no space around it
        value, end = _SCAN(text, 0)
    except (ValueError, StopIteration, RecursionError):
        end = -1
    return value if end == len(text) else _JSON_DECODER.decode(text)  # the decoder's message for any other


# A JSON line longer than this cannot hold a valid record (a caption holds at most 100,000 characters,
# other fields 10,000, unknown ones 100,000 in all; even written as \uXXXX escapes, far below this).
MAX_LINE_BYTES = 16 << 20
_TOO_LONG = "no record is that long (a document pasted by mistake?)"


def jsonl_entries(
    data: bytes,
    report: Report,
    known_lines: dict[str, tuple[str, str]],
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, Any, str, int]]:
    """The entries of the lines of ``data[start:end]``, numbered from ``first_line``."""
    for number, (line_start, line_end) in enumerate(_line_spans(data, start, end), first_line):
        if line_end - line_start > MAX_LINE_BYTES:  # rejected before it is copied, decoded and parsed
            size = line_end - line_start
            report.reject(number, f"line is longer than {MAX_LINE_BYTES >> 20} MB ({size:,} bytes): {_TOO_LONG}")
            continue
        line = data[line_start:line_end]
        if not line.strip():
            continue
        digest = line_digest(line)
        if digest in known_lines:
            yield number, KnownLine(*known_lines[digest]), digest, line_start
            continue
        if b"\x00" in line:
            report.reject(number, "contains a NUL byte (is this a binary file?)")
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.reject(number, _utf8_problem(line, exc))
            continue
        try:
            value = parse_json_line(text)
        except json.JSONDecodeError as exc:
            report.reject(number, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            report.reject(number, "invalid JSON: nested too deeply")
            continue
        except ValueError as exc:  # duplicate keys, NaN, integers too long to convert
            report.reject(number, f"invalid JSON: {exc}")
            continue
        yield number, value, digest, line_start


def _line_spans(data: bytes, start: int, end: int | None) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of ``data[start:end]``, without its newline; nothing is copied."""
    stop = len(data) if end is None else end
    while start < stop:
        newline = data.find(b"\n", start, stop)
        if newline < 0:
            newline = stop
        yield start, newline
        start = newline + 1


# -- JSON -----------------------------------------------------------------------

_SPACE_RE = re.compile(r"[ \t\n\r]*")
_LENIENT_DECODER = json.JSONDecoder()  # where a record that is not strict JSON ends
_NOT_RECORDS = 'a JSON caption file must be a list of records ([{"id": …, "caption": …}, …])'


def json_entries(data: bytes, report: Report) -> Iterator[Entry]:
    """A JSON file's records, each numbered by the line it starts on: the file is a list of records, or an object
    holding one list of records (as an API or a catalogue export answers: ``{"results": [...]}``), or one record.

    Strict as JSON lines are; after invalid JSON the rest of the file cannot be told apart, so it is reported
    unreadable from there (the records before it are read).
    """
    text = decode_whole(data, report)
    if text is None:
        return
    at = _SPACE_RE.match(text).end()
    if at == len(text):
        return
    try:
        if text[at] == "[":
            yield from _elements(text, at, report)
        elif text[at] == "{":
            yield from _object_records(text, at, report)
        else:
            report.unreadable(_line_at(text, at), _NOT_RECORDS)
    except json.JSONDecodeError as exc:
        report.unreadable(exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        report.unreadable(None, "invalid JSON: nested too deeply")
    except ValueError as exc:  # a repeated key, NaN
        report.unreadable(None, f"invalid JSON: {exc}")


def _line_at(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _elements(text: str, at: int, report: Report) -> Iterator[Entry]:
    """The values of the JSON array starting at ``text[at]``, each with the line it starts on; one that is JSON but
    not strict JSON (a repeated key, NaN) is reported and skipped."""
    line, counted = 1, 0
    at = _SPACE_RE.match(text, at + 1).end()
    if text[at : at + 1] == "]":
        return
    while True:
        line += text.count("\n", counted, at)
        counted = at
        try:
            value, end = _JSON_DECODER.raw_decode(text, at)
        except json.JSONDecodeError:  # (a ValueError too) the file's: where the array goes on is unknown
            raise
        except ValueError as exc:  # a repeated key, NaN: this record only
            _, end = _LENIENT_DECODER.raw_decode(text, at)
            report.reject(line, f"invalid JSON: {exc}")
        else:
            yield line, value
        at = _SPACE_RE.match(text, end).end()
        if text[at : at + 1] == "]":
            return
        if text[at : at + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _SPACE_RE.match(text, at + 1).end()


def _object_records(text: str, at: int, report: Report) -> Iterator[Entry]:
    """The records of a JSON object: the one list of mappings among its values, or the object as one record."""
    whole, end = _JSON_DECODER.raw_decode(text, at)
    if _SPACE_RE.match(text, end).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    named = set(whole) | set(renames(tuple(whole)).values())
    if {"id", "caption"} & named:
        yield _line_at(text, at), whole
        return
    lists = [key for key, value in whole.items() if isinstance(value, list) and value and isinstance(value[0], dict)]
    if len(lists) != 1:
        found = f" (it holds {len(lists)} lists of mappings: {quoted(', '.join(lists))})" if lists else ""
        report.unreadable(_line_at(text, at), f"{_NOT_RECORDS}{found}")
        return
    yield from _elements(text, _value_start(text, at, lists[0]), report)


def _value_start(text: str, at: int, wanted: str) -> int:
    """Where the value of key ``wanted`` starts in the JSON object starting at ``text[at]`` (already parsed)."""
    at = _SPACE_RE.match(text, at + 1).end()
    while True:
        key, end = _JSON_DECODER.raw_decode(text, at)
        at = _SPACE_RE.match(text, _SPACE_RE.match(text, end).end() + 1).end()  # past the colon
        if key == wanted:
            return at
        _, end = _JSON_DECODER.raw_decode(text, at)
        at = _SPACE_RE.match(text, _SPACE_RE.match(text, end).end() + 1).end()  # past the comma


# -- CSV ------------------------------------------------------------------------


def _surrogate_byte(text: str) -> int | None:
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return ord(char) - 0xDC00
    return None


def csv_entries(data: bytes, report: Report, delimiter: str = ",") -> Iterator[Entry]:
    """A CSV file's rows as mappings of its header's names (a TSV file's: ``delimiter`` a tab)."""
    # Field sizes are checked by the record limits, with a clearer message.
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    # Bad bytes become surrogates here and are reported per row below.
    text = data.decode("utf-8", errors="surrogateescape")
    nul = "\x00" in text
    if nul:  # Python 3.10's csv module refuses a NUL anywhere; it travels through as a stand-in (see _NUL)
        text = text.replace("\x00", _NUL)
    lines = _LINE_RE.findall(text)
    reader = csv.reader(iter(lines), strict=True, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        report.unreadable(1, f"invalid CSV header: {exc}")
        return
    header = [h.strip() for h in _with_nul(header, nul)]
    problem = _header_problem(header, delimiter)
    if problem:
        rest = csv.reader(iter(lines[reader.line_num :]), delimiter=delimiter)
        rows = sum(1 for row in rest if any(c.strip() for c in row))
        report.reject(1, f"{problem}; its {rows} row{'s' if rows != 1 else ''} left out", records=rows)
        return
    header = title_as_caption(header)
    position = reader.line_num
    while position < len(lines):
        reader = csv.reader(iter(lines[position:]), strict=True, delimiter=delimiter)
        while True:
            start = position + reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                consumed = position + reader.line_num
                if "unexpected end of data" in str(exc):
                    report.reject(start, "invalid CSV: a quoted field starting on this line is never closed")
                    position = start  # read on from the next line
                else:
                    report.reject(start, f"invalid CSV: {exc} (an unbalanced quote?)")
                    position = max(consumed, start)
                break
            if not any(cell.strip() for cell in row):
                continue
            entry = _csv_row(header, _with_nul(row, nul))
            if isinstance(entry, str):
                report.reject(start, entry)
                continue
            yield start, entry


# A NUL in a CSV file, while the csv module reads it: Python 3.10's refuses one ("line contains NUL"), 3.11's reads
# it, and a record's checks report it as in any other format ("caption contains a NUL character"). A lone
# surrogate no decoding makes: surrogateescape makes only U+DC80-U+DCFF.
_NUL = "\udc00"


def _with_nul(row: list[str], nul: bool) -> list[str]:
    return [cell.replace(_NUL, "\x00") for cell in row] if nul else row


# A CSV header names at most this many columns (a record has a handful of fields, and unknown
# ones may hold 100,000 characters in all).
MAX_CSV_COLUMNS = 1_000
# What a message quotes of a file's own text at most: the file may not be a corpus file at all.
QUOTE_CHARS = 80


def quoted(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` for a message: at most ``limit`` characters of it, marked when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header_problem(header: list[str], delimiter: str = ",", name: str = "the CSV header") -> str | None:
    if len(header) > MAX_CSV_COLUMNS:
        return f"{name} has {len(header):,} columns (at most {MAX_CSV_COLUMNS:,})"
    bad = _surrogate_byte("".join(header))
    if bad is not None:
        return f"{name} is not valid UTF-8 (byte 0x{bad:02x})"
    counts = Counter(header)
    repeated = sorted(h for h, count in counts.items() if h and count > 1)
    if repeated:
        return f"{name} repeats the column(s) {quoted(', '.join(repeated))}"
    titled = title_as_caption(header)
    named = set(titled) | set(renames(tuple(titled)).values())
    missing = [c for c in ("id", "caption") if c not in named]
    if missing:
        joined = delimiter.join(header)
        others = [d for d in (",", ";", "\t", "|") if d != delimiter and d in joined]
        use = "use ','" if delimiter == "," else "a .tsv file's columns are separated by tabs"
        hint = f"; is the file separated by {others[0]!r}? {use}" if others else ""
        hint = hint or f"; they may also be named {', '.join(other_name(c) for c in missing)}"
        lacks = "CSV header" if name == "the CSV header" else name
        return f"{lacks} lacks the column(s) {', '.join(missing)} (found: {quoted(', '.join(header))}){hint}"
    return None


def _csv_row(header: list[str], row: list[str]) -> dict[str, str] | str:
    """The row as a mapping, or what is wrong with it."""
    if len(row) > len(header) and not any(cell.strip() for cell in row[len(header) :]):
        row = row[: len(header)]  # trailing empty cells, as spreadsheets write them
    if len(row) != len(header):
        return f"row has {len(row)} fields but the header has {len(header)}"
    for name, cell in zip(header, row, strict=True):
        bad = _surrogate_byte(cell)
        if bad is not None:
            return f"is not valid UTF-8 (byte 0x{bad:02x} in the {quoted(name) or 'unnamed'} column)"
    return {name: cell for name, cell in zip(header, row, strict=True) if name or cell.strip()}


# -- spreadsheets ---------------------------------------------------------------


def xlsx_entries(data: bytes, report: Report) -> Iterator[Entry]:
    """A workbook's first sheet read as a CSV file is: its first row with a value the header, each row numbered as
    the sheet numbers it. Dates are written as ISO dates, whole numbers without a decimal point."""
    import io

    from openpyxl import load_workbook  # only where a corpus holds a workbook

    number = 0
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign file: openpyxl raises what its zip and XML readers raise
        report.unreadable(None, f"not a readable .xlsx workbook ({type(exc).__name__}: {quoted(str(exc))})")
        return
    try:
        header: list[str] | None = None
        rows = book.worksheets[0].iter_rows(values_only=True) if book.worksheets else iter(())
        for number, row in enumerate(rows, 1):
            cells = [_cell_text(value) for value in row]
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                while header and not header[-1]:
                    header.pop()
                problem = _header_problem(header, name="the sheet's first row")
                if problem:
                    rest = sum(1 for later in rows if any(_cell_text(v).strip() for v in later))
                    report.reject(number, f"{problem}; its {rest} row{'s' if rest != 1 else ''} left out", records=rest)
                    return
                header = title_as_caption(header)
                continue
            entry = _csv_row(header, cells)
            if isinstance(entry, str):
                report.reject(number, entry)
                continue
            yield number, entry
    except Exception as exc:  # a sheet damaged past this row
        report.unreadable(number or None, f"the workbook cannot be read on ({type(exc).__name__}: {quoted(str(exc))})")
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    """A cell's value as a CSV file would hold it."""
    import datetime

    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- YAML -----------------------------------------------------------------------


def yaml_loader():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[misc, valid-type]
        """The safe loader, refusing a key repeated in one mapping."""

    def construct_mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable; construct_mapping reports it
            if repeated:
                problem = f"field {quoted(repr(key))} appears twice"
                raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=True)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return yaml, StrictLoader


def yaml_error(exc: Exception) -> tuple[int | None, str]:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and what.startswith("could not determine a constructor"):
        what = f"{what} (only plain YAML is allowed)"
    return line, f"invalid YAML: {what}"


def decode_whole(data: bytes, report: Report) -> str | None:
    nul = data.find(b"\x00")
    if nul >= 0:
        report.unreadable(data.count(b"\n", 0, nul) + 1, "contains a NUL byte (is this a binary file?)")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        report.unreadable(
            line, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {exc.start - line_start + 1})"
        )
        return None


def compose_yaml(text: str, report: Report):
    """The YAML node tree and a loader to construct it with, or (None, None) when it does not parse."""
    yaml, loader_class = yaml_loader()
    loader = loader_class(text)
    try:
        return yaml, loader, loader.get_single_node()
    except yaml.YAMLError as exc:
        report.unreadable(*yaml_error(exc))
    except RecursionError:
        report.unreadable(None, "invalid YAML: nested too deeply")
    loader.dispose()
    return yaml, None, None


def yaml_entries(data: bytes, report: Report) -> Iterator[Entry]:
    text = decode_whole(data, report)
    if text is None:
        return
    yaml, loader, root = compose_yaml(text, report)
    if loader is None:
        return
    try:
        if root is None:
            return
        line = root.start_mark.line + 1
        if isinstance(root, yaml.MappingNode):
            report.reject(line, "a YAML caption file must be a list of records (- id: …); this is a single mapping")
            return
        if not isinstance(root, yaml.SequenceNode):
            report.unreadable(line, "a YAML caption file must be a list of records (- id: …)")
            return
        for node in root.value:
            line = node.start_mark.line + 1
            try:
                value = loader.construct_document(node)
            except yaml.YAMLError as exc:
                report.reject(yaml_error(exc)[0] or line, yaml_error(exc)[1])
                continue
            except RecursionError:
                report.reject(line, "invalid YAML: nested too deeply")
                continue
            finally:
                loader.constructed_objects = {}
            yield line, value
    finally:
        loader.dispose()
