"""The Solr engine against a SolrCloud with logins on: Solr's BasicAuth and rule-based authorization plugins.

A cluster of its own (one node, solr/ started with a security.json), so the session's shared cluster
stays open for the other tests. The user and password come from the URL or from ICHIGO_SOLR_USER and
ICHIGO_SOLR_PASSWORD; a login refused, or a request the user may not make, is one line naming what
to do, exit 2, and the password appears in no output.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from conftest import copy_sample, need_solr, solr_launcher
from ichigo_search.cli import main

pytestmark = pytest.mark.solr

ADMIN, ADMIN_PASSWORD = "ichigo", "Adm1n-s3cret"
READER, READER_PASSWORD = "reader", "R3ader-s3cret"


def _credential(password: str, salt: bytes) -> str:
    """A password as Solr's Sha256AuthenticationProvider stores it: sha256(sha256(salt + password)), salt."""
    digest = hashlib.sha256(hashlib.sha256(salt + password.encode()).digest()).digest()
    return f"{base64.b64encode(digest).decode()} {base64.b64encode(salt).decode()}"


SECURITY = {
    "authentication": {
        "class": "solr.BasicAuthPlugin",
        "blockUnknown": True,
        "credentials": {ADMIN: _credential(ADMIN_PASSWORD, b"salt-one"), READER: _credential(READER_PASSWORD, b"2")},
    },
    "authorization": {
        "class": "solr.RuleBasedAuthorizationPlugin",
        "permissions": [{"name": "read", "role": ["admin", "reader"]}, {"name": "all", "role": "admin"}],
        "user-role": {ADMIN: "admin", READER: "reader"},
    },
}


@pytest.fixture(scope="module")
def secured():
    """A one-node SolrCloud whose every request needs a login; its URL (no login in it)."""
    cluster = need_solr(lambda: solr_launcher().SolrCluster.start(1, security=json.dumps(SECURITY)))
    yield cluster.url
    cluster.stop()


def _with_login(url: str, user: str, password: str) -> str:
    return url.replace("://", f"://{user}:{password}@", 1)


def test_the_cluster_refuses_requests_without_a_login(secured):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{secured}/admin/collections?action=LIST", timeout=30)
    assert refused.value.code == 401


def test_index_and_query_log_in_with_the_urls_user_or_the_environments(secured, tmp_path, monkeypatch):
    corpus = copy_sample(tmp_path / "corpus")
    where = ["--engine", "solr", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    runner = CliRunner()
    built = runner.invoke(main, ["index", "--json", "--solr-url", _with_login(secured, ADMIN, ADMIN_PASSWORD), *where])
    assert built.exit_code == 0, built.output
    assert ADMIN_PASSWORD not in (tmp_path / "index").joinpath("CURRENT").read_text()
    for pointer in (tmp_path / "index").rglob("solr.json"):
        assert ADMIN_PASSWORD not in pointer.read_text() and ADMIN not in json.loads(pointer.read_text())["url"]
    whoosh = runner.invoke(main, ["query", "Liuzhou airbase", "--json", "--corpus", str(corpus), "--index",
                                  str(tmp_path / "whoosh")])  # fmt: skip
    monkeypatch.setenv("ICHIGO_SOLR_USER", READER)
    monkeypatch.setenv("ICHIGO_SOLR_PASSWORD", READER_PASSWORD)
    found = runner.invoke(main, ["query", "Liuzhou airbase", "--json", "--solr-url", secured, *where])
    assert found.exit_code == 0, found.output
    hits = json.loads(found.output)["hits"]
    assert hits and hits[0]["id"] == json.loads(whoosh.output)["hits"][0]["id"]


@pytest.mark.parametrize(
    ("login", "said"),
    [
        (None, "it requires a login: give the user and password in the URL"),
        ((ADMIN, "wrong-Pa55word"), f"the login of user '{ADMIN}' was refused (wrong user or password)"),
        ((READER, READER_PASSWORD), f"user '{READER}' is not allowed to do this"),
    ],
)
def test_a_refused_login_or_request_is_one_clear_error_exit_2_without_the_password(secured, tmp_path, login, said):
    corpus = copy_sample(tmp_path / "corpus")
    url = _with_login(secured, *login) if login else secured
    runner = CliRunner()
    result = runner.invoke(main, ["index", "--engine", "solr", "--solr-url", url, "--corpus", str(corpus),
                                  "--index", str(tmp_path / "index")])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert said in result.output and "HTTP 40" in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    if login:
        assert login[1] not in result.output and secured in result.output


def test_a_login_in_an_unreachable_url_is_not_shown(tmp_path):
    result = CliRunner().invoke(
        main,
        ["query", "Liuzhou", "--no-update", "--engine", "solr", "--solr-url", "http://me:Hush-hush@127.0.0.1:9/solr",
         "--index", str(tmp_path / "index")],
    )  # fmt: skip
    assert result.exit_code == 2 and "Hush-hush" not in result.output and "Traceback" not in result.output
