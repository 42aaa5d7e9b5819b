"""Record validation: a record of the common kind is checked at once, and reads exactly as when each field is
checked in turn; anything else is checked field by field, with its problems explained."""

from __future__ import annotations

import pytest
import yaml

from conftest import SAMPLE_CORPUS, fsa_records
from ichigo_search.corpus.formats import _JSON_DECODER, parse_json_line
from ichigo_search.corpus.record import (
    MAX_CAPTION_CHARS,
    MAX_EXTRA_CHARS,
    MAX_ID_LENGTH,
    Record,
    _checked_at_once,
    _checked_field_by_field,
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


@pytest.mark.parametrize(
    "raw, fields",
    [
        # Dublin Core's names (as an OAI-PMH or CONTENTdm export writes them), in any case, with a prefix
        (
            {"dc:identifier": "a1", "dc:title": "Ferry", "DC:Description": "A ferry", "dc:creator": "R. Riese"},
            {"id": "a1", "title": "Ferry", "caption": "A ferry", "photographer": "R. Riese"},
        ),
        # a spreadsheet's column names
        (
            {"ID": "a1", "Caption": "A ferry", "Date Taken": "1944", "Location": "Guilin; China", "URL": "http://x"},
            {"id": "a1", "caption": "A ferry", "date": "1944", "places": ("Guilin", "China"), "source": "http://x"},
        ),
        (
            {"Record_ID": "a1", "description": "A ferry", "coverage": "Guilin", "Series": "CBI"},
            {"id": "a1", "caption": "A ferry", "places": ("Guilin",), "collection": "CBI"},
        ),
    ],
)
def test_another_catalogues_field_names_are_read_as_the_fields_they_stand_for(raw, fields):
    record, errors = record_from_mapping(raw)
    assert errors == [] and record is not None
    assert {name: getattr(record, name) for name in fields} == fields
    assert record.extra == {}


def test_a_fields_own_name_wins_over_its_other_names():
    """``caption`` is the caption; ``description`` beside it is a field of its own, kept as written; of two other
    names, the likelier one (Dublin Core's ``description`` before ``abstract``)."""
    record, _ = record_from_mapping({"id": "a1", "caption": "A ferry", "description": "Longer text"})
    assert record is not None and record.caption == "A ferry" and record.extra == {"description": "Longer text"}
    record, _ = record_from_mapping({"id": "a1", "abstract": "Short", "Description": "A ferry"})
    assert record is not None and record.caption == "A ferry" and record.extra == {"abstract": "Short"}
    record, _ = record_from_mapping({"id": "a1", "caption": "A ferry", "Caption": "Other"})
    assert record is not None and record.caption == "A ferry" and record.extra == {"Caption": "Other"}
    _, errors = record_from_mapping({"name": "a1", "text": "A ferry"})  # names no field has: still missing
    assert errors == ["missing id", "missing caption"]
