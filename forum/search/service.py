"""Full-text search over stories, board threads and posts: one interface, two engines.

SQLite (the embedded default) keeps one contentless FTS5 table, `search_fts`, filled by
triggers on stories, threads and posts. PostgreSQL keeps a stored generated `tsvector` column,
`search_vector`, on each of those tables, with a GIN index; the database computes it on every
write. Either way nothing in the posting path knows search exists.

`install(bind)` creates those objects (idempotently). Migration 0002 calls it, and so does
`db.create_all()` through the `after_create` listener below, so a schema built either way
can be searched. They are not in the models: `include_object` keeps Alembic's autogenerate
away from them. A later migration that rebuilds stories, threads or posts (Alembic's batch
mode on SQLite copies the table and drops its triggers) must call `install()` again.

Why a stored column and not only an expression index on PostgreSQL: ranking needs each
match's tsvector, and recomputing `to_tsvector` of a 1,500-word story for every match made a
search ten times slower (measured: bench/RESULTS.md).

Cost: ranking reads every candidate, so each kind of result ranks only its WINDOW newest
matches. A specific query (fewer matches than that) is ranked exactly; a very common word is
ranked among its recent uses, and the page costs the same at 10,000 posts as at millions.

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

# Kinds of result. A search key is (kind << KIND_SHIFT) + id: one integer identifies and
# orders every result, whatever its table, so three lists rank as one; each kind's keys form
# one contiguous range, which the FTS5 index can scan newest first.
STORY, THREAD, POST = 0, 1, 2
KIND_SHIFT = 40
ID_MASK = (1 << KIND_SHIFT) - 1
CURSOR_PREFIX = {STORY: "s", THREAD: "t", POST: "p"}
CURSOR_RE = re.compile(r"^([stp])([0-9]{1,12})$")
# Newest matches of each kind that are ranked (see the module docstring).
WINDOW = 200

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

# --- the index: SQLite ------------------------------------------------------------------

# SQL below is built from module constants only (names, kinds, weights), never from user
# text: search words are bound parameters. Hence the B608 exemptions for bandit.
FTS_TABLE = "search_fts"
# Title, summary and body: a story fills all three, a thread its title, a post its body.
# bm25 weights below favour a match in a title over one in a summary over one in a body.
SQLITE_DDL = f"""
CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
    title, summary, body, content='', tokenize='porter unicode61 remove_diacritics 2'
)"""
SQLITE_WEIGHTS = "10.0, 4.0, 1.0"
# Per table: its kind and the values of the three columns.
_SOURCES = {
    "stories": (STORY, "title", "summary", "body"),
    "threads": (THREAD, "title", "NULL", "NULL"),
    "posts": (POST, "NULL", "NULL", "body"),
}


def _values(kind: int, row: str, cols: tuple[str, str, str]) -> str:
    exprs = [c if c == "NULL" else f"{row}.{c}" for c in cols]
    return f"{kind << KIND_SHIFT} + {row}.id, " + ", ".join(exprs)


def _sqlite_triggers() -> list[str]:
    """AFTER INSERT/UPDATE/DELETE triggers that mirror each source row into search_fts."""
    out = []
    for table, (kind, *cols) in _SOURCES.items():
        insert = (f"INSERT INTO {FTS_TABLE}(rowid, title, summary, body) "  # nosec B608
                  f"VALUES ({_values(kind, 'new', cols)});")
        # A contentless table forgets a row only when told its exact old values.
        delete = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, summary, body) "  # nosec B608
                  f"VALUES ('delete', {_values(kind, 'old', cols)});")
        watched = ", ".join(c for c in cols if c != "NULL")
        out += [
            (f"CREATE TRIGGER IF NOT EXISTS search_{table}_ai AFTER INSERT ON {table} "
             f"BEGIN {insert} END"),
            (f"CREATE TRIGGER IF NOT EXISTS search_{table}_ad AFTER DELETE ON {table} "
             f"BEGIN {delete} END"),
            # Only when indexed text changes: a thread's counters change on every reply.
            (f"CREATE TRIGGER IF NOT EXISTS search_{table}_au AFTER UPDATE OF {watched} "
             f"ON {table} BEGIN {delete} {insert} END"),
        ]
    return out


def _sqlite_fill() -> list[str]:
    """Statements that index every existing row (the triggers only see later changes)."""
    return [
        f"INSERT INTO {FTS_TABLE}(rowid, title, summary, body) "  # nosec B608
        f"SELECT {_values(kind, table, cols)} FROM {table}"
        for table, (kind, *cols) in _SOURCES.items()
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
    # the GIN index) from a common one (walk the newest rows until WINDOW match): with the
    # default, a word in no post at all was taken for a common one, and a search read every row.
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
    ]


# --- installing and removing ------------------------------------------------------------

def _run(bind: Connection | Engine, work) -> None:
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            work(conn)
    else:
        work(bind)


def _drop_sqlite_triggers(conn: Connection) -> None:
    for table in _SOURCES:
        for suffix in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{table}_{suffix}")


def install(bind: Connection | Engine) -> None:
    """Create the search index for this database if it is missing; safe to call again."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
            ).first()
            if not exists:
                conn.exec_driver_sql(SQLITE_DDL)
                for statement in _sqlite_fill():
                    conn.exec_driver_sql(statement)
            for statement in _sqlite_triggers():
                conn.exec_driver_sql(statement)
        elif conn.dialect.name == "postgresql":
            for statement in _pg_columns() + _pg_indexes():
                conn.exec_driver_sql(statement)
    _run(bind, work)


