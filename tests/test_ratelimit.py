"""Rate limits: per account and per address, stricter for new accounts, across workers."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from forum.clock import utcnow
from forum.extensions import db, limiter
from forum.models import Story
from tests.factories import PASSWORD, make_board, make_reply, make_story, make_user

REAL_LIMITS = {
    "POST_INTERVAL": 5, "NEW_POST_INTERVAL": 30, "TOPICS_PER_DAY": 20, "FIRST_DAY_TOPICS": 3,
    "FIRST_DAY_REPLIES": 10, "ADDRESS_REPLIES_PER_HOUR": 120,
    "EDIT_LIMIT": "1 per 2 seconds;60 per hour", "REPORT_LIMIT": "1 per 5 seconds;20 per day",
    "REGISTER_LIMIT": "3 per day", "LOGIN_ADDRESS_LIMIT": "6 per minute;30 per hour",
    "LOGIN_NAME_LIMIT": "10 per hour",
}
TEXT = "What I wanted to say, after a long time.\n\nEvery word of it."


@pytest.fixture
def app_config(app_config):
    return {**app_config, **REAL_LIMITS}


def _member(app, login, *, days_old=0, posts=0, role="member"):
    """An account `days_old` days old with `posts` posts already written."""
    with app.app_context():
        user = make_user(login, role=role, created_at=utcnow() - timedelta(days=days_old))
        if posts:
            limiter.enabled = False  # history written before the test, outside its limits
            story = make_story(user, title=f"Earlier by {login}")
            for _ in range(posts):
                make_reply(user, story.thread)
            limiter.enabled = True
        return user.id


@pytest.fixture
def story_thread(app):
    with app.app_context():
        limiter.enabled = False
        story = make_story(make_user("host", created_at=utcnow() - timedelta(days=30)))
        limiter.enabled = True
        return story.thread.public_id


def _reply(person, thread_id, body=TEXT):
    return person.submit(f"/threads/{thread_id}/reply", {"body": body})


def test_new_account_waits_30_seconds_and_keeps_text(app, person, story_thread):
    _member(app, "newbie")
    person.login("newbie")
    assert _reply(person, story_thread, "first").status_code == 302
    r = _reply(person, story_thread)
    page = r.get_data(as_text=True)
    assert r.status_code == 429
    assert 25 <= int(r.headers["Retry-After"]) <= 30
    assert "once every 30 seconds while an account is new" in page
    assert "What I wanted to say, after a long time." in page and "Every word of it." in page


def test_established_account_waits_5_seconds_then_may_post(app, person, story_thread):
    app.config["POST_INTERVAL"] = 1
    _member(app, "veteran", days_old=10, posts=5)
    person.login("veteran")
    assert _reply(person, story_thread, "one").status_code == 302
    r = _reply(person, story_thread, "two")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert "once every 1 seconds." in r.get_data(as_text=True)
    time.sleep(1.1)
    assert _reply(person, story_thread, "two").status_code == 302


def test_old_account_with_few_posts_is_still_new(app, person, story_thread):
    _member(app, "lurker", days_old=400, posts=0)
    person.login("lurker")
    assert _reply(person, story_thread, "hello").status_code == 302
    r = _reply(person, story_thread)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 5


def test_first_day_three_topics_then_refused(app, person):
    app.config.update(NEW_POST_INTERVAL=0, POST_INTERVAL=0)
    _member(app, "eager")
    person.login("eager")
    for i in range(3):
        assert person.submit("/stories/new", {"title": f"Part {i}", "body": "text"}).status_code == 302
    r = person.submit("/stories/new", {"title": "Part 4", "body": TEXT})
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert "3 stories or threads a day on an account&#39;s first day" in page
    assert "Every word of it." in page and 'value="Part 4"' in page
    assert int(r.headers["Retry-After"]) > 3600


def test_established_twenty_topics_a_day(app, person):
    app.config.update(NEW_POST_INTERVAL=0, POST_INTERVAL=0)
    with app.app_context():
        board = make_board("Talk").slug
    _member(app, "regular", days_old=30, posts=5)
    person.login("regular")
    for i in range(20):
        r = person.submit(f"/boards/{board}/new", {"title": f"T{i}", "body": "b"})
        assert r.status_code == 302, i
    r = person.submit(f"/boards/{board}/new", {"title": "T20", "body": TEXT})
    assert r.status_code == 429 and "Every word of it." in r.get_data(as_text=True)


def test_first_day_ten_replies(app, person, story_thread):
    app.config.update(NEW_POST_INTERVAL=0, POST_INTERVAL=0)
    _member(app, "chatty")
    person.login("chatty")
    for i in range(10):
        assert _reply(person, story_thread, f"reply {i}").status_code == 302
    assert _reply(person, story_thread).status_code == 429


def test_many_accounts_from_one_address_share_the_address_limit(app, make_browser, story_thread):
    for name in ("sock1", "sock2"):
        _member(app, name, days_old=30, posts=5)
    first, second = make_browser(), make_browser()
    first.login("sock1")
    second.login("sock2")
    assert _reply(first, story_thread, "one").status_code == 302
    r = _reply(second, story_thread)
    assert r.status_code == 429 and "Someone on your network" in r.get_data(as_text=True)


def test_moderators_are_exempt_from_posting_limits(app, person, story_thread):
    _member(app, "mod", role="moderator")
    person.login("mod")
    for i in range(5):
        assert _reply(person, story_thread, f"note {i}").status_code == 302


def test_edits_are_limited_too(app, person, story_thread):
    _member(app, "editor", days_old=30, posts=5)
    person.login("editor")
    post_id = _reply(person, story_thread, "draft one").headers["Location"].rsplit("#p", 1)[1]
    assert person.submit(f"/posts/{post_id}/edit", {"body": "v2"}).status_code == 302
    r = person.submit(f"/posts/{post_id}/edit", {"body": TEXT})
    assert r.status_code == 429 and "Every word of it." in r.get_data(as_text=True)


def test_registration_three_a_day_per_address(person, make_browser):
    for i in range(3):
        assert make_browser().register(f"person{i}").status_code == 302
    r = make_browser().register("person3", handle="Fourth Person")
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert "most accounts allowed for one day" in page and 'value="Fourth Person"' in page


def test_login_six_a_minute_per_address(app, person):
    _member(app, "target")
    for _ in range(6):
        assert person.login("target", "wrong password 1").status_code == 401
    r = person.login("target")
    assert r.status_code == 429
    assert "Too many attempts to log in" in r.get_data(as_text=True)
    assert 0 < int(r.headers["Retry-After"]) <= 60


def test_login_name_limit_holds_across_addresses(app, client):
    _member(app, "victim")
    from tests.conftest import Browser

    def attempt(i, password):
        env = {"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250 + 1}"}
        page = client.get("/auth/login", environ_base=env).get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        return client.post("/auth/login", data={"login_name": "victim", "password": password,
                                                 "csrf_token": token}, environ_base=env)
    for i in range(10):
        assert attempt(i, f"guess number {i}").status_code == 401
    # The eleventh guess, from yet another address, is refused even with the right password.
    assert attempt(99, PASSWORD).status_code == 429
    assert Browser  # the shared helper is not needed: each attempt carries its own address


def _login_from(client, env):
    page = client.get("/auth/login", environ_base=env).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    return client.post("/auth/login", data={"login_name": "nobody", "password": "x" * 12,
                                             "csrf_token": token}, environ_base=env)


@pytest.mark.parametrize("hops", [0, 1])
def test_spoofed_forwarded_for_does_not_escape_the_limit(app_config, hops):
    from forum import create_app
    app = create_app({**app_config, "TRUSTED_PROXIES": hops, "LOGIN_NAME_LIMIT": "1000 per hour"})
    client = app.test_client()
    codes = []
    for i in range(8):
        # The client invents a new address each time; a trusted proxy appends the real one.
        forwarded = f"203.0.113.{i}" + (", 198.51.100.7" if hops else "")
        codes.append(_login_from(client, {"HTTP_X_FORWARDED_FOR": forwarded}).status_code)
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429]
    if hops:  # a different real client behind the same proxy is not caught by that limit
        other = _login_from(client, {"HTTP_X_FORWARDED_FOR": "203.0.113.1, 198.51.100.8"})
        assert other.status_code == 401


def test_storage_holds_no_raw_address(app, client):
    for _ in range(3):
        _login_from(client, {"REMOTE_ADDR": "192.0.2.55"})
    with app.app_context():
        storage = limiter.storage
        keys = " ".join(str(k) for k in list(getattr(storage, "events", {})) + list(getattr(storage, "storage", {})))
    assert keys and "192.0.2.55" not in keys and "nobody" not in keys


def test_429_and_healthz_when_limit_storage_is_down(app_config, story_thread):
    from forum import create_app
    from tests.conftest import Browser
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    person = Browser(app.test_client())
    _member(app, "writer")
    person.login("writer")
    assert person.get("/").status_code == 200
    assert _reply(person, story_thread, "first").status_code == 302
    assert _reply(person, story_thread).status_code == 429  # still limited, in memory
    health = person.get("/healthz").get_json()
    assert health["ratelimit_storage"] == "degraded" and health["database"] == "ok"


# --- against the real Redis ------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")


class _Proxy:
    """A TCP forwarder to Redis that the test can cut and restore, like a network outage."""

    def __init__(self, target):
        self.target, self.port, self.alive = target, None, True
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.alive:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        self.alive = False
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []

    def restore(self):
        self.alive = True


@needs_redis
def test_redis_outage_falls_back_and_recovers(app_config, story_thread):
    import redis as redis_lib

    from forum import create_app
    from tests.conftest import Browser
    parsed = urllib.parse.urlsplit(REDIS_URL)
    proxy = _Proxy((parsed.hostname, parsed.port or 6379))
    redis_lib.Redis.from_url(REDIS_URL).flushdb()
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{proxy.port}/0",
                      "RATELIMIT_RECHECK_SECONDS": 0})
    person = Browser(app.test_client())
    _member(app, "writer", days_old=30, posts=5)
    person.login("writer")
    assert person.get("/healthz").get_json()["ratelimit_storage"] == "ok"
    assert _reply(person, story_thread, "before").status_code == 302
    proxy.cut()
    assert person.get("/").status_code == 200
    assert person.get("/healthz").get_json()["ratelimit_storage"] == "degraded"
    assert _reply(person, story_thread, "during").status_code == 302
    assert _reply(person, story_thread, "too fast").status_code == 429  # limited in memory
    proxy.restore()
    assert person.get("/healthz").get_json()["ratelimit_storage"] == "ok"
    # Back on Redis: its window still holds the post made before the outage... and the keys
    # there are hashes, never the address.
    keys = [k.decode() for k in redis_lib.Redis.from_url(REDIS_URL).keys("*")]
    assert keys and not any("127.0.0.1" in k for k in keys)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_redis
def test_account_limit_holds_across_two_gunicorn_workers(tmp_path, database_url, app):
    """N+1 quick posts split over two workers sharing Redis: exactly N are accepted."""
    import redis as redis_lib
    redis_lib.Redis.from_url(REDIS_URL).flushdb()
    allowed = 4
    with app.app_context():
        limiter.enabled = False
        user = make_user("racer", created_at=utcnow() - timedelta(hours=1))
        story = make_story(make_user("host2"), title="Shared")
        thread_id, thread_page = story.thread_id, story.thread.public_id
        limiter.enabled = True
        assert user.id
    port = _free_port()
    pids = tmp_path / "pids"
    (tmp_path / "gconf.py").write_text(
        f"def post_request(worker, req, environ, resp):\n"
        f"    open({str(pids)!r}, 'a').write(str(worker.pid) + '\\n')\n")
    env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": REDIS_URL,
           "SECRET_KEY": "gunicorn-test", "POST_INTERVAL": "0", "NEW_POST_INTERVAL": "0",
           "FIRST_DAY_REPLIES": str(allowed), "LOGIN_ADDRESS_LIMIT": "1000 per minute"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "-c",
         str(tmp_path / "gconf.py"), "wsgi:app"],
        cwd=Path(__file__).resolve().parent.parent, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

        def post(url, data):
            page = opener.open(base + url, timeout=10).read().decode()
            token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
            try:
                return opener.open(base + url, body, timeout=10).status
            except urllib.error.HTTPError as error:
                return error.code
        assert post("/auth/login", {"login_name": "racer", "password": PASSWORD}) == 302
        results = []
        workers = [threading.Thread(target=lambda i=i: results.append(
            post(f"/threads/{thread_page}/reply", {"body": f"quick {i}"}))) for i in range(allowed + 1)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert sorted(results) == [302] * allowed + [429], results
        assert len(set(pids.read_text().split())) == 2, "both workers should have served"
    finally:
        server.terminate()
        server.wait(timeout=10)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Story)) == 1
        from forum.models import Post
        count = db.session.scalar(db.select(db.func.count(Post.id)).where(Post.thread_id == thread_id))
        assert count == allowed
