"""The search index: what is indexed, and the tables, columns and triggers that keep it.

SQLite (the embedded default) keeps contentless FTS5 tables, one per kind
(`search_fts_stories`, `_threads`, `_posts`), filled by triggers on those tables. PostgreSQL
keeps a stored generated `tsvector` column, `search_vector`, on each of them, with a GIN
index; the database computes it on every write. Both also keep a small "recent" table per
kind (`search_fts_<table>_recent`: the RECENT_INDEXED newest rows, with its own index, kept by
triggers). Either way nothing in the posting path knows search exists.

`install(bind)` creates those objects (idempotently). `db.create_all()` calls it through the
`after_create` listener below, so a schema built from the models can be searched; migrations
0002 and 0004 carry the DDL of their own time instead of importing this module. The objects are
not in the models: `include_object` keeps Alembic's autogenerate away from them. A later
migration that rebuilds stories, threads or posts (Alembic's batch mode on SQLite copies the
table and drops its triggers) must recreate them, with its own copy of the DDL. The benchmark
import calls `pause()` before a bulk load and `rebuild()` after it.

Why a stored column and not only an expression index on PostgreSQL: ranking needs each
match's tsvector, and recomputing `to_tsvector` of a 1,500-word story for every match made a
search ten times slower (measured: bench/RESULTS.md).

Visibility is not indexed (see query.py): hiding or deleting a row changes nothing here.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from ..extensions import db

# Kinds of result. A search key is (kind << KIND_SHIFT) + id: one integer identifies and
# orders every result, whatever its table, so three lists rank as one.
STORY, THREAD, POST = 0, 1, 2
KIND_SHIFT = 40
ID_MASK = (1 << KIND_SHIFT) - 1
# How many of each kind's newest rows the recent tables keep (about 10 MB at most; built into
# the triggers, so a change needs rebuild(), i.e. a migration).
RECENT_INDEXED = {STORY: 2_000, THREAD: 10_000, POST: 20_000}

# --- the index: SQLite ------------------------------------------------------------------

# SQL below is built from module constants only (names, kinds, weights), never from user
# text: search words are bound parameters. Hence the B608 exemptions for bandit.
FTS_TABLE = "search_fts"  # every search table's name starts with this
# Per kind of result, two FTS5 tables, their rowid the source row's id:
#   search_fts_<table>: contentless, every row. One per kind, not one for all: bm25() counts
#     the word's rows in its whole table once per cursor, and a search opens one per kind.
#   search_fts_<table>_recent: the newest rows only, with a copy of their text, so that a
#     row leaves it by id (a contentless table must be told a row's exact old text).
# Columns, and bm25 weights: a match in a title counts more than one in a summary, more than
# one in a body.
SOURCES = {
    STORY: ("stories", (("title", 10.0), ("summary", 4.0), ("body", 1.0))),
    THREAD: ("threads", (("title", 10.0),)),
    POST: ("posts", (("body", 1.0),)),
}
FTS_TABLES = {kind: f"{FTS_TABLE}_{table}" for kind, (table, _) in SOURCES.items()}
RECENT_TABLES = {kind: f"{fts}_recent" for kind, fts in FTS_TABLES.items()}  # both engines
_TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"
# Objects of the single-table layout of migration 0002, removed by migration 0004.
_LEGACY_TRIGGERS = [f"search_{table}_{suffix}" for table in ("stories", "threads", "posts")
                    for suffix in ("ai", "ad", "au")]


def _columns(kind: int) -> list[str]:
    return [name for name, _ in SOURCES[kind][1]]


def weights(kind: int) -> str:
    """A kind's bm25 weights, in the order of its columns."""
    return ", ".join(str(weight) for _, weight in SOURCES[kind][1])


def _sqlite_ddl(kind: int) -> list[str]:
    cols = ", ".join(_columns(kind))
    return [
        f"CREATE VIRTUAL TABLE {FTS_TABLES[kind]} USING fts5({cols}, content='', {_TOKENIZE})",
        f"CREATE VIRTUAL TABLE {RECENT_TABLES[kind]} USING fts5({cols}, {_TOKENIZE})",
    ]


def _sqlite_triggers(kind: int) -> list[str]:
    """AFTER INSERT/UPDATE/DELETE triggers that mirror a kind's rows into its FTS tables."""
    table, fts, recent = SOURCES[kind][0], FTS_TABLES[kind], RECENT_TABLES[kind]
    cols = _columns(kind)
    names = ", ".join(cols)
    insert = (f"INSERT INTO {fts}(rowid, {names}) "  # nosec B608
              f"VALUES (new.id, {', '.join(f'new.{c}' for c in cols)});")
    # A contentless table forgets a row only when told its exact old values.
    delete = (f"INSERT INTO {fts}({fts}, rowid, {names}) "  # nosec B608
              f"VALUES ('delete', old.id, {', '.join(f'old.{c}' for c in cols)});")
    # The recent table keeps its own copy, so it forgets by id (a no-op for an older row).
    recent_insert = (f"INSERT INTO {recent}(rowid, {names}) "  # nosec B608
                     f"VALUES (new.id, {', '.join(f'new.{c}' for c in cols)}); "
                     f"DELETE FROM {recent} WHERE rowid <= new.id - {RECENT_INDEXED[kind]};")
    recent_update = (f"UPDATE {recent} SET "  # nosec B608
                     f"{', '.join(f'{c} = new.{c}' for c in cols)} WHERE rowid = new.id;")
    recent_delete = f"DELETE FROM {recent} WHERE rowid = old.id;"  # nosec B608
    return [
        (f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} "
         f"BEGIN {insert} {recent_insert} END"),
        (f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} "
         f"BEGIN {delete} {recent_delete} END"),
        # Only when indexed text changes: a thread's counters change on every reply.
        (f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} "
         f"BEGIN {delete} {insert} {recent_update} END"),
    ]


