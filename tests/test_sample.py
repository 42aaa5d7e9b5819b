"""The shipped sample collection is the ten captions of the seed page, exactly as published."""

import yaml

from conftest import SAMPLE_CORPUS, SHARED
from ichigo_search.app.paths import sample_corpus
from ichigo_search.corpus.reading import read_corpus


def seed_captions() -> list[str]:
    page = (SHARED / "seed" / "ichigo-campaign-page.txt").read_text(encoding="utf-8")
    lines = [line for line in page.splitlines() if line.strip()]
    return lines[3:]


def test_corpus_holds_the_ten_captions_verbatim():
    corpus = read_corpus(SAMPLE_CORPUS)
    assert not corpus.problems
    assert [r.caption for r in corpus.records] == seed_captions()
    assert len({r.id for r in corpus.records}) == 10


def test_package_ships_the_same_sample():
    for name in ("ichigo-campaign.yaml", "collection.yaml"):
        shipped = yaml.safe_load((sample_corpus() / name).read_text(encoding="utf-8"))
        local = yaml.safe_load((SAMPLE_CORPUS / name).read_text(encoding="utf-8"))
        assert shipped == local, name


def test_sample_metadata():
    corpus = read_corpus(SAMPLE_CORPUS)
    records = {r.id: r for r in corpus.records}
    assert records["liuchow-remains-field"].title == "Unidentified remains in a field."
    assert records["liuzhou-destroyed-fighter"].photographer == "Robert F. Riese"
    assert records["liuzhou-destroyed-fighter"].years == (1945, 1945)
    assert records["bukey-calcutta"].years == (1944, 1944)
    assert "Calcutta" in records["bukey-calcutta"].places
    assert corpus.collection["name"] == "Ichigo Campaign"
    assert "Operation Number One" in corpus.collection["description"]
