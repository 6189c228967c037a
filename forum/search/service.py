"""Full-text search over stories, board threads and posts: one interface, two engines.

SQLite (the embedded default) keeps contentless FTS5 tables, one per kind
(`search_fts_stories`, `_threads`, `_posts`), filled by triggers on those tables. PostgreSQL
keeps a stored generated `tsvector` column, `search_vector`, on each of them, with a GIN
index; the database computes it on every write. Both also keep a small "recent" table per
kind (`search_fts_<table>_recent`: the RECENT_INDEXED newest rows, with its own index, kept by
triggers). Either way nothing in the posting path knows search exists.

`install(bind)` creates those objects (idempotently). Migrations 0002 and 0004 call it, and so
does `db.create_all()` through the `after_create` listener below, so a schema built either way
can be searched. They are not in the models: `include_object` keeps Alembic's autogenerate
away from them. A later migration that rebuilds stories, threads or posts (Alembic's batch
mode on SQLite copies the table and drops its triggers) must call `install()` again.

Why a stored column and not only an expression index on PostgreSQL: ranking needs each
match's tsvector, and recomputing `to_tsvector` of a 1,500-word story for every match made a
search ten times slower (measured: bench/RESULTS.md).

Cost, the same at 10,000 posts as at millions: ranking reads every candidate, so each kind
ranks only its WINDOW newest matches (stories, long, a quarter of that). Finding those must
not grow with the corpus either, and neither engine does that on its full index: SQLite's
bm25() first counts every row holding each query word (its IDF, 15 of the 18 ms of "elders
meeting" at 1M posts), and PostgreSQL either walks the newest rows until WINDOW of them match
(16,000 posts, 19 ms) or reads every match from the GIN index. So a word's newest matches
come from the recent tables, whose size bounds all of that; only a word with fewer than
MIN_RECENT matches there is looked up in the full index, where it is rare as well. A specific
query is thus ranked exactly; a very common word among its recent uses.

Visibility (hidden, deleted, draft, hidden thread) is decided when searching, not when
indexing: a moderator's decision takes effect at once, with nothing to re-index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, url_for
from markupsafe import Markup
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, Story, Thread
from ..text import start_of
from ..public_ids import PATTERN as PUBLIC_ID

# Kinds of result. A search key is (kind << KIND_SHIFT) + id: one integer identifies and
# orders every result, whatever its table, so three lists rank as one.
STORY, THREAD, POST = 0, 1, 2
KIND_SHIFT = 40
ID_MASK = (1 << KIND_SHIFT) - 1
# A page's cursor names its last result by kind and public id ("p" + a post's public id),
# never by row id: a row id would tell when it was written, and trying any would probe.
CURSOR_PREFIX = {STORY: "s", THREAD: "t", POST: "p"}
CURSOR_RE = re.compile(f"^([stp])({PUBLIC_ID})$")
# Newest matches of each kind that are ranked (stories: WINDOW // 4) ...
WINDOW = 200
# ... found among each kind's newest rows, kept in the recent tables (about 10 MB at most;
# built into the triggers, so a change needs rebuild(), i.e. a migration); a word with fewer
# than MIN_RECENT matches there ranks its newest matches of any age instead.
RECENT_INDEXED = {STORY: 2_000, THREAD: 10_000, POST: 20_000}
MIN_RECENT = 5

# What a query may be: a few plain words. Everything else (quotes, operators, column filters,
# megabytes of text) is dropped before either engine sees it.
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 40
WORD_RE = re.compile(r"[^\W_]+")
# Words too common to narrow anything down; PostgreSQL's english configuration drops these
# too, so both engines treat "the way out" as "way out".
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his i if in into is it its me my "
    "no not of on or our she so such than that the their them then there these they this to "
    "was we were what when which who will with you your".split()
)
EXCERPT_CHARS = 240
# How much of a result's HTML is read for its excerpt: some 3,000 words of plain prose.
EXCERPT_HTML_CHARS = 20_000

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
_SOURCES = {
    STORY: ("stories", (("title", 10.0), ("summary", 4.0), ("body", 1.0))),
    THREAD: ("threads", (("title", 10.0),)),
    POST: ("posts", (("body", 1.0),)),
}
FTS_TABLES = {kind: f"{FTS_TABLE}_{table}" for kind, (table, _) in _SOURCES.items()}
RECENT_TABLES = {kind: f"{fts}_recent" for kind, fts in FTS_TABLES.items()}  # both engines
_TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"
# Objects of the single-table layout of migration 0002, removed by migration 0004.
_LEGACY_TRIGGERS = [f"search_{table}_{suffix}" for table in ("stories", "threads", "posts")
                    for suffix in ("ai", "ad", "au")]


def _columns(kind: int) -> list[str]:
    return [name for name, _ in _SOURCES[kind][1]]


def _weights(kind: int) -> str:
    return ", ".join(str(weight) for _, weight in _SOURCES[kind][1])


def _sqlite_ddl(kind: int) -> list[str]:
    cols = ", ".join(_columns(kind))
    return [
        f"CREATE VIRTUAL TABLE {FTS_TABLES[kind]} USING fts5({cols}, content='', {_TOKENIZE})",
        f"CREATE VIRTUAL TABLE {RECENT_TABLES[kind]} USING fts5({cols}, {_TOKENIZE})",
    ]


def _sqlite_triggers(kind: int) -> list[str]:
    """AFTER INSERT/UPDATE/DELETE triggers that mirror a kind's rows into its FTS tables."""
    table, fts, recent = _SOURCES[kind][0], FTS_TABLES[kind], RECENT_TABLES[kind]
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
    table, names = _SOURCES[kind][0], ", ".join(_columns(kind))
    return [
        (f"INSERT INTO {FTS_TABLES[kind]}(rowid, {names}) "  # nosec B608
         f"SELECT id, {names} FROM {table}"),
        (f"INSERT INTO {RECENT_TABLES[kind]}(rowid, {names}) "  # nosec B608
         f"SELECT id, {names} FROM {table} "
         f"WHERE id > (SELECT max(id) FROM {table}) - {RECENT_INDEXED[kind]}"),
    ]


