"""Email addresses: checked on the way in, changed only with the password, and the notices
that a password or an address changed, read from a real SMTP server."""
from __future__ import annotations

import logging
import re
from html import unescape

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Notification, PendingEmail, User
from tests.conftest import free_port
from tests.factories import PASSWORD, make_board, make_reply, make_thread, make_user

NEW_PASSWORD = "a river between the hills"
# Each of these once reached the database, and the first broke every digest in its batch.
UNUSABLE = [
    "ana@example.org\r\nBcc: everyone@example.net",
    "ana@example.org\nSubject: hello",
    "ana@example.org\r",
    "ana@example.org\x0bx",
    "ana@exam\u2028ple.org",
    "ana@example.org, other@example.net",
    "Ana <ana@example.org>",
    "ana smith@example.org",
    "ana@@example.org",
    "ana@localhost",
    "ana@example.org.",
    "a" * 65 + "@example.org",
    "ana@" + "b" * 250 + ".org",
    "not an address",
]


def _member(app, person, email=None):
    with app.app_context():
        make_user("ana_login", "Ana Reyes", email=email)
    assert person.login("ana_login").status_code == 302


def _stored_email(app):
    with app.app_context():
        return db.session.scalar(db.select(User.email).where(User.login_name == "ana_login"))


def _pending_email(app, login="ana_login"):
    with app.app_context():
        return db.session.scalar(db.select(PendingEmail.email).join(
            User, User.id == PendingEmail.user_id).where(User.login_name == login))


def _settings(person, email, password=None):
    data = {"email": email}
    if password is not None:
        data["email_password"] = password
    return person.submit("/settings", data, action="/settings/email")


def _confirm(person, content):
    """Open the confirmation link in a mail and press its button, as its reader would."""
    link = re.search(r"http://localhost(/auth/email/[A-Za-z0-9_-]+)", content).group(1)
    return person.submit(link, {})


