"""Bad corpus input, generated: every case is reported with file, line and problem, exit code 2 and
no traceback, the previous index keeps answering unchanged, and ``--skip-invalid`` indexes every
valid record while counting exactly the ones left out.

``CASES`` is built programmatically (well over 200 distinct bad or odd inputs).  Each case lives in
files and ids prefixed with its number, so the per-case tests read it alone and the combined tests
read all of them in one corpus.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import Index
from ichigo_search.cli import main
from ichigo_search.corpus.reading import read_corpus
from ichigo_search.corpus.record import MAX_CAPTION_CHARS

GOOD_CAPTION = "Chinese soldiers march on the road to Guilin"


@dataclass
class Case:
    """One generated corpus input and everything reading it must report."""

    key: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)  # file, line, message part
    valid: list[str] = field(default_factory=list)  # ids that must be indexed
    rejected: int = 0  # records left out
    unreadable: int = 0  # files (or rests of files) that could not be split into records
    setup: Callable[[Path], None] | None = None  # for links, pipes and folders
    count: int | None = None  # exact number of problems when it differs from len(problems)

    @property
    def problem_count(self) -> int:
        return len(self.problems) if self.count is None else self.count


CASES: list[Case] = []


def _key() -> str:
    return f"c{len(CASES):03d}"


def jl(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def good(key: str, n: str) -> dict[str, str]:
    return {"id": f"{key}-{n}", "caption": f"{GOOD_CAPTION} ({key}-{n})"}


def b(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def jsonl_sandwich(bad: str | bytes, message: str, *, rejected: int = 1, count: int | None = None) -> None:
    """A JSON-lines file: a good record, the bad line, a good record."""
    key = _key()
    name = f"{key}.jsonl"
    content = b(jl(good(key, "a")) + "\n") + b(bad) + b("\n" + jl(good(key, "b")) + "\n")
    CASES.append(
        Case(key, {name: content}, [(name, 2, message)], [f"{key}-a", f"{key}-b"], rejected=rejected, count=count)
    )


def bad_record(fields: dict, message: str, count: int | None = None) -> None:
    """A record with a bad field, between two good ones."""
    key = _key()
    jsonl_sandwich(
        jl({"id": f"{key}-x", "caption": "x", **fields} if "id" not in fields else fields), message, count=count
    )


def csv_case(text: str | bytes, problems: list[tuple[int | None, str]], valid: list[str], rejected: int, **kw) -> None:
    key = _key()
    name = f"{key}.csv"
    data = b(text.replace("KEY", key) if isinstance(text, str) else text.replace(b"KEY", key.encode()))
    CASES.append(
        Case(
            key,
            {name: data},
            [(name, line, msg) for line, msg in problems],
            [f"{key}-{v}" for v in valid],
            rejected=rejected,
            **kw,
        )
    )


def yaml_case(text: str | bytes, problems: list[tuple[int | None, str]], valid: list[str], rejected=0, **kw) -> None:
    key = _key()
    name = f"{key}.yaml"
    data = b(text.replace("KEY", key) if isinstance(text, str) else text.replace(b"KEY", key.encode()))
    CASES.append(
        Case(
            key,
            {name: data},
            [(name, line, msg) for line, msg in problems],
            [f"{key}-{v}" for v in valid],
            rejected=rejected,
            **kw,
        )
    )


# -- A. truncated JSON lines: every cut of a record (writes interrupted mid-line) ---------------
_FULL = jl(
    {
        "id": "cut",
        "caption": 'Refugees leave "Kweilin" by train — 一号作戦',
        "places": ["Guilin", "China"],
        "date": "1944",
        "n": 1.5,
    }
)
for _cut in (1, 2, 5, 8, 12, 16, 20, 30, 40, 50, 55, 60, 70, 80, 90, 95, 100, 110, 115, len(_FULL) - 1):
    jsonl_sandwich(_FULL[:_cut], "invalid JSON")
# a cut in the middle of a multi-byte character is a UTF-8 problem of that line
_RAW = _FULL.encode("utf-8")
for _cut in (_RAW.index("一".encode()) + 1, _RAW.index("作".encode()) + 2, _RAW.index("—".encode()) + 1):
    jsonl_sandwich(_RAW[:_cut], "is not valid UTF-8")

# -- B. other invalid JSON ----------------------------------------------------------------------
for _bad in (
    "{'id': 'x', 'caption': 'single quotes'}",
    '{"id": "x", "caption": "trailing comma",}',
    '{id: "x", caption: "unquoted keys"}',
    '{"id": "x", "caption": "two"}{"id": "y", "caption": "objects"}',
    '// a comment {"id": "x"}',
    "just some text",
    "[",
    "}",
    '{"id": "x", "caption": "a \\q bad escape"}',
    '{"id": "x", "caption": "raw\ttab is fine but raw\x01control is not"}',
):
    jsonl_sandwich(_bad, "invalid JSON")

# -- C. JSON values that are not records ----------------------------------------------------------
for _bad, _kind in (
    ('"a string"', "got str"),
    ("42", "got a number"),
    ("true", "got true/false"),
    ("null", "got nothing"),
    ("[1, 2]", "got a list"),
    ("[]", "got a list"),
):
    jsonl_sandwich(_bad, f"a record must be a mapping of fields, {_kind}")

# -- D. missing and empty ids and captions ---------------------------------------------------------
for _blank in ("", " ", "\t", "\n", "\u3000", "\u00a0", "\u200b", "\ufeff", " \u2028 ", "\r\n"):
    bad_record({"caption": _blank}, "caption is empty")
bad_record({"id": "only-id-no-caption"} | {}, "missing caption")
jsonl_sandwich(jl({"caption": "no id at all"}), "missing id")
for _blank in ("", "  ", "\t"):
    jsonl_sandwich(jl({"id": _blank, "caption": "blank id"}), "missing id")

# -- E. numbers, lists and mappings where text belongs --------------------------------------------
_WRONG = ((42, "a number"), (3.5, "a number"), (True, "true/false"), (["a"], "a list"), ({"a": 1}, "a mapping"))
for _field in ("caption", "title", "photographer", "source", "collection"):
    for _value, _kind in _WRONG:
        bad_record({_field: _value}, f"{_field} must be text, got {_kind}")
for _value, _kind in _WRONG:
    jsonl_sandwich(jl({"id": _value, "caption": "x"}), f"id must be text, got {_kind}")
for _value, _kind in _WRONG[1:]:
    bad_record({"date": _value}, f"date must be text, got {_kind}")
for _value, _message in (
    (42, "places must be a list of names, got a number"),
    (True, "places must be a list of names, got true/false"),
    ({"a": 1}, "places must be a list of names, got a mapping"),
    ([1], "places must hold names (text), found a number"),
    ([["Guilin"]], "places must hold names (text), found a list"),
    ([None], "places must hold names (text), found nothing"),
    ([{"a": 1}], "places must hold names (text), found a mapping"),
):
    bad_record({"places": _value}, _message)

# -- F. wrong types in YAML -------------------------------------------------------------------------
for _line, _message in (
    ("caption: 42", "caption must be text, got a number"),
    ("caption: yes", "caption must be text, got true/false"),
    ("caption: [a, b]", "caption must be text, got a list"),
    ("caption: {a: 1}", "caption must be text, got a mapping"),
    ("caption: x\n  title: 1944", "title must be text, got a number"),
    ("caption: ~", "missing caption"),
    ("caption: ''", "caption is empty"),
    ("caption: x\n  places: 5", "places must be a list of names"),
):
    yaml_case(
        f"- id: KEY-a\n  caption: fine\n- id: KEY-x\n  {_line}\n- id: KEY-b\n  caption: fine too\n",
        [(3, _message)],
        ["a", "b"],
        rejected=1,
    )
yaml_case("- id: 2024-01-01\n  caption: a date as id\n- id: KEY-a\n  caption: ok\n", [(1, "id must be text")], ["a"], 1)

# -- G. CSV structure ---------------------------------------------------------------------------
csv_case(
    "name,caption\nKEY-a,one\nKEY-b,two\n",
    [(1, "lacks the column(s) id (found: name, caption); they may also be named identifier; its 2 rows left out")],
    [],
    rejected=2,
)
csv_case("id,text\nKEY-a,one\n", [(1, "lacks the column(s) caption")], [], rejected=1)
csv_case("name,text\nKEY-a,one\nKEY-b,two\nKEY-c,x\n", [(1, "lacks the column(s) id, caption")], [], rejected=3)
# a table whose only text is its title (a National Archives export) has its titles as captions; still an id is needed
csv_case("title,text\nKEY-a,one\nKEY-b,two\n", [(1, "lacks the column(s) id (found: title, text)")], [], rejected=2)
csv_case("Local Identifier,Title,Date\nKEY-a,Refugees at Kweilin,1944\n", [], ["a"], rejected=0)
csv_case("ID number,Title,Date made,Place made\nKEY-a,LAE AREA. TROOPS.,1943-09-15,Lae\n", [], ["a"], rejected=0)
csv_case("id;caption\nKEY-a;one\n", [(1, "separated by ';'")], [], rejected=1)
# another catalogue's names for the fields (corpus/fields.py): the file indexes as it is; a field's own name wins
csv_case("Identifier,Description,Coverage\nKEY-a,one,Guilin\nKEY-b,two,\n", [], ["a", "b"], rejected=0)
csv_case("ID,Caption,Description\nKEY-a,one,two\n", [], ["a"], rejected=0)
csv_case("id\tcaption\nKEY-a\tone\n", [(1, "separated by '\\t'")], [], rejected=1)
csv_case("id,caption,id\nKEY-a,one,KEY-b\n", [(1, "repeats the column(s) id")], [], rejected=1)
csv_case("id,caption\n", [], [], rejected=0, count=0)  # header only: valid, no records
csv_case("id,caption\nKEY-a,one\nKEY-b,two,three\nKEY-c,ok\n", [(3, "row has 3 fields")], ["a", "c"], rejected=1)
csv_case("id,caption,title\nKEY-a,one,t\nKEY-b,two\nKEY-c,ok,t\n", [(3, "row has 2 fields")], ["a", "c"], 1)
csv_case("id,caption\nKEY-a,one,,\nKEY-b,two\n", [], ["a", "b"], rejected=0, count=0)  # trailing empty cells
csv_case('id,caption\nKEY-a,"unbalanced\nKEY-b,two\nKEY-c,three\n', [(2, "never closed")], ["b", "c"], 1)
csv_case('id,caption\nKEY-a,one\nKEY-b,two\nKEY-c,"open\n', [(4, "never closed")], ["a", "b"], 1)
csv_case('id,caption\nKEY-a,"x"y\nKEY-b,two\n', [(2, "invalid CSV")], ["b"], 1)
csv_case('id,caption\nKEY-a,"multi\nline"\nKEY-b,"bad"q\nKEY-c,ok\n', [(4, "invalid CSV")], ["a", "c"], 1)
csv_case('id,caption\nKEY-a,"x"y\nKEY-b,"z"w\nKEY-c,ok\n', [(2, "invalid CSV"), (3, "invalid CSV")], ["c"], 2)
csv_case("id,caption\nKEY-a,\nKEY-b,two\n", [(2, "caption is empty")], ["b"], 1)
csv_case("id,caption\n,no id\nKEY-b,two\n", [(2, "missing id")], ["b"], 1)
csv_case(
    b"id,caption\nKEY-a,caf\xe9\nKEY-b,two\n", [(2, "is not valid UTF-8 (byte 0xe9 in the caption column)")], ["b"], 1
)
csv_case(b"id,caption\nKEY-a,one\nKEY-b,\x92quoted\x92\n", [(3, "byte 0x92")], ["a"], 1)
csv_case(b"id,caption\nKEY-a,o\x00ne\nKEY-b,two\n", [(2, "caption contains a NUL character")], ["b"], 1)
csv_case(b"id,capti\xf3n\nKEY-a,one\n", [(1, "header is not valid UTF-8")], [], 1)
csv_case('id,caption\r\nKEY-a,"crlf, quoted"\r\nKEY-b,two\r\n', [], ["a", "b"], 0, count=0)
csv_case('id,caption\rKEY-a,old mac\rKEY-b,"two\rlines"\r', [], ["a", "b"], 0, count=0)

# -- H. YAML structure ------------------------------------------------------------------------------
yaml_case("id: KEY-a\ncaption: a single mapping\n", [(1, "must be a list of records")], [], rejected=1)
yaml_case("just a line of text\n", [(1, "must be a list of records")], [], unreadable=1)
yaml_case("1944\n", [(1, "must be a list of records")], [], unreadable=1)
yaml_case("- id: KEY-a\n  caption: [unclosed\n- id: KEY-b\n", [(None, "invalid YAML")], [], unreadable=1)
yaml_case("- id: KEY-a\n   caption: bad indent\n", [(None, "invalid YAML")], [], unreadable=1)
yaml_case("- id: KEY-a\n\tcaption: tab\n", [(None, "invalid YAML")], [], unreadable=1)
yaml_case(
    "- id: KEY-a\n  caption: ok\n- id: KEY-x\n  caption: !!python/object/apply:os.system ['echo hacked']\n"
    "- id: KEY-b\n  caption: fine\n",
    [(4, "invalid YAML: could not determine a constructor")],
    ["a", "b"],
    rejected=1,
)
yaml_case(
    "- !!python/object:os.system {id: KEY-x}\n- id: KEY-a\n  caption: ok\n",
    [(1, "invalid YAML")],
    ["a"],
    rejected=1,
)
yaml_case("- just text\n- 42\n- id: KEY-a\n  caption: ok\n", [(1, "got str"), (2, "got a number")], ["a"], 2)
yaml_case("- \n- id: KEY-a\n  caption: ok\n", [(1, "got nothing")], ["a"], 1)
yaml_case("- id: KEY-a\n  caption: one\n  caption: two\n- id: KEY-b\n  caption: ok\n", [(3, "appears twice")], ["b"], 1)
yaml_case("- id: KEY-a\n  caption: x\n---\n- id: KEY-b\n  caption: y\n", [(None, "invalid YAML")], [], unreadable=1)
_BOMB = "".join(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
yaml_case(
    f"- id: KEY-x\n  caption: billion laughs\n  l0: &l0 [lol]\n{_BOMB}- id: KEY-a\n  caption: ok\n",
    [(1, "is longer than")],
    ["a"],
    rejected=1,
)
yaml_case("- id: KEY-x\n  caption: x\n  blob: !!binary aGVsbG8=\n", [(1, "binary data")], [], rejected=1)
yaml_case("- id: KEY-x\n  caption: x\n  tags: !!set {a, b}\n", [(1, "a set")], [], rejected=1)
yaml_case("- id: KEY-x\n  caption: x\n  ratio: .nan\n- id: KEY-a\n  caption: ok\n", [(1, "not a number")], ["a"], 1)
_DEEP = "[" * 40 + "]" * 40
yaml_case(f"- id: KEY-x\n  caption: x\n  deep: {_DEEP}\n", [(1, "nested more than 32 levels")], [], rejected=1)
yaml_case("[" * 5000 + "]" * 5000 + "\n", [(None, "")], [], unreadable=1)

# -- I. encodings -----------------------------------------------------------------------------------
for _bytes in (b"\xe9", b"\x92", b"\x80", b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe6\x97"):
    jsonl_sandwich(b'{"id": "bad-bytes", "caption": "caf' + _bytes + b'"}', "is not valid UTF-8")
for _bytes in (b"\xe9", b"\xff\xfe"):
    yaml_case(
        b"- id: KEY-a\n  caption: ok\n- id: KEY-b\n  caption: caf" + _bytes + b"\n", [(4, "UTF-8")], [], 0, unreadable=1
    )
for _suffix, _text in (
    ("jsonl", jl({"id": "KEY-a", "caption": "with a byte-order mark"}) + "\n"),
    ("csv", "id,caption\nKEY-a,with a byte-order mark\n"),
    ("yaml", "- id: KEY-a\n  caption: with a byte-order mark\n"),
):
    _k = _key()
    CASES.append(Case(_k, {f"{_k}.{_suffix}": b"\xef\xbb\xbf" + _text.replace("KEY", _k).encode()}, [], [f"{_k}-a"]))
for _codec, _name in (("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")):
    _k = _key()
    _data = jl({"id": f"{_k}-a", "caption": "wide"}).encode(_codec)
    if _codec == "utf-16-be":
        _data = b"\xfe\xff" + _data
    CASES.append(Case(_k, {f"{_k}.jsonl": _data}, [(f"{_k}.jsonl", None, f"is {_name} text")], [], unreadable=1))

# -- J. NUL bytes -------------------------------------------------------------------------------------
for _bad in (b"\x00", b'{"id": "n", "caption": "x\x00"}', b'\x00{"id": "n", "caption": "x"}', b"\x00\x01\x02\xff"):
    jsonl_sandwich(_bad, "contains a NUL byte")
yaml_case(b"- id: KEY-a\n  caption: o\x00k\n", [(2, "contains a NUL byte")], [], unreadable=1)
bad_record({"caption": "escaped \u0000 NUL"}, "caption contains a NUL character")
bad_record({"title": "t\u0000"}, "title contains a NUL character")

# -- K. control characters and broken Unicode --------------------------------------------------------
for _field, _char in (("caption", "\x1b"), ("caption", "\x07"), ("caption", "\x85"), ("caption", "\x7f")):
    bad_record({_field: f"escape {_char}[31m sequence"}, f"contains the control character U+{ord(_char):04X}")
bad_record({"title": "bell \x07"}, "title contains the control character U+0007")
bad_record({"photographer": "x\x0c"}, "photographer contains the control character U+000C")
jsonl_sandwich('{"id": "sur", "caption": "broken \\ud800 half"}', "unpaired surrogate U+D800")
jsonl_sandwich('{"id": "sur2", "caption": "x", "note": "\\udfff"}', "unpaired surrogate")
jsonl_sandwich('{"id": "sur3", "caption": "x", "\\ud83d": 1}', "field name that contains an unpaired surrogate")
jsonl_sandwich(jl({"id": "ctl\x01id", "caption": "x"}), "id contains control characters")

# -- L. sizes -----------------------------------------------------------------------------------------
_MEGA = "Kweilin " * (1 << 17)  # 1 MiB of text
bad_record({"caption": _MEGA}, f"caption is longer than {MAX_CAPTION_CHARS:,} characters (1,048,576)")
csv_case("id,caption\nKEY-x," + _MEGA + "\nKEY-a,ok\n", [(2, "caption is longer than")], ["a"], 1)
yaml_case("- id: KEY-x\n  caption: " + _MEGA + "\n- id: KEY-a\n  caption: ok\n", [(1, "longer than")], ["a"], 1)
bad_record({"title": "t" * 10_001}, "title is longer than 10,000 characters")
bad_record({"places": ["p" * 10_001]}, "a place name is longer than 10,000 characters")
bad_record({"notes": "n" * 200_000}, "field 'notes' is longer than 100,000 characters")
jsonl_sandwich(jl({"id": "i" * 201, "caption": "x"}), "id is longer than 200 characters")
_k = _key()
CASES.append(  # exactly at the limit: accepted
    Case(_k, {f"{_k}.jsonl": b(jl({"id": f"{_k}-a", "caption": "w" * MAX_CAPTION_CHARS}) + "\n")}, [], [f"{_k}-a"])
)

# -- M. JSON corner cases ------------------------------------------------------------------------------
for _const in ("NaN", "Infinity", "-Infinity"):
    jsonl_sandwich('{"id": "k", "caption": "x", "v": ' + _const + "}", f"{_const} is not valid JSON")
jsonl_sandwich('{"id": "k", "caption": "x", "v": ' + "7" * 5000 + "}", "invalid JSON")
jsonl_sandwich('{"id": "k", "caption": "x", "v": 1e400}', "holds inf")
jsonl_sandwich("[" * 100_000 + "]" * 100_000, "invalid JSON")
jsonl_sandwich(jl({"id": "k", "caption": "x", "deep": json.loads("[" * 40 + "]" * 40)}), "nested more than 32")
jsonl_sandwich('{"id": "k", "caption": "one", "caption": "two"}', "field 'caption' appears twice")
jsonl_sandwich('{"id": "k", "caption": "x", "m": {"a": 1, "a": 2}}', "field 'a' appears twice")
jsonl_sandwich('{"id": "k", " id": "k2", "caption": "x"}', "field 'id' appears twice")

# -- N. duplicate ids --------------------------------------------------------------------------------
_k = _key()
CASES.append(
    Case(
        _k,
        {
            f"{_k}-1.jsonl": b(jl(good(_k, "a")) + "\n"),
            f"{_k}-2.csv": b(f"id,caption\n{_k}-a,duplicate\n{_k}-b,fine\n"),
        },
        [(f"{_k}-2.csv", 2, f"duplicate id '{_k}-a' (first at {_k}-1.jsonl:1)")],
        [f"{_k}-a", f"{_k}-b"],
        rejected=1,
    )
)
_k = _key()
CASES.append(
    Case(
        _k,
        {
            f"{_k}-1.csv": b(f"id,caption\n{_k}-a,first\n"),
            f"{_k}-2.yaml": b(f"- id: {_k}-b\n  caption: ok\n- id: {_k}-a\n  caption: again\n"),
        },
        [(f"{_k}-2.yaml", 3, f"duplicate id '{_k}-a' (first at {_k}-1.csv:2)")],
        [f"{_k}-a", f"{_k}-b"],
        rejected=1,
    )
)
_k = _key()
CASES.append(
    Case(
        _k,
        {f"{_k}.jsonl": b(jl(good(_k, "a")) + "\n" + jl({"id": f"  {_k}-a ", "caption": "padded"}) + "\n")},
        [(f"{_k}.jsonl", 2, f"duplicate id '{_k}-a' (first at {_k}.jsonl:1)")],
        [f"{_k}-a"],
        rejected=1,
    )
)
_k = _key()
_three = "".join(jl({"id": f"{_k}-a", "caption": f"copy {i}"}) + "\n" for i in range(3))
CASES.append(Case(_k, {f"{_k}.jsonl": b(_three)}, [(f"{_k}.jsonl", 2, "duplicate"), (f"{_k}.jsonl", 3, "duplicate")],
                  [f"{_k}-a"], rejected=2))  # fmt: skip
_k = _key()
CASES.append(  # ids differing in case are different ids
    Case(_k, {f"{_k}.jsonl": b(jl(good(_k, "a")) + "\n" + jl(good(_k, "A")) + "\n")}, [], [f"{_k}-a", f"{_k}-A"])
)

# -- O. unknown fields are kept (accepted) --------------------------------------------------------------
for _extra in ({"call_number": "LC-USW3-1"}, {"subjects": ["war", "China"]}, {"geo": {"lat": 25.3, "lon": 110.3}}):
    _k = _key()
    CASES.append(Case(_k, {f"{_k}.jsonl": b(jl({**good(_k, "a"), **_extra}) + "\n")}, [], [f"{_k}-a"]))
_k = _key()
CASES.append(Case(_k, {f"{_k}.yaml": b(f"- id: {_k}-a\n  caption: ok\n  scanned: 2001-12-14\n")}, [], [f"{_k}-a"]))

# -- P. files that are not plain files ----------------------------------------------------------------


def _link_to_missing(key: str) -> Callable[[Path], None]:
    return lambda root: (root / f"{key}.jsonl").symlink_to(root / f"{key}-missing.jsonl")


def _link_loop(key: str) -> Callable[[Path], None]:
    return lambda root: (root / f"{key}.yaml").symlink_to(root / f"{key}.yaml")


def _fifo(key: str) -> Callable[[Path], None]:
    return lambda root: os.mkfifo(root / f"{key}.jsonl")


def _folder_named_like_a_file(key: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / f"{key}.jsonl").mkdir()
        (root / f"{key}.jsonl" / "inside.jsonl").write_text(jl(good(key, "a")) + "\n", encoding="utf-8")

    return make


def _linked_folder(key: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        outside = root.parent / f"{root.name}-{key}-linked"
        outside.mkdir()
        (outside / "more.csv").write_text(f"id,caption\n{key}-a,linked in\n", encoding="utf-8")
        (root / f"{key}-dir").symlink_to(outside, target_is_directory=True)
        (root / f"{key}-loop").symlink_to(root, target_is_directory=True)  # a loop is not followed twice

    return make


for _maker, _message, _valid, _unreadable, _name in (
    (_link_to_missing, "the file is missing (a broken link?)", [], 1, "{k}.jsonl"),
    (_link_loop, "cannot read", [], 1, "{k}.yaml"),
    (_fifo, "not a regular file", [], 1, "{k}.jsonl"),
    (_folder_named_like_a_file, "", ["a"], 0, ""),
    (_linked_folder, "is a link that leads out of the corpus folder; not read", [], 1, "{k}-dir/more.csv"),
):
    _k = _key()
    _problems = [(_name.format(k=_k), None, _message)] if _name else []
    CASES.append(Case(_k, {}, _problems, [f"{_k}-{v}" for v in _valid], unreadable=_unreadable, setup=_maker(_k)))
for _text in ("", "\n\n  \n"):
    _k = _key()
    CASES.append(Case(_k, {f"{_k}.jsonl": b(_text)}, [], []))  # empty files hold no records and are no error

# -- Q. a file with many problems: all reported in one run --------------------------------------------
_k = _key()
_lines = [
    jl(good(_k, "a")),
    '{"id": 1}',
    "{",
    jl({"id": f"{_k}-c", "caption": ""}),
    jl(good(_k, "a")),
    jl(good(_k, "e")),
]
CASES.append(
    Case(
        _k,
        {f"{_k}.jsonl": b("\n".join(_lines) + "\n")},
        [
            (f"{_k}.jsonl", 2, "id must be text"),
            (f"{_k}.jsonl", 2, "missing caption"),
            (f"{_k}.jsonl", 3, "invalid JSON"),
            (f"{_k}.jsonl", 4, "caption is empty"),
            (f"{_k}.jsonl", 5, "duplicate id"),
        ],
        [f"{_k}-a", f"{_k}-e"],
        rejected=4,
    )
)

BAD_CASES = [c for c in CASES if c.problems or c.problem_count]
BASE_IDS = ["base-1", "base-2"]


def make_corpus(root: Path, cases: list[Case]) -> Path:
    """A corpus folder holding two good base records and the given cases."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "base.jsonl").write_text(
        "".join(jl({"id": i, "caption": f"Liuzhou airbase {i}"}) + "\n" for i in BASE_IDS), encoding="utf-8"
    )
    for case in cases:
        for name, data in case.files.items():
            (root / name).write_bytes(data)
        if case.setup:
            case.setup(root)
    return root


