"""Record validation: a record of the common kind is checked at once, and reads exactly as when each field is
checked in turn; anything else is checked field by field, with its problems explained."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from conftest import SAMPLE_CORPUS, fsa_lines, fsa_records
from ichigo_search.corpus.formats import _JSON_DECODER, parse_json_line
from ichigo_search.corpus.record import (
    MAX_CAPTION_CHARS,
    MAX_EXTRA_CHARS,
    MAX_ID_LENGTH,
    Record,
    _checked_at_once,
    _checked_field_by_field,
    _plain_payload,
    record_from_mapping,
)
from ichigo_search.text.dates import year_range


def real_records() -> list[dict]:
    sample = [raw for path in sorted(SAMPLE_CORPUS.glob("*.yaml")) for raw in yaml.safe_load(path.read_text()) or []]
    return fsa_records(3000) + [raw for raw in sample if isinstance(raw, dict)]


def test_real_records_are_checked_at_once_into_the_same_records():
    raws = real_records()
    for raw in raws[:1] + raws:  # the first teaches the field names
        record_from_mapping(raw)
    at_once = [_checked_at_once(raw) for raw in raws]
    assert sum(record is not None for record in at_once) >= 0.99 * len(raws)
    for raw, record in zip(raws, at_once, strict=True):
        expected, errors = _checked_field_by_field(raw)
        assert not errors
        assert record is None or record == expected
        assert record_from_mapping(raw) == (expected, [])


BASE = {"id": "r1", "caption": "Farmers at Woodstock, Vermont", "title": "Farmers", "date": "1940-03"}
# Each differs from BASE in one way that checking at once must notice, or must read as field by field does.
EDGES = [
    {"caption": "A &#1; in the caption"},  # an entity decoded into a control character
    {"title": "&#x9f;Title"},
    {"caption": "\u200b \u200b"},  # blank: spaces and invisible format characters only
    {"title": "\u200b"},
    {"title": "\u00adSoft hyphen first"},  # a format character before visible text: not blank
    {"title": "  spaced title  ", "photographer": " \t"},
    {"caption": "  leading spaces kept in a caption  "},
    {"id": "  r1  "},
    {"id": "r\t1"},
    {"id": "r\u00851"},
    {"id": " " + "x" * MAX_ID_LENGTH + " "},
    {"id": "x" * (MAX_ID_LENGTH + 1)},
    {"id": ""},
    {"id": 12},
    {"caption": None},
    {"caption": "x" * (MAX_CAPTION_CHARS + 1)},
    {"date": 1944},
    {"date": True},
    {"source": ["not", "text"]},
    {"places": "Woodstock; Vermont;Woodstock; "},
    {"places": ["Woodstock", " Vermont ", "Woodstock", "", "&amp;c"]},
    {"places": ["Woodstock", 3]},
    {"places": ["Wood\x07stock"]},
    {"places": {"a": "mapping"}},
    {"call_number": "LC-USF34-053087", "subjects": ["farms", "snow"], "latitude": 43.5, "flag": True},
    {"nested": {"a": [1, 2, {"b": None}]}},
    {"odd": "\ud800 surrogate"},
    {"bad": float("nan")},
    {"big": "x" * MAX_EXTRA_CHARS},
    {"bytes": b"raw"},
    {" padded key ": "value"},
    {"id ": "r2"},  # the id twice once the names are stripped
    {"ctrl\x01key": "value"},
    {"subjects": ["farms", "bad\x07bell"]},  # unknown fields: lists of text and nothing checked at once
    {"subjects": ["farms", 3]},
    {"subjects": [], "latitude": None, "longitude": None},
    {"subjects": ["x" * (MAX_EXTRA_CHARS - 2)]},  # the budget spent exactly
    {"subjects": ["x" * (MAX_EXTRA_CHARS - 1)]},  # and one character over it
    {"subjects": ["x" * (MAX_EXTRA_CHARS // 2), "y" * (MAX_EXTRA_CHARS // 2)]},
    {"caption": "a tab\there, a new line\nand a soft\u00adhyphen", "note": "tab\tin an unknown field"},
]


@pytest.mark.parametrize("change", EDGES, ids=[repr(sorted(change))[:40] for change in EDGES])
def test_unusual_records_read_and_fail_as_when_checked_field_by_field(change):
    raw = {**BASE, **change}
    raw = {key: value for key, value in raw.items() if value is not None}
    record_from_mapping({**BASE, **{key: "" for key in change if isinstance(key, str)}})  # names seen before
    expected = _checked_field_by_field(raw)
    assert record_from_mapping(raw) == expected
    at_once = _checked_at_once(raw)
    assert at_once is None or (at_once, []) == expected


# -- the content hash ------------------------------------------------------------


def hash_as_written(record: Record) -> str:
    """The content hash as every index so far has it: the BLAKE2b of the record's JSON, keys sorted."""
    payload = json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def test_every_fsa_record_hashes_as_before_most_without_the_encoder():
    records = [record_from_mapping(json.loads(line))[0] for line in fsa_lines(200_000)]
    records += [record_from_mapping(raw)[0] for raw in real_records()[-20:]]  # the sample's
    assert len(records) > 98_000 and all(records)
    plain = 0
    for record in records:
        written = json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        assert record.content_hash == hashlib.blake2b(written, digest_size=16).hexdigest()
        payload = _plain_payload(record)
        assert payload is None or payload == written
        plain += payload is not None
    assert plain > 0.9 * len(records)  # those with a quote or a backslash go through the encoder