def uninstall(bind: Connection | Engine) -> None:
    """Remove the search index entirely (downgrade, drop_all)."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            _drop_sqlite_triggers(conn)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif conn.dialect.name == "postgresql":
            for table in PG_VECTORS:  # the GIN index goes with its column
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_COLUMN}")
    _run(bind, work)


def pause(bind: Connection | Engine) -> None:
    """Stop indexing row by row, before a bulk load; rebuild() puts everything back."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            _drop_sqlite_triggers(conn)
        elif conn.dialect.name == "postgresql":
            for name in sorted(SEARCH_INDEXES):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    _run(bind, work)


def rebuild(bind: Connection | Engine) -> None:
    """Index every row again in one pass, and restore the triggers or indexes."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    _run(bind, work)
    install(bind)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects are made by install(), not by the models."""
    if type_ == "table" and name and is_search_table(name):
        return False  # the FTS5 table and its shadow tables (_data, _idx, _docsize, _config)
    if type_ == "index" and name in SEARCH_INDEXES:
        return False
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


def parse_cursor(raw: str | None) -> int | None:
    """The `after` argument ("p123": the last result shown) as a search key; nonsense is 404."""
    if raw in (None, ""):
        return None
    match = CURSOR_RE.match(raw)
    if not match or int(match.group(2)) > ID_MASK:
        abort(404)
    kind = {v: k for k, v in CURSOR_PREFIX.items()}[match.group(1)]
    return (kind << KIND_SHIFT) + int(match.group(2))


def cursor(key: int) -> str:
    return f"{CURSOR_PREFIX[key >> KIND_SHIFT]}{key & ID_MASK}"


def _sqlite_window(kind: int) -> str:
    low = kind << KIND_SHIFT
    return (f"SELECT * FROM (SELECT rowid AS key, bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) AS rank "  # nosec B608
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match "
            f"AND rowid BETWEEN {low} AND {low + ID_MASK} ORDER BY rowid DESC LIMIT :window)")


