"""An email address is used only once its owner confirmed it by the link mailed to it.

Read from a real SMTP server (aiosmtpd): an unconfirmed address gets its confirmation link
and nothing else, the digest goes to confirmed addresses only, an address nobody confirms
is forgotten after 48 hours, and every mail is free of names, titles and text.
"""
from __future__ import annotations

import json
import re

import flask_migrate
import pytest
from sqlalchemy import text

from forum.extensions import db
from forum.models import Notification, PendingEmail, User
from tests.factories import Clock, PASSWORD, make_board, make_reply, make_thread, make_user
from tests.test_migrations import MIGRATIONS

SENT_WORDS = "until you open it, nothing else is sent there"
LINK = re.compile(r"http://localhost(/auth/email/[A-Za-z0-9_-]+)")



@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    for module in ("forum.auth.email_routes", "forum.auth.routes", "forum.profiles.routes",
                   "forum.notifications.routes", "forum.profiles.export",
                   "forum.cli"):  # send-digests, the old name of `jobs run`
        monkeypatch.setattr(f"{module}.utcnow", clock)
    return clock


def _member(app, person, email=None, login="ana_login", handle="Ana Reyes"):
    with app.app_context():
        make_user(login, handle, email=email)
    assert person.login(login).status_code == 302


def _account(app, login="ana_login"):
    with app.app_context():
        user = db.session.scalar(User.by_login_name(login))
        pending = db.session.scalar(db.select(PendingEmail.email).where(
            PendingEmail.user_id == user.id))
        return user.email, pending


def _ask(person, email, password=PASSWORD):
    return person.submit("/settings", {"email": email, "email_password": password},
                         action="/settings/email")


def _link(content: str) -> str:
    return LINK.search(content).group(1)


def _content_free(content: str, *secrets: str) -> None:
    for secret in ("ana_login", "Ana Reyes", PASSWORD, *secrets):
        assert secret not in content, secret


def _digests(app) -> str:
    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    return result.output


def _reply_waiting(app, login="ana_login"):
    """A new reply to the member's thread, so a digest is due for them."""
    with app.app_context():
        ana = db.session.scalar(User.by_login_name(login))
        thread = make_thread(ana, make_board(), title="A title nobody may read in an inbox")
        # Ana follows the thread she started, so this reply is one notification for her.
        make_reply(make_user(handle="Other Person"), thread, body="Words of others")
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1


# --- registration ---------------------------------------------------------------------------