# Each a record of another shape; the hash must be the one json.dumps gives, written here or by the encoder.
HASH_EDGES = [
    Record("r1", "Farmers at Woodstock, Vermont"),
    Record(
        "r1",
        "Farmers",
        title="T",
        places=("Woodstock", "Vermont"),
        date="1940-03",
        photographer="Marion Post",
        source="https://loc.gov/x",
        collection="FSA/OWI",
        extra={"call_number": "LC-1", "subjects": []},
    ),
    Record("r1", "Caf\u00e9 in Montr\u00e9al, \u5317\u4eac \U0001f4f7 \u2028 \u00a0 \u00ad \u200b end"),
    Record("r1", 'He said "hello"', title='A "quoted" title'),
    Record("r1", "back\\slash"),
    Record("r1", "tab\there\nand a new line\r"),
    Record("r1", "control \x01 \x1f \x7f \x85"),
    Record("r1", "a lone \ud800 surrogate"),
    Record("r1", "", title="", date="", photographer="", source="", collection=""),
    Record("r1", "c", places=["a list", "not a tuple"]),
    Record("r1", "c", places=('with a "quote"', "x")),
    Record("r1", "c", places=("",)),
    Record("r1", "c", places=("a", 3)),
    Record("r1", "c", places="text"),
    Record("r1", "c", extra={"int": 3, "float": 1.5, "big": 10**30, "neg": -0.0, "bool": True, "none": None}),
    Record("r1", "c", extra={"nested": {"b": [1, {"c": None}], "a": "x"}, "list": [1, "two", None, [3]]}),
    Record("r1", "c", extra={"tuple": ("a", "b"), "empty": (), "items": ["x", "y"], "emptylist": []}),
    Record("r1", "c", extra={"zz": "last", "aa": "first", "caption2": "between", "Z": "capital", "\u00e9": "e"}),
    Record("r1", "c", extra={"100%": "percent %s %d %%", "a%sb": "x"}),
    Record("r1", "c", extra={'quo"te': "key with a quote", "back\\slash": "k", "ctrl\x01": "k"}),
    Record("r1", "c", extra={"title": "extra's title"}),
    Record("r1", "c", title="own title", extra={"title": "extra's title, written over it"}),
    Record("r1", "c", extra={"id": "another id"}),
    Record(None, None),  # type: ignore[arg-type]
    Record(["an", "id", "list"], "c"),  # type: ignore[arg-type]
    Record("r1", "c", date=1944),  # type: ignore[arg-type]
    Record("r1", "c", title=["t"]),  # type: ignore[arg-type]
    Record("r1", "c", extra={1: "int key", 2: "another"}),
]


@pytest.mark.parametrize("record", HASH_EDGES, ids=range(len(HASH_EDGES)))
def test_records_of_every_shape_hash_as_before(record):
    try:
        expected = hash_as_written(record)
    except (TypeError, ValueError) as exc:  # e.g. unpaired surrogates cannot be written as UTF-8
        with pytest.raises(type(exc)):
            type(record).content_hash.func(record)
        return
    assert type(record).content_hash.func(record) == expected
    payload = _plain_payload(record)
    assert payload is None or payload == json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False).encode()
    assert (payload is not None) == (record in PLAIN_EDGES)


# Written without the encoder: text, None and lists of text with nothing to escape, in any field.
PLAIN_EDGES = [HASH_EDGES[i] for i in (0, 1, 2, 8, 9, 11, 16, 17, 18, 20, 23, 24, 26)]


def test_years_remembered_per_date_are_each_dates_own():
    dates = ["1943-05", "ca. 1940s", "1944-45", "late 1944", "", None, "no year", "1930s-1940s", "1935 and 1942"]
    dates += [str(year) for year in range(1500, 2100)]
    dates += [f"{year}-{month:02}" for year in range(1700, 2000) for month in range(1, 13)]
    assert len(dates) > 4_096  # more than are remembered: the memory is emptied along the way
    for date in dates * 2:
        assert Record("r1", "c", date=date).years == year_range(date)


# -- a JSON line -------------------------------------------------------------------

LINES = [
    '{"id": "r1", "caption": "c"}',
    ' {"id": "r1"}',
    '{"id": "r1"}\r',
    '{"id": "r1"}  ',
    '{"id": "r1"} {"id": "r2"}',
    '{"id": "r1"} x',
    '{"id": "r1", "id": "r2"}',
    '{"a": {"b": 1, "b": 2}}',
    '{"a": NaN}',
    "NaN",
    '{"a": Infinity}',
    '{"id": "r1",}',
    '{"id": "r1"',
    '["a", "list"]',
    '"text"',
    "12",
    "",
    "\t",
    '{"a": ' * 100_000 + "1" + "}" * 100_000,
    '{"big": ' + "9" * 5_000 + "}",
]


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_a_json_line_reads_or_fails_as_the_decoder_says(line):
    """parse_json_line goes to the decoder's scanner directly: its value, or the decoder's own error."""

    def outcome(parse):
        try:
            return parse(line)
        except (ValueError, RecursionError) as exc:
            return type(exc), str(exc)

    assert outcome(parse_json_line) == outcome(_JSON_DECODER.decode)
