"""Backups that restore: one file holding the whole database, taken while the site runs.

SQLite is copied through its online backup API (a consistent snapshot, even mid-write);
PostgreSQL through `pg_dump --format=custom`, restored with `pg_restore`. A backup holds
everything, the links between each anonymous name and its account included, so the file is
made readable by its owner alone (0600). A restore goes only into an empty database: it never
drops or overwrites anything, and a file that is not a whole backup is refused before a table
is made.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
# pg_dump and pg_restore, each run with a list of arguments, never through a shell.
import subprocess  # nosec B404
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
SUFFIX = {SQLITE: "sqlite", POSTGRESQL: "pgdump"}
PRIVATE = 0o600


class BackupError(Exception):
    """Why a backup or a restore was not made; the message says what to do."""


@dataclass
class Made:
    path: Path
    size: int


@dataclass
class Restored:
    kind: str
    revision: str | None


def kind_of(url: URL) -> str:
    name = url.get_backend_name()
    if name in (SQLITE, POSTGRESQL):
        return name
    raise BackupError(f"Backups handle SQLite and PostgreSQL, not {name}.")


def file_name(kind: str, now: datetime) -> str:
    """`afterward-20261129T201500Z-postgresql.pgdump`: when (UTC) and what kind."""
    return f"afterward-{now.strftime('%Y%m%dT%H%M%SZ')}-{kind}.{SUFFIX[kind]}"


def _private_file(path: Path) -> None:
    """Create `path`, empty, readable and writable by its owner alone; never reuse one."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))


def backup(engine: Engine, directory: Path, now: datetime) -> Made:
    """Write a consistent copy of the database into `directory`; return its path and size."""
    url = engine.url
    kind = kind_of(url)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / file_name(kind, now)
    if final.exists():
        raise BackupError(f"{final} exists already; wait a second and run the backup again.")
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    _private_file(partial)
    try:
        if kind == SQLITE:
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _check_versions(engine, "pg_dump")
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={partial}", f"--dbname={_conninfo(url)}"], url, "pg_dump")
        os.chmod(partial, PRIVATE)
        partial.replace(final)  # only a whole backup ever has the final name
    finally:
        partial.unlink(missing_ok=True)
    return Made(final, final.stat().st_size)


def restore(engine: Engine, backup_file: Path) -> Restored:
    """Bring a backup back into the (empty) database `engine` points at."""
    url = engine.url
    kind = kind_of(url)
    found = _kind_of_file(backup_file)
    if found != kind:
        raise BackupError(f"{backup_file} is a {found} backup, but DATABASE_URL is a {kind} "
                          f"database. Restore it into a {found} database.")
    _refuse_unless_empty(engine)
    engine.dispose()  # no pooled connection of ours is left open on the target
    if kind == SQLITE:
        _sqlite_restore(backup_file, _sqlite_path(url))
    else:
        _check_versions(engine, "pg_restore")
        _run([_tool("pg_restore"), "--list", str(backup_file)], url, "pg_restore",
             what=f"{backup_file} is damaged or cut short, so nothing was restored")
        # One transaction: a file that breaks off halfway leaves the database as it was, empty.
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={_conninfo(url)}", str(backup_file)],
             url, "pg_restore", what=f"pg_restore stopped partway through {backup_file}, so "
                                     f"nothing was restored (the database is still empty; a "
                                     f"damaged or cut-short file does this)")
    return Restored(kind, revision(engine))


