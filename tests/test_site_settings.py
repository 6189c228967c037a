"""Site settings: an admin changes them at /admin/settings and they hold at once, without a
restart; each change is in the public moderation log; pages read them once per request."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import g
from sqlalchemy import func, select

from forum import site_settings
from forum.extensions import db
from forum.models import ModAction, SiteSetting
from tests.factories import make_user

# The settings as the tests' configuration has them (tests/conftest.py: no review).
FORM = {"registration_mode": "open", "approve_first_posts": "0",
        "young_account_link_limit": "2", "reason": ""}


def _checked(page: str) -> str:
    """The registration mode the form shows as chosen."""
    return re.search(r'<input checked id="registration_mode-\d"[^>]* value="(\w+)"', page)[1]


@pytest.fixture
def root(ctx, make_browser):
    make_user("root", "Site Keeper", role="admin")
    browser = make_browser()
    assert browser.login("root").status_code == 302
    return browser


def test_the_page_shows_the_configured_values_until_an_admin_changes_them(root, app):
    app.config["APPROVE_FIRST_POSTS"] = 5
    page = root.get("/admin/settings").get_data(as_text=True)
    assert "Site settings" in page
    assert 'name="approve_first_posts" required type="number" value="5"' in page
    assert _checked(page) == "open"


def test_a_change_holds_at_once_and_is_logged(root, client):
    response = root.submit("/admin/settings", {
        **FORM, "registration_mode": "invitation", "approve_first_posts": "5",
        "members_may_invite": "y", "reason": "A wave of spam accounts"})
    assert response.status_code == 302
    assert site_settings.registration_mode() == "invitation"
    assert site_settings.approve_first_posts() == 5
    assert site_settings.members_may_invite() is True
    assert site_settings.young_account_link_limit() == 2  # unchanged, not stored
    assert db.session.scalar(select(func.count()).select_from(SiteSetting)) == 3
    # Anyone's next page sees it: no restart, no cache to wait for.
    assert "Joining is by invitation" in client.get("/auth/register").get_data(as_text=True)
    log = client.get("/mod/log").get_data(as_text=True)
    assert "the setting “Registration” to by invitation" in log
    assert "the setting “New accounts’ first posts reviewed” to 5" in log
    assert "the setting “Established members may invite” to yes" in log
    assert "A wave of spam accounts" in log and "Site Keeper" in log
    assert db.session.scalar(select(func.count(ModAction.id))) == 3


def test_saving_without_a_change_logs_nothing(root):
    response = root.submit("/admin/settings", FORM, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert db.session.scalar(select(ModAction.id)) is None


def test_a_bad_number_comes_back_with_the_form_kept(root):
    response = root.submit("/admin/settings", {**FORM, "registration_mode": "approval",
                                               "approve_first_posts": "-4"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Between 0 and 50." in page
    assert _checked(page) == "approval"
    assert site_settings.registration_mode() == "open"


def test_moderators_and_members_cannot_change_settings(ctx, make_browser):
    make_user("june", "June", role="moderator")
    make_user("bob", "Bob")
    for login in ("june", "bob"):
        browser = make_browser()
        browser.login(login)
        assert browser.get("/admin/settings").status_code == 403
        response = browser.submit("/", {**FORM, "registration_mode": "approval"},
                                  action="/admin/settings")
        assert response.status_code == 403
    assert site_settings.registration_mode() == "open"


def test_settings_are_read_once_per_request(app, count_queries):
    with app.test_request_context("/"):
        with count_queries() as statements:
            for _ in range(3):
                site_settings.registration_mode()
                site_settings.young_account_link_limit()
                site_settings.members_may_invite()
        assert len(statements) == 1, statements
        assert "site_settings" in g


def test_an_unreadable_stored_value_falls_back_to_the_configuration(ctx, app):
    db.session.add(SiteSetting(name="approve_first_posts", value="many",
                               updated_at=datetime(2026, 1, 1)))
    db.session.add(SiteSetting(name="registration_mode", value="lottery",
                               updated_at=datetime(2026, 1, 1)))
    db.session.commit()
    with app.test_request_context("/"):
        assert site_settings.approve_first_posts() == app.config["APPROVE_FIRST_POSTS"]
        assert site_settings.registration_mode() == "open"


def test_the_reply_path_reads_the_settings_with_its_thread(app, ctx, person, count_queries):
    """A reply reads the settings in the statement that loads its thread, not in one of its
    own, and holds to them: the admin's review of first posts, stored, applies."""
    from forum.models import PENDING, Post
    from tests.factories import make_board, make_thread
    thread = make_thread(make_user("starter"), make_board()).public_id
    db.session.add(SiteSetting(name="approve_first_posts", value="1",
                               updated_at=datetime(2026, 1, 1)))
    db.session.commit()
    assert app.config["APPROVE_FIRST_POSTS"] == 0  # the configuration would not hold it
    person.register("newcomer")
    token = person.csrf_token(f"/threads/{thread}/reply")
    with count_queries() as statements:
        r = person.client.post(f"/threads/{thread}/reply",
                               data={"body": "Hello", "csrf_token": token})
    assert r.status_code == 302
    assert not any("FROM site_settings\n" in s or s.rstrip().endswith("FROM site_settings")
                   for s in statements), statements
    assert db.session.scalar(select(Post.state).where(Post.body == "Hello")) == PENDING


def test_settings_read_with_another_statement_are_the_same(app, ctx):
    """What rows_column() reads and prime() keeps is what the settings' own query gives,
    with no rows stored as with some."""
    for rows in ({}, {"approve_first_posts": "2", "registration_mode": "approval"}):
        db.session.query(SiteSetting).delete()
        for name, value in rows.items():
            db.session.add(SiteSetting(name=name, value=value, updated_at=datetime(2026, 1, 1)))
        db.session.commit()
        with app.test_request_context("/"):
            g.pop("site_settings", None)  # (the test's app context is the request's)
            site_settings.prime(db.session.scalar(select(site_settings.rows_column())))
            assert g.site_settings == rows
            assert site_settings.approve_first_posts() == int(rows.get("approve_first_posts", 0))
