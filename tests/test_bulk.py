"""The bulk segment writer writes the index Whoosh's own writer writes, posting by posting.

The oracle is Whoosh's ``SegmentWriter`` given the same documents: the sample captions
and 1,500 real FSA/OWI captions (long ones, so terms fill several posting blocks).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from conftest import SAMPLE_CORPUS, copy_sample, fsa_lines, fsa_records
from ichigo_search.corpus.reading import read_corpus
from ichigo_search.corpus.record import record_from_mapping
from ichigo_search.document import to_document
from ichigo_search.engine.whoosh.schema import build_schema
from ichigo_search.engine.whoosh.writer import BulkSegmentWriter

pytestmark = pytest.mark.whoosh_oracle


def _documents(count: int) -> list[dict]:
    records = list(read_corpus(SAMPLE_CORPUS).records)
    for raw in fsa_records(count):
        record, problems = record_from_mapping(raw)
        assert record is not None, problems
        records.append(record)
    return [to_document(record) for record in records]


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    return _documents(1500)


@pytest.fixture(scope="module", params=["16-bit term numbers", "32-bit term numbers, terms written a few at a time"])
def both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, documents: list[dict]):
    """The same documents written by Whoosh's writer and by the bulk writer: their readers (the bulk writer's tokens
    sorted by term as numbers of 16 bits, or of 32 as a segment of more words sorts them; its terms' bytes written
    field by field, or every few hundred bytes as a larger segment writes them). The bulk writer posts every form of
    the exact field here: ``lean`` leaves the base forms out, as a build does."""
    from ichigo_search.engine.whoosh import writer as bulk

    readers = []
    for name, make in (("whoosh", lambda ix: ix.writer()), ("bulk", BulkSegmentWriter)):
        folder = tmp_path_factory.mktemp(name)
        ix = whoosh_index.create_in(str(folder), build_schema())
        writer = make(ix)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bulk, "BLOCK_POSTINGS", 50)  # other blocks than Whoosh's 128, several to a term
            patch.setattr(bulk, "LEAVE_OUT_BASE_FORMS", False)
            if request.param.startswith("32"):
                patch.setattr(bulk, "NARROW_TERMS", 0)
                patch.setattr(bulk, "_WRITTEN_AT_ONCE", 300)
            for document in documents:
                writer.add_document(**document)
            writer.commit()
        readers.append(ix.reader())
    yield readers
    for reader in readers:
        reader.close()


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory, documents: list[dict]):
    """The same documents written by the bulk writer as a build writes them: the exact field's base forms listed in
    the arrays file, not posted."""
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("lean")), build_schema())
    writer = BulkSegmentWriter(ix)
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    reader = ix.reader()
    yield reader
    reader.close()


def _postings(reader, field: str, btext: bytes) -> list[tuple]:
    matcher = reader.postings(field, btext)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value() or None))  # no value: None or ""
        matcher.next()
    return found


def test_every_term_has_the_same_postings_and_statistics(both):
    expected, got = both
    terms = list(expected.all_terms())
    assert terms == list(got.all_terms())
    assert len(terms) > 10_000
    fields = {field for field, _ in terms}
    assert {"caption", "exact", "title", "places", "place_ids", "years", "id"} <= fields
    blocks = 0
    for field, btext in terms:
        want, have = expected.term_info(field, btext), got.term_info(field, btext)
        assert (have.weight(), have.doc_frequency(), have.max_weight()) == (
            want.weight(),
            want.doc_frequency(),
            want.max_weight(),
        ), (field, btext)
        assert (have.min_length(), have.max_length(), have.min_id(), have.max_id()) == (
            want.min_length(),
            want.max_length(),
            want.min_id(),
            want.max_id(),
        ), (field, btext)
        assert _postings(got, field, btext) == _postings(expected, field, btext), (field, btext)
        blocks += want.doc_frequency() > 128
    assert blocks > 50  # many terms span several posting blocks


def test_the_exact_fields_base_forms_are_made_again_as_whoosh_posted_them(both, lean):
    """Left out of the exact field's postings, a word that is its own stem is listed with its document frequency and
    its stem's other forms; its postings made from the stemmed fields are those Whoosh's writer wrote."""
    from ichigo_search.engine.whoosh.postings import ReaderArrays
    from ichigo_search.engine.whoosh.searcher import segment_words
    from ichigo_search.engine.whoosh.sidecar import segment_arrays
    from ichigo_search.engine.whoosh.statistics import term_table
    from ichigo_search.text.analysis import is_base_form, stem

    expected, _ = both
    base_forms = segment_arrays(lean).base_forms("exact")
    assert base_forms is not None and segment_arrays(lean).leaves_out_base_forms()
    left_out, inflected = [], {}
    for field, btext in expected.all_terms():
        if field == "exact" and is_base_form(btext.decode()):
            left_out.append(btext)
            assert (field, btext) not in lean
            continue
        if field == "exact":
            inflected.setdefault(stem(btext.decode()), []).append(btext)
        assert _postings(lean, field, btext) == _postings(expected, field, btext), (field, btext)
    posted = sum(lean.doc_frequency(field, btext) for field, btext in lean.all_terms() if field == "exact")
    # Most of the field's postings are of words that are their own stem: "bomb", "liuzhou", "1944", not "bombs".
    assert sum(expected.doc_frequency("exact", btext) for btext in left_out) > posted
    assert [base_forms[number] for number in range(len(base_forms))] == left_out
    for btext in left_out:
        form = btext.decode()
        assert base_forms.frequency(btext) == expected.doc_frequency("exact", btext), form
        assert term_table(lean).doc_frequency("exact", form) == expected.doc_frequency("exact", btext), form
        assert base_forms.inflected(btext) == inflected.get(form, []), form
        ids, weights = ReaderArrays(lean)._postings("exact", form)
        want = _postings(expected, "exact", btext)
        assert ids.tolist() == [doc for doc, _, _ in want], form
        assert weights.tolist() == [weight for _, weight, _ in want], form
    assert base_forms.frequency(b"zzzz") == 0 and base_forms.inflected(b"zzzz") == []
    for letter in "abcdefghijklmnopqrstuvwxyz0123456789":  # the words typo tolerance compares a misspelling with
        assert segment_words(lean, "exact", letter) == segment_words(expected, "exact", letter), letter
    for docnum in range(expected.doc_count_all()):  # a document's length counts every form
        assert lean.doc_field_length(docnum, "exact") == expected.doc_field_length(docnum, "exact")


def test_stored_fields_lengths_and_columns_are_the_same(both):
    expected, got = both
    assert got.doc_count_all() == expected.doc_count_all() == 1510
    assert list(got.all_stored_fields()) == list(expected.all_stored_fields())
    for field in ("title", "caption", "places", "photographer", "exact", "place_ids", "place_tree", "years"):
        assert got.field_length(field) == expected.field_length(field), field
        assert got.min_field_length(field) == expected.min_field_length(field), field
        assert got.max_field_length(field) == expected.max_field_length(field), field
        for docnum in range(expected.doc_count_all()):
            assert got.doc_field_length(docnum, field) == expected.doc_field_length(docnum, field)
    for field in ("id", "hash"):
        assert list(got.column_reader(field)) == list(expected.column_reader(field))


def test_unsupported_schemas_are_refused(tmp_path: Path):
    from whoosh import fields

    ix = whoosh_index.create_in(str(tmp_path), fields.Schema(text=fields.TEXT(vector=True)))
    with pytest.raises(ValueError, match="term vectors"):
        BulkSegmentWriter(ix)


def test_two_processes_and_small_segments_write_the_same_documents_in_order(both, documents, tmp_path, monkeypatch):
    """The forked writer and segment limits change where postings live, not what they say."""
    from ichigo_search.engine.whoosh import writer as bulk

    expected, _ = both
    monkeypatch.setattr(bulk, "SEGMENT_POSTINGS", 20_000)  # several segments in each process
    monkeypatch.setattr(bulk, "LEAVE_OUT_BASE_FORMS", False)  # every posting compared with Whoosh's
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    seen = []
    bulk.write_documents(ix, documents, dict, processes=2, progress=lambda done, total: seen.append((done, total)))
    with ix.reader() as got:
        assert len(got.leaf_readers()) > 4
        assert list(got.all_stored_fields()) == list(expected.all_stored_fields())
        for field, btext in expected.all_terms():
            assert _postings(got, field, btext) == _postings(expected, field, btext), (field, btext)
        for field in ("caption", "exact", "places"):
            assert [got.doc_field_length(n, field) for n in range(1510)] == [
                expected.doc_field_length(n, field) for n in range(1510)
            ]
    assert seen[-1] == (1510, 1510) and all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    assert not (tmp_path / "MAIN.tmp").exists()


def test_a_failing_writer_process_fails_the_build_and_publishes_nothing(documents, tmp_path):
    from ichigo_search.engine.whoosh import writer as bulk

    def to_document(document: dict) -> dict:
        if document["id"] == documents[1200]["id"]:  # in the second process's half
            raise ValueError("no such field")
        return document

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with pytest.raises(RuntimeError, match="ValueError: no such field"):
        bulk.write_documents(ix, documents, to_document, processes=2)
    assert ix.doc_count_all() == 0 and ix.latest_generation() == 0
    bulk.write_documents(ix, documents[:10], dict)  # the lock was released
    assert ix.doc_count_all() == 10


def test_a_parallel_rebuild_searches_like_a_single_process_one(tmp_path, monkeypatch):
    from ichigo_search import Index
    from ichigo_search import indexing as api

    corpus = copy_sample(tmp_path / "corpus")
    (corpus / "fsa.jsonl").write_text("\n".join(fsa_lines(1200)) + "\n", encoding="utf-8")
    queries = ["Liuzhou airbase", "Kweilin refugees", '"county road"', "farm -tractor", "1944"]
    results = []
    for threshold in (10**9, 100):
        monkeypatch.setattr(api, "PARALLEL_THRESHOLD", threshold)
        with Index(tmp_path / f"index-{threshold}") as idx:
            report = idx.rebuild_from(corpus)
            assert report.added == 1210
            results.append([idx.search(q, limit=20).to_dict() for q in queries])
    assert results[0] == results[1]
    assert results[0][0]["total"] > 0


def test_a_corpus_file_changed_during_a_rebuild_fails_it_and_keeps_the_index(tmp_path, monkeypatch):
    """Records of JSON lines are read again while indexing; a file changed meanwhile is an error, not a mix."""
    from ichigo_search import Index
    from ichigo_search import indexing as api
    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.errors import CorpusChangedError

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [line + "\n" for line in fsa_lines(1200)]
    (corpus / "a.jsonl").write_text("".join(lines[:600]), encoding="utf-8")
    (corpus / "b.jsonl").write_text("".join(lines[600:]), encoding="utf-8")
    idx = Index(tmp_path / "index")
    idx.rebuild_from(corpus)
    before = idx.search("county", limit=5).to_dict()
    original = bulk.write_documents

    def edit_then_write(*args, **kwargs):
        (corpus / "b.jsonl").write_text("".join(lines[700:]), encoding="utf-8")  # lines move
        return original(*args, **kwargs)

    monkeypatch.setattr(bulk, "write_documents", edit_then_write)
    for threshold in (10**9, 100):  # written here, and by the forked second process
        monkeypatch.setattr(api, "PARALLEL_THRESHOLD", threshold)
        (corpus / "b.jsonl").write_text("".join(lines[600:]), encoding="utf-8")
        with pytest.raises(CorpusChangedError, match=r"b\.jsonl: changed while it was being indexed"):
            idx.rebuild_from(corpus)
        assert idx.search("county", limit=5).to_dict() == before
    idx.close()


def test_records_of_json_lines_are_read_again_as_they_were(tmp_path):
    """A BOM, blank lines and Windows line ends: the line offsets still find every record."""
    lines = fsa_lines(50)
    (tmp_path / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + "\r\n\r\n".join(lines).encode("utf-8"))
    records = read_corpus(tmp_path).records
    assert len(records) == 50
    expected = [record_from_mapping(json.loads(line))[0] for line in lines]
    assert list(records) == expected
    assert records[-1] == expected[-1] and records[10:12] == expected[10:12]
    assert [r.content_hash for r in records] == [record.content_hash for record in expected]  # kept, not recomputed


def test_a_line_edited_in_place_is_not_taken_for_the_one_checked(tmp_path):
    """Same size, same modification time, other text: the line's digest tells."""
    import os

    from ichigo_search.errors import CorpusChangedError

    lines = [line + "\n" for line in fsa_lines(20)]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    records = read_corpus(tmp_path).records
    info = path.stat()
    at = lines[0].index('"caption": "') + len('"caption": "')
    lines[0] = lines[0][:at] + ("Q" if lines[0][at] != "Q" else "Z") + lines[0][at + 1 :]
    path.write_text("".join(lines), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    with pytest.raises(CorpusChangedError):
        records[0]


def test_common_terms_stored_as_arrays_hold_their_postings(both, tmp_path, documents, monkeypatch):
    """The arrays file repeats, exactly, what the term's posting blocks say."""
    from ichigo_search.engine.whoosh import sidecar as arrays_format
    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.engine.whoosh.postings import _term_blocks
    from ichigo_search.engine.whoosh.sidecar import segment_arrays

    monkeypatch.setattr(arrays_format, "ARRAY_POSTINGS", 40)
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    bulk.write_documents(ix, documents, dict)
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        arrays = segment_arrays(leaf)
        checked = with_positions = 0
        for field, terms in arrays._index.items():
            for btext in terms:
                ids, weights = arrays.term(field, btext)
                text = leaf.schema[field].from_bytes(btext)
                blocks = list(_term_blocks(leaf, field, text))
                assert ids.tolist() == [int(i) for block, _ in blocks for i in block]
                assert weights.tolist() == [float(w) for _, block in blocks for w in block]
                assert len(ids) >= 40
                stored = arrays.positions(field, btext)
                if field in ("caption", "title", "places", "photographer"):  # fields with positions
                    values = [v for _, block in _term_blocks(leaf, field, text, values=True) for v in block]
                    decoded = [leaf.schema[field].format.decode_positions(v) for v in values]
                    assert stored.ids.tolist() == ids.tolist()
                    assert stored.positions.tolist() == [p for found in decoded for p in found]
                    assert np.diff(stored.offsets).tolist() == [len(found) for found in decoded]
                    with_positions += 1
                else:
                    assert stored is None
                checked += 1
        assert checked > 200 and with_positions > 100
        assert sum(leaf.doc_frequency(f, t) >= 40 for f, t in leaf.all_terms()) == checked


def test_common_terms_are_small_on_disk_and_whoosh_still_reads_their_blocks(tmp_path, documents, monkeypatch):
    """A term stored whole as arrays keeps its counts and positions in the narrowest integers, its weights
    only when they are not its counts times the boost, and its (unread) blocks compressed unless short; Whoosh's own
    matcher reads those blocks as it reads any."""
    import io
    import pickle
    import zlib

    from whoosh.system import unpack_int

    from ichigo_search.engine.whoosh import sidecar as arrays_format
    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.engine.whoosh.sidecar import segment_arrays

    monkeypatch.setattr(arrays_format, "ARRAY_POSTINGS", 40)
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    bulk.write_documents(ix, documents, dict)
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        arrays = segment_arrays(leaf)
        postings = positions = compressed = plain = 0
        for field, terms in arrays._index.items():
            for btext, (_start, count, total, counts_type, weights, *_rest) in terms.items():
                postings += count
                positions += max(total, 0)
                assert weights != arrays_format.WEIGHT_ARRAY  # word counts times a boost, or one weight
                if total >= 0:
                    assert counts_type == "B"  # no caption says a word 256 times
                offset = leaf._terms.term_info(field, btext).extent()[0]
                postfile = leaf._terms._postfile
                size = unpack_int(postfile.get(offset + 4, 4))[0]
                block = io.BytesIO(postfile.get(offset + 8, abs(size)))
                header = pickle.load(block)
                data = block.read()
                if header[3]:  # compressed at the whole blocks' level, unless too short to be worth it
                    assert header[3] == bulk.WHOLE_BLOCK_COMPRESSION > 0, (field, btext)
                    assert len(zlib.decompress(data)) >= bulk.SMALLEST_COMPRESSED_BLOCK, (field, btext)
                    compressed += 1
                else:
                    assert len(data) < bulk.SMALLEST_COMPRESSED_BLOCK, (field, btext)
                    pickle.loads(data)
                    plain += 1
                ids = list(leaf.postings(field, btext).all_ids())
                assert ids == arrays.term(field, btext)[0].tolist()
        arr_name = leaf._segment.make_filename(arrays_format.EXTENSION)
        arr_bytes = leaf._storage.file_length(arr_name)
        assert postings > 10_000
        assert compressed > 10 and plain > 0
        # ids 4 bytes, counts 1, positions 2: against 8 a posting and 4 a position (plain uint32 and float32)
        assert arr_bytes < 6 * postings + 2 * positions + 64 * sum(len(t) for t in arrays._index.values())


def test_stored_records_are_lean_and_read_back_whole(tmp_path):
    """A record's stored fields hold each value once (the first FSA/OWI captions: 770 bytes a record, 1,230 when
    places were stored described and the id twice), and give back the record and its places described."""
    from ichigo_search.document import from_stored, located_places
    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.vocab.gazetteer import gazetteer
    from ichigo_search.vocab.locating import locate

    records = list(read_corpus(SAMPLE_CORPUS).records)
    records += [record_from_mapping(raw)[0] for raw in fsa_records(1500)]
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    bulk.write_documents(ix, records, to_document)
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        length = leaf._perdoc._get_column_file("_stored")[2]
        assert length / leaf.doc_count_all() < 800
        for docnum, record in enumerate(records):
            stored = reader.stored_fields(docnum)
            assert from_stored(stored) == record
            assert located_places(stored) == locate(record, gazetteer()).describe(gazetteer())


def test_stored_fields_are_compressed_against_their_segments_first_records(tmp_path, documents):
    """A segment's stored fields take under half their pickled size: each record compressed against the
    first ones."""
    import pickle

    from ichigo_search.engine.whoosh import writer as bulk

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    bulk.write_documents(ix, documents, dict)
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        length = leaf._perdoc._get_column_file("_stored")[2]
        pickled = sum(len(pickle.dumps(fields, 4)) for fields in reader.all_stored_fields())
    assert length < pickled / 2


def test_hits_beyond_a_segments_first_records_read_back_whole_and_highlighted(tmp_path):
    """Records compressed against their segment's first ones come back as they were read, their words marked,
    beside a record an update wrote with Whoosh's own writer."""
    from ichigo_search import Index
    from ichigo_search.engine.whoosh import stored

    lines = [line + "\n" for line in fsa_lines(3 * stored.DICTIONARY_RECORDS)]
    (tmp_path / "corpus").mkdir()
    corpus = tmp_path / "corpus" / "fsa.jsonl"
    corpus.write_text("".join(lines), encoding="utf-8")
    idx = Index(tmp_path / "index")
    idx.update_from(tmp_path / "corpus")
    edited = {**json.loads(lines[0]), "caption": "Farmer coming into town with a dogsled. Woodstock, Vermont"}
    lines[0] = json.dumps(edited) + "\n"
    corpus.write_text("".join(lines), encoding="utf-8")
    assert idx.update_from(tmp_path / "corpus").updated == 1
    for line in (lines[0], lines[-1]):
        record = record_from_mapping(json.loads(line))[0]
        assert idx.get(record.id) == record
        hit = next(hit for hit in idx.search(record.caption, limit=5) if hit.id == record.id)
        assert hit.record == record
        assert "<mark>" in hit.highlights[0]


def test_objects_made_while_writing_are_not_left_for_one_long_collection():
    """What a writing process makes with the collector paused (its postings, the caches of records located)
    goes to the oldest generation unscanned on the way out; left in the youngest, the first allocation
    after would walk every one of them (0.3-0.5 s of CPU a writing process at 98,244 captions). Inside
    gc_frozen (a corpus shared with forked writers) they stay frozen until it ends."""
    import gc

    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.util.forking import gc_frozen

    def made_while_paused() -> list:
        with bulk._gc_paused():
            return [[n] for n in range(1000)]

    made = made_while_paused()
    assert gc.isenabled()
    assert any(o is made[500] for o in gc.get_objects(generation=2))
    assert not any(o is made[500] for o in gc.get_objects(generation=0))
    with gc_frozen(True):
        frozen = gc.get_freeze_count()
        inside = made_while_paused()
        assert gc.get_freeze_count() >= frozen + 1000
    assert any(o is inside[500] for o in gc.get_objects(generation=2))


def test_records_become_documents_a_batch_at_a_time_and_are_indexed_in_order(documents, tmp_path, monkeypatch):
    """A writing process makes DOCUMENTS_AT_ONCE documents, then indexes them: locating and indexing each keep
    their tables in the processor's caches for a batch (98,244 captions: 6-8 CPU-s less than one record at a
    time). What is indexed, and in which order, is unchanged."""
    from ichigo_search.engine.whoosh import writer as bulk

    events: list[str] = []
    add = bulk.BulkSegmentWriter.add_document
    monkeypatch.setattr(bulk.BulkSegmentWriter, "add_document", lambda w, **f: events.append("add") or add(w, **f))
    monkeypatch.setattr(bulk, "DOCUMENTS_AT_ONCE", 128)  # 300 documents: two whole batches and a part
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    wanted = documents[:300]
    bulk.write_documents(ix, wanted, lambda document: events.append("make") or document, processes=1)
    at_once = 128
    assert events == (["make"] * at_once + ["add"] * at_once) * 2 + ["make"] * 44 + ["add"] * 44
    with ix.reader() as got:
        assert [fields["id"] for fields in got.all_stored_fields()] == [d["id"] for d in wanted]


def test_writing_a_segment_asks_no_file_its_position_term_by_term(documents, tmp_path, monkeypatch):
    """The term table and postings are written with their files' positions counted, not asked (Whoosh's
    ``StructFile.tell`` is an ``lseek``: it asked four times a term, ~0.3 CPU-s at 98,244 captions); the
    bytes are Whoosh's (the tests above read them back)."""
    from whoosh.filedb.structfile import StructFile

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = BulkSegmentWriter(ix)
    for document in documents:
        writer.add_document(**document)
    asked = []
    tell = StructFile.tell
    monkeypatch.setattr(StructFile, "tell", lambda f, *a: asked.append(f) or tell(f, *a))
    writer.commit()
    with ix.reader() as reader:
        assert len(list(reader.all_terms())) > 9_000
    assert len(asked) < 1_000  # the term table's 256 buckets, the columns: not four a term


def test_keyword_values_are_gathered_once_each_and_merged_into_whooshs_postings(tmp_path: Path):
    """A keyword field (years, place ids) keeps each distinct value's documents while adding (one append a
    record, not one a term) and merges them into each term's postings when written: the postings Whoosh's own
    writer makes, also for a term whose count differs between values."""
    from whoosh import fields

    schema = fields.Schema(id=fields.ID(stored=True, unique=True), years=fields.KEYWORD(scorable=True))
    values = ["1940 1941", "1941", "1940 1940 1942", "1942 1941", "1940 1941"] * 40 + ["1943 1943"]
    readers = []
    for name, make in (("whoosh", lambda ix: ix.writer()), ("bulk", BulkSegmentWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), schema)
        writer = make(ix)
        for number, value in enumerate(values):
            writer.add_document(id=str(number), years=value)
        if name == "bulk":
            assert len(writer._postings["years"].values) == len(set(values))
            assert not writer._postings["years"].terms
        writer.commit()
        readers.append(ix.reader())
    expected, got = readers
    assert list(got.all_terms()) == list(expected.all_terms())
    for btext in (b"1940", b"1941", b"1942", b"1943"):
        assert _postings(got, "years", btext) == _postings(expected, "years", btext)
        assert got.term_info("years", btext).weight() == expected.term_info("years", btext).weight()
    assert [w for _, w, _ in _postings(got, "years", b"1940")][:3] == [1.0, 2.0, 1.0]
    for reader in readers:
        reader.close()


@pytest.mark.parametrize("few", [0, 1_000_000])  # every merge by numpy, every merge by sorting
def test_recurring_word_values_are_gathered_per_value_and_merged_into_the_same_postings(
    both, documents, tmp_path, monkeypatch, few
):
    """A word field whose values recur (places, photographers) keeps each distinct value's analysis and documents
    while adding, and merges them into postings when written; a field of unique values (captions) goes back to
    adding term by term once its first _RECURRING_VALUES values are nearly all new. The postings are Whoosh's."""
    from ichigo_search.engine.whoosh import writer as bulk

    expected, _ = both
    monkeypatch.setattr(bulk, "BLOCK_POSTINGS", 50)
    monkeypatch.setattr(bulk, "_RECURRING_VALUES", 100)
    monkeypatch.setattr(bulk, "_FEW_POSTINGS", few)
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = BulkSegmentWriter(ix)
    for document in documents:
        writer.add_document(**document)
    places, caption = writer._postings["places"], writer._postings["caption"]
    assert places.values is not None and 100 < len(places.values) < len(documents) / 2
    assert caption.values is None and caption.terms
    writer.commit()
    with ix.reader() as got:
        for field in ("places", "photographer", "caption", "title"):
            terms = [btext for name, btext in expected.all_terms() if name == field]
            assert terms == [btext for name, btext in got.all_terms() if name == field]
            for btext in terms:
                assert _postings(got, field, btext) == _postings(expected, field, btext), (field, btext)


def test_captions_are_kept_as_numbered_tokens_each_word_stemmed_once(documents, tmp_path, monkeypatch):
    """A caption field (values nearly all new) and the ``exact`` field keep each value's tokens as term numbers
    while adding: a distinct word is folded and stemmed once, not at each occurrence, and no term's postings
    exist until the segment is written (the tests above compare those postings with Whoosh's)."""
    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.text import analysis

    stemmed: list[str] = []
    stem = analysis.stem
    monkeypatch.setattr(analysis, "stem", lambda word: stemmed.append(word) or stem(word))
    monkeypatch.setattr(bulk, "_RECURRING_VALUES", 0)  # captions taken as unique from the first few
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = BulkSegmentWriter(ix)
    for document in documents:
        writer.add_document(id=document["id"], caption=document["caption"], exact=document["exact"])
    occurrences = [term.text for d in documents for term in analysis.analyze(d["caption"], stemming=False)]
    assert len(occurrences) > 3 * len(set(occurrences))  # words recur
    assert len(set(occurrences)) <= len(stemmed) < 1.2 * len(set(occurrences))  # (and the first few captions')
    assert not writer._postings["exact"].terms
    assert len(writer._postings["exact"].tokens.numbers) > len(occurrences)  # captions and places
    writer.commit()
    with ix.reader() as got:
        assert got.doc_frequency("caption", stem("soldiers")) > 10
