"""The security log notes failed log-ins, 403s and 429s, and holds nothing it shouldn't."""
from __future__ import annotations

import logging

import pytest

from forum.extensions import db
from forum.models import ANONYMOUS, Handle
from forum.security import log_event
from tests.conftest import CSRF_RE
from tests.factories import PASSWORD, make_board, make_user

SECRET_TYPED = "my very secret password"
HOSTILE_NAME = "x\r\n2026-01-01 WARNING forum.security login_ok name='admin'\nmore"


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)  # everything any logger lets through
    return caplog


def security_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "forum.security"]


def all_lines(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_failed_login_is_logged_without_name_password_or_address(ctx, person, logs):
    make_user("walker", "Walker")
    person.login("walker", SECRET_TYPED)
    person.login("nobody.here", SECRET_TYPED)
    lines = security_lines(logs)
    assert len([line for line in lines if line.startswith("login_failed")]) == 2
    text = all_lines(logs)
    for secret in (SECRET_TYPED, "walker", "nobody.here", "127.0.0.1"):
        assert secret not in text
    # The same name gives the same tag, so an attack on one account shows; names differ.
    tags = [line.split("name=")[1] for line in lines if line.startswith("login_failed")]
    person.login("walker", "another wrong one")
    again = [line.split("name=")[1] for line in security_lines(logs)
             if line.startswith("login_failed")][-1]
    assert again == tags[0] != tags[1]


def test_a_login_name_cannot_forge_a_log_line(app, person, logs):
    person.login(HOSTILE_NAME, SECRET_TYPED)
    for record in logs.records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message, message
        assert "login_ok" not in message


def test_log_values_are_escaped():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    logger = logging.getLogger("forum.security")
    logger.addHandler(handler)
    try:
        log_event("probe", value="a\r\nforged line\u2028and\x1b[31m", other=42)
    finally:
        logger.removeHandler(handler)
    assert records == ["probe value='a\\r\\nforged line\\u2028and\\x1b[31m' other=42"]


def test_forbidden_is_logged_by_endpoint_only(ctx, person, logs):
    make_user("walker", "Walker")
    person.login("walker")
    assert person.get("/mod/").status_code == 403
    forbidden = [line for line in security_lines(logs) if line.startswith("forbidden")]
    assert forbidden == ["forbidden method='GET' endpoint='moderation.queue'"]


@pytest.fixture
def tight_login_limit(app_config):
    app_config["LOGIN_ADDRESS_LIMIT"] = "2 per minute"


def test_rate_limited_is_logged_without_the_address(tight_login_limit, app, person, logs):
    statuses = [person.login("someone", SECRET_TYPED).status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert any(line.startswith("rate_limited") and "auth.login" in line
               for line in security_lines(logs))
    assert "127.0.0.1" not in all_lines(logs)


def test_logs_never_hold_secrets_or_tie_an_anonymous_handle_to_its_account(
        ctx, person, make_browser, logs):
    make_user("hidden_writer", "Visible Name")
    board = make_board("General")
    slug = board.slug
    person.login("hidden_writer")
    page = person.get(f"/boards/{slug}/new").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = person.client.post(f"/boards/{slug}/new", data={
        "title": "Quietly", "body": "Said without my name.", "anonymous": "y",
        "csrf_token": token})
    assert response.status_code == 302
    thread_page = person.get(response.headers["Location"]).get_data(as_text=True)
    person.get("/mod/")                      # a 403
    person.client.post("/settings/sessions")  # a CSRF failure
    make_browser().login("hidden_writer", SECRET_TYPED)  # a failed log-in

    pseudonym = db.session.scalar(db.select(Handle.name).where(Handle.kind == ANONYMOUS))
    assert pseudonym and pseudonym in thread_page
    session_cookie = person.client.get_cookie("session").value
    text = all_lines(logs)
    for secret in (PASSWORD, SECRET_TYPED, session_cookie, token, "127.0.0.1", "hidden_writer",
                   pseudonym, "Visible Name"):
        assert secret not in text, f"{secret!r} reached the logs"
