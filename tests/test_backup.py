"""The backup drill: write through the site, back up, write more, restore into an empty
database, and find exactly what the backup held (ids, text, and who is behind each name).

Runs on SQLite always, and on PostgreSQL when TEST_DATABASE_URL is set (there it needs
pg_dump and pg_restore of the server's major version: skipped without them, failed under CI).
Each test makes its own databases, migrated by Alembic like a real site's: files under
tmp_path, or databases created on the TEST_DATABASE_URL server and dropped afterwards.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import threading
import time
import uuid
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from forum import background, create_app
from forum.extensions import db
from forum.models import ANONYMOUS, Handle, Post, Story, User
from tests.conftest import Browser, IsolatedCliRunner, IsolatedClient, create_database
from tests.factories import make_board

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
# What the drill compares, whole rows ordered by id: the writing, its revisions, the names
# and the accounts behind them, and who follows what.
TABLES = ("users", "handles", "stories", "story_revisions", "threads", "posts", "follows")
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed (apt-get install postgresql-client)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """A function making empty databases of one kind, each dropped at the end of the test."""
    made: list[str] = []
    if request.param == "sqlite":
        def make(label: str) -> str:
            return f"sqlite:///{tmp_path / (label + '.sqlite')}"
        yield make
        return
    if not PG_URL.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL does not name a PostgreSQL server")
    _need("pg_dump")
    _need("pg_restore")
    server = make_url(PG_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")  # CREATE DATABASE needs it

    def make(label: str) -> str:
        name = f"test_backup_{label}_{uuid.uuid4().hex[:10]}"
        create_database(admin, name)
        made.append(name)
        return server.set(database=name).render_as_string(hide_password=False)
    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def site(app_config, url: str, migrate: bool = False):
    """An app on `url`, with the tests' client and runner; migrated to head if asked."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    if migrate:
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            db.engine.dispose()
    return app


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of the drill's tables, in id order."""
    with app.app_context():
        with db.engine.connect() as conn:
            tables = {}
            for name in TABLES:
                key = inspect(conn).get_pk_constraint(name)["constrained_columns"]
                rows = conn.execute(text(
                    f"SELECT * FROM {name} ORDER BY {', '.join(key)}"))  # nosec B608
                tables[name] = [tuple(row) for row in rows]
        db.engine.dispose()
    return tables


def links(app) -> dict[str, str]:
    """Which account is behind each name: handle name -> login name."""
    with app.app_context():
        rows = db.session.execute(db.select(Handle.name, User.login_name)
                                  .join(User, Handle.user_id == User.id)).all()
        db.session.remove()
        db.engine.dispose()
    return dict(rows)


def pseudonyms(app) -> dict[str, str]:
    """The anonymous names and whose they are."""
    with app.app_context():
        rows = db.session.execute(db.select(Handle.name, User.login_name)
                                  .join(User, Handle.user_id == User.id)
                                  .where(Handle.kind == ANONYMOUS)).all()
        db.session.remove()
        db.engine.dispose()
    return dict(rows)


def dispose(*apps) -> None:
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _thread_of(page: str) -> str:
    return re.search(r"/threads/([a-z0-9]+)/reply", page).group(1)


def write_the_first_things(app) -> dict:
    """Two members write through the site: a story edited once (a revision), comments under
    it, one anonymous; a board thread under a pseudonym; follows of both kinds."""
    with app.app_context():
        board = make_board("Just left").slug
        db.session.remove()
    ana, ben = Browser(app.test_client()), Browser(app.test_client())
    assert ana.register("ana", handle="Ana").status_code == 302
    assert ben.register("ben", handle="Ben").status_code == 302
    story = ana.submit("/stories/new", {"title": "Ten years inside",
                                        "body": "The first version."}).headers["Location"]
    slug = story.rsplit("/", 1)[1]
    assert ana.submit(f"/stories/{slug}/edit", {"title": "Ten years inside",
                                                "body": "The second version."}).status_code == 302
    comments = _thread_of(ana.get(story).get_data(as_text=True))
    assert ben.submit(story, {"body": "Thank you, quietly.", "anonymous": "y"},
                      action=f"/threads/{comments}/reply").status_code == 302
    assert ana.submit(story, {"body": "Thank you for reading."},
                      action=f"/threads/{comments}/reply").status_code == 302
    thread = ana.submit(f"/boards/{board}/new", {"title": "The first week",
                                                 "body": "Everything is loud.",
                                                 "anonymous": "y"}).headers["Location"]
    thread_id = thread.split("/threads/", 1)[1].split("/")[0].split("#")[0]
    assert ben.submit(thread, {"follow": "1", "next": thread},
                      action=f"/threads/{thread_id}/follow").status_code == 302
    assert ben.submit(thread, {"body": "It gets quieter."},
                      action=f"/threads/{thread_id}/reply").status_code == 302
    return {"ana": ana, "ben": ben, "thread": thread, "thread_id": thread_id, "story": story}


def write_more(app, people: dict) -> None:
    """After the backup: a new member, a new story, a new pseudonym, an edit."""
    cleo = Browser(app.test_client())
    assert cleo.register("cleo", handle="Cleo").status_code == 302
    assert people["ana"].submit("/stories/new", {"title": "Written after the backup",
                                                 "body": "Not in it."}).status_code == 302
    assert people["ben"].submit(people["thread"], {"body": "Written later, hidden.",
                                                   "anonymous": "y"},
                                action=f"/threads/{people['thread_id']}/reply").status_code == 302
    slug = people["story"].rsplit("/", 1)[1]
    assert people["ana"].submit(f"/stories/{slug}/edit", {"title": "Ten years inside",
                                                          "body": "A third version."}
                                ).status_code == 302


