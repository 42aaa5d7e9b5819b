"""Reading the corpus: every format, and every kind of bad input reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ichigo_search import CorpusError
from ichigo_search.corpus.reading import load_corpus, read_corpus


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(root: Path) -> list[str]:
    return [str(p) for p in read_corpus(root).problems]


def test_reads_jsonl_csv_and_yaml(tmp_path):
    write(tmp_path / "a.jsonl", json.dumps({"id": "j1", "caption": "From JSON", "places": ["Guilin"], "extra": 5}))
    write(tmp_path / "sub" / "b.csv", 'id,caption,places,date\nc1,"From CSV, quoted",Guilin; Liuzhou,1944-1945\n')
    write(tmp_path / "c.yml", "- id: y1\n  caption: From YAML\n  date: 1944\n")
    corpus = read_corpus(tmp_path)
    assert not corpus.problems
    records = {r.id: r for r in corpus.records}
    assert set(records) == {"j1", "c1", "y1"}
    assert records["c1"].places == ("Guilin", "Liuzhou")
    assert records["c1"].years == (1944, 1945)
    assert records["j1"].extra == {"extra": 5}
    assert records["y1"].date == "1944"
    assert sorted(corpus.files) == ["a.jsonl", "c.yml", "sub/b.csv"]


def test_a_collection_exported_with_another_catalogues_field_names_indexes_and_searches(tmp_path):
    """A CSV with a museum's columns (Identifier, Title, Description, Date Created, Creator, Location) reads as
    ichigo-search's fields: its places are located and searchable, its creator is the photographer."""
    from ichigo_search import Index

    header = "Identifier,Title,Description,Date Created,Creator,Location,Subject"
    rows = ['p-1,Convoy,"Chinese soldiers massed for a convoy",1944,Jack Wilkes,"Kweilin, China",Soldiers']
    write(tmp_path / "corpus" / "museum.csv", "\n".join([header, *rows]) + "\n")
    with Index(tmp_path / "index") as index:
        index.update_from(tmp_path / "corpus")
        hits = index.search("Guilin soldiers")
        assert [hit.id for hit in hits] == ["p-1"]
        assert hits[0].photographer == "Jack Wilkes" and hits[0].date == "1944" and hits[0].title == "Convoy"
        assert hits[0].record.extra == {"Subject": "Soldiers"}


def test_a_national_archives_export_has_its_titles_as_captions(tmp_path):
    """The National Archives' exports name the caption "Title" and the id "Local Identifier": a table with a title
    column and no caption column reads its titles as captions; a YAML record without a caption is still refused."""
    header = "Local Identifier,Title,Date,Creator"
    rows = ['111-SC-190011,"Refugees crowd the roofs of a train leaving Liuchow for Kweiyang, Nov. 1944.",1944-11,SC']
    write(tmp_path / "nara.csv", "\n".join([header, *rows]) + "\n")
    write(tmp_path / "own.yaml", "- id: y1\n  title: A title alone\n")
    corpus = read_corpus(tmp_path)
    (record,) = corpus.records
    assert record.id == "111-SC-190011" and record.caption.startswith("Refugees crowd") and record.title is None
    assert [(p.file, p.line) for p in corpus.problems] == [("own.yaml", 1)]
    assert "caption" in corpus.problems[0].message


def test_a_japanese_or_chinese_archives_column_names_are_read_as_the_fields(tmp_path):
    """Japanese and Chinese archives name their columns in their own scripts (整理番号, 説明, 撮影日, 撮影地; 编号,
    说明, 日期): the export indexes as it is, its era dates read as years."""
    from ichigo_search import Index

    header = "整理番号,タイトル,説明,撮影日,撮影地"
    rows = ["J-002,柳州飛行場,米軍が爆破した柳州飛行場の滑走路,昭和19年11月,柳州"]
    write(tmp_path / "corpus" / "ja.csv", "\n".join([header, *rows]) + "\n")
    write(tmp_path / "corpus" / "zh.csv", "编号,标题,说明,日期\nC-1,桂林,桂林的难民,1944年\n")
    with Index(tmp_path / "index") as index:
        index.update_from(tmp_path / "corpus")
        (hit,) = index.search("Liuzhou airfield")
        assert (hit.id, hit.title, hit.date, hit.places[0]) == ("J-002", "柳州飛行場", "昭和19年11月", "柳州")
        assert sorted(h.id for h in index.search("", year="1944")) == ["C-1", "J-002"]
        assert [h.id for h in index.search("Kweilin refugees")] == ["C-1"]


