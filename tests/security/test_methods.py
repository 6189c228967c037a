"""Walk every route in the URL map: a GET changes nothing, a POST without its token does nothing."""
from __future__ import annotations

import re

import pytest

from forum.extensions import csrf
from tests.conftest import CSRF_RE
from tests.factories import PASSWORD
from tests.security import site as seed_site

# What a person might send to any form: enough that, token aside, most writes would succeed.
FORM = {
    "title": "Walked title", "summary": "Walked summary", "body": "Walked body",
    "reason": "spam", "details": "Walked details", "days": "3", "handle": "Member Two",
    "role": "moderator", "bio": "Walked bio", "current_password": PASSWORD,
    "new_password": "a brand new long passphrase", "confirm": "a brand new long passphrase",
    "login_name": "member_one", "password": PASSWORD, "writing": "keep", "follow": "1",
    "email_digest": "y",
}


@pytest.fixture
def site(app):
    return seed_site.seed(app)


def test_no_route_is_exempt_from_csrf(app):
    assert not csrf._exempt_views and not csrf._exempt_blueprints


@pytest.mark.parametrize("login", ["member_one", "the_admin"])
def test_every_get_leaves_the_database_unchanged(app, make_browser, site, login):
    person = seed_site.logged_in(make_browser, login)
    before = seed_site.snapshot(app)
    statuses = {}
    for endpoint, url in seed_site.urls(app, site, "GET"):
        response = person.get(url)
        response.close()
        statuses[url] = response.status_code
        # /healthz may say 503 (unhealthy) by design; nothing else may fail.
        assert response.status_code < 500 or endpoint == "pages.healthz", (
            f"GET {url} ({endpoint}) answered {response.status_code}")
    changed = {name for name, rows in seed_site.snapshot(app).items() if rows != before[name]}
    assert not changed, f"GET requests changed {sorted(changed)}; statuses: {statuses}"
    # The walk really ran as a logged-in person: their settings page answered.
    assert statuses["/settings"] == 200


def _posts(app, site):
    walked = seed_site.urls(app, site, "POST")
    assert len(walked) >= 10, walked
    return walked


def test_every_post_without_a_token_is_refused_and_changes_nothing(app, make_browser, site):
    person = seed_site.logged_in(make_browser, site.admin_login)
    before = seed_site.snapshot(app)
    for endpoint, url in _posts(app, site):
        response = person.client.post(url, data=FORM)
        assert response.status_code == 400, f"POST {url} ({endpoint}) without a token: {response.status_code}"
        assert seed_site.snapshot(app) == before, f"POST {url} ({endpoint}) without a token changed data"
    # Still logged in: not even the logout went through.
    assert person.get("/settings").status_code == 200


def test_every_post_with_another_sessions_token_is_refused(app, make_browser, site):
    victim = seed_site.logged_in(make_browser, site.admin_login)
    attacker = seed_site.logged_in(make_browser, site.member_login)
    # The attacker's own, perfectly valid token, as a forged form would carry it.
    foreign = CSRF_RE.search(attacker.get("/settings").get_data(as_text=True)).group(1)
    before = seed_site.snapshot(app)
    for endpoint, url in _posts(app, site):
        response = victim.client.post(url, data={**FORM, "csrf_token": foreign})
        assert response.status_code == 400, f"POST {url} ({endpoint}) with a foreign token: {response.status_code}"
        assert seed_site.snapshot(app) == before, f"POST {url} ({endpoint}) with a foreign token changed data"
    assert victim.get("/settings").status_code == 200


def test_a_forged_form_gets_no_fresh_token_back(app, make_browser, site):
    """A cross-site POST is refused plainly, not handed back ready to send with a new token."""
    victim = seed_site.logged_in(make_browser, site.member_login)
    response = victim.client.post(f"/threads/{site.thread_id}/reply",
                                  data={"body": "Words put in my mouth"},
                                  headers={"Sec-Fetch-Site": "cross-site"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Words put in my mouth" not in page
    assert not re.search(rf'<form[^>]+action="/threads/{site.thread_id}/reply"', page)
    # From our own page (an expired token), the writer's text is handed back to send again.
    response = victim.client.post(f"/threads/{site.thread_id}/reply",
                                  data={"body": "My own words"},
                                  headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 400 and "My own words" in response.get_data(as_text=True)
