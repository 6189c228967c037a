"""Malformed and oversized input gets a plain 400, 404 or 413: never a 500, never a traceback."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from forum import create_app
from forum.extensions import db
from forum.models import Story
from forum.public_ids import PublicIdConverter
from tests.factories import make_user
from tests.security import site as seed_site

EMOJI = "\U0001f331"  # four bytes in UTF-8, twelve once percent-encoded


@pytest.fixture
def writer(ctx, person):
    make_user("writer", "Writer")
    person.login("writer")
    return person


def story(body, title="Long"):
    return {"title": title, "summary": "", "body": body}


def test_a_100000_character_story_of_four_byte_characters_fits(app, ctx, writer):
    body = EMOJI * app.config["MAX_BODY_CHARS"]
    response = writer.submit("/stories/new", story(body))
    assert response.status_code == 302, response.status_code
    saved = db.session.scalar(select(Story).where(Story.title == "Long"))
    assert saved.body == body


def test_one_character_too_many_is_refused_with_the_text_kept(app, writer):
    response = writer.submit("/stories/new", story("x" * (app.config["MAX_BODY_CHARS"] + 1)))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "the limit is 100,000" in page


def test_an_oversized_body_gets_413_with_a_clear_message(app, writer):
    token = writer.csrf_token("/stories/new")
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = writer.client.post("/stories/new", data={"csrf_token": token, "title": "t",
                                                         "body": huge})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than this site accepts" in page
    assert "Traceback" not in page


def test_content_length_alone_is_enough_to_refuse(app, writer):
    response = writer.client.post("/stories/new", data=b"title=x",
                                  content_type="application/x-www-form-urlencoded",
                                  environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [
    b"title=%FF%FE&body=broken",            # not UTF-8 at all
    b"title=ok&body=%C3%28",                # a bad two-byte sequence
    b"title=ok&body=%ED%A0%80",             # an encoded UTF-16 surrogate
    b"title=ok&body=over%C0%AFlong",        # an overlong slash
    b"title=ok&body=a%00b",                 # NUL
    b"title%00=ok&body=fine",               # NUL in a field name
    b"title=\xff\xfe&body=raw",             # raw invalid bytes
])
def test_malformed_form_bodies_are_refused(ctx, writer, body):
    token = writer.csrf_token("/stories/new").encode()
    response = writer.client.post("/stories/new", data=body + b"&csrf_token=" + token,
                                  content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert db.session.scalar(select(Story)) is None


def test_nul_in_a_multipart_form_is_refused(app, writer):
    token = writer.csrf_token("/stories/new")
    response = writer.client.post("/stories/new", content_type="multipart/form-data", data={
        "csrf_token": token, "title": "a\x00b", "body": "text"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["after=%FF", "after=%00", "q=%C3%28", "next=%00"])
def test_malformed_query_strings_are_refused(client, query):
    assert client.get(f"/stories/?{query}").status_code == 400


@pytest.mark.parametrize("path", ["/stories/a%00b", "/u/x%00", "/boards/%00", "/groups/%00x"])
def test_nul_in_the_path_is_not_found(client, path):
    assert client.get(path).status_code == 404


BAD_IDS = ["2147483648", "99999999999999999999999999", "-1", "0x10", "1e3", "abc", "%C2%B2",
           "%D9%A3", "1.5", "%20%31", "1%00", "%EF%BC%91"]
# For a public id: row ids, the wrong length or case, and one of the right shape nobody has.
BAD_PUBLIC_IDS = BAD_IDS + ["999999", "ABCDEFGHIJKL", "a" * 11, "a" * 13, "zzzzzzzzzzzz",
                            "a1b2c3d4e5f%00", "%EF%BD%81bcdefghijkl"]
ID_CONVERTERS = {IntegerConverter: BAD_IDS, PublicIdConverter: BAD_PUBLIC_IDS}


def _with_id(rule: str, real: dict, name: str, bad: str) -> str:
    def fill(match):
        arg = match.group(1).split(":")[-1]
        return bad if arg == name else str(real[arg])
    return re.sub(r"<([^>]+)>", fill, rule)


def test_absurd_ids_are_not_found_on_every_route(app, make_browser):
    site = seed_site.seed(app)
    person = seed_site.logged_in(make_browser, site.admin_login)
    token = person.csrf_token("/settings")
    checked = 0
    with app.test_request_context():
        rules = [r for r in app.url_map.iter_rules()
                 if any(type(c) in ID_CONVERTERS for c in r._converters.values())]
        for rule in rules:
            real = {a: seed_site.argument(rule.rule, a, site) for a in rule.arguments}
            for name, converter in rule._converters.items():
                if type(converter) not in ID_CONVERTERS:
                    continue
                for bad in ID_CONVERTERS[type(converter)]:
                    url = _with_id(rule.rule, real, name, bad)
                    if "GET" in rule.methods:
                        response = person.get(url)
                    else:
                        response = person.client.post(url, data={"csrf_token": token})
                    assert response.status_code in (400, 404), (url, response.status_code)
                    checked += 1
    assert checked > 50


@pytest.mark.parametrize("name", ["after", "to", "stories_after", "posts_after"])
def test_absurd_query_ids_never_fail(app, make_browser, name):
    site = seed_site.seed(app)
    person = seed_site.logged_in(make_browser, site.member_login)
    pages = ["/stories/", f"/stories/{site.story_slug}", f"/threads/{site.thread_id}",
             f"/boards/{site.board_slug}", f"/groups/{site.group_slug}", "/u/Member%20One",
             "/mod/log", f"/threads/{site.thread_id}/reply", "/notifications"]
    for page in pages:
        for bad in BAD_IDS + ["", "0", "-0", "+1", "1" * 19]:
            response = person.get(f"{page}?{name}={bad}")
            response.close()
            assert response.status_code in (200, 302, 400, 404), (page, bad, response.status_code)


def test_a_server_error_shows_no_traceback(app_config):
    app = create_app({**app_config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    def broken():
        raise RuntimeError("secret internals: /srv/afterward/forum/views.py line 42")

    app.add_url_rule("/broken-for-test", "broken", broken)
    response = app.test_client().get("/broken-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "Traceback" not in page and "secret internals" not in page and "RuntimeError" not in page
