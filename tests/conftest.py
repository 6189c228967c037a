"""Fixtures: an empty database per test, an HTTP client, and a browser-like form helper.

Runs on SQLite by default; set TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL to run
against the real services. The suite runs in parallel (pytest-xdist, `-n` in pyproject.toml):
each worker gets its own database (a file, or `<TEST_DATABASE_URL's name>_gw0`, made afresh)
and its own Redis database number, so workers never see each other's rows or counters.

The schema is built once per worker; each test then gets a new app on it and leaves every
table empty behind it, which is what keeps tests from seeing each other's rows.

`ctx` runs a test body inside an app context, for factories and queries. The test client and
CLI runner (IsolatedClient, IsolatedCliRunner) run each request and command in app contexts and
sessions of their own, as production does, and expire the test's session after each one.
"""
from __future__ import annotations

import contextvars
import gc
import os
import re
import socket
import time
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from flask.globals import _cv_app
from flask.testing import FlaskClient, FlaskCliRunner
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
from forum.siteurl import Afterward  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum import background  # noqa: E402

# Every test makes an app, and an app is a web of reference cycles, so the collector runs
# often, and each full pass walked every module, class and function the run has imported.
# Those live for the whole run: freeze them out of its sight, and collect less often (each
# worker peaks at a few hundred MB more; the run takes about a sixth less CPU).
gc.freeze()
gc.set_threshold(50_000, 20, 100)

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
    "CONTACT_CODE_LIMIT": "10000 per hour", "INVITE_LIMIT": "10000 per hour",
    "INVITE_CODE_LIMIT": "10000 per hour", "BLOG_UPLOAD_LIMIT": "10000 per hour",
    "REACTION_LIMIT": "10000 per hour", "ADDRESS_REACTION_LIMIT": "10000 per hour",
    "BOOKMARK_LIMIT": "10000 per hour",
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
# Every app the tests make gets it, those a test builds itself with create_app() too (the
# rate-limit tests make one per form with the limit storage down).
Afterward.jinja_options = {**Afterward.jinja_options, "bytecode_cache": _TEMPLATES}


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record):
    """A test database need not survive a power cut: SQLite skips its fsync on each commit."""
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA synchronous = OFF")


_compiled_rules: dict = {}
_compile_rule = Rule.compile


def _shared_rule_compile(rule: Rule) -> None:
    """Werkzeug parses every URL rule of every app and writes and compiles Python to build its
    URLs; each test makes an app, so the same few hundred rules were parsed and compiled again
    for every test. What it produces depends only on the rule's text, its defaults and the
    map's converters: do it once per rule and give every app's rule the same parts (the URL
    builders are bound to each rule, as Rule.compile binds them)."""
    url_map = rule.map
    key = (rule.rule, rule.host if url_map.host_matching else rule.subdomain,
           url_map.host_matching, rule.merge_slashes, url_map.sort_parameters,
           repr(sorted((rule.defaults or {}).items())),
           tuple(sorted((name, id(cls)) for name, cls in url_map.converters.items())))
    done = _compiled_rules.get(key)
    if done is None:
        before = set(rule.arguments)
        _compile_rule(rule)
        _compiled_rules[key] = (rule._parts, rule._trace, rule._converters,
                                rule.arguments - before,
                                rule._build.__func__, rule._build_unknown.__func__)
        return
    parts, trace, converters, arguments, build, build_unknown = done
    rule._parts, rule._trace, rule._converters = list(parts), list(trace), dict(converters)
    rule.arguments.update(arguments)
    rule._build = build.__get__(rule, None)
    rule._build_unknown = build_unknown.__get__(rule, None)


Rule.compile = _shared_rule_compile


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
    with admin.connect() as conn:
        # A test's commit need not wait for the disk: nothing here outlives the server.
        conn.execute(text(f'ALTER DATABASE "{target.database}" SET synchronous_commit = off'))
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
        # The bot gates' fill time and duplicate check are off, so that tests can write the
        # same words quickly; tests/test_bot_gates.py sets the real numbers.
        "FORM_MIN_SECONDS": 0, "DUPLICATE_WINDOW": 0,
        # Still scrypt, at a cost that keeps hundreds of log-ins in the suite quick.
        "PASSWORD_HASH_METHOD": "scrypt:256:8:1",
        # Absolute links (feeds, sitemap, email) start here; the test client asks for
        # "localhost", which a loopback SITE_URL trusts along with 127.0.0.1.
        "SITE_URL": "http://localhost",
        # New-member review is off, so that a test's new accounts publish at once;
        # tests/test_new_member_review.py turns it on.
        "APPROVE_FIRST_POSTS": 0,
    }


