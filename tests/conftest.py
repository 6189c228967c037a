"""Fixtures: an empty database per test, an HTTP client, and a browser-like form helper.

Runs on SQLite by default; set TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL to run
against the real services. The suite runs in parallel (pytest-xdist, `-n` in pyproject.toml):
each worker gets its own database (a file, or `<TEST_DATABASE_URL's name>_gw0`, made afresh)
and its own Redis database number, so workers never see each other's rows or counters.

The schema is built once per worker; each test then gets a new app on it and leaves every
table empty behind it, which is what keeps tests from seeing each other's rows.
"""
from __future__ import annotations

import os
import re
import socket
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from werkzeug.routing import Rule

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1"... under xdist, else None


def _for_this_worker() -> None:
    """Give an xdist worker its own PostgreSQL database and Redis number (before any import
    of a test module reads them)."""
    if not WORKER:
        return
    number = int(WORKER.removeprefix("gw"))
    if os.environ.get("TEST_DATABASE_URL"):
        url = make_url(os.environ["TEST_DATABASE_URL"])
        os.environ["TEST_DATABASE_URL"] = url.set(
            database=f"{url.database}_{WORKER}").render_as_string(hide_password=False)
    if os.environ.get("TEST_REDIS_URL"):
        parts = urlsplit(os.environ["TEST_REDIS_URL"])
        base = int(parts.path.strip("/") or 0)
        os.environ["TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{base + number}"))


_for_this_worker()

from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum import background  # noqa: E402

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
    "CONTACT_LIMIT": "10000 per hour", "ADDRESS_CONTACT_LIMIT": "10000 per hour",
    "CONTACT_CODE_LIMIT": "10000 per hour",
}
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class _SharedTemplates(BytecodeCache):
    """Compiled templates kept for the whole run: every test's app would compile them again."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedTemplates()


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record):
    """A test database need not survive a power cut: SQLite skips its fsync on each commit."""
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA synchronous = OFF")


_url_builders: dict = {}
_compile_builder = Rule._compile_builder


def _shared_url_builder(rule: Rule, append_unknown: bool = True):
    """Werkzeug writes and compiles Python for every URL rule of every app; each test makes
    an app, so the same few hundred functions were compiled again for every test. The code
    depends only on the rule's parts and defaults: compile each once and let every app's rule
    bind it (Rule.compile binds the function to its own rule)."""
    key = (tuple(rule._trace), append_unknown, repr(sorted((rule.defaults or {}).items())),
           tuple(sorted((k, type(v).__name__) for k, v in rule._converters.items())))
    if key not in _url_builders:
        _url_builders[key] = _compile_builder(rule, append_unknown)
    return _url_builders[key]


Rule._compile_builder = _shared_url_builder


def create_database(admin, name: str) -> None:
    """CREATE DATABASE, again if another worker's was copying the template at that moment."""
    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            return
        except OperationalError as error:
            if "is being accessed by other users" not in str(error) or attempt == 19:
                raise
            time.sleep(0.25)


def _fresh_postgresql_database(url: str) -> None:
    """Drop and create a worker's own database: a run never inherits an older schema."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    create_database(admin, target.database)
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url and WORKER:
        _fresh_postgresql_database(url)
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def schema(database_url):
    """Build the tables (and the search index) once for this worker's database."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return database_url


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
        "PASSWORD_HASH_METHOD": "scrypt:256:8:1",
        # Absolute links (feeds, sitemap, email) start here; the test client asks for
        # "localhost", which a loopback SITE_URL trusts along with 127.0.0.1.
        "SITE_URL": "http://localhost",
    }


@pytest.fixture
def app(app_config, schema):
    app = create_app(app_config)
    app.jinja_env.bytecode_cache = _TEMPLATES
    if app_config["SQLALCHEMY_DATABASE_URI"] != schema:
        with app.app_context():
            db.create_all()  # a test that chose a database of its own
    yield app
    background.wait()  # work queued after a test's last answer lands in its own database
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


class Inbox:
    """What a real local SMTP server received: (recipients, raw message) pairs."""

    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        """The messages sent to `address`, oldest first."""
        return [content for rcpt, content in self.messages if address in rcpt]

    def settle(self) -> "Inbox":
        """Wait for the work done after the answer (forum/background.py), mail and all."""
        background.wait()
        return self


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    """A real SMTP server on a free local port, and the site sending through it."""
    received = Inbox()
    port = free_port()
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield received
    received.settle()
    server.stop()
