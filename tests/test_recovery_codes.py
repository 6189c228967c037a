"""Recovery codes: shown once at registration and on request, spent once at /auth/recover."""
from __future__ import annotations

import json
import logging
import re

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.auth import recovery_routes
from forum.clock import utcnow

from forum.extensions import db
from forum.models import RecoveryCode, TwoStepSecret, User
from tests.factories import PASSWORD

CODE_RE = re.compile(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>")
NEW_PASSWORD = "a brand new passphrase 77"


def join(person, login="lost_one", handle=None):
    """Register, then take the one step that shows the codes; returns the codes."""
    response = person.register(login, handle=handle)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/recovery-codes/first")
    step = person.get("/auth/recovery-codes/first")
    assert step.status_code == 200
    assert "Show my recovery codes" in step.get_data(as_text=True)
    assert not CODE_RE.search(step.get_data(as_text=True))
    shown = person.submit("/auth/recovery-codes/first", {})
    assert shown.status_code == 200
    codes = CODE_RE.findall(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "I have written them down" in shown.get_data(as_text=True)
    return codes


def recover(browser, login, code, password=NEW_PASSWORD, confirm=None):
    return browser.submit("/auth/recover", {
        "login_name": login, "code": code, "password": password,
        "confirm": confirm if confirm is not None else password})


def words(response) -> str:
    """The page's text, without the per-request CSRF token."""
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def test_codes_are_shown_once_and_stored_only_as_hashes(ctx, person):
    codes = join(person)
    # Not again: the step now sends to the page that needs the password, and no page shows them.
    again = person.get("/auth/recovery-codes/first")
    assert again.status_code == 302 and again.headers["Location"].endswith("/auth/recovery-codes")
    assert person.submit("/auth/recovery-codes", {}, action="/auth/recovery-codes/first") \
        .status_code == 302
    for url in ("/", "/settings", "/auth/recovery-codes", "/auth/two-step/settings"):
        page = person.get(url).get_data(as_text=True)
        assert not CODE_RE.search(page), url
        assert not any(code in page or code.replace("-", "") in page for code in codes), url
    assert "Recovery codes: 10 unused." in person.get("/settings").get_data(as_text=True)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h for h in stored for code in codes)


def test_a_lost_password_is_replaced_with_a_code(ctx, person, make_browser):
    codes = join(person)
    phone = make_browser()
    assert phone.login("lost_one").status_code == 302
    stranger = make_browser()
    response = recover(stranger, "lost_one", codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    home = stranger.get("/").get_data(as_text=True)
    assert "Log out" in home
    assert "You have 9 recovery codes left." in home
    # Every other session ended; the old password is gone, the new one works.
    assert "Log out" not in phone.get("/").get_data(as_text=True)
    assert "Log out" not in person.get("/").get_data(as_text=True)
    assert make_browser().login("lost_one").status_code == 400
    assert make_browser().login("lost_one", NEW_PASSWORD).status_code == 302
    # The same code again, and a guessed one, fail alike with the same clear words.
    used = recover(make_browser(), "lost_one", codes[3], password="another fine passphrase")
    guessed = recover(make_browser(), "lost_one", "abcd-efgh-jkmn-pqrs",
                      password="another fine passphrase")
    for response in (used, guessed):
        assert response.status_code == 400
        assert "already used" in response.get_data(as_text=True)
        assert 'value="lost_one"' in response.get_data(as_text=True)
    assert words(used) == words(guessed)
    assert db.session.scalar(select(func.count()).where(RecoveryCode.used_at.is_not(None))) == 1


def test_an_unknown_name_answers_like_a_wrong_code(person, make_browser):
    join(person)
    missing = recover(make_browser(), "nobody_at_all", "abcd-efgh-jkmn-pqrs")
    wrong = recover(make_browser(), "lost_one", "abcd-efgh-jkmn-pqrs")
    assert missing.status_code == wrong.status_code == 400
    assert words(missing).replace("nobody_at_all", "lost_one") == words(wrong)


def test_a_refused_recovery_keeps_the_name_but_not_the_code_or_password(person, make_browser):
    codes = join(person)
    visitor = make_browser()
    response = recover(visitor, "lost_one", codes[0], password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="lost_one"' in page and codes[0] not in page and "Please use at least" in page
    # Nothing was spent by a refused form: the code still works.
    assert recover(visitor, "lost_one", codes[0]).status_code == 302


@pytest.fixture
def strict_login_limits(app_config):
    app_config.update(LOGIN_PAIR_LIMIT="3 per 15 minutes", LOGIN_NAME_LIMIT="100 per hour")


def test_code_guesses_meet_the_log_in_limits(strict_login_limits, person, make_browser):
    codes = join(person)
    guesser = make_browser()
    for _ in range(3):
        assert recover(guesser, "lost_one", "abcd-efgh-jkmn-pqrs").status_code == 400
    refused = recover(guesser, "lost_one", codes[0])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Please wait" in refused.get_data(as_text=True)
    assert codes[0] not in refused.get_data(as_text=True)
    # Password guesses at the log-in form count in the same bucket, and the other way round.
    assert guesser.login("lost_one", "wrong password!!").status_code == 429


def test_new_codes_need_the_password_and_void_the_old(app, person, make_browser):
    old = join(person)
    wrong = person.submit("/auth/recovery-codes", {"current_password": "not my password"})
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    shown = person.submit("/auth/recovery-codes", {"current_password": PASSWORD})
    assert shown.status_code == 200
    new = CODE_RE.findall(shown.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert not CODE_RE.search(person.get("/auth/recovery-codes").get_data(as_text=True))
    assert recover(make_browser(), "lost_one", old[0]).status_code == 400
    assert recover(make_browser(), "lost_one", new[0]).status_code == 302


def test_few_codes_left_urges_new_ones(person, make_browser):
    codes = join(person)
    for n, code in enumerate(codes[:8]):
        browser = make_browser()
        assert recover(browser, "lost_one", code, password=f"{NEW_PASSWORD} {n}").status_code == 302
    home = browser.get("/").get_data(as_text=True)
    assert "You have 2 recovery codes left. That is few: make new ones" in home


def test_login_page_leads_to_the_recovery_way(person):
    login = person.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/forgot">Forgot your password?' in login
    forgot = person.get("/auth/forgot")
    assert forgot.status_code == 200
    assert 'href="/auth/recover"' in forgot.get_data(as_text=True)
    assert person.get("/auth/recover").status_code == 200
    assert person.get("/auth/recovery-codes").status_code == 302  # log in first


def test_export_says_how_many_codes_and_deletion_removes_them(ctx, person):
    codes = join(person)
    response = person.submit("/settings", {}, action="/settings/export")
    account = json.loads(response.get_data(as_text=True))["account"]
    assert account["recovery_codes_left"] == 10 and account["two_step_login"] is False
    assert not any(code in response.get_data(as_text=True) for code in codes)
    user = db.session.scalar(User.by_login_name("lost_one"))
    db.session.add(TwoStepSecret(user_id=user.id, secret="A" * 32, created_at=user.created_at))
    db.session.commit()
    deleted = person.submit("/settings/delete", {"writing": "keep", "current_password": PASSWORD})
    assert deleted.status_code == 302
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
    assert db.session.scalar(select(func.count()).select_from(TwoStepSecret)) == 0


def test_the_first_codes_step_without_a_password_does_not_last(person, monkeypatch):
    person.register("slow_one")
    later = utcnow() + timedelta(minutes=31)
    monkeypatch.setattr(recovery_routes, "utcnow", lambda: later)
    response = person.get("/auth/recovery-codes/first")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/recovery-codes")
    refused = person.submit("/auth/recovery-codes", {}, action="/auth/recovery-codes/first")
    assert refused.status_code == 302 and not CODE_RE.search(refused.get_data(as_text=True))


def test_a_failed_recovery_is_logged_without_name_or_code(person, make_browser, caplog):
    caplog.set_level(logging.DEBUG)
    join(person)
    recover(make_browser(), "lost_one", "abcd-efgh-jkmn-pqrs")
    lines = [r.getMessage() for r in caplog.records if r.name == "forum.security"]
    assert len([line for line in lines if line.startswith("recovery_failed")]) == 1
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "lost_one" not in text and "abcd" not in text


def test_a_confirmed_address_hears_that_a_code_set_a_new_password(ctx, person, make_browser,
                                                                    inbox):
    """As after any new password: an owner whose written-down codes were found learns of it,
    from a notice that names nothing."""
    codes = join(person, handle="Lost Person")
    db.session.scalar(User.by_login_name("lost_one")).email = "lost@example.org"
    db.session.commit()
    assert recover(make_browser(), "lost_one", codes[0]).status_code == 302
    [(rcpt, content)] = inbox.messages
    assert rcpt == ["lost@example.org"]
    assert "Subject: Your password on Afterward was changed" in content
    for secret in ("lost_one", "Lost Person", codes[0], NEW_PASSWORD):
        assert secret not in content
    # A refused code changes nothing, and sends nothing.
    assert recover(make_browser(), "lost_one", codes[0]).status_code == 400
    assert len(inbox.messages) == 1