def _typed_back(response, value: str) -> bool:
    """Whether the page hands `value` back in a form field, as the person typed it."""
    fields = re.findall(r'<input[^>]*name="email"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return any(unescape(found) == value for found in fields)


# --- checked on the way in ------------------------------------------------------------------

def test_registration_refuses_an_address_a_mail_header_cannot_hold(app, ctx, person, inbox):
    for n, address in enumerate(UNUSABLE):
        response = person.submit("/auth/register", {
            "login_name": f"joiner{n}", "handle": f"Joiner {n}", "password": PASSWORD,
            "confirm": PASSWORD, "email": address})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, address
        assert f'value="joiner{n}"' in page and f'value="Joiner {n}"' in page, address
        assert PASSWORD not in page
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    # A plain address, and one whose domain is in another script, are fine.
    assert person.register("plain_one").status_code == 302
    response = make_joiner(person, "idn_one", "ana@bücher.example")
    assert response.status_code == 302
    # It waits for its owner to confirm it, in the form mail servers accept.
    assert _pending_email(app, "idn_one") == "ana@xn--bcher-kva.example"


def make_joiner(person, login, email):
    person.logout()
    return person.submit("/auth/register", {
        "login_name": login, "handle": login.capitalize(), "password": PASSWORD,
        "confirm": PASSWORD, "email": email})


def test_settings_refuse_such_an_address_and_keep_what_was_typed(app, person):
    _member(app, person, email="ana@example.org")
    for address in UNUSABLE:
        response = _settings(person, address, PASSWORD)
        assert response.status_code == 400, address
        assert _typed_back(response, address), address
        assert PASSWORD not in response.get_data(as_text=True)
    assert _stored_email(app) == "ana@example.org"


def test_a_stored_broken_address_no_longer_stops_everyones_digest(app, ctx, inbox):
    thread = make_thread(make_user(), make_board())
    reply = make_reply(make_user(), thread)
    for login, email in (("before_checks", UNUSABLE[0]), ("fine", "fine@example.org")):
        user = make_user(login, email=email, email_digest=True)
        db.session.add(Notification(user_id=user.id, kind="reply", thread_id=thread.id,
                                    post_id=reply.id, created_at=utcnow()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 digest." in result.output
    assert [rcpt for rcpt, _ in inbox.messages] == [["fine@example.org"]]


# --- changed only with the password ---------------------------------------------------------

def test_changing_the_email_needs_the_password(app, person, inbox):
    _member(app, person, email="ana@example.org")
    for password in (None, "", "not my password"):
        response = _settings(person, "new@example.org", password)
        assert response.status_code == 400
        assert _typed_back(response, "new@example.org")
        assert "password" in response.get_data(as_text=True).lower()
        assert _stored_email(app) == "ana@example.org"
    # Removing it, or adding one to an account without, needs the password just the same.
    assert _settings(person, "").status_code == 400
    assert _stored_email(app) == "ana@example.org"
    # Sending the address as it is changes nothing, and needs no password.
    assert _settings(person, "ana@example.org").status_code == 302
    assert inbox.messages == []
    assert _settings(person, "new@example.org", PASSWORD).status_code == 302
    # The new address waits for its confirmation; the account keeps the confirmed one.
    assert _stored_email(app) == "ana@example.org"
    assert _pending_email(app) == "new@example.org"


def test_wrong_passwords_for_the_email_are_limited(app, person):
    app.config["PASSWORD_CHECK_LIMIT"] = "10 per hour"  # the real limit; tests relax it
    _member(app, person, email="ana@example.org")
    statuses = [_settings(person, "new@example.org", f"guess {n}").status_code
                for n in range(10)]
    assert statuses == [400] * 10
    limited = _settings(person, "new@example.org", PASSWORD)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert _typed_back(limited, "new@example.org")
    assert _stored_email(app) == "ana@example.org"


# --- notices ----------------------------------------------------------------------------------

def _content_free(content: str) -> None:
    for secret in ("ana_login", "Ana Reyes", PASSWORD, NEW_PASSWORD, "new@example.org"):
        assert secret not in content, secret


def test_a_changed_email_tells_the_old_address_and_nothing_more(app, person, inbox):
    _member(app, person, email="ana@example.org")
    assert _settings(person, "new@example.org", PASSWORD).status_code == 302
    # The new address gets its confirmation link; the old one hears nothing yet.
    assert [rcpt for rcpt, _ in inbox.messages] == [["new@example.org"]]
    assert _confirm(person, inbox.messages[0][1]).status_code == 302
    assert _stored_email(app) == "new@example.org"
    assert len(inbox.messages) == 2
    rcpt, content = inbox.messages[1]
    assert rcpt == ["ana@example.org"]
    assert "Subject: Your email address on Afterward was changed" in content
    assert "http://localhost/settings" in content  # where the address is set
    _content_free(content)
    # Removing the address tells it too.
    assert _settings(person, "", PASSWORD).status_code == 302
    assert [m[0] for m in inbox.messages] == [
        ["new@example.org"], ["ana@example.org"], ["new@example.org"]]
    assert _stored_email(app) is None


def _change_password(person):
    return person.submit("/settings", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD}, action="/settings/password")


def test_a_password_change_sends_a_notice_that_names_nothing(app, ctx, person, inbox):
    _member(app, person, email="ana@example.org")
    ana = db.session.scalar(db.select(User).where(User.login_name == "ana_login"))
    make_thread(ana, make_board(), title="A title nobody may read in a shared inbox")
    assert _change_password(person).status_code == 302
    assert len(inbox.messages) == 1
    rcpt, content = inbox.messages[0]
    assert rcpt == ["ana@example.org"]
    assert "Subject: Your password on Afterward was changed" in content
    assert "signed out" in content and "http://localhost/settings" in content
    assert "A title nobody" not in content
    _content_free(content)


def test_no_email_no_notice(app, person, inbox):
    _member(app, person)
    assert _change_password(person).status_code == 302
    assert inbox.messages == []


def test_a_mail_server_that_is_down_does_not_stop_a_password_change(
        app, person, make_browser, caplog):
    _member(app, person, email="ana@example.org")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    caplog.set_level(logging.WARNING, logger="forum.mail")
    assert _change_password(person).status_code == 302
    assert make_browser().login("ana_login", NEW_PASSWORD).status_code == 302
    lines = [r.getMessage() for r in caplog.records if r.name == "forum.mail"]
    assert lines and all("ana@example.org" not in line for line in lines)