# --- the index: PostgreSQL --------------------------------------------------------------

PG_COLUMN = "search_vector"
PG_CONFIG = "'english'"
# Weights A (title), B (summary), D (body): ts_rank counts a title match ten times a body's.
PG_VECTORS = {
    "stories": (
        f"setweight(to_tsvector({PG_CONFIG}, title), 'A') || "
        f"setweight(to_tsvector({PG_CONFIG}, summary), 'B') || "
        f"to_tsvector({PG_CONFIG}, body)"
    ),
    "threads": f"setweight(to_tsvector({PG_CONFIG}, title), 'A')",
    "posts": f"to_tsvector({PG_CONFIG}, body)",
}
SEARCH_INDEXES = {f"ix_{table}_search" for table in PG_VECTORS}
# ts_rank normalisation 1: divide by 1 + log(length), so long texts do not win by size alone.
PG_NORMALIZATION = 1


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
    table, recent = _SOURCES[kind][0], RECENT_TABLES[kind]
    return (f"INSERT INTO {recent} (id, {PG_COLUMN}) "  # nosec B608
            f"SELECT id, {PG_COLUMN} FROM {table} "
            f"WHERE id > (SELECT max(id) FROM {table}) - {RECENT_INDEXED[kind]}")


def _pg_recent_trigger(kind: int) -> list[str]:
    table, recent = _SOURCES[kind][0], RECENT_TABLES[kind]
    watched = ", ".join(_columns(kind))
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
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {recent}_sync ON {_SOURCES[kind][0]}")
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
            for kind in _SOURCES:
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


# --- queries ----------------------------------------------------------------------------

