"""Full-text search over stories, board threads and posts: one interface, two engines.

SQLite (the embedded default) keeps one contentless FTS5 table, `search_fts`, filled by
triggers on stories, threads and posts. PostgreSQL needs no extra table: GIN indexes on
`to_tsvector` expressions of the same columns, which the database keeps current itself.
Either way nothing in the posting path knows search exists.

`install(bind)` creates those objects (idempotently). Migration 0002 calls it, and so does
`db.create_all()` through the `after_create` listener at the bottom of this module, so a
schema built either way can be searched. A later migration that rebuilds stories, threads or
posts (Alembic's batch mode on SQLite copies the table and drops its triggers) must call
`install()` again.

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

# Kinds of result. A search key is id * KEY_WIDTH + kind: one integer orders and identifies
# every result, whatever table it comes from, so the three lists can be ranked as one.
STORY, THREAD, POST = 0, 1, 2
KEY_WIDTH = 4
CURSOR_PREFIX = {STORY: "s", THREAD: "t", POST: "p"}
CURSOR_RE = re.compile(r"^([stp])([0-9]{1,10})$")

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

FTS_TABLE = "search_fts"
# Title, summary and body: a story fills all three, a thread its title, a post its body.
# bm25 weights below favour a match in a title over one in a summary over one in a body.
SQLITE_DDL = f"""
CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
    title, summary, body, content='', tokenize='porter unicode61 remove_diacritics 2'
)"""
SQLITE_WEIGHTS = "10.0, 4.0, 1.0"
# Per table: key expression and the three column values, for old.* and new.* rows.
_SOURCES = {
    "stories": (STORY, "title", "summary", "body"),
    "threads": (THREAD, "title", "NULL", "NULL"),
    "posts": (POST, "NULL", "NULL", "body"),
}


def _values(kind: int, row: str, cols: tuple[str, str, str]) -> str:
    exprs = [c if c == "NULL" else f"{row}.{c}" for c in cols]
    return f"{row}.id * {KEY_WIDTH} + {kind}, " + ", ".join(exprs)


def _sqlite_triggers() -> list[str]:
    """AFTER INSERT/UPDATE/DELETE triggers that mirror each source row into search_fts."""
    out = []
    for table, (kind, *cols) in _SOURCES.items():
        insert = f"INSERT INTO {FTS_TABLE}(rowid, title, summary, body) VALUES ({_values(kind, 'new', cols)});"
        # A contentless table forgets a row only when told its exact old values.
        delete = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, summary, body) "
                  f"VALUES ('delete', {_values(kind, 'old', cols)});")
        watched = ", ".join(c for c in cols if c != "NULL")
        out += [
            f"CREATE TRIGGER IF NOT EXISTS search_{table}_ai AFTER INSERT ON {table} "
            f"BEGIN {insert} END",
            f"CREATE TRIGGER IF NOT EXISTS search_{table}_ad AFTER DELETE ON {table} "
            f"BEGIN {delete} END",
            # Only when indexed text changes: a thread's counters change on every reply.
            f"CREATE TRIGGER IF NOT EXISTS search_{table}_au AFTER UPDATE OF {watched} "
            f"ON {table} BEGIN {delete} {insert} END",
        ]
    return out


def _sqlite_fill() -> list[str]:
    """Statements that index every existing row (the triggers only see later changes)."""
    return [
        f"INSERT INTO {FTS_TABLE}(rowid, title, summary, body) "
        f"SELECT {_values(kind, table, cols)} FROM {table}"
        for table, (kind, *cols) in _SOURCES.items()
    ]


# --- the index: PostgreSQL --------------------------------------------------------------

# The same expressions build the indexes and appear in every query, so the planner uses them
# ({t} is the table's alias in a query; the planner matches the expression either way).
PG_CONFIG = "'english'"
PG_VECTORS = {
    "stories": (
        f"setweight(to_tsvector({PG_CONFIG}, {{t}}title), 'A') || "
        f"setweight(to_tsvector({PG_CONFIG}, {{t}}summary), 'B') || "
        f"to_tsvector({PG_CONFIG}, {{t}}body)"
    ),
    "threads": f"setweight(to_tsvector({PG_CONFIG}, {{t}}title), 'A')",
    "posts": f"to_tsvector({PG_CONFIG}, {{t}}body)",
}
PG_ALIAS = {"stories": "s.", "threads": "t.", "posts": "p."}


def _vector(table: str, alias: str = "") -> str:
    return PG_VECTORS[table].format(t=alias)


SEARCH_INDEXES = {f"ix_{table}_search" for table in PG_VECTORS}
# ts_rank normalisation 1: divide by 1 + log(length), so long texts do not win by size alone.
PG_NORMALIZATION = 1


def _pg_ddl() -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} USING gin (({_vector(table)}))"
        for table in PG_VECTORS
    ]


# --- installing and removing ------------------------------------------------------------

def _dialect(bind) -> str:
    return bind.dialect.name


def _run(bind: Connection | Engine, work) -> None:
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            work(conn)
    else:
        work(bind)


def install(bind: Connection | Engine) -> None:
    """Create the search index for this database if it is missing; safe to call again."""
    def work(conn: Connection) -> None:
        if _dialect(conn) == "sqlite":
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
            ).first()
            if not exists:
                conn.exec_driver_sql(SQLITE_DDL)
                for statement in _sqlite_fill():
                    conn.exec_driver_sql(statement)
            for statement in _sqlite_triggers():
                conn.exec_driver_sql(statement)
        elif _dialect(conn) == "postgresql":
            for statement in _pg_ddl():
                conn.exec_driver_sql(statement)
    _run(bind, work)


def uninstall(bind: Connection | Engine) -> None:
    """Remove the search index, its table and triggers (for downgrades and drop_all)."""
    def work(conn: Connection) -> None:
        if _dialect(conn) == "sqlite":
            for table in _SOURCES:
                for suffix in ("ai", "ad", "au"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{table}_{suffix}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif _dialect(conn) == "postgresql":
            for name in sorted(SEARCH_INDEXES):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    _run(bind, work)


def drop_triggers(bind: Connection | Engine) -> None:
    """Stop indexing writes (before a bulk load); rebuild() afterwards puts everything back."""
    def work(conn: Connection) -> None:
        if _dialect(conn) == "sqlite":
            for table in _SOURCES:
                for suffix in ("ai", "ad", "au"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{table}_{suffix}")
        elif _dialect(conn) == "postgresql":
            for name in sorted(SEARCH_INDEXES):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    _run(bind, work)


def rebuild(bind: Connection | Engine) -> None:
    """Index every row again from scratch, and restore the triggers or indexes."""
    def work(conn: Connection) -> None:
        if _dialect(conn) == "sqlite":
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    _run(bind, work)
    install(bind)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects are made by install(), not by the models."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False  # the FTS5 table and its shadow tables (_data, _idx, _docsize, _config)
    if type_ == "index" and name in SEARCH_INDEXES:
        return False
    return True


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
    if not match:
        abort(404)
    kind = {v: k for k, v in CURSOR_PREFIX.items()}[match.group(1)]
    return int(match.group(2)) * KEY_WIDTH + kind


def cursor(key: int) -> str:
    return f"{CURSOR_PREFIX[key % KEY_WIDTH]}{key // KEY_WIDTH}"


# Visible to every reader: published stories; board threads not hidden; visible posts in a
# thread not hidden, and, for a story's comments, under a published story.
SQLITE_RANKED = f"""
SELECT h.key, h.rank FROM (
    SELECT rowid AS key, bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) AS rank
    FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match
) AS h
WHERE {{after}} CASE h.key % {KEY_WIDTH}
    WHEN {STORY} THEN EXISTS (
        SELECT 1 FROM stories s JOIN threads t ON t.id = s.thread_id
        WHERE s.id = h.key / {KEY_WIDTH} AND s.state = 'published' AND NOT t.hidden)
    WHEN {THREAD} THEN EXISTS (
        SELECT 1 FROM threads t
        WHERE t.id = h.key / {KEY_WIDTH} AND t.board_id IS NOT NULL AND NOT t.hidden)
    WHEN {POST} THEN EXISTS (
        SELECT 1 FROM posts p JOIN threads t ON t.id = p.thread_id
        LEFT JOIN stories s ON s.thread_id = t.id
        WHERE p.id = h.key / {KEY_WIDTH} AND p.state = 'visible' AND NOT t.hidden
          AND (t.board_id IS NOT NULL OR s.state = 'published'))
    ELSE 0 END