def revision(engine: Engine) -> str | None:
    """The migration revision a database is at (None without Alembic's table)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- what a file and a database are ------------------------------------------------------

def _kind_of_file(path: Path) -> str:
    try:
        with open(path, "rb") as backup_file:
            head = backup_file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from error
    if head.startswith(SQLITE_MAGIC):
        return SQLITE
    if head.startswith(PG_MAGIC):
        return POSTGRESQL
    raise BackupError(f"{path} is not a backup made by `flask backup` (neither a SQLite "
                      f"database nor a pg_dump custom-format file); nothing was restored.")


def _refuse_unless_empty(engine: Engine) -> None:
    """A restore never replaces anything: the database must have no tables at all."""
    if kind_of(engine.url) == SQLITE and not _sqlite_path(engine.url).exists():
        return  # made by the restore, readable by its owner alone
    with engine.connect() as conn:
        inspector = inspect(conn)
        tables = inspector.get_table_names()
        if engine.url.get_backend_name() == POSTGRESQL:
            tables += [f"{schema}.{name}" for schema in inspector.get_schema_names()
                       if schema not in ("public", "information_schema")
                       and not schema.startswith("pg_")
                       for name in inspector.get_table_names(schema=schema)]
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            f"The database has {len(tables)} table{'s' if len(tables) != 1 else ''} already "
            f"({shown}), so nothing was restored: a restore goes only into an empty database "
            f"and never replaces what is there. Create a new, empty database (PostgreSQL: "
            f"createdb; SQLite: a new file), point DATABASE_URL at it, and run restore "
            f"(not `db upgrade`) there.")


# --- SQLite -----------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("Backups need a SQLite database in a file (DATABASE_URL "
                          "sqlite:///path), not one in memory.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` into `target` with SQLite's online backup API: all
    pages in one step, a consistent snapshot even while the site writes. `source` is opened
    read-only, so a copy never creates or changes it."""
    reading = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writing = sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"There is no database at {source} to back up.")
    _sqlite_copy(source, target)


def _sqlite_check(path: Path) -> None:
    """Refuse a file that is not a whole, sound SQLite database with the site's tables."""
    with open(path, "rb") as backup_file:
        header = backup_file.read(100)
    # The header says how long the file is (page size x pages): a file cut short is shorter,
    # and reads of its missing pages would quietly come back as zeros.
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big") if len(header) == 100 else 0
    if not page_size or path.stat().st_size != page_size * pages:
        raise BackupError(f"{path} is cut short (its header says {page_size * pages} bytes, "
                          f"the file has {path.stat().st_size}); nothing was restored.")
    try:
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in check.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in check.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            check.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged or cut short ({error}); nothing was "
                          f"restored.") from error
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged ({'; '.join(problems[:3])}); nothing was "
                          f"restored.")
    if "users" not in tables:
        raise BackupError(f"{path} is a SQLite database, but not one of this site (it has no "
                          f"users table); nothing was restored.")


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    _sqlite_check(backup_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        _private_file(target)
    _sqlite_copy(backup_file, target)


# --- PostgreSQL ---------------------------------------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH. Install PostgreSQL's client tools "
                          f"(Debian: apt-get install postgresql-client) in the server's major "
                          f"version.")
    return found


def _conninfo(url: URL) -> str:
    """The database as a libpq URI without the password (that goes in PGPASSWORD, so it is
    never on a command line that `ps` shows)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def _run(argv: list[str], url: URL, tool: str, what: str | None = None) -> None:
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(argv, env=env, capture_output=True, text=True)  # nosec B603
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-3:]
        raise BackupError(f"{what or tool + ' failed'}: {' / '.join(said) or 'no message'}")


def _major(version_text: str) -> int:
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    if match is None:
        raise BackupError(f"Cannot tell the version from {version_text!r}.")
    return int(match.group(1))


def _check_versions(engine: Engine, tool: str) -> None:
    """pg_dump and pg_restore of the server's own major version, or a clear refusal."""
    said = subprocess.run([_tool(tool), "--version"],  # nosec B603
                          capture_output=True, text=True, check=False).stdout
    tool_major = _major(said)
    with engine.connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    if tool_major != server_major:
        raise BackupError(
            f"{tool} is from PostgreSQL {tool_major}, the server runs PostgreSQL "
            f"{server_major}. Use the client tools of the server's major version (Debian: "
            f"postgresql-client-{server_major}, or put /usr/lib/postgresql/{server_major}/bin "
            f"first on PATH).")