def terms(raw: str | None) -> list[str]:
    """The plain words of a query, lower-cased, without operators, stop words or repeats."""
    words = WORD_RE.findall((raw or "")[:MAX_QUERY_CHARS].lower())
    kept = [w for w in words if len(w) <= MAX_TERM_CHARS and w not in STOPWORDS]
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def parse_cursor(raw: str | None) -> tuple[int, str] | None:
    """The `after` argument (the last result shown: its kind's letter and public id) as
    (kind, public id); nonsense is 404."""
    if raw in (None, ""):
        return None
    match = CURSOR_RE.match(raw)
    if not match:
        abort(404)
    kind = {v: k for k, v in CURSOR_PREFIX.items()}[match.group(1)]
    return kind, match.group(2)


def _sqlite_candidates(kind: int) -> str:
    """Two CTEs: <kind>_recent, the WINDOW newest matches in the recent table, and <kind>_hits,
    those if there are at least MIN_RECENT, else the WINDOW newest in the full table. Each
    with its bm25 rank. Newest first with a LIMIT: FTS5 reads a word's rowid-ordered list
    backwards and stops there."""
    name, fts, recent = _SOURCES[kind][0], FTS_TABLES[kind], RECENT_TABLES[kind]
    enough = f"(SELECT count(*) FROM {name}_recent) >= :min_recent"  # nosec B608
    return (
        f"{name}_recent AS MATERIALIZED (SELECT rowid AS id, "  # nosec B608
        f"bm25({recent}, {_weights(kind)}) AS rank FROM {recent} WHERE {recent} MATCH :match "
        f"ORDER BY rowid DESC LIMIT :window_{name}), "
        f"{name}_hits AS (SELECT id, rank FROM {name}_recent WHERE {enough} "
        # A LIMIT of 0, not a WHERE: with a WHERE, FTS5 would still read every match.
        f"UNION ALL SELECT * FROM (SELECT rowid AS id, bm25({fts}, {_weights(kind)}) AS rank "
        f"FROM {fts} WHERE {fts} MATCH :match ORDER BY rowid DESC "
        f"LIMIT CASE WHEN {enough} THEN 0 ELSE :window_{name} END))"
    )


