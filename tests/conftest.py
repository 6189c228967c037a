"""Fixtures: a fresh database per test, an HTTP client, and a browser-like form helper.

Runs on SQLite by default; set TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL to run
against the real services.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402

RELAXED_LIMITS = {
    "POST_INTERVAL": 0, "NEW_POST_INTERVAL": 0, "TOPICS_PER_DAY": 10_000,
    "FIRST_DAY_TOPICS": 10_000, "FIRST_DAY_REPLIES": 10_000, "ADDRESS_REPLIES_PER_HOUR": 10_000,
    "ADDRESS_TOPICS_PER_DAY": 10_000,
    "EDIT_LIMIT": "10000 per hour", "REPORT_LIMIT": "10000 per hour", "DRAFT_LIMIT": "10000 per hour",
    "ADDRESS_EDIT_LIMIT": "10000 per hour", "ADDRESS_REPORT_LIMIT": "10000 per hour",
    "ADDRESS_DRAFT_LIMIT": "10000 per hour",
    "PREVIEW_LIMIT": "10000 per hour", "ADDRESS_PREVIEW_LIMIT": "10000 per hour",
    "REGISTER_LIMIT": "10000 per day", "LOGIN_ADDRESS_LIMIT": "10000 per hour",
    "LOGIN_NAME_LIMIT": "10000 per hour", "LOGIN_PAIR_LIMIT": "10000 per hour",
    "LOGIN_PAIR_LIMIT_UNDER_ATTACK": "10000 per hour",
    "PASSWORD_CHECK_LIMIT": "10000 per hour", "EXPORT_LIMIT": "10000 per hour",
}
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )


@pytest.fixture
def app_config(database_url):
    """Settings for the test app; a test may change them before asking for `app`."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        # Limits stay on, but loose enough that a test can write quickly;
        # tests/test_ratelimit.py sets the real numbers.
        **RELAXED_LIMITS,
        # Still scrypt, at a cost that keeps hundreds of log-ins in the suite quick.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Absolute links (feeds, sitemap, email) start here; the test client asks for
        # "localhost", which a loopback SITE_URL trusts along with 127.0.0.1.
        "SITE_URL": "http://localhost",
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        # Empty every table, children first, so the next test starts from nothing.
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Browser:
    """Drives the site the way a person does in a browser: read the form, then submit it."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def csrf_token(self, url):
        page = self.client.get(url).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, form_url, data, action=None, follow_redirects=False):
        """GET `form_url`, take its CSRF token, POST `data` to `action` (default: same URL)."""
        token = self.csrf_token(form_url)
        return self.client.post(action or form_url, data={**data, "csrf_token": token},
                                follow_redirects=follow_redirects)

    def register(self, login_name, handle=None, password="correct horse battery"):
        return self.submit("/auth/register", {
            "login_name": login_name, "handle": handle or login_name.capitalize(),
            "password": password, "confirm": password, "email": "",
        })

    def login(self, login_name, password="correct horse battery"):
        return self.submit("/auth/login", {"login_name": login_name, "password": password})

    def logout(self):
        return self.submit("/", {}, action="/auth/logout")


@pytest.fixture
def person(client):
    return Browser(client)


@pytest.fixture
def make_browser(app):
    """Another independent browser (its own cookies), for a second person in one test."""
    return lambda: Browser(app.test_client())


@pytest.fixture
def count_queries(app):
    """Context manager counting the SQL statements run inside it."""
    @contextmanager
    def counter():
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return counter
