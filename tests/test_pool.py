"""Database connections: an idle pooled connection is checked before use, a busy one is not
(forum/pool.py), and a writer whose request fails midway gets the text back and can send it
again without it being stored twice (forum/errors.py)."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select, text

from forum import config, create_app
from forum.extensions import db
from forum.models import Post
from forum.posting import replies
from tests.conftest import CSRF_RE, Browser
from tests.factories import make_board, make_thread, make_user

ONCE_RE = re.compile(r'name="once" value="([^"]+)"')
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
WORDS = "The night I left, I walked until the sun came up.\nNobody followed me."


def _postgresql(app_config) -> bool:
    return app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _live_app(app_config, **settings):
    """The app as in production: a failure is a page, not a test's exception."""
    return create_app({**app_config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False,
                       **settings})


def _thread(app) -> str:
    with app.app_context():
        make_user("writer")
        thread = make_thread(make_user("starter"), make_board(), title="Leaving")
        return thread.public_id


def _posts_saying(app, words: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Post.id)).where(Post.body == words))
        db.session.commit()
        return count


def _backend_pid(app) -> int:
    """The server process behind the pool's one connection (put back in the pool after)."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()
        return pid


def _terminate(app, pid: int) -> None:
    """Close that connection from the server's side, as a restart or an idle timeout does."""
    admin = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI":
                        app.config["SQLALCHEMY_DATABASE_URI"],
                        "RATELIMIT_STORAGE_URI": "memory://"})
    with admin.app_context():
        assert db.session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.commit()
        db.engine.dispose()
    time.sleep(0.2)  # the server closes the socket


def _reply_form(person: Browser, thread_id: str) -> tuple[str, str]:
    page = person.get(f"/threads/{thread_id}/reply").get_data(as_text=True)
    return CSRF_RE.search(page).group(1), ONCE_RE.search(page).group(1)


# --- the settings --------------------------------------------------------------------------

def test_no_ping_before_every_request_and_the_idle_time_is_a_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example.org/afterward")
    monkeypatch.setenv("SITE_URL", "https://forum.example.org")
    monkeypatch.delenv("DATABASE_PING_AFTER", raising=False)
    settings = config.load(str(tmp_path))
    assert "pool_pre_ping" not in settings["SQLALCHEMY_ENGINE_OPTIONS"]
    assert settings["DATABASE_PING_AFTER"] == 1.0
    monkeypatch.setenv("DATABASE_PING_AFTER", "2.5")
    assert config.load(str(tmp_path))["DATABASE_PING_AFTER"] == 2.5


# --- the ping ------------------------------------------------------------------------------

def test_a_connection_put_back_a_moment_ago_is_used_as_it_is_one_left_idle_is_pinged(
        app, app_config, monkeypatch):
    if not _postgresql(app_config):
        pytest.skip("a PostgreSQL pool (SQLite has nothing to ping)")
    live = _live_app(app_config, DATABASE_PING_AFTER=0.5)
    with live.app_context():
        engine = db.engine
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    client = live.test_client()
    try:
        for _ in range(5):  # the first opens the connection: alive, not pinged
            assert client.get("/").status_code == 200
        assert pings == []
        time.sleep(0.6)
        assert client.get("/").status_code == 200
        assert pings == [1]
    finally:
        engine.dispose()


def test_a_connection_the_server_closed_while_idle_is_replaced_before_use(app, app_config):
    if not _postgresql(app_config):
        pytest.skip("a PostgreSQL pool")
    live = _live_app(app_config, DATABASE_PING_AFTER=0.1)
    client = live.test_client()
    try:
        assert client.get("/").status_code == 200
        pid = _backend_pid(live)
        _terminate(live, pid)
        assert client.get("/").status_code == 200  # pinged, found closed, replaced
        assert _backend_pid(live) != pid
    finally:
        with live.app_context():
            db.engine.dispose()


# --- a failure midway: the text comes back -------------------------------------------------

