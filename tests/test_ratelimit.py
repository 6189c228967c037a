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
from limits import parse_many

from forum import config as forum_config
from forum import ratelimit
from forum.auth import service as auth
from forum.clock import utcnow
from forum.extensions import db, limiter
from forum.models import Story, User
from forum.posting import refusals
from tests.conftest import CSRF_RE, RELAXED_LIMITS
from tests.factories import PASSWORD, make_board, make_reply, make_story, make_user
from tests.security import site as seed_site
from tests.test_permissions_matrix import MATRIX, OK, ROLES
from tests.test_permissions_matrix import _outcome as matrix_outcome

REAL_LIMITS = {
    "POST_INTERVAL": 5, "NEW_POST_INTERVAL": 30, "TOPICS_PER_DAY": 20, "FIRST_DAY_TOPICS": 3,
    "FIRST_DAY_REPLIES": 10, "ADDRESS_REPLIES_PER_HOUR": 300, "ADDRESS_TOPICS_PER_DAY": 100,
    "EDIT_LIMIT": "1 per 2 seconds;60 per hour", "REPORT_LIMIT": "1 per 5 seconds;20 per day",
    "DRAFT_LIMIT": "1 per 5 seconds;300 per hour", "ADDRESS_EDIT_LIMIT": "600 per hour",
    "ADDRESS_REPORT_LIMIT": "200 per day", "ADDRESS_DRAFT_LIMIT": "3600 per hour",
    "REGISTER_LIMIT": "10 per day", "LOGIN_ADDRESS_LIMIT": "100 per hour;500 per day",
    "LOGIN_PAIR_LIMIT": "5 per 15 minutes", "LOGIN_NAME_LIMIT": "10 per hour",
    "LOGIN_PAIR_LIMIT_UNDER_ATTACK": "1 per hour",
    "PASSWORD_CHECK_LIMIT": "10 per hour", "EXPORT_LIMIT": "10 per hour",
    "PREVIEW_LIMIT": "1 per 2 seconds;120 per hour", "ADDRESS_PREVIEW_LIMIT": "3600 per hour",
    "CONTACT_LIMIT": "1 per 10 seconds;20 per day", "ADDRESS_CONTACT_LIMIT": "30 per day",
    "CONTACT_CODE_LIMIT": "20 per hour",
    "INVITE_LIMIT": "1 per 5 seconds;10 per day", "INVITE_CODE_LIMIT": "10 per hour;30 per day",
    "BLOG_UPLOAD_LIMIT": "5 per hour;20 per day",
    "REACTION_LIMIT": "30 per minute;300 per hour", "ADDRESS_REACTION_LIMIT": "3000 per hour",
    "BOOKMARK_LIMIT": "60 per minute;600 per day",
}
TEXT = "What I wanted to say, after a long time.\n\nEvery word of it."
REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")


@pytest.fixture
def app_config(app_config):
    return {**app_config, **REAL_LIMITS}


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
def each_storage(request, app_config):
    """Run the test on the in-memory storage, and on Redis when TEST_REDIS_URL is set."""
    if request.param == "redis":
        import redis as redis_lib
        redis_lib.Redis.from_url(REDIS_URL).flushdb()
        app_config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    return request.param


def test_real_limits_here_are_the_defaults(tmp_path):
    defaults = forum_config.load(str(tmp_path))
    assert REAL_LIMITS == {name: defaults[name] for name in REAL_LIMITS}
    assert set(REAL_LIMITS) == set(RELAXED_LIMITS)


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
def story_thread(ctx):
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


def test_established_twenty_topics_a_day(app, ctx, person):
    app.config.update(NEW_POST_INTERVAL=0, POST_INTERVAL=0)
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


def _neighbours(app, make_browser):
    """Two people logged in from one network address (the test client's), in two browsers."""
    browsers = []
    for name in ("neighbour1", "neighbour2"):
        _member(app, name, days_old=30, posts=5)
        browsers.append(make_browser())
        assert browsers[-1].login(name).status_code == 302
    return browsers


