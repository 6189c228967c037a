"""`next=` and every other redirect target stays on this site, however it is dressed up."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from forum.auth.service import safe_next
from tests.factories import PASSWORD, make_user
from tests.security import site as seed_site

ESCAPES = [
    "//evil.example", "//evil.example/path", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "https://evil.example", "http://evil.example", "HTTPS://evil.example", "https:evil.example",
    "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "/javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
    "/\r\nLocation: https://evil.example", "/ok\r\nSet-Cookie: session=planted",
    "\t//evil.example", " //evil.example", "/%09/evil.example".replace("%09", "\x09"),
    "/\x00/evil.example", "/\x0b/evil.example", "/\x7f/evil.example",
    "evil.example", ".evil.example", "@evil.example", "/@evil.example:80".replace("/", ""),
    "", None,
]
# Harmless look-alikes: they stay on this site, so they may be followed as they are.
STAYS = ["/", "/stories/", "/threads/12?after=5#p3", "/u/Open Door", "/%2F%2Fevil.example",
         "/%5Cevil.example", "/stories/caf%C3%A9", "/search?q=a:b"]


@pytest.mark.parametrize("target", ESCAPES)
def test_safe_next_refuses_anything_that_could_leave(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", STAYS)
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target) == target


def _leaves(location: str) -> bool:
    """Would a browser following this Location header end up elsewhere?"""
    cleaned = "".join(c for c in location if c not in "\t\r\n").strip().replace("\\", "/")
    parts = urlsplit(cleaned)
    return bool(parts.scheme and parts.scheme not in ("http", "https")) or \
        parts.netloc not in ("", "localhost")


ENCODED = [quote(t, safe="") for t in ESCAPES if t] + [
    "%2F%2Fevil.example", "%2F%5Cevil.example", "%252F%252Fevil.example", "%2F%09%2Fevil.example",
    "%2F%0D%0ALocation:%20https://evil.example", "https%3A%2F%2Fevil.example",
    "%E3%80%82evil.example", "/%E2%80%AE//evil.example",
]


def test_login_next_never_redirects_off_site(ctx, person):
    make_user("walker", "Walker")
    for encoded in ENCODED:
        token = person.csrf_token("/auth/login")
        response = person.client.post(f"/auth/login?next={encoded}", data={
            "login_name": "walker", "password": PASSWORD, "csrf_token": token})
        if response.status_code == 400:  # a NUL or broken UTF-8: refused outright
            continue
        assert response.status_code == 302, encoded
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location, encoded
        assert not _leaves(location), (encoded, location)


def test_login_next_to_a_page_here_works(ctx, person):
    make_user("walker", "Walker")
    response = person.submit("/auth/login?next=/settings", {"login_name": "walker",
                                                              "password": PASSWORD})
    assert response.headers["Location"] == "/settings"


def test_form_next_fields_stay_on_site(app, make_browser):
    """Every POST route that takes a `next` field from its form refuses to leave the site."""
    site = seed_site.seed(app)
    person = seed_site.logged_in(make_browser, site.admin_login)
    token = person.csrf_token("/settings")
    followed = 0
    for endpoint, url in seed_site.urls(app, site, "POST"):
        if endpoint.startswith(("auth.", "profiles.")):
            continue  # log-out, password and deletion forms: no `next`, and they end things
        for target in ("//evil.example", "/\\evil.example", "/\t/evil.example",
                       "https://evil.example"):
            response = person.client.post(url, data={"csrf_token": token, "next": target,
                                                      "follow": "1", "reason": "spam"})
            if response.status_code in (301, 302, 303, 307, 308):
                followed += 1
                assert not _leaves(response.headers["Location"]), (endpoint, target,
                                                                   response.headers["Location"])
    assert followed, "no POST route redirected at all: the walk tested nothing"
