"""Every migration keeps the data already there: each one is run on a database filled with
rows of the schema before it, and every row, in every column both schemas have, must come
out of it as it went in.

One pass from an empty database to the head: before each revision, two more rows are put in
every table of the schema of that moment (so rows written by the oldest schema go through
every later migration too); after it, each table that still exists must hold every row it
held, with the same values. A migration that is meant to change values already there says so
in CHANGES below, with why. The rows are made from the schema as the database describes it
(types, lengths, keys, foreign keys), not from today's models: the models describe the head
only. On SQLite always; on PostgreSQL when TEST_DATABASE_URL names one (a scratch database on
that server, as tests/test_migrations.py makes).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, inspect, select, types

from forum.extensions import db
from forum.search.index import is_search_table
from tests.test_migrations import MIGRATIONS

# Values a migration changes on purpose, by revision: {table: {column: why}}.
CHANGES: dict[str, dict[str, dict[str, str]]] = {}

# Nullable foreign keys left empty, for the CHECK constraints: one target at a time (follows,
# reports, mod_actions, bookmarks); an unmasking decided by another administrator than the
# one who asked.
LEFT_EMPTY = {
    "follows": {"group_id"},
    "reports": {"story_id"},
    "mod_actions": {"story_id", "post_id", "handle_id", "board_id", "group_id"},
    "unmaskings": {"decided_by_id"},
    "bookmarks": {"post_id"},
}
# Columns whose CHECK constraint names the values they take.
CHOICES = {("unmaskings", "state"): ("asked", "approved", "refused")}
ROWS_PER_STEP = 2


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory(MIGRATIONS)
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


def _tables(connection) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(connection)
    return {name: table for name, table in metadata.tables.items()
            if name != "alembic_version" and not is_search_table(name)}


def _order(tables: dict[str, Table]) -> list[Table]:
    """Tables so that each comes after those its foreign keys point at; where keys make a
    cycle (a thread's handle, a handle's thread), a nullable one is left empty to break it."""
    done: list[Table] = []
    left = dict(tables)

    def waits_on(table: Table, nullable_too: bool) -> bool:
        return any(fk.column.table.name in left and fk.column.table.name != table.name
                   and (nullable_too or not fk.parent.nullable) for fk in table.foreign_keys)
    while left:
        ready = [t for t in left.values() if not waits_on(t, True)] or [
            t for t in left.values() if not waits_on(t, False)]
        assert ready, f"a cycle of NOT NULL foreign keys among {sorted(left)}"
        for table in sorted(ready, key=lambda t: t.name)[:1]:
            done.append(table)
            del left[table.name]
    return done


def _value(column, step: int, n: int):
    """A value of the column's type, unique to this step and row."""
    kind = column.type
    tag = step * 10 + n
    if isinstance(kind, types.Boolean):
        return n % 2 == 1
    if isinstance(kind, (types.Integer, types.BigInteger, types.SmallInteger)):
        return 1000 + tag
    if isinstance(kind, (types.Numeric, types.Float)):
        return Decimal(tag) if isinstance(kind, types.Numeric) and kind.asdecimal else float(tag)
    if isinstance(kind, types.DateTime):
        return datetime(2025, 1, 1, 12, 0) + timedelta(days=tag, minutes=n)
    if isinstance(kind, types.Date):
        return date(2025, 1, 1) + timedelta(days=tag)
    if isinstance(kind, (types.LargeBinary, types._Binary)):
        return f"bytes-{tag}".encode()
    if isinstance(kind, types.JSON):
        return {"n": tag}
    if isinstance(kind, types.String):
        text = f"{tag}-{column.name} words"
        return text[:kind.length] if kind.length else text
    return None  # a type of one database only (a search vector): left to its default