# Visible to every reader: published stories; board threads not hidden; visible posts in a
# thread not hidden, and, for a story's comments, under a published story.
SQLITE_RANKED = f"""
WITH {_sqlite_candidates(STORY)}, {_sqlite_candidates(THREAD)}, {_sqlite_candidates(POST)}
SELECT h.key, h.rank FROM (
    SELECT {STORY << KIND_SHIFT} + id AS key, rank FROM stories_hits
    UNION ALL SELECT {THREAD << KIND_SHIFT} + id, rank FROM threads_hits
    UNION ALL SELECT {POST << KIND_SHIFT} + id, rank FROM posts_hits
) AS h
WHERE {{after}} CASE h.key >> {KIND_SHIFT}
    WHEN {STORY} THEN EXISTS (
        SELECT 1 FROM stories s JOIN threads t ON t.id = s.thread_id
        WHERE s.id = h.key & {ID_MASK} AND s.state = 'published' AND NOT t.hidden)
    WHEN {THREAD} THEN EXISTS (
        SELECT 1 FROM threads t
        WHERE t.id = h.key & {ID_MASK} AND t.board_id IS NOT NULL AND NOT t.hidden)
    WHEN {POST} THEN EXISTS (
        SELECT 1 FROM posts p JOIN threads t ON t.id = p.thread_id
        LEFT JOIN stories s ON s.thread_id = t.id
        WHERE p.id = h.key & {ID_MASK} AND p.state = 'visible' AND NOT t.hidden
          AND (t.board_id IS NOT NULL OR s.state = 'published'))
    ELSE 0 END
ORDER BY h.rank, h.key
LIMIT :limit
"""  # nosec B608
# The row id of the result a cursor names, by its public id, if every reader may see it
# (as in the ranked lists): a cursor outside the list is refused, never used as a probe.
VISIBLE_BY_PUBLIC_ID = {
    STORY: "SELECT s.id FROM stories s JOIN threads t ON t.id = s.thread_id "
           "WHERE s.public_id = :public_id AND s.state = 'published' AND NOT t.hidden",
    THREAD: "SELECT t.id FROM threads t WHERE t.public_id = :public_id "
            "AND t.board_id IS NOT NULL AND NOT t.hidden",
    POST: "SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id "
          "LEFT JOIN stories s ON s.thread_id = t.id WHERE p.public_id = :public_id "
          "AND p.state = 'visible' AND NOT t.hidden "
          "AND (t.board_id IS NOT NULL OR s.state = 'published')",
}
# The rank and row id of one result (a page's cursor), from the table its kind was ranked on.
SQLITE_ANCHOR = {
    kind: f"""
WITH {_SOURCES[kind][0]}_recent AS MATERIALIZED (
    SELECT rowid FROM {recent} WHERE {recent} MATCH :match ORDER BY rowid DESC
    LIMIT :window_{_SOURCES[kind][0]}),
anchor AS MATERIALIZED ({VISIBLE_BY_PUBLIC_ID[kind]})
SELECT bm25({recent}, {_weights(kind)}), rowid FROM {recent} WHERE {recent} MATCH :match
    AND rowid = (SELECT id FROM anchor)
    AND (SELECT count(*) FROM {_SOURCES[kind][0]}_recent) >= :min_recent
UNION ALL
SELECT bm25({fts}, {_weights(kind)}), rowid FROM {fts} WHERE {fts} MATCH :match
    AND rowid = (SELECT id FROM anchor)
    AND (SELECT count(*) FROM {_SOURCES[kind][0]}_recent) < :min_recent
"""  # nosec B608
    for kind, fts, recent in ((k, FTS_TABLES[k], RECENT_TABLES[k]) for k in _SOURCES)
}

_TSQUERY = f"plainto_tsquery({PG_CONFIG}, :words)"


def _pg_rank(alias: str) -> str:
    # Negated, so that on both engines a smaller rank is a better match.
    return f"-ts_rank({alias}.{PG_COLUMN}, {_TSQUERY}, {PG_NORMALIZATION})::float8"


def _pg_candidates(kind: int) -> str:
    """Two CTEs, as on SQLite: <table>_recent, the WINDOW newest matches in the recent table,
    and <table>_hits, those if there are at least MIN_RECENT, else the WINDOW newest in the
    full table. The second query runs only then (a one-time filter); the planner reads the
    GIN index for it, since a word that rare has few matches to read."""
    table, recent = _SOURCES[kind][0], RECENT_TABLES[kind]
    enough = f"(SELECT count(*) FROM {table}_recent) >= :min_recent"  # nosec B608
    return (f"{table}_recent AS MATERIALIZED (SELECT id, {PG_COLUMN} FROM {recent} "  # nosec B608
            f"WHERE {PG_COLUMN} @@ {_TSQUERY} ORDER BY id DESC LIMIT :window_{table}), "
            f"{table}_hits AS (SELECT * FROM {table}_recent WHERE {enough} "
            f"UNION ALL (SELECT id, {PG_COLUMN} FROM {table} WHERE {PG_COLUMN} @@ {_TSQUERY} "
            f"AND NOT {enough} ORDER BY id DESC LIMIT :window_{table}))")