def _refusal(response) -> str:
    """The words of the refusal on a page that hands the writer's text back."""
    return re.search(r'<p class="notice[^"]*" role="alert">(.*?)</p>',
                     response.get_data(as_text=True), re.S).group(1)


def test_two_people_on_one_address_post_at_a_normal_pace(each_storage, app, make_browser,
                                                          story_thread):
    app.config["POST_INTERVAL"] = 1
    first, second = _neighbours(app, make_browser)
    for turn in range(2):
        # Each keeps to their own account's pace; the other's post never makes them wait.
        assert _reply(first, story_thread, f"first, turn {turn}").status_code == 302
        assert _reply(second, story_thread, f"second, turn {turn}").status_code == 302
        time.sleep(1.1)


def test_an_address_refusal_says_nothing_about_the_others_on_it(each_storage, app, make_browser,
                                                               story_thread):
    app.config.update(POST_INTERVAL=0, ADDRESS_REPLIES_PER_HOUR=2)  # a flood guard, filled fast
    first, second = _neighbours(app, make_browser)
    assert _reply(first, story_thread, "one").status_code == 302
    assert _reply(first, story_thread, "two").status_code == 302
    time.sleep(1.1)
    r = _reply(second, story_thread)  # the second person has not written a word yet
    assert r.status_code == 429
    assert "Every word of it." in r.get_data(as_text=True)
    refusal = _refusal(r)
    assert "Replies from one network address are limited to 2 an hour" in refusal
    for leak in ("someone", "moments ago", "your network", "posted", "today"):
        assert leak not in refusal.lower(), refusal
    # The wait is the whole window: when the first person's replies run out would date them.
    assert r.headers["Retry-After"] == "3600" and "wait 60 minutes" in refusal


def test_no_limit_on_an_address_has_a_short_window(app):
    """Many people share an address: its limits only stop floods, so none is under an hour."""
    user_id = _member(app, "anyone")
    with app.test_request_context():
        user = db.session.get(User, user_id)
        rules = [rule for action in ("topic", "reply", "edit", "report", "draft")
                 for rule in refusals._limit_rules(user, action, utcnow())]
        rules += (auth._register_rules() + auth._refused_name_rules()
                  + auth._login_rules("anyone").per_address)
        address = ratelimit.address_key()
        on_address = [(bucket, limit) for bucket, limit, key, _ in rules if key == address]
    assert {bucket for bucket, _ in on_address} == {
        "topics", "replies", "edit", "report", "draft", "register", "register-refused", "login"}
    short = [(bucket, str(item)) for bucket, limit in on_address for item in parse_many(limit)
             if item.get_expiry() < 3600]
    assert not short, short


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


def test_registration_ten_a_day_per_address(person, make_browser):
    for i in range(10):
        assert make_browser().register(f"person{i}").status_code == 302
    r = make_browser().register("person10", handle="Eleventh Person")
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and r.headers["Retry-After"] == str(24 * 3600)
    assert "New accounts from one network address are limited" in page
    assert 'value="Eleventh Person"' in page


def _login_from(client, env, login_name="nobody", password="x" * 12):
    page = client.get("/auth/login", environ_base=env).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    return client.post("/auth/login", data={"login_name": login_name, "password": password,
                                             "csrf_token": token}, environ_base=env)


def _address(i: int) -> dict:
    return {"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250 + 1}"}