def test_reads_a_spreadsheet_saved_as_xlsx(tmp_path):
    """A workbook's first sheet is read as a CSV file: its first row names the columns (other catalogues' names
    too), a date cell is an ISO date and a whole number has no decimal point; each problem names its row."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Object Number", "Title", "Description", "Date", "Location", None])
    sheet.append(["IWM-1", "Hurricane", "A Hurricane refuelled near Imphal.", datetime.datetime(1944, 5, 1), "Imphal"])
    sheet.append([None, None])
    sheet.append([101, "Kohima", "Men of the Dorsetshire Regiment at Kohima.", 1944.0, None])
    sheet.append(["IWM-3", "Stray", "A value in a column without a name.", 1944, None, "stray"])
    book.save(tmp_path / "iwm.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    corpus = read_corpus(tmp_path)
    records = {r.id: r for r in corpus.records}
    assert set(records) == {"IWM-1", "101"}
    assert (records["IWM-1"].date, records["IWM-1"].title, records["IWM-1"].places) == (
        "1944-05-01",
        "Hurricane",
        ("Imphal",),
    )
    assert records["101"].date == "1944" and records["101"].caption.startswith("Men of the Dorsetshire")
    problems = {(p.file, p.line): p.message for p in corpus.problems}
    assert problems[("iwm.xlsx", 5)] == "row has 6 fields but the header has 5"
    assert problems[("broken.xlsx", None)].startswith("not a readable .xlsx workbook")


def test_reads_a_json_file_of_records_and_a_tsv_file(tmp_path):
    """A JSON file is a list of records, or an object holding one (an API's answer), or one record; each record's
    line is where it starts. A TSV file is a CSV file whose columns are separated by tabs."""
    array = [{"id": "a1", "caption": "Ferry at Wuzhou"}, {"id": "a2", "caption": "Bridge", "places": ["Guilin"]}]
    write(tmp_path / "array.json", json.dumps(array, indent=2))
    answer = {"count": 1, "results": [{"identifier": "r1", "description": "From an API"}], "next": None}
    write(tmp_path / "api.json", json.dumps(answer, indent=1))
    write(tmp_path / "one.json", json.dumps({"id": "o1", "caption": "One record"}))
    write(tmp_path / "sheet.tsv", "id\tcaption\tplaces\nt1\tTroops, resting\tLiuzhou; Guilin\n")
    corpus = read_corpus(tmp_path)
    assert not corpus.problems
    records = {r.id: r for r in corpus.records}
    assert set(records) == {"a1", "a2", "r1", "o1", "t1"}
    assert records["r1"].caption == "From an API" and records["t1"].caption == "Troops, resting"
    assert records["t1"].places == ("Liuzhou", "Guilin") and records["a2"].places == ("Guilin",)


@pytest.mark.parametrize(
    "content, expected, valid",
    [
        # a record's problem names the line it starts on
        ('[\n  {"id": "a", "caption": "ok"},\n  {"id": "b"}\n]', ["x.json:3: record 'b': missing caption"], {"a"}),
        # not strict JSON: that record only
        ('[{"id": "a", "caption": "ok"},\n {"id": "b", "id": "c", "caption": "x"}]', ["x.json:2: invalid JSON"], {"a"}),
        # invalid JSON: the records before it are read, the rest of the file cannot be told apart
        ('[{"id": "a", "caption": "ok"},\n {"id": "b", "caption": }]', ["x.json:2: invalid JSON"], {"a"}),
        ('"just text"', ["x.json:1: a JSON caption file must be a list of records"], set()),
        ('{"a": [{"x": 1}], "b": [{"y": 2}]}', ["x.json:1: a JSON caption file must be a list", "2 lists"], set()),
    ],
)
def test_a_bad_json_file_is_reported_at_its_line(tmp_path, content, expected, valid):
    write(tmp_path / "x.json", content)
    corpus = read_corpus(tmp_path)
    found = " | ".join(str(p) for p in corpus.problems)
    assert all(text in found for text in expected), found
    assert {r.id for r in corpus.records} == valid


def test_utf8_bom_is_accepted(tmp_path):
    write(tmp_path / "a.jsonl", b"\xef\xbb\xbf" + json.dumps({"id": "a", "caption": "x"}).encode())
    assert [r.id for r in read_corpus(tmp_path).records] == ["a"]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("bad.jsonl", '{"id": "a", "caption": "ok"}\n{"id": "b", "caption": \n', "bad.jsonl:2: invalid JSON"),
        ("bad.jsonl", '{"caption": "no id"}\n', "bad.jsonl:1: missing id"),
        ("bad.jsonl", '{"id": "a"}\n', "bad.jsonl:1: record 'a': missing caption"),
        ("bad.jsonl", '{"id": "a", "caption": "   "}\n', "bad.jsonl:1: record 'a': caption is empty"),
        ("bad.jsonl", '{"id": 7, "caption": "x"}\n', "bad.jsonl:1: id must be text, got a number"),
        ("bad.jsonl", '{"id": "a", "caption": ["x"]}\n', "caption must be text, got a list"),
        ("bad.jsonl", '{"id": "a", "caption": "x", "places": 3}\n', "places must be a list of names"),
        ("bad.jsonl", '{"id": "a", "caption": "x", "title": {"a": 1}}\n', "title must be text, got a mapping"),
        ("bad.jsonl", '["not", "a", "mapping"]\n', "bad.jsonl:1: a record must be a mapping"),
        ("bad.csv", "id,caption\na,one\nb,two,three\n", "bad.csv:3: row has 3 fields but the header has 2"),
        ("bad.csv", 'id,caption\na,"unbalanced\nb,two\n', "bad.csv:2: invalid CSV"),
        ("bad.csv", "name,text\na,one\n", "bad.csv:1: CSV header lacks the column(s) id, caption"),
        ("bad.yaml", "id: a\ncaption: x\n", "must be a list of records"),
        ("bad.yaml", "- id: a\n  caption: [unclosed\n", "bad.yaml:3: invalid YAML"),
        ("bad.jsonl", b'{"id": "a", "caption": "caf\xe9"}\n', "bad.jsonl:1: is not valid UTF-8"),
        ("bad.jsonl", b'{"id": "a", "caption": "x"}\n\x00\x01', "bad.jsonl:2: contains a NUL byte"),
    ],
)
def test_bad_input_names_file_line_and_problem(tmp_path, name, content, expected):
    write(tmp_path / name, content)
    found = problems(tmp_path)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_in_one_run(tmp_path):
    write(tmp_path / "a.jsonl", '{"id": "x", "caption": "one"}\n{"id": "y"}\n{bad json\n')
    write(tmp_path / "b.csv", "id,caption\nx,duplicate\nz,\n")
    corpus = read_corpus(tmp_path)
    text = "\n".join(str(p) for p in corpus.problems)
    assert "a.jsonl:2: record 'y': missing caption" in text
    assert "a.jsonl:3: invalid JSON" in text
    assert "b.csv:2: duplicate id 'x' (first at a.jsonl:1)" in text
    assert "b.csv:3: record 'z': caption is empty" in text
    assert corpus.rejected == 4
    assert [r.id for r in corpus.records] == ["x"]


def test_load_corpus_raises_with_every_problem_unless_skipping(tmp_path):
    write(tmp_path / "a.jsonl", '{"id": "x", "caption": "one"}\n{"id": "y"}\n')
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    assert len(info.value.problems) == 1
    assert "a.jsonl:2" in str(info.value)
    corpus = load_corpus(tmp_path, skip_invalid=True)
    assert [r.id for r in corpus.records] == ["x"] and corpus.rejected == 1


def test_missing_and_empty_corpus_folders(tmp_path):
    assert "does not exist" in problems(tmp_path / "nope")[0]
    (tmp_path / "empty").mkdir()
    assert "no caption files" in problems(tmp_path / "empty")[0]


def test_broken_symlink_is_reported(tmp_path):
    write(tmp_path / "ok.jsonl", '{"id": "a", "caption": "x"}\n')
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "missing.jsonl")
    assert any("gone.jsonl: cannot read" in p for p in problems(tmp_path))


def test_hidden_files_and_reserved_files_are_not_records(tmp_path):
    write(tmp_path / "ok.jsonl", '{"id": "a", "caption": "x"}\n')
    write(tmp_path / ".hidden.jsonl", "garbage")
    write(tmp_path / "collection.yaml", "name: Test\ndescription: A test collection\n")
    corpus = read_corpus(tmp_path)
    assert not corpus.problems
    assert corpus.collection == {"name": "Test", "description": "A test collection"}


def test_yaml_loads_safely(tmp_path):
    write(tmp_path / "evil.yaml", "- id: a\n  caption: !!python/object/apply:os.system ['echo hacked']\n")
    assert any("invalid YAML" in p for p in problems(tmp_path))