# Visibility as on SQLite: a lookup by id per candidate (a subplan: the planner, which
# cannot know which of a kind's two candidate lists runs, otherwise hash-joined all stories).
PG_RANKED = f"""
WITH {_pg_candidates(STORY)}, {_pg_candidates(THREAD)}, {_pg_candidates(POST)}
SELECT key, rank FROM (
    SELECT {STORY << KIND_SHIFT}::bigint + h.id AS key, {_pg_rank('h')} AS rank
    FROM stories_hits h WHERE (
        SELECT s.state = 'published' AND NOT t.hidden
        FROM stories s JOIN threads t ON t.id = s.thread_id WHERE s.id = h.id)
  UNION ALL
    SELECT {THREAD << KIND_SHIFT}::bigint + h.id, {_pg_rank('h')}
    FROM threads_hits h WHERE (
        SELECT t.board_id IS NOT NULL AND NOT t.hidden FROM threads t WHERE t.id = h.id)
  UNION ALL
    SELECT {POST << KIND_SHIFT}::bigint + h.id, {_pg_rank('h')}
    FROM posts_hits h WHERE (
        SELECT p.state = 'visible' AND NOT t.hidden
               AND (t.board_id IS NOT NULL OR s.state = 'published')
        FROM posts p JOIN threads t ON t.id = p.thread_id
        LEFT JOIN stories s ON s.thread_id = t.id WHERE p.id = h.id)
) AS h
WHERE {{after}} TRUE
ORDER BY rank, key
LIMIT :limit
"""  # nosec B608
PG_ANCHOR = {
    kind: f"SELECT {_pg_rank('x')}, x.id FROM {table} AS x "  # nosec B608
          f"WHERE x.id = ({VISIBLE_BY_PUBLIC_ID[kind]}) AND x.{PG_COLUMN} @@ {_TSQUERY}"
    for kind, table in ((STORY, "stories"), (THREAD, "threads"), (POST, "posts"))
}
AFTER = "(h.rank, h.key) > (:after_rank, :after_key) AND"


