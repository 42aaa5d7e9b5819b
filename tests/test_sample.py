"""The shipped sample collection is the ten captions of the seed page, exactly as published."""

import hashlib

import yaml

from conftest import SAMPLE_CORPUS
from ichigo_search.app.paths import sample_corpus
from ichigo_search.corpus.reading import read_corpus

# The seed page (ichigo-campaign-page.txt, the published page the sample was copied from) is not in
# the repository: its ten captions are, in corpus/. This is the sha256 of the page's caption lines
# (its non-blank lines after the first three, joined by "\n", UTF-8), taken from the page itself.
SEED_CAPTIONS_SHA256 = "5cfc8c5e36d10993f927db648ad732bde06638a6c1531dd7db4d2dccf6202c85"


def test_corpus_holds_the_ten_captions_verbatim():
    corpus = read_corpus(SAMPLE_CORPUS)
    assert not corpus.problems
    captions = [r.caption for r in corpus.records]
    assert len(captions) == 10
    assert hashlib.sha256("\n".join(captions).encode("utf-8")).hexdigest() == SEED_CAPTIONS_SHA256
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
