"""Every page type carries the security headers; logged-in pages are never cached."""
from __future__ import annotations

import pytest

from tests.security import site as seed_site
from tests.security.corpus import check_inert


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def check_headers(response, url: str, logged_in: bool) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "no-referrer", url
    if response.mimetype == "text/html":
        csp = csp_directives(response)
        assert csp, f"{url}: no Content-Security-Policy"
        for required, value in (("object-src", ["'none'"]), ("base-uri", ["'none'"]),
                                ("frame-ancestors", ["'none'"]), ("script-src", ["'self'"]),
                                ("default-src", ["'self'"])):
            assert csp.get(required) == value, f"{url}: {required} is {csp.get(required)}"
        for name, sources in csp.items():
            for source in sources:
                assert source in ("'self'", "'none'"), f"{url}: {name} allows {source}"
    if logged_in:
        cache = headers.get("Cache-Control", "")
        assert "private" in cache and "no-store" in cache, f"{url}: Cache-Control {cache!r}"


@pytest.fixture
def site(app):
    return seed_site.seed(app)


@pytest.mark.parametrize("who", [None, "member_one", "the_admin"])
def test_every_page_type_carries_the_headers(app, make_browser, site, who):
    person = seed_site.logged_in(make_browser, who) if who else make_browser()
    pages = 0
    for endpoint, url in seed_site.urls(app, site, "GET"):
        response = person.get(url)
        check_headers(response, url, logged_in=bool(who))
        if response.mimetype == "text/html":
            check_inert(response.get_data(as_text=True))  # no inline script or style anywhere
            pages += 1
        response.close()
    assert pages > 10


def test_error_pages_carry_the_headers_too(app, make_browser, site):
    person = seed_site.logged_in(make_browser, "member_one")
    answers = [
        person.get("/no/such/page"),                               # 404
        person.client.get("/auth/logout"),                         # 405
        person.client.post("/settings/sessions", data={}),         # 400, CSRF
        person.get("/mod/"),                                       # 403 for a member
        person.client.post("/settings/profile", data=b"x" * (3 * 1024 * 1024),
                            content_type="application/x-www-form-urlencoded"),  # 413
    ]
    assert [r.status_code for r in answers] == [404, 405, 400, 403, 413]
    for response in answers:
        check_headers(response, response.request.path, logged_in=True)
        check_inert(response.get_data(as_text=True))


def test_a_login_form_for_a_visitor_is_not_cached_by_shared_caches(client):
    """The page sets a session cookie carrying a CSRF secret: no cache may share it."""
    response = client.get("/auth/login")
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_public_pages_for_visitors_may_be_cached(app, client, site):
    client.get("/")  # the first visit may set a cookie; a later public page need not
    response = client.get(f"/stories/{site.story_slug}")
    if "Set-Cookie" not in response.headers:
        assert "no-store" not in response.headers.get("Cache-Control", "")
