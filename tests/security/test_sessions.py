"""Sessions: logging out and changing the password end every copy of a cookie; idle and
absolute lifetimes; cookie flags; no session fixation; no activity kept in the database."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest

import forum.auth.service as auth_service
from forum import config
from forum.clock import utcnow
from forum.extensions import db
from forum.models import User
from tests.conftest import CSRF_RE
from tests.factories import Clock, PASSWORD, make_user

NEW_PASSWORD = "a much longer new passphrase"
SESSION, REMEMBER = "session", "remember_token"


@pytest.fixture
def member(ctx):
    make_user("walker", "Walker")
    return "walker"


def login(person, name="walker", password=PASSWORD, remember=False):
    data = {"login_name": name, "password": password}
    if remember:
        data["remember"] = "y"
    response = person.submit("/auth/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def cookie(person, name):
    found = person.client.get_cookie(name)
    return found.value if found else None


def with_cookies(make_browser, **cookies):
    """A fresh browser holding only these copied cookies, as a thief would."""
    thief = make_browser()
    for name, value in cookies.items():
        if value is not None:
            thief.client.set_cookie(name, value)
    return thief


def logged_in(person) -> bool:
    return person.get("/settings").status_code == 200


def session_data(app, person) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(cookie(person, SESSION))


# --- ending sessions ------------------------------------------------------------------------

def test_logout_ends_copied_session_and_remember_cookies(person, make_browser, member):
    login(person, remember=True)
    stolen = {SESSION: cookie(person, SESSION), REMEMBER: cookie(person, REMEMBER)}
    assert stolen[REMEMBER], "remember-me cookie was not set"
    # Before the logout the copies work: the session cookie, and the remember-me cookie alone
    # (a browser restarted without its session cookie).
    assert logged_in(with_cookies(make_browser, **stolen))
    assert logged_in(with_cookies(make_browser, **{REMEMBER: stolen[REMEMBER]}))

    assert person.logout().status_code == 302
    assert not logged_in(person)
    assert cookie(person, REMEMBER) is None, "logout left the remember-me cookie in place"
    assert not logged_in(with_cookies(make_browser, **stolen))
    assert not logged_in(with_cookies(make_browser, **{SESSION: stolen[SESSION]}))
    assert not logged_in(with_cookies(make_browser, **{REMEMBER: stolen[REMEMBER]}))


def test_password_change_ends_every_other_session(person, make_browser, member):
    login(person)
    laptop = make_browser()
    login(laptop, remember=True)
    stolen_remember = cookie(laptop, REMEMBER)

    response = person.submit("/settings", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    }, action="/settings/password")
    assert response.status_code == 302
    assert logged_in(person), "the browser that changed the password was logged out"
    assert not logged_in(laptop)
    assert not logged_in(with_cookies(make_browser, **{REMEMBER: stolen_remember}))
    # The new password works, the old one does not.
    assert make_browser().login("walker", PASSWORD).status_code == 400
    assert make_browser().login("walker", NEW_PASSWORD).status_code == 302


def test_password_change_keeps_remember_me_on_this_device(person, make_browser, member):
    login(person, remember=True)
    person.submit("/settings", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    }, action="/settings/password")
    renewed = cookie(person, REMEMBER)
    assert renewed and logged_in(with_cookies(make_browser, **{REMEMBER: renewed}))


def test_sign_out_everywhere_else(person, make_browser, member):
    login(person)
    other = make_browser()
    login(other)
    assert person.submit("/settings", {}, action="/settings/sessions").status_code == 302
    assert logged_in(person) and not logged_in(other)


# --- cookie flags ---------------------------------------------------------------------------

def _set_cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_and_samesite_lax(person, member):
    headers = _set_cookie_headers(login(person, remember=True))
    for name in (SESSION, REMEMBER):
        assert "HttpOnly" in headers[name], headers[name]
        assert "SameSite=Lax" in headers[name], headers[name]
        assert "Secure" not in headers[name]  # plain HTTP in development


@pytest.fixture
def secure_config(app_config):
    app_config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)


def test_cookies_are_secure_when_configured(secure_config, app, member):
    client = app.test_client()
    page = client.get("/auth/login", base_url="https://localhost").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post("/auth/login", base_url="https://localhost", data={
        "login_name": "walker", "password": PASSWORD, "remember": "y", "csrf_token": token})
    assert response.status_code == 302
    headers = _set_cookie_headers(response)
    for name in (SESSION, REMEMBER):
        assert "Secure" in headers[name] and "HttpOnly" in headers[name], headers[name]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secure_cookies_setting_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECURE_COOKIES", "1")
    settings = config.load(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["REMEMBER_COOKIE_HTTPONLY"]
    assert settings["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert settings["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    assert settings["SESSION_IDLE_TIMEOUT"] == timedelta(hours=2)
    # Only this host, over HTTPS, may set them; and no Referer is needed for a form to work.
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert settings["WTF_CSRF_SSL_STRICT"] is False
    monkeypatch.setenv("SECURE_COOKIES", "0")
    assert not config.load(str(tmp_path))["SESSION_COOKIE_SECURE"]


# --- idle and absolute lifetimes ------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    # From the start of this minute: a login is never older than its account (made just now),
    # and the minutes below count from a whole one.
    clock = Clock(utcnow().replace(second=0, microsecond=0))
    monkeypatch.setattr(auth_service, "utcnow", clock)
    monkeypatch.setattr("forum.auth.routes.utcnow", clock)
    return clock


def test_idle_login_ends_after_two_hours(person, member, clock):
    login(person)
    clock.advance(minutes=119)
    assert logged_in(person)
    clock.advance(minutes=119)  # active 119 minutes ago: still fine
    assert logged_in(person)
    clock.advance(minutes=121)
    assert not logged_in(person)
    # And it stays ended: the stale session is not revived by activity.
    clock.advance(minutes=1)
    assert not logged_in(person)


def test_active_login_ends_after_twelve_hours(person, member, clock):
    login(person)
    for _ in range(7):  # 7 x 100 minutes = 11 h 40 min, never idle for long
        clock.advance(minutes=100)
        assert logged_in(person)
    clock.advance(minutes=21)  # 12 h 1 min after logging in
    assert not logged_in(person)


def test_remembered_login_is_not_idle_limited_but_ends_after_fourteen_days(
        person, make_browser, member, clock):
    login(person, remember=True)
    clock.advance(hours=20)
    assert logged_in(person), "a remembered login ended while idle"
    remember = cookie(person, REMEMBER)
    clock.advance(days=12)
    # A browser restarted with only its remember-me cookie is let back in within 14 days.
    assert logged_in(with_cookies(make_browser, **{REMEMBER: remember}))
    clock.advance(days=1, hours=4, minutes=1)  # 14 days and a minute after logging in
    assert not logged_in(person)
    assert not logged_in(with_cookies(make_browser, **{REMEMBER: remember}))


@pytest.fixture
def short_idle(app_config):
    app_config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=10)


def test_idle_limit_comes_from_configuration(short_idle, person, member, clock):
    login(person)
    clock.advance(minutes=10)
    assert logged_in(person)
    clock.advance(minutes=11)
    assert not logged_in(person)


def test_last_seen_is_kept_in_the_cookie_at_minute_precision(app, person, member, clock):
    login(person)
    data = session_data(app, person)
    assert data["seen_at"] == data["login_at"] == int(clock.now.replace(tzinfo=UTC).timestamp()) // 60
    clock.advance(seconds=30)
    person.get("/settings")
    same_minute = session_data(app, person)["seen_at"]
    clock.advance(minutes=5)
    person.get("/settings")
    assert session_data(app, person)["seen_at"] == same_minute + 5


def test_no_activity_is_stored_in_the_database(ctx, person, member, clock):
    activity = {"last_seen", "last_seen_at", "last_active", "last_active_at", "last_login",
                "last_login_at", "seen_at", "login_at", "last_ip", "ip_address"}
    for table in db.metadata.sorted_tables:
        assert not activity & set(table.columns.keys()), table.name
    login(person)
    before = db.session.execute(db.select(User).where(User.login_name == "walker")).scalar_one()
    row = {c: getattr(before, c) for c in User.__table__.columns.keys()}
    clock.advance(minutes=30)
    person.get("/settings")
    after = db.session.execute(db.select(User).where(User.login_name == "walker")).scalar_one()
    assert row == {c: getattr(after, c) for c in User.__table__.columns.keys()}


# --- fixation -------------------------------------------------------------------------------

def test_login_starts_a_new_session_and_a_planted_cookie_gives_nothing(
        app, person, make_browser, member):
    attacker = make_browser()
    attacker_page = attacker.get("/auth/login").get_data(as_text=True)
    planted = cookie(attacker, SESSION)
    attacker_token = CSRF_RE.search(attacker_page).group(1)
    planted_data = session_data(app, attacker)
    assert planted and "csrf_token" in planted_data

    # The attacker plants their cookie in the victim's browser, who then logs in.
    person.client.set_cookie(SESSION, planted)
    login(person)
    after = cookie(person, SESSION)
    assert after != planted
    fresh = session_data(app, person)
    assert fresh.get("csrf_token") != planted_data["csrf_token"], "CSRF secret survived login"
    assert set(planted_data) - {"csrf_token"} <= set(fresh)  # nothing else to keep

    # The attacker's copy of the cookie is still nobody's, and their token is no use.
    assert not logged_in(attacker)
    assert not logged_in(with_cookies(make_browser, **{SESSION: planted}))
    refused = person.client.post("/settings/sessions", data={"csrf_token": attacker_token})
    assert refused.status_code == 400
    assert logged_in(person)


def test_login_over_someone_elses_session_keeps_nothing_of_theirs(
        app, ctx, person, make_browser, member):
    make_user("intruder", "Intruder")
    login(person, name="intruder")
    person.get("/settings")
    before = session_data(app, person)
    login(person)  # same browser, now the member
    person.get("/settings")
    after = session_data(app, person)
    assert after["_user_id"] != before["_user_id"]
    assert after["csrf_token"] != before["csrf_token"]
    assert "Intruder" not in person.get("/settings").get_data(as_text=True)


def test_session_cookie_alone_grants_nothing_after_forgery(app, make_browser, member):
    """A session cookie signed with another key, or altered, is anonymous."""
    thief = make_browser()
    login(thief)
    value = cookie(thief, SESSION)
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert not logged_in(with_cookies(make_browser, **{SESSION: forged}))
