"""Compression at the app: static files always, pages only when they hold no secret (a page
with a CSRF token, or a logged-in reader's page, next to text an attacker can make it repeat,
is what BREACH reads)."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from forum import compression
from tests.conftest import Browser
from tests.factories import make_story, make_user

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
STATIC = Path(__file__).resolve().parent.parent / "static"


def test_the_stylesheet_goes_out_gzipped_with_vary(client):
    r = client.get("/static/css/site.css", headers=GZIP)
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert gzip.decompress(r.data) == (STATIC / "css/site.css").read_bytes()
    assert int(r.headers["Content-Length"]) == len(r.data)
    assert len(r.data) < (STATIC / "css/site.css").stat().st_size / 2
    assert "Accept-Ranges" not in r.headers  # ranges are of the plain file only
    # Again, from the kept bytes: the same.
    again = client.get("/static/css/site.css", headers=GZIP)
    assert again.data == r.data and again.headers["Content-Encoding"] == "gzip"


def test_scripts_too_and_only_for_clients_that_ask(client):
    r = client.get("/static/js/site.js", headers=GZIP)
    assert r.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(r.data) == (STATIC / "js/site.js").read_bytes()
    plain = client.get("/static/css/site.css")
    assert "Content-Encoding" not in plain.headers
    assert plain.data == (STATIC / "css/site.css").read_bytes()
    assert "Accept-Encoding" in plain.headers["Vary"]  # a cache must not mix the two
    refused = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_a_compressed_file_still_answers_304(client):
    r = client.get("/static/css/site.css", headers=GZIP)
    etag = r.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/static/css/site.css", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304


def test_a_visitors_reading_page_is_compressed(client, ctx):
    story = make_story(make_user("writer", "Ruth"), title="Out", body="word " * 500)
    for url in ("/", f"/stories/{story.slug}", "/search?q=word"):
        r = client.get(url, headers=GZIP)
        assert r.status_code == 200
        page = gzip.decompress(r.data).decode()
        assert r.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in r.headers["Vary"]
        assert 'name="csrf_token"' not in page


@pytest.mark.parametrize("url", ["/auth/login", "/auth/register", "/contact"])
def test_a_page_with_a_form_token_is_never_compressed(client, url):
    r = client.get(url, headers=GZIP)
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
    assert 'name="csrf_token"' in r.get_data(as_text=True)


def test_a_logged_in_readers_pages_are_never_compressed(app, ctx):
    story = make_story(make_user("writer", "Ruth"), title="Out", body="word " * 500)
    slug = story.slug
    member = Browser(app.test_client())
    assert member.login("writer").status_code == 302
    for url in ("/", f"/stories/{slug}", "/search?q=word", "/settings"):
        r = member.client.get(url, headers=GZIP)
        assert r.status_code == 200
        assert "Content-Encoding" not in r.headers, url


def test_a_post_answer_is_never_compressed(client):
    r = client.post("/auth/login", data={"login_name": "x" * 600, "password": "y"},
                    headers=GZIP)
    assert "Content-Encoding" not in r.headers


def test_small_answers_are_left_alone(client):
    r = client.get("/healthz", headers=GZIP)
    assert r.status_code == 200 and len(r.data) < compression.MIN_BYTES
    assert "Content-Encoding" not in r.headers


def test_a_range_of_a_file_is_of_its_plain_bytes(client):
    r = client.get("/static/css/site.css", headers={**GZIP, "Range": "bytes=0-99"})
    assert r.status_code == 206
    assert "Content-Encoding" not in r.headers
    assert r.data == (STATIC / "css/site.css").read_bytes()[:100]