ORDER BY h.rank, h.key
LIMIT :limit
"""
SQLITE_ANCHOR = f"""
SELECT bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) FROM {FTS_TABLE}
WHERE {FTS_TABLE} MATCH :match AND rowid = :key
"""

_TSQUERY = f"plainto_tsquery({PG_CONFIG}, :words)"


def _pg_rank(table: str) -> str:
    # Negated, so that on both engines a smaller rank is a better match.
    return (f"-ts_rank({_vector(table, PG_ALIAS[table])}, {_TSQUERY}, "
            f"{PG_NORMALIZATION})::float8")


PG_RANKED = f"""
SELECT key, rank FROM (
    SELECT s.id::bigint * {KEY_WIDTH} + {STORY} AS key, {_pg_rank('stories')} AS rank
    FROM stories s JOIN threads t ON t.id = s.thread_id
    WHERE ({_vector('stories', 's.')}) @@ {_TSQUERY} AND s.state = 'published' AND NOT t.hidden
  UNION ALL
    SELECT t.id::bigint * {KEY_WIDTH} + {THREAD}, {_pg_rank('threads')}
    FROM threads t
    WHERE ({_vector('threads', 't.')}) @@ {_TSQUERY} AND t.board_id IS NOT NULL AND NOT t.hidden
  UNION ALL
    SELECT p.id::bigint * {KEY_WIDTH} + {POST}, {_pg_rank('posts')}
    FROM posts p JOIN threads t ON t.id = p.thread_id LEFT JOIN stories s ON s.thread_id = t.id
    WHERE ({_vector('posts', 'p.')}) @@ {_TSQUERY} AND p.state = 'visible' AND NOT t.hidden
      AND (t.board_id IS NOT NULL OR s.state = 'published')
) AS h
WHERE {{after}} TRUE
ORDER BY rank, key
LIMIT :limit
"""
PG_ANCHOR = {
    kind: f"SELECT {_pg_rank(table)} FROM {table} AS {PG_ALIAS[table][0]} "
          f"WHERE {PG_ALIAS[table]}id = :id AND ({_vector(table, PG_ALIAS[table])}) @@ {_TSQUERY}"
    for kind, table in ((STORY, "stories"), (THREAD, "threads"), (POST, "posts"))
}
AFTER = "(h.rank, h.key) > (:after_rank, :after_key) AND"


def _ranked_keys(words: list[str], after: int | None, limit: int) -> list[int]:
    """Search keys of the best visible matches, after the result `after`, best first."""
    session = db.session
    sqlite = session.get_bind().dialect.name == "sqlite"
    params = {"limit": limit}
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
            anchor = PG_ANCHOR.get(after % KEY_WIDTH)
            rank = anchor and session.execute(
                text(anchor), {**params, "id": after // KEY_WIDTH}).scalar()
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
    plain = Markup(html).striptags()
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
    ids = {kind: [k // KEY_WIDTH for k in keys if k % KEY_WIDTH == kind]
           for kind in (STORY, THREAD, POST)}
    found: dict[int, Result] = {}
    if ids[STORY]:
        stories = db.session.scalars(
            select(Story).where(Story.id.in_(ids[STORY])).options(joinedload(Story.handle)))
        for story in stories:
            found[story.id * KEY_WIDTH + STORY] = Result(
                "story", story.title, url_for("stories.show", slug=story.slug), story.handle,
                story.published_at,
                excerpt(f"<p>{Markup.escape(story.summary)}</p>{story.body_html}", words))
    if ids[THREAD]:
        threads = db.session.scalars(
            select(Thread).where(Thread.id.in_(ids[THREAD]))
            .options(joinedload(Thread.handle), joinedload(Thread.board)))
        for thread in threads:
            found[thread.id * KEY_WIDTH + THREAD] = Result(
                "thread", thread.title, url_for("threads.show", thread_id=thread.id),
                thread.handle, thread.created_at,
                context=thread.board.name if thread.board else "")
    if ids[POST]:
        rows = db.session.execute(
            select(Post, Thread.title).join(Thread, Post.thread_id == Thread.id)
            .where(Post.id.in_(ids[POST])).options(joinedload(Post.handle)))
        for post, title in rows:
            found[post.id * KEY_WIDTH + POST] = Result(
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
