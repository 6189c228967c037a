"""Database connections: each worker's pool from configuration, and PgBouncer in front of
PostgreSQL in transaction pooling mode (deploy/pgbouncer.ini is the documented example).

In transaction mode a client's next transaction may run on another server connection, so the
app must keep nothing on a server connection from one transaction to the next. The one thing
it did keep was psycopg's prepared statements (forum/transactions.py): PgBouncer before 1.21
(Debian bookworm has 1.18) cannot carry them, and DATABASE_PGBOUNCER=1 turns them off.

The PgBouncer tests need TEST_DATABASE_URL and Debian's pgbouncer (skipped without it, failed
under CI=true).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from forum import config, create_app, ratelimit
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post
from tests.conftest import CSRF_RE, _fresh_postgresql_database, free_port
from tests.factories import PASSWORD, make_board, make_reply, make_thread, make_user

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
needs_postgresql = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"),
                                      reason="TEST_DATABASE_URL (PostgreSQL) is not set")
SOME_POSTGRESQL = "postgresql+psycopg://someone@db.internal:5432/afterward"


def _pool_env(monkeypatch, url, **settings):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SITE_URL", "https://forum.example.org")
    for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_POOL_TIMEOUT",
                 "DATABASE_PGBOUNCER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


def test_pool_settings_reach_the_engine(monkeypatch, tmp_path):
    _pool_env(monkeypatch, SOME_POSTGRESQL, DATABASE_POOL_SIZE="3", DATABASE_MAX_OVERFLOW="4",
              DATABASE_POOL_TIMEOUT="7")
    app = create_app()
    with app.app_context():
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 4, 7)
        assert not pool._pre_ping  # forum/pool.py pings only an idle connection
        db.engine.dispose()
    # SQLAlchemy's own defaults when nothing is set; and SQLite is left to SQLAlchemy.
    _pool_env(monkeypatch, SOME_POSTGRESQL)
    assert config.load(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_size": 5, "max_overflow": 10, "pool_timeout": 30}
    _pool_env(monkeypatch, f"sqlite:///{tmp_path / 'x.sqlite'}", DATABASE_POOL_SIZE="3")
    assert config.load(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"] == {}


@needs_postgresql
@pytest.mark.parametrize("bouncer", ["0", "1"])
def test_the_pgbouncer_setting_turns_off_prepared_statements(monkeypatch, database_url, bouncer):
    _pool_env(monkeypatch, database_url, DATABASE_PGBOUNCER=bouncer)
    app = create_app()
    with app.app_context():
        with db.engine.connect() as conn:
            threshold = conn.connection.dbapi_connection.prepare_threshold
        db.engine.dispose()
    assert threshold == (None if bouncer == "1" else 5)


def _require_pgbouncer() -> None:
    if PGBOUNCER is None:
        message = "pgbouncer is not installed: apt-get install -y pgbouncer"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


class Bouncer:
    """PgBouncer from deploy/pgbouncer.ini, in transaction mode, on a port of its own, in front
    of the PostgreSQL of TEST_DATABASE_URL. It will not run as root: it runs as postgres."""

    def __init__(self, database: str):
        target = make_url(DATABASE_URL)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.dir.chmod(0o755)
        shipped = (ROOT / "deploy" / "pgbouncer.ini").read_text()
        swaps = [
            ("afterward = host=DBHOST port=5432 dbname=afterward",
             f"{database} = host={target.host} port={target.port or 5432} dbname={database}\n"
             # One server connection only: what one client prepared, the other meets.
             f"{database}_one = host={target.host} port={target.port or 5432} "
             f"dbname={database} pool_size=1"),
            ("listen_port = 6432", f"listen_port = {self.port}"),
            ("auth_type = scram-sha-256", "auth_type = trust"),
            ("auth_file = /etc/pgbouncer/userlist.txt", f"auth_file = {self.dir / 'users.txt'}"),
            ("logfile = /var/log/postgresql/pgbouncer.log", f"logfile = {self.dir / 'log'}"),
            ("pidfile = /var/run/postgresql/pgbouncer.pid", f"pidfile = {self.dir / 'pid'}"),
            ("unix_socket_dir = /var/run/postgresql", "unix_socket_dir ="),
            ("default_pool_size = 20", "default_pool_size = 2"),
        ]
        for old, new in swaps:
            assert shipped.count(old) == 1, f"deploy/pgbouncer.ini no longer has {old!r} once"
            shipped = shipped.replace(old, new)
        (self.dir / "pgbouncer.ini").write_text(shipped)
        (self.dir / "users.txt").write_text(f'"{target.username}" ""\n')
        shutil.chown(self.dir, "postgres")
        self.process = subprocess.Popen([PGBOUNCER, "-u", "postgres", str(self.dir / "pgbouncer.ini")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.url = make_url(DATABASE_URL).set(host="127.0.0.1", port=self.port, database=database)
        deadline = time.monotonic() + 10
        while True:
            try:
                engine = create_engine(self.url, connect_args={"prepare_threshold": None})
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                engine.dispose()
                return
            except DBAPIError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    log = self.log()
                    self.stop()
                    raise AssertionError(f"PgBouncer did not start: {log}")
                time.sleep(0.1)

    def log(self) -> str:
        path = self.dir / "log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def bouncer():
    _require_pgbouncer()
    url = make_url(DATABASE_URL)
    database = f"{url.database}_bouncer"
    _fresh_postgresql_database(url.set(database=database).render_as_string(hide_password=False))
    helper = create_app({"TESTING": True, "SITE_URL": "http://localhost",
                         "SQLALCHEMY_DATABASE_URI": url.set(database=database),
                         "RATELIMIT_STORAGE_URI": "memory://",
                         "PASSWORD_HASH_METHOD": "scrypt:256:8:1", "APPROVE_FIRST_POSTS": 0})
    with helper.app_context():
        db.create_all()
        db.engine.dispose()
    running = Bouncer(database)
    running.helper = helper
    running.database = database
    yield running
    running.stop()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


@needs_postgresql
def test_without_the_setting_prepared_statements_break_under_transaction_pooling(bouncer):
    """The reason for DATABASE_PGBOUNCER: two clients on one server connection, each preparing
    its statements as psycopg does after five uses, collide; with the setting they do not."""
    one = bouncer.url.set(database=f"{bouncer.database}_one")

    def run(connect_args) -> list[str]:
        engines = [create_engine(one, connect_args=connect_args) for _ in range(2)]
        errors = []
        try:
            conns = [engine.connect() for engine in engines]
            for i in range(8):
                for conn in conns:
                    try:
                        conn.execute(text("SELECT :n + 1"), {"n": i}).scalar()
                        conn.commit()
                    except DBAPIError as error:
                        errors.append(str(error.orig))
                        conn.rollback()
            for conn in conns:
                conn.close()
        finally:
            for engine in engines:
                engine.dispose()
        return errors
    broken = run({})
    assert broken and any("prepared statement" in e for e in broken), broken
    assert run({"prepare_threshold": None}) == []


@needs_postgresql
def test_the_site_works_through_pgbouncer_in_transaction_mode(bouncer, tmp_path):
    """Two gunicorn workers on PgBouncer's two server connections: pages, log-ins, posting
    and search, from four clients at once, without one error."""
    def build():
        with ratelimit.lifted():
            writers = [make_user(f"bouncer{i}", f"Bouncer {i}",
                                 created_at=utcnow() - timedelta(days=40)) for i in range(4)]
            board = make_board("Pooled", slug="pooled")
            thread = make_thread(writers[0], board, title="Through the pool",
                                 body="Connections shared between transactions")
            for i in range(3):
                make_reply(writers[1], thread, body=f"Pooled reply {i}")
            return [w.login_name for w in writers], thread.public_id, thread.id
    with bouncer.helper.app_context():
        logins, thread, thread_id = build()
        db.session.remove()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": bouncer.url.render_as_string(hide_password=False),
           "DATABASE_PGBOUNCER": "1", "DATABASE_POOL_SIZE": "2", "DATABASE_MAX_OVERFLOW": "2",
           "SITE_URL": "http://localhost", "SECRET_KEY": "pgbouncer-test", "PORT": str(port),
           "WEB_CONCURRENCY": "2", "RATELIMIT_STORAGE_URI": "memory://",
           "PASSWORD_HASH_METHOD": "scrypt:256:8:1", "POST_INTERVAL": "0",
           "NEW_POST_INTERVAL": "0", "FORM_MIN_SECONDS": "0", "DUPLICATE_WINDOW": "0",
           "APPROVE_FIRST_POSTS": "0", "GUNICORN_TIMEOUT": "6"}
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                   "wsgi:app"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.1)
        problems: list[str] = []

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        def visit(i: int) -> None:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                                 NoRedirect)

            def call(path, data=None, expect=(200,)):
                body = urllib.parse.urlencode(data).encode() if data is not None else None
                try:
                    answer = opener.open(base + path, body, timeout=20)
                    status, page = answer.status, answer.read().decode()
                except urllib.error.HTTPError as error:
                    status, page = error.code, error.read().decode()
                if status not in expect:
                    problems.append(f"{path}: {status}")
                return page

            def submit(path, data):
                token = CSRF_RE.search(call(path))
                if token is None:
                    problems.append(f"no form on {path}")
                    return
                call(path, {**data, "csrf_token": token.group(1)}, expect=(302,))

            for round_ in range(2):
                call("/")
                call("/boards/pooled")
                call(f"/threads/{thread}")
                call("/search?q=pooled+reply")
                call("/healthz")
            submit("/auth/login", {"login_name": logins[i], "password": PASSWORD})
            for round_ in range(3):
                call(f"/threads/{thread}")
                submit(f"/threads/{thread}/reply", {"body": f"From client {i}, round {round_}"})
                call("/search?q=client")
            submit("/boards/pooled/new", {"title": f"New from {i}", "body": "A thread"})

        visitors = [threading.Thread(target=visit, args=(i,)) for i in range(4)]
        for visitor in visitors:
            visitor.start()
        for visitor in visitors:
            visitor.join()
        # PostgreSQL saw at most the pool's two server connections, shared by the workers.
        pools = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(bouncer.port), "-U", "postgres", "-A",
             "-F", ",", "-c", "SHOW POOLS", "pgbouncer"], capture_output=True, text=True)
        assert pools.returncode == 0, pools.stderr
        header, *rows = pools.stdout.splitlines()
        pool = next(dict(zip(header.split(","), row.split(","))) for row in rows
                    if row.startswith(f"{bouncer.database},"))
        clients = int(pool["cl_active"]) + int(pool["cl_waiting"])
        servers = sum(int(v) for k, v in pool.items() if k in (
            "sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert problems == [], problems
    assert "Traceback" not in output and "prepared statement" not in output, output[-3000:]
    assert 1 <= servers <= 2 and clients >= 2, pools.stdout
    with bouncer.helper.app_context():
        stored = db.session.scalars(select(Post.body).where(Post.thread_id == thread_id)).all()
        db.session.remove()
    assert sum(1 for b in stored if re.match(r"From client \d, round \d$", b)) == 12
