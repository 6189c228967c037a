"""Two-step login: set up with a QR code shown once, a code after the password, limits."""
from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from forum.auth import two_step_routes
from forum.clock import utcnow
from forum.extensions import db
from forum.models import TwoStepSecret, User
from tests.conftest import CSRF_RE
from tests.factories import PASSWORD, make_board, make_thread, make_user
from tests.test_recovery_codes import join

SECRET_RE = re.compile(r'class="two-step-secret"><code>([A-Z2-7 ]+)</code>')


def code(secret: str, steps_ahead: int = 0) -> str:
    """The app's code, `steps_ahead` 30-second steps from now (the site allows one of drift)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def switch_on(person) -> str:
    """Set two-step login up through the settings pages, as a person does; returns the secret."""
    page = person.get("/auth/two-step/settings").get_data(as_text=True)
    assert "Two-step login is off." in page
    shown = person.submit("/auth/two-step/settings", {"current_password": PASSWORD},
                          action="/auth/two-step/start")
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in page
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    on = person.submit("/auth/two-step/settings", {"code": code(secret)},
                       action="/auth/two-step/confirm")
    assert on.status_code == 302
    return secret


def log_in_with_password(browser, login="lost_one"):
    response = browser.login(login)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/two-step")
    return response


def send_code(browser, value):
    return browser.submit("/auth/two-step", {"code": value})


def test_setup_shows_the_secret_once_and_needs_a_right_code(ctx, person):
    join(person)
    wrong_password = person.submit("/auth/two-step/settings", {"current_password": "nope nope"},
                                   action="/auth/two-step/start")
    assert wrong_password.status_code == 400
    assert "<svg" not in wrong_password.get_data(as_text=True)
    shown = person.submit("/auth/two-step/settings", {"current_password": PASSWORD},
                          action="/auth/two-step/start")
    secret = SECRET_RE.search(shown.get_data(as_text=True)).group(1).replace(" ", "")
    # The QR code holds the same secret, and names only the site.
    uri = pyotp.parse_uri(f"otpauth://totp/Afterward?secret={secret}&issuer=Afterward")
    assert uri.secret == secret
    refused = person.submit("/auth/two-step/settings", {"code": "000000"},
                            action="/auth/two-step/confirm")
    assert refused.status_code == 400
    assert "That code is not right" in refused.get_data(as_text=True)
    assert db.session.scalar(select(TwoStepSecret.enabled_at)) is None
    on = person.submit("/auth/two-step/settings", {"code": code(secret)},
                       action="/auth/two-step/confirm")
    assert on.status_code == 302
    for url in ("/auth/two-step/settings", "/settings", "/auth/recovery-codes"):
        page = person.get(url).get_data(as_text=True)
        assert secret not in page and secret[:8] not in page.replace(" ", "") and "<svg" not in page
    assert "Two-step login is on." in person.get("/auth/two-step/settings").get_data(as_text=True)
    assert "Two-step login: on." in person.get("/settings").get_data(as_text=True)


def test_log_in_needs_the_code_once_it_is_on(person, make_browser):
    join(person)
    secret = switch_on(person)
    phone = make_browser()
    log_in_with_password(phone)
    # The password alone does not log in: the session holds only the short-lived mark.
    assert "Log out" not in phone.get("/").get_data(as_text=True)
    assert phone.get("/settings").status_code == 302
    wrong = send_code(phone, "123456" if code(secret, 1) != "123456" else "654321")
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert send_code(phone, code(secret, 1)).status_code == 302
    assert "Log out" in phone.get("/").get_data(as_text=True)
    # The same code again is refused: each is good once.
    other = make_browser()
    log_in_with_password(other)
    assert send_code(other, code(secret, 1)).status_code == 400


def test_a_recovery_code_stands_in_once(person, make_browser):
    codes = join(person)
    switch_on(person)
    laptop = make_browser()
    log_in_with_password(laptop)
    response = send_code(laptop, codes[0])
    assert response.status_code == 302
    home = laptop.get("/").get_data(as_text=True)
    assert "Log out" in home and "You have 9 recovery codes left." in home
    again = make_browser()
    log_in_with_password(again)
    assert send_code(again, codes[0]).status_code == 400


@pytest.fixture
def real_code_limit(app_config):
    app_config.update(TWO_STEP_LIMIT="10 per 15 minutes", TWO_STEP_ADDRESS_LIMIT="50 per hour")


def test_ten_wrong_codes_are_throttled(real_code_limit, person, make_browser):
    codes = join(person)
    secret = switch_on(person)
    guesser = make_browser()
    log_in_with_password(guesser)
    right = code(secret, 1)
    wrong = [f"{n:06d}" for n in range(11) if f"{n:06d}" not in (right, code(secret), code(secret, 2))]
    for value in wrong[:10]:
        assert send_code(guesser, value).status_code == 400
    refused = send_code(guesser, right)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    page = html.unescape(refused.get_data(as_text=True))
    assert "That is as many wrong codes as this site allows for now. Please wait" in page
    # The limit is the account's: another browser with the password meets it too.
    other = make_browser()
    log_in_with_password(other)
    assert send_code(other, right).status_code == 429
    # As the refusal says, a recovery code is refused here too, and still sets a new password.
    assert send_code(other, codes[0]).status_code == 429
    assert "Forgot your password?" in page
    recovered = make_browser().submit("/auth/recover", {
        "login_name": "lost_one", "code": codes[0], "password": "a brand new passphrase 77",
        "confirm": "a brand new passphrase 77"})
    assert recovered.status_code == 302


def test_the_password_ok_mark_runs_out(person, make_browser, monkeypatch):
    join(person)
    secret = switch_on(person)
    late = make_browser()
    log_in_with_password(late)
    token = late.csrf_token("/auth/two-step")
    later = utcnow() + timedelta(minutes=6)
    monkeypatch.setattr(two_step_routes, "utcnow", lambda: later)
    response = late.client.post("/auth/two-step", data={"code": code(secret, 1),
                                                        "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert "Log out" not in late.get("/").get_data(as_text=True)


def test_switching_off_needs_password_and_code(ctx, person, make_browser):
    join(person)
    secret = switch_on(person)
    no_code = person.submit("/auth/two-step/settings",
                            {"current_password": PASSWORD, "code": "000000"},
                            action="/auth/two-step/off")
    assert no_code.status_code == 400
    no_password = person.submit("/auth/two-step/settings",
                                {"current_password": "wrong one!", "code": code(secret, 1)},
                                action="/auth/two-step/off")
    assert no_password.status_code == 400
    assert "That is not your current password." in no_password.get_data(as_text=True)
    off = person.submit("/auth/two-step/settings",
                        {"current_password": PASSWORD, "code": code(secret, 1)},
                        action="/auth/two-step/off")
    assert off.status_code == 302
    assert make_browser().login("lost_one").headers["Location"] == "/"
    assert db.session.scalar(select(TwoStepSecret.user_id)) is None


def test_export_says_two_step_is_on_without_the_secret(person):
    join(person)
    secret = switch_on(person)
    response = person.submit("/settings", {}, action="/settings/export")
    body = response.get_data(as_text=True)
    assert '"two_step_login": true' in body and secret not in body


def test_text_interrupted_by_an_expired_login_survives_the_code_step(ctx, person):
    join(person)
    secret = switch_on(person)
    thread = make_thread(make_user("starter"), make_board(), title="Week one")
    thread_id = thread.public_id
    token = person.csrf_token("/settings")
    user = db.session.scalar(User.by_login_name("lost_one"))
    user.session_version += 1
    db.session.commit()
    text = "Three years of my life, and still here."
    page = person.client.post(f"/threads/{thread_id}/reply",
                              data={"body": text, "csrf_token": token}).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)" class="resubmit', page).group(1)
    response = person.client.post(html.unescape(action), data={
        "login_name": "lost_one", "password": PASSWORD, "resume__body": text,
        "csrf_token": CSRF_RE.search(page).group(1)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Two-step login" in page
    assert text in page and 'name="resume__body"' in page
    assert "Log out" not in page
    action = re.search(r'<form method="post" action="([^"]+)" class="stack"', page).group(1)
    response = person.client.post(html.unescape(action), data={
        "code": code(secret, 1), "resume__body": text, "csrf_token": CSRF_RE.search(page).group(1)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and text in page and "Log out" in page
    response = person.client.post(f"/threads/{thread_id}/reply", data={
        "body": text, "csrf_token": CSRF_RE.search(page).group(1)})
    assert response.status_code == 302


def test_a_set_up_left_unfinished_needs_the_password_again(ctx, person, monkeypatch):
    """Whoever next uses a browser left logged in cannot finish a set-up the owner walked away
    from, with the secret of the page they left open, and lock the owner out."""
    join(person)
    shown = person.submit("/auth/two-step/settings", {"current_password": PASSWORD},
                          action="/auth/two-step/start")
    secret = SECRET_RE.search(shown.get_data(as_text=True)).group(1).replace(" ", "")
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(two_step_routes, "utcnow", lambda: later)
    late = person.submit("/auth/two-step/settings", {"code": pyotp.TOTP(secret).at(later)},
                         action="/auth/two-step/confirm")
    assert late.status_code == 302 and late.headers["Location"].endswith("/auth/two-step/settings")
    page = person.get("/auth/two-step/settings").get_data(as_text=True)
    assert "Two-step login is off." in page and "Start again with your password" in page
    assert secret not in page
    assert db.session.scalar(select(TwoStepSecret.enabled_at)) is None
    # Within the time, the same steps switch it on.
    monkeypatch.setattr(two_step_routes, "utcnow", utcnow)
    assert switch_on(person)


@pytest.fixture
def address_code_limit(app_config):
    app_config.update(TWO_STEP_LIMIT="100 per hour", TWO_STEP_ADDRESS_LIMIT="3 per hour")


def test_wrong_codes_from_one_address_are_limited_across_accounts(address_code_limit, person,
                                                                   make_browser):
    """One guesser holding several passwords meets the address's limit, whichever account."""
    join(person, login="first_one")
    first = switch_on(person)
    second_owner = make_browser()
    join(second_owner, login="second_one")
    second = switch_on(second_owner)
    guesser = make_browser()  # every browser in a test comes from one address
    log_in_with_password(guesser, "first_one")
    avoid = {code(first, n) for n in (-1, 0, 1, 2)} | {code(second, n) for n in (-1, 0, 1, 2)}
    wrong = [f"{n:06d}" for n in range(10) if f"{n:06d}" not in avoid]
    for value in wrong[:2]:
        assert send_code(guesser, value).status_code == 400
    log_in_with_password(guesser, "second_one")
    assert send_code(guesser, wrong[2]).status_code == 400
    refused = send_code(guesser, code(second, 1))
    assert refused.status_code == 429
    assert "Wrong codes from one network address are limited" in html.unescape(
        refused.get_data(as_text=True))