def _sqlite_fill(kind: int) -> list[str]:
    """Statements that index the existing rows (the triggers only see later changes)."""
    table, names = SOURCES[kind][0], ", ".join(_columns(kind))
    return [
        (f"INSERT INTO {FTS_TABLES[kind]}(rowid, {names}) "  # nosec B608
         f"SELECT id, {names} FROM {table}"),
        (f"INSERT INTO {RECENT_TABLES[kind]}(rowid, {names}) "  # nosec B608
         f"SELECT id, {names} FROM {table} "
         f"WHERE id > (SELECT max(id) FROM {table}) - {RECENT_INDEXED[kind]}"),
    ]


# --- the index: PostgreSQL --------------------------------------------------------------

PG_COLUMN = "search_vector"
# The text search configuration of each language a story, a thread or a post is written in
# (forum.i18n.LANGUAGES): a German story's "Gruppen" is stemmed as German ("grupp"), so a
# search finds it by any of its forms. A post carries its thread's language in its own row
# (models.Post.language, migration 0031), since a generated column cannot read another table.
PG_CONFIGS = {"en": "english", "de": "german", "es": "spanish"}
# Each row's own configuration, from its `language` column: a CASE of constants, so the
# generated column stays immutable, as PostgreSQL requires. A language that is none of the
# above is stemmed in English.
PG_ROW_CONFIG = ("CASE language " + " ".join(
    f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in PG_CONFIGS.items()
    if config != "english") + " ELSE 'english'::regconfig END")
# Weights A (title), B (summary), D (body): ts_rank counts a title match ten times a body's.
PG_VECTORS = {
    "stories": (
        f"setweight(to_tsvector({PG_ROW_CONFIG}, title), 'A') || "
        f"setweight(to_tsvector({PG_ROW_CONFIG}, summary), 'B') || "
        f"to_tsvector({PG_ROW_CONFIG}, body)"
    ),
    "threads": f"setweight(to_tsvector({PG_ROW_CONFIG}, title), 'A')",
    "posts": f"to_tsvector({PG_ROW_CONFIG}, body)",
}
# What a row's vector is made of: the recent tables' triggers copy it again when these change.
PG_WATCHED = {"stories": ("title", "summary", "body", "language"),
              "threads": ("title", "language"), "posts": ("body", "language")}
SEARCH_INDEXES = {f"ix_{table}_search" for table in PG_VECTORS}


def _pg_columns() -> list[str]:
    # Adding a stored column rewrites the table once (at migration time), like any such ALTER.
    # A longer list of common words in the statistics lets the planner tell a rare word (read
    # the GIN index) from a common one (walk the newest rows until WINDOW match) when it looks
    # beyond the recent tables: with the default, a word in no post at all was taken for a
    # common one, and a search read every row.
    return [
        statement
        for table, expr in PG_VECTORS.items()
        for statement in (
            (f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
             f"GENERATED ALWAYS AS ({expr}) STORED"),
            f"ALTER TABLE {table} ALTER COLUMN {PG_COLUMN} SET STATISTICS 1000",
        )
    ]


def _pg_indexes() -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} USING gin ({PG_COLUMN})"
        for table in PG_VECTORS
    ] + [
        f"CREATE INDEX IF NOT EXISTS ix_{recent} ON {recent} USING gin ({PG_COLUMN})"
        for recent in RECENT_TABLES.values()
    ]


# The recent tables: (id, search_vector) of each kind's newest rows, with their own GIN
# index, kept by a trigger (see the module docstring).
def _pg_recent_table(kind: int) -> str:
    return (f"CREATE TABLE {RECENT_TABLES[kind]} (id integer PRIMARY KEY, "
            f"{PG_COLUMN} tsvector NOT NULL)")


def _pg_recent_fill(kind: int) -> str:
    table, recent = SOURCES[kind][0], RECENT_TABLES[kind]
    return (f"INSERT INTO {recent} (id, {PG_COLUMN}) "  # nosec B608
            f"SELECT id, {PG_COLUMN} FROM {table} "
            f"WHERE id > (SELECT max(id) FROM {table}) - {RECENT_INDEXED[kind]}")