def test_an_address_given_at_registration_waits_for_its_link(app, person, inbox):
    response = person.submit("/auth/register", {
        "login_name": "ana_login", "handle": "Ana Reyes", "password": PASSWORD,
        "confirm": PASSWORD, "email": "ana@example.org"}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"We sent a link to ana@example.org; {SENT_WORDS}." in page
    assert _account(app) == (None, "ana@example.org")
    [(rcpt, content)] = inbox.messages
    assert rcpt == ["ana@example.org"]
    assert "Subject: Confirm your email address on Afterward" in content
    _content_free(content)

    # Opening the link shows a button: a mail scanner that fetches links confirms nothing.
    link = _link(content)
    shown = person.get(link)
    assert shown.status_code == 200 and "ana@example.org" in shown.get_data(as_text=True)
    assert _account(app) == (None, "ana@example.org")
    confirmed = person.submit(link, {}, follow_redirects=True)
    assert "Your email address is confirmed." in confirmed.get_data(as_text=True)
    assert _account(app) == ("ana@example.org", None)
    # The link is spent.
    again = person.get(link)
    assert again.status_code == 404 and "This link does not work" in again.get_data(as_text=True)
    assert len(inbox.messages) == 1  # no account of it to anyone else


def test_the_link_confirms_in_another_browser_without_a_login(app, person, make_browser, inbox):
    _member(app, person, email=None)
    assert _ask(person, "ana@example.org").status_code == 302
    phone = make_browser()  # the mail is opened on another device, logged in nowhere
    response = phone.submit(_link(inbox.messages[0][1]), {})
    assert response.status_code == 302
    assert _account(app) == ("ana@example.org", None)


# --- nothing but the confirmation goes to an unconfirmed address -----------------------------

def test_an_unconfirmed_address_gets_the_confirmation_and_nothing_else(app, person, inbox):
    _member(app, person)
    assert person.submit("/notifications/settings",
                         {"follow_on_write": "y", "email_digest": "y"}).status_code == 302
    assert _ask(person, "ana@example.org").status_code == 302
    _reply_waiting(app)
    # The digest is due, but the address is not confirmed.
    assert "Sent 0 digests." in _digests(app)
    # A password change sends its notice to a confirmed address only.
    assert person.submit("/settings", {
        "current_password": PASSWORD, "new_password": "a river between the hills",
        "confirm": "a river between the hills"}, action="/settings/password").status_code == 302
    # Nor does a reset link go there, asked for by the address or by the login name.
    assert person.logout().status_code == 302
    for identifier in ("ana@example.org", "ana_login"):
        assert person.submit("/auth/reset", {"identifier": identifier}).status_code == 302
    inbox.settle()
    assert [rcpt for rcpt, _ in inbox.messages] == [["ana@example.org"]]
    assert "Confirm your email address" in inbox.messages[0][1]


def test_the_digest_goes_to_the_confirmed_address_not_the_waiting_one(app, ctx, person, inbox):
    _member(app, person, email="old@example.org")
    db.session.execute(db.update(User).values(email_digest=True))
    db.session.commit()
    assert _ask(person, "new@example.org").status_code == 302
    _reply_waiting(app)
    assert "Sent 1 digest." in _digests(app)
    assert [rcpt for rcpt, _ in inbox.messages] == [["new@example.org"], ["old@example.org"]]
    assert "You have 1 new reply on Afterward." in inbox.messages[1][1]
    _content_free(inbox.messages[1][1], "A title nobody", "Words of others", "Other Person")


def test_the_settings_page_says_plainly_where_the_link_went(app, person, inbox):
    _member(app, person, email="old@example.org")
    response = _ask(person, "new@example.org")
    page = person.get(response.headers["Location"]).get_data(as_text=True)
    assert f"We sent a link to new@example.org; {SENT_WORDS}." in page
    assert "Your confirmed address: <strong>old@example.org</strong>" in page
    # The notification settings send a member to where the address is set.
    notices = person.get("/notifications/settings").get_data(as_text=True)
    assert "old@example.org" in notices and 'href="/settings#email-heading"' in notices


def test_asking_again_voids_the_earlier_link(app, person, inbox):
    _member(app, person)
    assert _ask(person, "first@example.org").status_code == 302
    assert _ask(person, "second@example.org").status_code == 302
    first, second = (_link(content) for _, content in inbox.messages)
    assert person.submit(first, {}).status_code == 404
    assert _account(app) == (None, "second@example.org")
    assert person.submit(second, {}).status_code == 302
    assert _account(app) == ("second@example.org", None)


def test_typing_the_confirmed_address_again_drops_the_waiting_one(app, person, inbox):
    _member(app, person, email="ana@example.org")
    assert _ask(person, "typo@exmaple.org").status_code == 302
    response = _ask(person, "ana@example.org", password="")  # no change: no password needed
    assert response.status_code == 302
    assert _account(app) == ("ana@example.org", None)
    assert person.submit(_link(inbox.messages[0][1]), {}).status_code == 404


def test_confirmation_links_to_one_address_are_limited(app_config, app, person, inbox):
    app.config["EMAIL_CONFIRM_LIMIT"] = "3 per hour"
    _member(app, person)
    statuses = [_ask(person, f"inbox{n % 2}@example.org").status_code for n in range(3)]
    assert statuses == [302, 302, 302]
    refused = _ask(person, "inbox1@example.org")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert 'value="inbox1@example.org"' in refused.get_data(as_text=True)  # kept as typed
    assert len(inbox.messages) == 3


# --- forgotten after 48 hours ---------------------------------------------------------------

def test_an_unconfirmed_address_is_forgotten_after_48_hours(app, ctx, person, inbox, clock):
    _member(app, person)
    assert _ask(person, "ana@example.org").status_code == 302
    link = _link(inbox.messages[0][1])
    clock.advance(hours=47)
    assert person.get(link).status_code == 200
    assert "ana@example.org" in person.get("/settings").get_data(as_text=True)
    clock.advance(hours=2)
    # Read past its time, it is gone from every page, and the link no longer works ...
    assert "ana@example.org" not in person.get("/settings").get_data(as_text=True)
    assert person.get(link).status_code == 404
    export = json.loads(person.submit("/settings", {}, action="/settings/export").data)
    assert export["account"]["email_waiting_for_confirmation"] is None
    # ... and the daily command deletes what is left of it.
    assert db.session.scalar(db.select(db.func.count(PendingEmail.id))) == 1
    assert "Forgot 1 unconfirmed email address." in _digests(app)
    assert db.session.scalar(db.select(db.func.count(PendingEmail.id))) == 0
    assert person.submit(link, {}).status_code == 404
    assert _account(app) == (None, None)


def test_reading_an_old_link_deletes_the_stale_address(app, ctx, person, inbox, clock):
    _member(app, person)
    assert _ask(person, "ana@example.org").status_code == 302
    clock.advance(hours=49)
    assert person.submit(_link(inbox.messages[0][1]), {}).status_code == 404
    assert db.session.scalar(db.select(db.func.count(PendingEmail.id))) == 0


# --- export and deletion --------------------------------------------------------------------

def test_export_holds_both_addresses_and_deletion_removes_both(app, ctx, person, inbox):
    _member(app, person, email="old@example.org")
    assert _ask(person, "new@example.org").status_code == 302
    data = json.loads(person.submit("/settings", {}, action="/settings/export").data)
    assert data["account"]["email"] == "old@example.org"
    waiting = data["account"]["email_waiting_for_confirmation"]
    assert waiting["address"] == "new@example.org" and waiting["asked_at"]
    response = person.submit("/settings/delete", {"writing": "keep",
                                                  "current_password": PASSWORD})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    assert db.session.scalar(db.select(db.func.count(PendingEmail.id))) == 0


# --- the migration ------------------------------------------------------------------------

def test_addresses_stored_before_the_migration_stay_confirmed(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0007")
        db.session.execute(text(
            "INSERT INTO users (login_name, password_hash, email, role, bio, "
            "anonymous_by_default, follow_on_write, email_digest, created_at, session_version) "
            "VALUES ('kept', 'x', 'kept@example.org', 'member', '', false, true, true, "
            "CURRENT_TIMESTAMP, 1)"))
        db.session.commit()
        flask_migrate.upgrade(directory=MIGRATIONS)
        assert db.session.execute(text("SELECT email FROM users")).scalar() == "kept@example.org"
        assert db.session.execute(text("SELECT count(*) FROM pending_emails")).scalar() == 0