# Visible to every reader: published stories; board threads not hidden; visible posts in a
# thread not hidden, and, for a story's comments, under a published story.
SQLITE_RANKED = f"""
SELECT h.key, h.rank FROM (
    {_sqlite_window(STORY)} UNION ALL {_sqlite_window(THREAD)} UNION ALL {_sqlite_window(POST)}
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
SQLITE_ANCHOR = f"""
SELECT bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) FROM {FTS_TABLE}
WHERE {FTS_TABLE} MATCH :match AND rowid = :key
"""  # nosec B608

_TSQUERY = f"plainto_tsquery({PG_CONFIG}, :words)"


def _pg_rank(alias: str) -> str:
    # Negated, so that on both engines a smaller rank is a better match.
    return f"-ts_rank({alias}.{PG_COLUMN}, {_TSQUERY}, {PG_NORMALIZATION})::float8"


def _pg_window(table: str, columns: str, where: str) -> str:
    """The newest WINDOW matches in `table`: PostgreSQL walks the primary key backwards
    for a common word, or reads the GIN index for a rare one, whichever is cheaper."""
    return (f"(SELECT {columns}, {PG_COLUMN} FROM {table} "  # nosec B608
            f"WHERE {PG_COLUMN} @@ {_TSQUERY} AND {where} ORDER BY id DESC LIMIT :window)")


PG_RANKED = f"""
SELECT key, rank FROM (
    SELECT {STORY << KIND_SHIFT}::bigint + s.id AS key, {_pg_rank('s')} AS rank
    FROM {_pg_window('stories', 'id, thread_id', "state = 'published'")} AS s
    JOIN threads t ON t.id = s.thread_id
    WHERE NOT t.hidden
  UNION ALL
    SELECT {THREAD << KIND_SHIFT}::bigint + t.id, {_pg_rank('t')}
    FROM {_pg_window('threads', 'id', 'board_id IS NOT NULL AND NOT hidden')} AS t
  UNION ALL
    SELECT {POST << KIND_SHIFT}::bigint + p.id, {_pg_rank('p')}
    FROM {_pg_window('posts', 'id, thread_id', "state = 'visible'")} AS p
    JOIN threads t ON t.id = p.thread_id LEFT JOIN stories s ON s.thread_id = t.id
    WHERE NOT t.hidden AND (t.board_id IS NOT NULL OR s.state = 'published')
) AS h
WHERE {{after}} TRUE
ORDER BY rank, key
LIMIT :limit
"""  # nosec B608
PG_ANCHOR = {
    kind: f"SELECT {_pg_rank('x')} FROM {table} AS x "  # nosec B608
          f"WHERE x.id = :id AND x.{PG_COLUMN} @@ {_TSQUERY}"
    for kind, table in ((STORY, "stories"), (THREAD, "threads"), (POST, "posts"))
}
AFTER = "(h.rank, h.key) > (:after_rank, :after_key) AND"


def _ranked_keys(words: list[str], after: int | None, limit: int) -> list[int]:
    """Search keys of the best visible matches, after the result `after`, best first."""
    session = db.session
    sqlite = session.get_bind().dialect.name == "sqlite"
    params = {"limit": limit, "window": WINDOW}
    if sqlite:
        # Each term a quoted string: FTS5 reads it as a word, never as syntax.
        params["match"] = " ".join(f'"{w}"' for w in words)
    else:
        params["words"] = " ".join(words)
    if after is not None:
        # The cursor is an id; its rank is worked out again from it, for this query.
        if sqlite:
            rank = session.execute(text(SQLITE_ANCHOR), {**params, "key": after}).scalar()
        else:
            rank = session.execute(text(PG_ANCHOR[after >> KIND_SHIFT]),
                                   {**params, "id": after & ID_MASK}).scalar()
        if rank is None:
            abort(404)
        params.update(after_rank=rank, after_key=after)
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
    # Already sanitised HTML in, plain text out (escaped by the template): no Markup escapes.
    plain = Markup(html).striptags()  # nosec B704
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
    if start + length < len(plain):
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
                excerpt(f"<p>{Markup.escape(story.summary)}</p>{story.body_html}", words))
    if ids[THREAD]:
        threads = db.session.scalars(
            select(Thread).where(Thread.id.in_(ids[THREAD]))
            .options(joinedload(Thread.handle), joinedload(Thread.board)))
        for thread in threads:
            found[(THREAD << KIND_SHIFT) + thread.id] = Result(
                "thread", thread.title, url_for("threads.show", thread_id=thread.id),
                thread.handle, thread.created_at,
                context=thread.board.name if thread.board else "")
    if ids[POST]:
        rows = db.session.execute(
            select(Post, Thread.title).join(Thread, Post.thread_id == Thread.id)
            .where(Post.id.in_(ids[POST])).options(joinedload(Post.handle)))
        for post, title in rows:
            found[(POST << KIND_SHIFT) + post.id] = Result(
                "post", title, url_for("threads.post", post_id=post.id), post.handle,
                post.created_at, excerpt(post.body_html, words), context=title)
    return [found[k] for k in keys if k in found]


def search(raw: str | None, after: int | None, per_page: int) -> Results:
    """One page of results for a reader's query, best match first, in a fixed few queries."""
    words = terms(raw)
    if not words:
        return Results(words, [], None)
    keys = _ranked_keys(words, after, per_page + 1)
    more = len(keys) > per_page
    keys = keys[:per_page]
    return Results(words, _load(keys, words), cursor(keys[-1]) if more else None)