def _pg_recent_trigger(kind: int) -> list[str]:
    table, recent = SOURCES[kind][0], RECENT_TABLES[kind]
    watched = ", ".join(PG_WATCHED[table])
    return [
        f"""CREATE OR REPLACE FUNCTION {recent}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {recent} WHERE id = OLD.id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE {recent} SET {PG_COLUMN} = NEW.{PG_COLUMN} WHERE id = NEW.id;
    ELSE
        INSERT INTO {recent} (id, {PG_COLUMN}) VALUES (NEW.id, NEW.{PG_COLUMN});
        DELETE FROM {recent} WHERE id <= NEW.id - {RECENT_INDEXED[kind]};
    END IF;
    RETURN NULL;
END $$""",  # nosec B608
        f"DROP TRIGGER IF EXISTS {recent}_sync ON {table}",
        (f"CREATE TRIGGER {recent}_sync AFTER INSERT OR DELETE OR UPDATE OF {watched} "
         f"ON {table} FOR EACH ROW EXECUTE FUNCTION {recent}_sync()"),
    ]


def _install_pg(conn: Connection) -> None:
    for statement in _pg_columns():
        conn.exec_driver_sql(statement)
    for kind, recent in RECENT_TABLES.items():
        if conn.exec_driver_sql(f"SELECT to_regclass('{recent}')").scalar() is None:
            conn.exec_driver_sql(_pg_recent_table(kind))
            conn.exec_driver_sql(_pg_recent_fill(kind))
        for statement in _pg_recent_trigger(kind):
            conn.exec_driver_sql(statement)
    for statement in _pg_indexes():
        conn.exec_driver_sql(statement)


def _drop_pg_recent(conn: Connection) -> None:
    for kind, recent in RECENT_TABLES.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {recent}_sync ON {SOURCES[kind][0]}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {recent}_sync()")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {recent}")


# --- installing and removing ------------------------------------------------------------

def _run(bind: Connection | Engine, work) -> None:
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            work(conn)
    else:
        work(bind)


def _drop_sqlite_triggers(conn: Connection) -> None:
    for name in [f"{fts}_{suffix}" for fts in FTS_TABLES.values()
                 for suffix in ("ai", "ad", "au")] + _LEGACY_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _drop_sqlite_tables(conn: Connection) -> None:
    # FTS_TABLE itself: the one table of migration 0002's layout.
    for name in [*FTS_TABLES.values(), *RECENT_TABLES.values(), FTS_TABLE]:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def install(bind: Connection | Engine) -> None:
    """Create the search index for this database if it is missing; safe to call again."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            _drop_sqlite_triggers(conn)  # recreated below, so they are always current
            for kind in SOURCES:
                exists = conn.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
                    (FTS_TABLES[kind], RECENT_TABLES[kind]),
                ).scalar()
                if exists != 2:
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLES[kind]}")
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {RECENT_TABLES[kind]}")
                    for statement in _sqlite_ddl(kind) + _sqlite_fill(kind):
                        conn.exec_driver_sql(statement)
                for statement in _sqlite_triggers(kind):
                    conn.exec_driver_sql(statement)
        elif conn.dialect.name == "postgresql":
            _install_pg(conn)
    _run(bind, work)


def uninstall(bind: Connection | Engine) -> None:
    """Remove the search index entirely (downgrade, drop_all)."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            _drop_sqlite_triggers(conn)
            _drop_sqlite_tables(conn)
        elif conn.dialect.name == "postgresql":
            _drop_pg_recent(conn)
            for table in PG_VECTORS:  # the GIN index goes with its column
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_COLUMN}")
    _run(bind, work)


def pause(bind: Connection | Engine) -> None:
    """Stop indexing row by row, before a bulk load; rebuild() puts everything back."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            _drop_sqlite_triggers(conn)
        elif conn.dialect.name == "postgresql":
            _drop_pg_recent(conn)  # rebuild() fills them again
            for name in sorted(SEARCH_INDEXES):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    _run(bind, work)


def rebuild(bind: Connection | Engine) -> None:
    """Index every row again in one pass, and restore the triggers or indexes."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            _drop_sqlite_triggers(conn)
            _drop_sqlite_tables(conn)
        elif conn.dialect.name == "postgresql":
            _drop_pg_recent(conn)
    _run(bind, work)
    install(bind)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects are made by install(), not by the models."""
    if type_ == "table" and name and is_search_table(name):
        return False  # FTS5 tables, their shadow tables (_data, _idx...), the recent tables
    if type_ == "index" and name and (name in SEARCH_INDEXES
                                       or name.startswith(f"ix_{FTS_TABLE}")):
        return False  # GIN indexes, the recent tables' among them
    return not (type_ == "column" and name == PG_COLUMN)


def is_search_table(name: str) -> bool:
    """Tell whether a table belongs to the search index rather than to the models."""
    return name.startswith(FTS_TABLE)


@event.listens_for(db.metadata, "after_create")
def _after_create(metadata, connection, **kw) -> None:
    install(connection)


@event.listens_for(db.metadata, "before_drop")
def _before_drop(metadata, connection, **kw) -> None:
    uninstall(connection)