def test_a_reply_that_meets_a_connection_closed_a_moment_ago_comes_back_and_is_stored_once(
        app, app_config):
    """The one case the ping no longer covers: the server closed the connection within
    DATABASE_PING_AFTER of its last use. The request fails; the writer gets the text back;
    sent again, it is stored, once."""
    if not _postgresql(app_config):
        pytest.skip("a PostgreSQL pool")
    live = _live_app(app_config, DATABASE_PING_AFTER=60)
    thread_id = _thread(live)
    person = Browser(live.test_client())
    try:
        person.login("writer")
        token, once = _reply_form(person, thread_id)
        _terminate(live, _backend_pid(live))
        sent = {"csrf_token": token, "once": once, "body": WORDS}
        failed = person.client.post(f"/threads/{thread_id}/reply", data=sent, headers=SAME_SITE)
        page = failed.get_data(as_text=True)
        assert failed.status_code == 500
        assert "Your text is below" in page and "it may not have been stored" in page
        assert ">The night I left, I walked until the sun came up.\nNobody followed me.</textarea>" \
            in page
        assert f'action="/threads/{thread_id}/reply"' in page
        assert ONCE_RE.search(page).group(1) == once  # the same key: stored once either way
        assert _posts_saying(live, WORDS) == 0
        again = {"csrf_token": CSRF_RE.search(page).group(1), "once": once, "body": WORDS}
        assert person.client.post(f"/threads/{thread_id}/reply", data=again,
                                  headers=SAME_SITE).status_code == 302
        assert _posts_saying(live, WORDS) == 1
    finally:
        with live.app_context():
            db.engine.dispose()


def test_a_failure_after_the_reply_was_stored_hands_it_back_and_it_is_not_stored_twice(
        app, app_config, monkeypatch):
    """Whether the failed request stored the text is not known to the writer: the page says
    so, and sending it again answers with the first one's page."""
    live = _live_app(app_config)
    thread_id = _thread(live)
    person = Browser(live.test_client())
    stored = replies.reply

    def stored_then_failed(*args, **kwargs):
        stored(*args, **kwargs)
        raise RuntimeError("the process failed after its commit")

    try:
        person.login("writer")
        token, once = _reply_form(person, thread_id)
        monkeypatch.setattr(replies, "reply", stored_then_failed)
        sent = {"csrf_token": token, "once": once, "body": WORDS}
        failed = person.client.post(f"/threads/{thread_id}/reply", data=sent, headers=SAME_SITE)
        page = failed.get_data(as_text=True)
        assert failed.status_code == 500 and "it may not have been stored" in page
        assert "the process failed" not in page and "RuntimeError" not in page
        assert ONCE_RE.search(page).group(1) == once
        monkeypatch.setattr(replies, "reply", stored)
        again = person.client.post(f"/threads/{thread_id}/reply", headers=SAME_SITE, data={
            "csrf_token": CSRF_RE.search(page).group(1), "once": once, "body": WORDS})
        assert again.status_code == 302
        assert "already sent" in person.get(again.location).get_data(as_text=True)
        assert _posts_saying(live, WORDS) == 1
    finally:
        with live.app_context():
            db.engine.dispose()


def test_a_failure_hands_words_back_only_to_this_sites_own_forms(app, app_config,
                                                                   monkeypatch):
    """From another site's page, or for a button (no words), the plain error page."""
    live = _live_app(app_config)
    thread_id = _thread(live)
    person = Browser(live.test_client())

    def failed(*args, **kwargs):
        raise RuntimeError("broken")

    try:
        person.login("writer")
        token, once = _reply_form(person, thread_id)
        monkeypatch.setattr(replies, "reply", failed)
        for headers, body in (({}, WORDS), ({"Sec-Fetch-Site": "cross-site"}, WORDS),
                              (SAME_SITE, "one-word")):
            response = person.client.post(f"/threads/{thread_id}/reply", headers=headers,
                                          data={"csrf_token": token, "once": once,
                                                "body": body})
            page = response.get_data(as_text=True)
            assert response.status_code >= 400 and body not in page, (headers, page[:300])
            assert "Your text is below" not in page
    finally:
        with live.app_context():
            db.engine.dispose()