def _fill(connection, step: int) -> None:
    """Put ROWS_PER_STEP rows in every table of the schema as it is now."""
    tables = _tables(connection)
    made: dict[str, list[dict]] = {}
    for table in _order(tables):
        pointing = {fk.parent.name: fk for fk in table.foreign_keys}
        rows = []
        for n in range(ROWS_PER_STEP):
            row = {}
            for column in table.columns:
                fk = pointing.get(column.name)
                if column.computed is not None:
                    continue
                if fk is not None:
                    target = fk.column.table.name
                    if (column.nullable and (target == table.name or target not in made
                                             or column.name in LEFT_EMPTY.get(table.name, ()))):
                        row[column.name] = None
                        continue
                    parents = made.get(target) or []
                    assert parents, f"{table.name}.{column.name}: no {target} row to point at"
                    row[column.name] = parents[n % len(parents)][fk.column.name]
                    continue
                choices = CHOICES.get((table.name, column.name))
                value = choices[n % len(choices)] if choices else _value(column, step, n)
                if value is None and not column.nullable and column.server_default is None:
                    raise AssertionError(f"no value for {table.name}.{column.name} "
                                         f"({column.type!r})")
                if value is not None:
                    row[column.name] = value
            rows.append(row)
        connection.execute(table.insert(), rows)
        made[table.name] = rows


def _snapshot(connection) -> dict[str, tuple[list[str], list[tuple]]]:
    found = {}
    for name, table in _tables(connection).items():
        columns = [c for c in table.columns if _value(c, 0, 0) is not None
                   or isinstance(c.type, (types.String, types.Integer))]
        keys = list(table.primary_key.columns) or columns
        rows = connection.execute(select(*columns).order_by(*keys)).all()
        found[name] = ([c.name for c in columns], [tuple(r) for r in rows])
    return found


def _compare(before: dict, after: dict, revision: str) -> list[str]:
    problems = []
    changes = CHANGES.get(revision, {})
    for name, (columns, rows) in before.items():
        if name not in after:
            continue  # a table the migration drops on purpose: nothing to keep
        after_columns, after_rows = after[name]
        shared = [c for c in columns if c in after_columns and c not in changes.get(name, {})]
        if len(after_rows) != len(rows):
            problems.append(f"{revision}: {name} had {len(rows)} rows, has {len(after_rows)}")
            continue
        pick = lambda cols, row: tuple(row[cols.index(c)] for c in shared)  # noqa: E731
        for old, new in zip(rows, after_rows):
            if pick(columns, old) != pick(after_columns, new):
                problems.append(f"{revision}: {name} row changed: {dict(zip(shared, pick(columns, old)))}"
                                f" -> {dict(zip(shared, pick(after_columns, new)))}")
                break
    return problems


def test_every_migration_keeps_the_rows_of_the_schema_before_it(scratch_app):
    steps = revisions()
    assert len(steps) >= 24
    problems: list[str] = []
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=steps[0])
        for step, revision in enumerate(steps[1:], start=1):
            with db.engine.begin() as connection:
                _fill(connection, step)
            with db.engine.connect() as connection:
                before = _snapshot(connection)
            db.engine.dispose()  # the migration's own connection sees a settled database
            flask_migrate.upgrade(directory=MIGRATIONS, revision=revision)
            with db.engine.connect() as connection:
                after = _snapshot(connection)
            problems += _compare(before, after, revision)
            filled = {name: len(after[name][1]) for name in before if name in after}
            assert all(filled.values()), f"{revision}: tables left empty {filled}"
    assert problems == []


def test_the_filler_fills_every_table_of_the_head(scratch_app):
    """The rows the pass above puts in reach every table, so no table is left untested."""
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.begin() as connection:
            _fill(connection, 99)
        with db.engine.connect() as connection:
            counts = {name: len(rows) for name, (_, rows) in _snapshot(connection).items()}
    assert counts and all(n == ROWS_PER_STEP for n in counts.values()), counts
    assert set(counts) == {t for t in inspect_tables(scratch_app)}


def inspect_tables(app) -> set[str]:
    with app.app_context():
        return {t for t in inspect(db.engine).get_table_names()
                if t != "alembic_version" and not is_search_table(t)}