def test_drill_backup_write_more_restore(app_config, new_database, tmp_path):
    live = site(app_config, new_database("live"), migrate=True)
    people = write_the_first_things(live)
    background.wait()

    made = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    assert made.exit_code == 0, made.output
    backup_file = Path(made.output.split()[0])
    assert re.fullmatch(r"afterward-\d{8}T\d{6}Z-(sqlite|postgresql)\.(sqlite|pgdump)",
                        backup_file.name), backup_file.name
    assert made.output.split()[1] == str(backup_file.stat().st_size)
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600  # it holds who is behind every name
    assert not list(backup_file.parent.glob("*.partial"))
    at_backup, links_at_backup = snapshot(live), links(live)
    pseudonyms_at_backup = pseudonyms(live)
    assert len(at_backup["story_revisions"]) >= 1 and len(at_backup["follows"]) >= 2
    # Two pseudonyms, Ben's under the story and Ana's on the board, are among the links.
    assert sorted(pseudonyms(live).values()) == ["ana", "ben"]

    write_more(live, people)
    assert snapshot(live) != at_backup

    restored = site(app_config, new_database("restored"))
    done = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert done.exit_code == 0, done.output
    assert "db upgrade" in done.output
    after = snapshot(restored)
    # Every row of the backup, with the same ids and text, and nothing written after it.
    assert after == at_backup
    assert links(restored) == links_at_backup
    assert pseudonyms(restored) == pseudonyms_at_backup
    with restored.app_context():
        assert db.session.scalar(db.select(User).where(User.login_name == "cleo")) is None
        assert db.session.scalar(db.select(Story).where(
            Story.title == "Written after the backup")) is None
        assert db.session.scalar(db.select(Post).where(
            Post.body == "Written later, hidden.")) is None
        story = db.session.scalar(db.select(Story).where(Story.title == "Ten years inside"))
        assert story.body == "The second version."
        # The schema is at the backup's revision, and `db upgrade` takes it on from there.
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.session.remove()
        flask_migrate.upgrade(directory=MIGRATIONS)
        db.engine.dispose()
    assert f"revision {revision}" in done.output
    # The site works on it, and (the same SECRET_KEY) Ana's session from before still holds.
    ana = Browser(restored.test_client())
    cookie = people["ana"].client.get_cookie("session")
    ana.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert "Log out" in ana.get("/").get_data(as_text=True)
    assert "The second version." in ana.get(people["story"]).get_data(as_text=True)
    ben = Browser(restored.test_client())
    assert ben.login("ben").status_code == 302

    # A database with content is refused, and keeps what it has.
    again = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert again.exit_code != 0
    assert "only into an empty database" in again.output
    assert snapshot(restored) == at_backup
    dispose(live, restored)


def test_a_damaged_or_foreign_file_is_refused(app_config, new_database, tmp_path):
    live = site(app_config, new_database("live"), migrate=True)
    with live.app_context():
        make_board("Just left")
        db.session.remove()
    made = live.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    assert made.exit_code == 0, made.output
    backup_file = Path(made.output.split()[0])
    whole = backup_file.read_bytes()

    target = site(app_config, new_database("target"))
    # Cut in the middle, and cut just before its end (the data of its last table).
    for keep in (len(whole) // 2, len(whole) - 64):
        cut = tmp_path / f"cut-{keep}-{backup_file.name}"
        cut.write_bytes(whole[:keep])
        refused = target.test_cli_runner().invoke(args=["restore", str(cut)])
        assert refused.exit_code != 0
        assert "nothing was restored" in refused.output, refused.output
        with target.app_context():  # still empty: the next restore may use it
            assert inspect(db.engine).get_table_names() == []
            db.engine.dispose()

    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a backup")
    refused = target.test_cli_runner().invoke(args=["restore", str(foreign)])
    assert refused.exit_code != 0 and "is not a backup" in refused.output

    missing = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "none")])
    assert missing.exit_code != 0

    # The whole file still restores into that same database.
    good = target.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert good.exit_code == 0, good.output
    dispose(live, target)


def test_pg_dump_of_another_major_version_is_refused(app, tmp_path, monkeypatch):
    """pg_dump must be of the server's major version: another is refused, clearly, and a
    missing one is named; neither leaves a file behind."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 99.1 (Debian 99.1-1)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "backups"
    refused = app.test_cli_runner().invoke(args=["backup", str(out)])
    assert refused.exit_code != 0
    assert "pg_dump is from PostgreSQL 99, the server runs PostgreSQL" in refused.output
    assert list(out.iterdir()) == []

    monkeypatch.setenv("PATH", str(tools / "nothing-here"))
    missing = app.test_cli_runner().invoke(args=["backup", str(out)])
    assert missing.exit_code != 0 and "pg_dump was not found on PATH" in missing.output
    assert list(out.iterdir()) == []


def test_a_sqlite_backup_taken_while_the_site_writes_is_whole(app_config, tmp_path):
    """The online backup API copies a consistent snapshot while another connection writes."""
    url = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    live = site(app_config, url, migrate=True)
    writer = create_engine(url, connect_args={"timeout": 30})
    stop, written = threading.Event(), []

    def write():
        while not stop.is_set():
            with writer.begin() as conn:
                conn.execute(text("INSERT INTO boards (name, slug, description, position, "
                                  "audience, archived) VALUES (:n, :n, '', 0, 'public', 0)"),
                             {"n": f"board-{len(written)}"})
            written.append(1)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        made = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "out")])
    finally:
        stop.set()
        thread.join(10)
    writer.dispose()
    assert made.exit_code == 0, made.output
    copy = sqlite3.connect(made.output.split()[0])
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    boards = copy.execute("SELECT count(*) FROM boards").fetchone()[0]
    copy.close()
    assert 20 <= boards <= len(written)
    dispose(live)