def empty_tables(app) -> None:
    """Empty every table, so the next test starts from nothing.

    PostgreSQL: a DELETE of every table that has rows, the search index's own tables with them.
    SQLite: one query asks which tables have rows, and only
    those are emptied, children first (most tests touch a few of the thirty tables); the
    search index's triggers empty it with them."""
    with app.app_context():
        db.session.remove()
        tables = db.metadata.sorted_tables
        if db.engine.dialect.name == "postgresql":
            _truncate_postgresql(db.engine)
            db.engine.dispose()
            return
        with db.engine.begin() as conn:
            which = " UNION ALL ".join(
                f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM {table.name})"  # nosec B608
                for table in tables)
            used = set(conn.exec_driver_sql(which).scalars())
            for table in reversed(tables):
                if table.name in used:
                    conn.execute(table.delete())
        db.engine.dispose()


LEFT_OPEN = ("SELECT pid, left(query, 200) FROM pg_stat_activity WHERE datname = "
             "current_database() AND pid <> pg_backend_pid() "
             "AND state IN ('idle in transaction', 'idle in transaction (aborted)')")


def _truncate_postgresql(engine) -> None:
    """Empty every table of the schema that has rows, waiting at most 30 s for its lock.

    DELETE, not TRUNCATE: a TRUNCATE of the thirty-odd tables makes new files for each of them
    and their indexes (about 80 ms a test here, against 10 ms for the DELETEs of the few tables
    a test filled). Children go first (the models' order), the search index's own tables before
    them all. A DELETE waits only for a session holding locks on those rows (one left idle in
    a transaction after writing); a session left idle after only reading, which held a
    TRUNCATE up, no longer does, and goes unnoticed here. A session that does block would hang
    the whole run, silently. Instead, after 30 s such sessions are ended, the tables emptied,
    and this test fails with the statement that was left open."""
    models = [table.name for table in reversed(db.metadata.sorted_tables)]

    def truncate(conn) -> None:
        names = conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").scalars().all()
        names = [name for name in names if name not in models] + [
            name for name in models if name in names]
        if not names:
            return
        conn.exec_driver_sql("SET LOCAL lock_timeout = '30s'")
        which = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"  # nosec B608
            for name in names)
        used = set(conn.exec_driver_sql(which).scalars())
        for name in names:
            if name in used:
                conn.exec_driver_sql(f'DELETE FROM "{name}"')  # nosec B608

    try:
        with engine.begin() as conn:
            truncate(conn)
        return
    except OperationalError as error:
        if "lock timeout" not in str(error):
            raise
    with engine.begin() as conn:
        left_open = conn.exec_driver_sql(LEFT_OPEN).all()
        for pid, _ in left_open:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with engine.begin() as conn:
        truncate(conn)
    pytest.fail(f"a session was left idle in a transaction, which held the tables: {left_open}",
                pytrace=False)


def _after_outside_work() -> None:
    """A test holding an app context (the `ctx` fixture) reads the database afresh after a
    request or command: its session forgets what it loaded before."""
    if _cv_app.get(None) is not None:
        db.session.expire_all()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as in production, even inside `ctx`.

    Flask reuses an app context that is already pushed, and Flask-SQLAlchemy keeps one session
    per app context: a request made inside the test's context would share the test's session
    (its identity map and its uncommitted rows) and skip its own teardown. Each request here
    runs in an empty contextvars.Context, so it pushes and pops an app context and a session of
    its own; afterwards the test's session is expired, so what it reads next is the database."""

    def open(self, *args, **kwargs):
        if self.preserve_context:  # `with client:` keeps the request's contexts for the test
            return super().open(*args, **kwargs)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _after_outside_work()
        return response


class IsolatedCliRunner(FlaskCliRunner):
    """A command runs in its own app context and session, as it does from a shell."""

    def invoke(self, *args, **kwargs):
        result = contextvars.Context().run(super().invoke, *args, **kwargs)
        _after_outside_work()
        return result


@pytest.fixture
def app(app_config, schema):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    if app_config["SQLALCHEMY_DATABASE_URI"] != schema:
        with app.app_context():
            db.create_all()  # a test that chose a database of its own
    yield app
    background.wait()  # work queued after a test's last answer lands in its own database
    empty_tables(app)


@pytest.fixture
def ctx(app):
    """The test body runs inside an app context: factories and queries need no `with` block.
    Requests and commands still run in their own contexts (IsolatedClient)."""
    with app.app_context() as context:
        yield context
        db.session.rollback()


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


# --- a scratch database of its own (tests/test_migrations.py, test_migrations_data.py) ---

@pytest.fixture
def scratch_url(tmp_path):
    """URL of an empty database that exists only for this test."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not make_url(base).get_backend_name().startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    server = make_url(base)
    name = f"test_migrations_{uuid.uuid4().hex[:12]}"
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    create_database(admin, name)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_app(scratch_url):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": scratch_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "APPROVE_FIRST_POSTS": 0,  # writing made here is out at once, as in tests/conftest.py
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
