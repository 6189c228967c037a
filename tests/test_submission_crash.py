"""A worker dies between the commit and the answer; the writer sends the form again, and
finds the first result, stored once (issue 21: forum/submission_keys.py).

A real gunicorn serves the test's database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set). Its worker is set to die right after the first commit of a POST
(tests/gunicorn_crash_after_commit.py: an SQLAlchemy after_commit hook, no test code in
forum/). The client's request gets no answer; it sends the very same form again to the worker
gunicorn started in its place, and is sent to what the first arrival made.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess  # nosec B404: starts gunicorn, a fixed command line
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, Report, Story, SubmissionKey
from forum.submission_keys import ALREADY
from tests.conftest import CSRF_RE, free_port
from tests.factories import PASSWORD, make_board, make_thread, make_user

ROOT = Path(__file__).resolve().parent.parent
KEY_RE = re.compile(r'name="once" value="([A-Za-z0-9_-]{22})"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Site:
    """The gunicorn server, and one browser's cookies."""

    def __init__(self, base: str, marker: Path):
        self.base, self.marker = base, marker
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def get(self, url: str) -> str:
        return self.opener.open(self.base + url, timeout=10).read().decode()

    def form(self, url: str) -> dict:
        page = self.get(url)
        return {"csrf_token": CSRF_RE.search(page).group(1), "once": KEY_RE.search(page).group(1)}

    def post(self, url: str, data: dict) -> tuple[int, str]:
        """(status, Location) of a POST."""
        body = urllib.parse.urlencode(data).encode()
        try:
            response = self.opener.open(self.base + url, body, timeout=10)
            return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory, database_url, schema):
    """gunicorn on the test's database, its worker ready to die after a commit."""
    port, marker = free_port(), tmp_path_factory.mktemp("crash") / "crash"
    env = {**os.environ, "DATABASE_URL": database_url, "SITE_URL": f"http://127.0.0.1:{port}",
           "SECRET_KEY": "crash-test", "RATELIMIT_STORAGE_URI": "memory://",
           "LOGIN_ADDRESS_LIMIT": "1000 per minute", "PASSWORD_HASH_METHOD": "scrypt:256:8:1",
           "CRASH_MARKER": str(marker),
           # Not what this test is about: the writer is neither gated nor reviewed. The
           # duplicate check stays on (DUPLICATE_WINDOW's default): without the key, the
           # resubmit would be refused as a repeat instead of finding its post.
           "FORM_MIN_SECONDS": "0", "APPROVE_FIRST_POSTS": "0"}
    process = subprocess.Popen(  # nosec B603: a fixed command line
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}",
         "-c", str(ROOT / "tests" / "gunicorn_crash_after_commit.py"), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base, marker
    finally:
        process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        process.wait(timeout=30)


@pytest.fixture
def site(server, ctx):
    """A browser of its own on the server, signed in as the writer."""
    make_user("survivor")
    site = Site(*server)
    assert site.post("/auth/login", {**site.form("/auth/login"), "login_name": "survivor",
                                     "password": PASSWORD})[0] == 302
    return site


def _wait_until_up(base: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()  # nosec B310: loopback
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def _post_and_die(site: Site, url: str, data: dict) -> None:
    """Send the form while the worker is set to die after its commit: no answer comes."""
    site.marker.touch()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError,
                        urllib.error.URLError)):
        site.post(url, data)
    assert not site.marker.exists(), "the worker should have died after its commit"


def _resubmit(site: Site, url: str, data: dict) -> tuple[int, str]:
    """The same form again, as a browser's retry does, once a new worker answers."""
    _wait_until_up(site.base)
    return site.post(url, data)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def writer(ctx):
    """A board thread to write in."""
    return make_thread(make_user(), make_board())


def test_reply_resubmitted_after_a_crash_is_stored_once(site, writer):
    url = f"/threads/{writer.public_id}/reply"
    data = {**site.form(url), "body": "Written once, sent twice."}
    _post_and_die(site, url, data)
    assert _count(Post) == 2  # committed before the worker died
    status, location = _resubmit(site, url, data)
    stored = db.session.scalar(select(Post.public_id).where(Post.body == data["body"]))
    assert status == 302 and location.endswith(f"#p{stored}")
    assert ALREADY in site.get(location)
    assert _count(Post) == 2


def test_story_resubmitted_after_a_crash_is_stored_once(site, writer):
    data = {**site.form("/stories/new"), "title": "What I carried out",
            "body": "A testimony that must not be stored twice."}
    _post_and_die(site, "/stories/new", data)
    status, location = _resubmit(site, "/stories/new", data)
    slug = db.session.scalar(select(Story.slug))
    assert status == 302 and location.endswith(f"/stories/{slug}")
    assert ALREADY in site.get(location)
    assert _count(Story) == 1


def test_report_resubmitted_after_a_crash_is_stored_once(site, writer):
    """A form kept in the table: its key committed with the report, its answer's address
    never written (the worker died first), so the writer is sent back to the form's page."""
    post = db.session.scalar(select(Post.public_id))
    url = f"/posts/{post}/report"
    data = {**site.form(url), "reason": "spam", "details": "Selling something."}
    _post_and_die(site, url, data)
    assert _count(SubmissionKey) == 1 and _count(Report) == 1
    status, location = _resubmit(site, url, data)
    assert status == 302 and location.endswith(url)
    assert ALREADY in site.get(location)
    assert _count(Report) == 1