def _ranked_keys(words: list[str], after: tuple[int, str] | None, limit: int) -> list[int]:
    """Search keys of the best visible matches, after the result `after` (kind, public
    id), best first."""
    session = db.session
    sqlite = session.get_bind().dialect.name == "sqlite"
    windows = {STORY: max(1, WINDOW // 4), THREAD: WINDOW, POST: WINDOW}
    params = {f"window_{_SOURCES[kind][0]}": n for kind, n in windows.items()}
    # A window smaller than MIN_RECENT (in tests) is enough when full.
    params.update(limit=limit, min_recent=min(MIN_RECENT, *windows.values()))
    if sqlite:
        # Each term a quoted string: FTS5 reads it as a word, never as syntax.
        params["match"] = " ".join(f'"{w}"' for w in words)
    else:
        params["words"] = " ".join(words)
    if after is not None:
        # The cursor names a result; its rank is worked out again from it, for this query.
        kind, public_id = after
        anchor = (SQLITE_ANCHOR if sqlite else PG_ANCHOR)[kind]
        found = session.execute(text(anchor), {**params, "public_id": public_id}).first()
        if found is None:
            abort(404)
        params.update(after_rank=found[0], after_key=(kind << KIND_SHIFT) + found[1])
    sql = (SQLITE_RANKED if sqlite else PG_RANKED).format(after=AFTER if after is not None else "")
    return [key for key, _ in session.execute(text(sql), params)]


# --- results ----------------------------------------------------------------------------

@dataclass
class Result:
    """One search result, ready for the page: nothing here links an anonymous name anywhere."""

    kind: str  # "story", "thread" or "post"
    title: str
    url: str
    handle: object  # the Handle shown as the author, rendered by the `author` macro
    date: datetime
    excerpt: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a match)
    context: str = ""  # for a post: the title of the discussion it is in
    cursor: str = ""  # names this result in a page link: its kind's letter and public id


@dataclass
class Results:
    words: list[str]
    items: list[Result]
    next_after: str | None

    @property
    def has_next(self) -> bool:
        return self.next_after is not None


def excerpt(html: str, words: list[str], length: int = EXCERPT_CHARS) -> list[tuple[str, bool]]:
    """Plain text around the first matching word, split into (text, is a match) pieces.

    The text comes from the already sanitised HTML with its tags stripped; the template
    escapes every piece, so nothing a writer typed becomes markup here.
    """
    # Only the start of a long text is read: stripping and unescaping all of 100,000
    # characters took up to 30 ms per result. A match further in shows the text's start.
    start_html = start_of(html, EXCERPT_HTML_CHARS)
    more = len(start_html) < len(html)
    # Already sanitised HTML in, plain text out (escaped by the template): no Markup escapes.
    plain = Markup(start_html).striptags()  # nosec B704
    if not plain:
        return []
    # A match is any word starting like a search term, so "shunned" marks "shunning" too.
    stems = sorted({w if len(w) <= 4 else w[: max(4, len(w) - 2)] for w in words},
                   key=len, reverse=True)
    pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE
    ) if stems else None
    first = pattern.search(plain) if pattern else None
    start = 0
    if first and first.start() > length // 4:
        start = plain.rfind(" ", 0, first.start() - length // 4) + 1
    window = plain[start:start + length]
    if start + length < len(plain) or more:
        window = window.rsplit(" ", 1)[0] + "…"
    if start:
        window = "…" + window
    if pattern is None:
        return [(window, False)]
    pieces, pos = [], 0
    for match in pattern.finditer(window):
        if match.start() > pos:
            pieces.append((window[pos:match.start()], False))
        pieces.append((match.group(), True))
        pos = match.end()
    if pos < len(window):
        pieces.append((window[pos:], False))
    return pieces


def _load(keys: list[int], words: list[str]) -> list[Result]:
    """The rows behind `keys`, one query per kind, in the order of `keys`."""
    ids = {kind: [k & ID_MASK for k in keys if k >> KIND_SHIFT == kind]
           for kind in (STORY, THREAD, POST)}
    found: dict[int, Result] = {}
    if ids[STORY]:
        stories = db.session.scalars(
            select(Story).where(Story.id.in_(ids[STORY])).options(joinedload(Story.handle)))
        for story in stories:
            found[(STORY << KIND_SHIFT) + story.id] = Result(
                "story", story.title, url_for("stories.show", slug=story.slug), story.handle,
                story.published_at,
                excerpt(f"<p>{Markup.escape(story.summary)}</p>{story.body_html}", words),
                cursor=CURSOR_PREFIX[STORY] + story.public_id)
    if ids[THREAD]:
        threads = db.session.scalars(
            select(Thread).where(Thread.id.in_(ids[THREAD]))
            .options(joinedload(Thread.handle), joinedload(Thread.board)))
        for thread in threads:
            found[(THREAD << KIND_SHIFT) + thread.id] = Result(
                "thread", thread.title, url_for("threads.show", thread_id=thread.public_id),
                thread.handle, thread.created_at,
                context=thread.board.name if thread.board else "",
                cursor=CURSOR_PREFIX[THREAD] + thread.public_id)
    if ids[POST]:
        rows = db.session.execute(
            select(Post, Thread.title).join(Thread, Post.thread_id == Thread.id)
            .where(Post.id.in_(ids[POST])).options(joinedload(Post.handle)))
        for post, title in rows:
            found[(POST << KIND_SHIFT) + post.id] = Result(
                "post", title, url_for("threads.post", post_id=post.public_id), post.handle,
                post.created_at, excerpt(post.body_html, words), context=title,
                cursor=CURSOR_PREFIX[POST] + post.public_id)
    return [found[k] for k in keys if k in found]


def search(raw: str | None, after: tuple[int, str] | None, per_page: int) -> Results:
    """One page of results for a reader's query, best match first, in a fixed few queries."""
    words = terms(raw)
    if not words:
        return Results(words, [], None)
    keys = _ranked_keys(words, after, per_page + 1)
    more = len(keys) > per_page
    items = _load(keys[:per_page], words)
    return Results(words, items, items[-1].cursor if more and items else None)