def test_the_generated_set_is_large_and_distinct():
    assert len(CASES) >= 200
    assert len(BAD_CASES) >= 180
    contents = [tuple(sorted(c.files.items())) for c in CASES if c.files]
    assert len(set(contents)) == len(contents)  # no two cases are the same input


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_each_input_is_reported_exactly_and_counted(tmp_path, case):
    corpus = read_corpus(make_corpus(tmp_path / "corpus", [case]))
    found = [(p.file, p.line, p.message) for p in corpus.problems]
    assert len(found) == case.problem_count, found
    for name, line, message in case.problems:
        assert any(f == name and (line is None or ln == line) and message in m for f, ln, m in found), (
            name,
            line,
            message,
            found,
        )
    assert all(p.file and p.message for p in corpus.problems)
    assert sorted(r.id for r in corpus.records) == sorted(BASE_IDS + case.valid)
    assert (corpus.rejected, corpus.unreadable) == (case.rejected, case.unreadable)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An index of the base corpus, and a snapshot of its files to prove nothing changes."""
    root = tmp_path_factory.mktemp("built")
    corpus = make_corpus(root / "corpus", [])
    index_dir = root / "index"
    Index(index_dir).update_from(corpus)
    return index_dir


def snapshot(index_dir: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(index_dir)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in index_dir.rglob("*")
        if p.is_file() and p.name != ".lock"
    )


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.key for c in BAD_CASES])
def test_cli_exits_2_without_traceback_and_leaves_the_index_alone(tmp_path, built, case):
    before = snapshot(built)
    corpus = make_corpus(tmp_path / "corpus", [case])
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(built)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Nothing was changed in the index." in result.output
    for name, line, message in case.problems:
        where = f"{name}:{line}:" if line else f"{name}"
        assert any(where in out and message in out for out in result.output.splitlines()), (where, result.output)
    assert snapshot(built) == before


def test_all_bad_inputs_at_once(tmp_path):
    """One corpus with every case: one run lists every problem; --skip-invalid indexes every valid record."""
    combined = [c for c in CASES]
    corpus = make_corpus(tmp_path / "corpus", combined)
    index_dir = tmp_path / "index"
    base = tmp_path / "base-corpus"
    make_corpus(base, [])
    Index(index_dir).update_from(base)
    before = Index(index_dir).search("Liuzhou airbase").to_dict()
    expected_problems = sum(c.problem_count for c in combined)

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "ichigo_search", "index", "--corpus", str(corpus), "--index", str(index_dir)]
    failed = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert f"the corpus has {expected_problems} problems" in failed.stderr
    with Index(index_dir) as idx:  # the previous index answers exactly as before
        assert idx.search("Liuzhou airbase").to_dict() == before

    skipped = subprocess.run(
        [*command, "--skip-invalid", "--json"], capture_output=True, text=True, timeout=120, env=env
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "Traceback" not in skipped.stderr
    report = json.loads(skipped.stdout)
    valid = BASE_IDS + [i for c in combined for i in c.valid]
    assert report["rejected"] == sum(c.rejected for c in combined)
    assert report["unreadable"] == sum(c.unreadable for c in combined)
    assert report["added"] + report["updated"] + report["unchanged"] == len(valid)
    assert skipped.stderr.count("ichigo-search: skipped: ") == expected_problems
    with Index(index_dir) as idx:
        assert len(idx) == len(valid)
        missing = [record_id for record_id in valid if idx.get(record_id) is None]
        assert missing == []
    assert report["rejected"] >= 150


def test_empty_and_missing_corpus_folders(tmp_path, built):
    before = snapshot(built)
    (tmp_path / "empty").mkdir()
    for folder, message in ((tmp_path / "empty", "no caption files"), (tmp_path / "missing", "does not exist")):
        result = CliRunner().invoke(
            main, ["index", "--corpus", str(folder), "--index", str(built)], catch_exceptions=False
        )
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    (tmp_path / "hollow").mkdir()
    (tmp_path / "hollow" / "a.jsonl").write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["index", "--skip-invalid", "--corpus", str(tmp_path / "hollow"), "--index", str(built)]
    )
    assert result.exit_code == 2 and "hold no records" in result.output
    assert snapshot(built) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_permissions(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", [])
    secret = corpus / "secret.jsonl"
    secret.write_text(jl({"id": "s", "caption": "x"}) + "\n", encoding="utf-8")
    secret.chmod(0)
    assert any("secret.jsonl: cannot read: Permission denied" in str(p) for p in read_corpus(corpus).problems)


def test_unreadable_file_reported_even_as_root(tmp_path, monkeypatch):
    """Root ignores file modes, so the permission error is simulated where the file is read."""
    corpus = make_corpus(tmp_path / "corpus", [])
    (corpus / "secret.jsonl").write_text(jl({"id": "s", "caption": "x"}) + "\n", encoding="utf-8")
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "secret.jsonl":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    found = read_corpus(corpus)
    assert [str(p) for p in found.problems] == ["secret.jsonl: cannot read: Permission denied"]
    assert found.unreadable == 1 and sorted(r.id for r in found.records) == BASE_IDS


def test_unknown_fields_are_kept_and_shown(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", [c for c in CASES if c.key in {"c000"}])
    (corpus / "extra.jsonl").write_text(
        jl({"id": "x1", "caption": "Kunming", "subjects": ["war", "China"], "geo": {"lat": 25.0}}) + "\n",
        encoding="utf-8",
    )
    idx = Index(tmp_path / "index")
    idx.update_from(corpus, skip_invalid=True)
    record = idx.get("x1")
    assert record is not None and record.extra == {"subjects": ["war", "China"], "geo": {"lat": 25.0}}
    idx.close()


def test_a_corpus_path_with_spaces_and_non_ascii(tmp_path):
    corpus = make_corpus(tmp_path / "Fotos 1944 – 柳州 é" / "corpus", [])
    index_dir = tmp_path / "Índice con espacios" / "índex"
    result = CliRunner().invoke(
        main, ["query", "Liuzhou", "--json", "--corpus", str(corpus), "--index", str(index_dir)]
    )
    assert result.exit_code == 0, result.output
    assert {h["id"] for h in json.loads(result.output)["hits"]} == set(BASE_IDS)