def test_the_address_limit_holds_across_login_names(each_storage, app, client):
    app.config["LOGIN_ADDRESS_LIMIT"] = "8 per hour"  # the real 100 an hour, quicker to fill
    _member(app, "target")
    address = {"REMOTE_ADDR": "203.0.113.9"}
    for i in range(8):
        assert _login_from(client, address, f"name{i}", "wrong password 1").status_code == 400
    r = _login_from(client, address, "target", PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"
    assert "Log-ins from one network address are limited" in r.get_data(as_text=True)


def test_guesses_from_many_addresses_do_not_lock_the_owner_out(each_storage, app, client):
    _member(app, "victim")
    for i in range(15):  # more than LOGIN_NAME_LIMIT (10 an hour), each from its own address
        assert _login_from(client, _address(i), "victim", f"guess number {i}").status_code == 400
    owner = _login_from(app.test_client(), {"REMOTE_ADDR": "198.51.100.99"}, "victim", PASSWORD)
    assert owner.status_code == 302


def test_a_guessing_address_is_refused_after_its_budget_for_the_name(each_storage, app, client):
    _member(app, "victim")
    guesser = {"REMOTE_ADDR": "203.0.113.5"}
    for i in range(5):  # LOGIN_PAIR_LIMIT: 5 failures with one name from one address
        assert _login_from(client, guesser, "victim", f"guess number {i}").status_code == 400
    r = _login_from(client, guesser, "victim", PASSWORD)  # even the right password, from here
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and r.headers["Retry-After"] == str(15 * 60)
    assert "Too many failed log-ins with this login name from this network address" in page
    assert 'value="victim"' in page and PASSWORD not in page
    # Only this name from this address: other names from it, and the owner elsewhere, go on.
    assert _login_from(client, guesser, "someone.else", "a wrong password").status_code == 400
    owner = _login_from(app.test_client(), {"REMOTE_ADDR": "198.51.100.7"}, "victim", PASSWORD)
    assert owner.status_code == 302
    if each_storage == "redis":  # the keys are keyed hashes: neither the name nor the address
        import redis as redis_lib
        keys = " ".join(k.decode() for k in redis_lib.Redis.from_url(REDIS_URL).keys("*"))
        assert "login-pair" in keys and "victim" not in keys and "203.0.113.5" not in keys


def test_a_name_under_attack_gives_each_address_one_guess_an_hour(each_storage, app, client):
    _member(app, "victim")
    for i in range(10):  # LOGIN_NAME_LIMIT failures from anywhere: the name is under attack
        assert _login_from(client, _address(i), "victim", f"guess number {i}").status_code == 400
    fresh = {"REMOTE_ADDR": "203.0.113.200"}
    assert _login_from(client, fresh, "victim", "one more guess").status_code == 400
    r = _login_from(client, fresh, "victim", "and another")
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"
    # An address that failed once was within its usual budget of 5, but not within 1 an hour.
    assert _login_from(client, _address(0), "victim", "a second guess").status_code == 429
    # The owner, from any address that has not failed, gets straight in.
    owner = _login_from(app.test_client(), {"REMOTE_ADDR": "198.51.100.1"}, "victim", PASSWORD)
    assert owner.status_code == 302


@pytest.mark.parametrize("hops", [0, 1])
def test_spoofed_forwarded_for_does_not_escape_the_limit(app_config, hops):
    from forum import create_app
    app = create_app({**app_config, "TRUSTED_PROXIES": hops, "LOGIN_ADDRESS_LIMIT": "6 per hour",
                      "LOGIN_PAIR_LIMIT": "1000 per hour", "LOGIN_NAME_LIMIT": "1000 per hour"})
    client = app.test_client()
    codes = []
    for i in range(8):
        # The client invents a new address each time; a trusted proxy appends the real one.
        forwarded = f"203.0.113.{i}" + (", 198.51.100.7" if hops else "")
        codes.append(_login_from(client, {"HTTP_X_FORWARDED_FOR": forwarded}).status_code)
    assert codes[:6] == [400] * 6 and codes[6:] == [429, 429]
    if hops:  # a different real client behind the same proxy is not caught by that limit
        other = _login_from(client, {"HTTP_X_FORWARDED_FOR": "203.0.113.1, 198.51.100.8"})
        assert other.status_code == 400


def test_storage_holds_no_raw_address(ctx, client):
    for _ in range(3):
        _login_from(client, {"REMOTE_ADDR": "192.0.2.55"})
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



# --- settings: password tries and data downloads ------------------------------------------

def test_password_tries_are_one_count_for_changing_it_and_deleting_the_account(app, ctx, person):
    _member(app, "owner", days_old=30)
    person.login("owner")
    wrong = {"current_password": "a wrong guess", "new_password": "a new long passphrase",
             "confirm": "a new long passphrase"}
    for _ in range(10):  # PASSWORD_CHECK_LIMIT
        assert person.submit("/settings", wrong, action="/settings/password").status_code == 400
    r = person.submit("/settings/delete", {"writing": "remove", "current_password": PASSWORD})
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 3600
    assert "as many tries with your current password as this site allows" in page
    assert re.search(r'<input[^>]*checked[^>]*value="remove"|value="remove"[^>]*checked', page)
    assert PASSWORD not in page
    assert db.session.scalar(db.select(User).where(User.login_name == "owner"))
    r = person.submit("/settings", {**wrong, "current_password": PASSWORD},
                      action="/settings/password")
    assert r.status_code == 429
    assert "current password as this site allows" in r.get_data(as_text=True)


def test_data_downloads_are_limited_with_a_clear_refusal(app, person):
    _member(app, "owner", days_old=30)
    person.login("owner")
    for _ in range(10):  # EXPORT_LIMIT
        r = person.submit("/settings", {}, action="/settings/export")
        assert r.status_code == 200 and r.mimetype == "application/json"
    r = person.submit("/settings", {}, action="/settings/export")
    assert r.status_code == 429 and r.mimetype == "text/html" and "Retry-After" in r.headers
    assert "as many downloads of your data as this site allows" in r.get_data(as_text=True)
    # A refusal to wait is a warning, never styled as good news.
    assert re.search(r'<p class="flash notice warning" role="status">[^<]*as many downloads',
                     r.get_data(as_text=True))


def test_no_view_carries_a_flask_limiter_limit(app):
    """Every limit goes through forum/ratelimit.py: a decorator's would skip its fallback."""
    from flask_limiter.util import get_qualified_name
    manager = limiter.limit_manager
    assert not manager.application_limits and not manager.default_limits
    decorated = {}
    for endpoint, view in app.view_functions.items():
        blueprint = endpoint.rpartition(".")[0]
        found = (manager.decorated_limits(get_qualified_name(view))
                 + manager.blueprint_limits(app, blueprint))
        if found:
            decorated[endpoint] = [str(limit.limit) for limit in found]
    assert not decorated, f"use forum/ratelimit.py rules instead of decorators: {decorated}"


# --- every page and form with the limit storage down -------------------------------------

DEAD_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on port 9: every call fails at once


@pytest.fixture
def outage(app_config):
    """The site with its limit storage unreachable, and limits loose enough for any one form.
    Its database connections are closed after the test: one such site per form of the
    permission matrix, each with a pool of its own, went past PostgreSQL's max_connections
    (100) with two test workers."""
    from forum import create_app
    site = create_app({**app_config, **RELAXED_LIMITS, "RATELIMIT_STORAGE_URI": DEAD_REDIS})
    yield site
    with site.app_context():
        db.session.remove()
        db.engine.dispose()


def _doer(case) -> str:
    """The first role the permissions matrix lets do it: whose request does the work."""
    return next(role for role in ROLES if case.expect[role] == OK)


# MATRIX holds every POST endpoint of app.url_map (test_every_post_endpoint_has_a_rule sees
# to that), each with a valid form and the people who may send it.
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_every_form_works_while_limit_storage_is_down(app, outage, endpoint):
    assert endpoint in {r.endpoint for r in outage.url_map.iter_rules() if "POST" in r.methods}
    case = MATRIX[endpoint]
    problem = matrix_outcome(outage, case, _doer(case))
    assert problem is None, f"{endpoint}, limit storage down: {problem}"
    with outage.app_context():
        assert ratelimit.storage_status() == "degraded"  # the storage really was down


@pytest.mark.parametrize("login", [None, "member_one", "the_moderator", "the_admin"])
def test_every_page_answers_while_limit_storage_is_down(app, outage, login):
    from tests.conftest import Browser
    site = seed_site.seed(outage)
    viewer = Browser(outage.test_client())
    if login:
        assert viewer.login(login).status_code == 302
    statuses = {}
    for endpoint, url in seed_site.urls(outage, site, "GET"):
        response = viewer.get(url)
        response.close()
        statuses[endpoint] = response.status_code
    failed = {endpoint: status for endpoint, status in statuses.items() if status >= 500}
    assert not failed, failed
    # Each area was walked by someone it answers: a member's settings, a moderator's queue.
    own = {"member_one": "profiles.settings", "the_moderator": "moderation.queue",
           "the_admin": "admin.unmaskings", None: "pages.home"}[login]
    assert statuses[own] == 200, statuses
    with outage.app_context():
        assert ratelimit.storage_status() == "degraded"

# --- against the real Redis ------------------------------------------------------------


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
    # Through the proxy to the same database number as TEST_REDIS_URL, the one read below.
    through_proxy = f"redis://127.0.0.1:{proxy.port}{parsed.path or '/0'}"
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": through_proxy,
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
def test_account_limit_holds_across_two_gunicorn_workers(tmp_path, database_url, ctx):
    """N+1 quick posts split over two workers sharing Redis: exactly N are accepted."""
    import redis as redis_lib
    redis_lib.Redis.from_url(REDIS_URL).flushdb()
    allowed = 4
    limiter.enabled = False
    user = make_user("racer", created_at=utcnow() - timedelta(hours=1))
    story = make_story(make_user("host2"), title="Shared")
    thread_id, thread_page = story.thread_id, story.thread.public_id
    limiter.enabled = True
    assert user.id
    port = _free_port()
    pids = tmp_path / "pids"
    # Each reply holds its worker a moment before the app sees it, so the other worker takes
    # the next connection: on a busy machine one sync worker could otherwise answer every
    # request of the race by itself, one after the other (seen in CI), and nothing would
    # cross between workers.
    (tmp_path / "gconf.py").write_text(
        f"import time\n"
        f"def pre_request(worker, req):\n"
        f"    if req.method == 'POST' and '/reply' in req.path:\n"
        f"        time.sleep(0.3)\n"
        f"def post_request(worker, req, environ, resp):\n"
        f"    open({str(pids)!r}, 'a').write(str(worker.pid) + '\\n')\n")
    env = {**os.environ, "DATABASE_URL": database_url, "SITE_URL": "http://127.0.0.1:5000",
           "RATELIMIT_STORAGE_URI": REDIS_URL,
           "SECRET_KEY": "gunicorn-test", "POST_INTERVAL": "0", "NEW_POST_INTERVAL": "0",
           "FIRST_DAY_REPLIES": str(allowed), "LOGIN_ADDRESS_LIMIT": "1000 per minute",
           # Not what this test is about: the racer's replies are neither gated nor reviewed.
           "FORM_MIN_SECONDS": "0", "APPROVE_FIRST_POSTS": "0"}
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
            token = CSRF_RE.search(page).group(1)
            body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
            try:
                return opener.open(base + url, body, timeout=10).status
            except urllib.error.HTTPError as error:
                return error.code
        assert post("/auth/login", {"login_name": "racer", "password": PASSWORD}) == 302
        # A log-in starts a new session without a CSRF secret: the first form read puts one
        # in. Read one before the race, or each racer's first read makes a secret of its
        # own, the cookie jar keeps the last, and the others' tokens answer 400.
        opener.open(base + f"/threads/{thread_page}/reply", timeout=10).read()
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
    assert db.session.scalar(db.select(db.func.count()).select_from(Story)) == 1
    from forum.models import Post
    count = db.session.scalar(db.select(db.func.count(Post.id)).where(Post.thread_id == thread_id))
    assert count == allowed
