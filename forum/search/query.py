"""The query: a reader's words and cursor, and the SQL that ranks the visible matches.

Cost, the same at 10,000 posts as at millions: ranking reads every candidate, so each kind
ranks only its WINDOW newest matches (stories, long, a quarter of that). Finding those must
not grow with the corpus either, and neither engine does that on its full index: SQLite's
bm25() first counts every row holding each query word (its IDF, 15 of the 18 ms of "elders
meeting" at 1M posts), and PostgreSQL either walks the newest rows until WINDOW of them match
(16,000 posts, 19 ms) or reads every match from the GIN index. So a word's newest matches
come from the recent tables (index.py), whose size bounds all of that; only a word with fewer
than MIN_RECENT matches there is looked up in the full index, where it is rare as well. A
specific query is thus ranked exactly; a very common word among its recent uses.

Visibility (hidden, deleted, draft, hidden thread) is decided when searching, not when
indexing: a moderator's decision takes effect at once, with nothing to re-index.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import DateTime, text

from .. import permissions
from ..extensions import db
from ..models import PUBLISHED, VISIBLE
from ..public_ids import PATTERN as PUBLIC_ID
from .index import (
    FTS_TABLES,
    ID_MASK,
    KIND_SHIFT,
    PG_COLUMN,
    PG_CONFIGS,
    POST,
    RECENT_TABLES,
    SOURCES,
    STORY,
    THREAD,
    weights,
)

# A page's cursor names its last result by kind and public id ("p" + a post's public id),
# never by row id: a row id would tell when it was written, and trying any would probe.
CURSOR_PREFIX = {STORY: "s", THREAD: "t", POST: "p"}
CURSOR_RE = re.compile(f"^([stp])({PUBLIC_ID})$")
KINDS = frozenset((STORY, THREAD, POST))
# Newest matches of each kind that are ranked (stories: WINDOW // 4), found among each kind's
# newest rows (index.RECENT_INDEXED); a word with fewer than MIN_RECENT matches there ranks
# its newest matches of any age instead.
WINDOW = 200
MIN_RECENT = 5
# ts_rank normalisation 1: divide by 1 + log(length), so long texts do not win by size alone.
PG_NORMALIZATION = 1

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


class BadCursor(LookupError):
    """A page link's `after` that names no result every reader may see: the page is not found."""


def terms(raw: str | None) -> list[str]:
    """The plain words of a query, lower-cased, without operators, stop words or repeats."""
    words = WORD_RE.findall((raw or "")[:MAX_QUERY_CHARS].lower())
    kept = [w for w in words if len(w) <= MAX_TERM_CHARS and w not in STOPWORDS]
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def parse_cursor(raw: str | None) -> tuple[int, str] | None:
    """The `after` argument (the last result shown: its kind's letter and public id) as
    (kind, public id); nonsense raises BadCursor."""
    if raw in (None, ""):
        return None
    match = CURSOR_RE.match(raw)
    if not match:
        raise BadCursor(raw)
    kind = {v: k for k, v in CURSOR_PREFIX.items()}[match.group(1)]
    return kind, match.group(2)


# SQL below is built from module constants only (names, kinds, weights, states), never from
# user text: search words are bound parameters. Hence the B608 exemptions for bandit.

# Visible to every reader, per kind: published stories; board threads not hidden; visible
# posts in a thread not hidden, and, for a story's comments, under a published story. Aliases
# s (stories), t (threads), p (posts). The states are the models' constants written as SQL
# literals: these statements are text, built once at import.
# Board threads and their posts only on the boards this reader may read: :board_ids stands for
# permissions.visible_board_ids for them, put in as a subquery when the statement runs (_sql).
# A reader may narrow a search to one group: :in_group_s and :in_group_p stand for that
# condition on a story and on a story's comment (board threads have no group: a search in a
# group gives their kind no window at all), or for nothing (_sql puts either in).
STORY_SEEN = f"s.state = '{PUBLISHED}' AND NOT t.hidden :in_group_s"
THREAD_SEEN = "t.board_id IN :board_ids AND NOT t.hidden"
POST_SEEN = (f"p.state = '{VISIBLE}' AND NOT t.hidden "
             f"AND (t.board_id IN :board_ids OR (t.board_id IS NULL AND s.state = '{PUBLISHED}')) "
             ":in_group_p")
IN_GROUP = ("AND EXISTS (SELECT 1 FROM story_groups sg "
            "WHERE sg.story_id = s.id AND sg.group_id = :group_id)")
# No result twice: a board thread's own first post says what the thread is about, so when the
# thread is among the matches (by its title), its first post is left out of them. Decided in
# the ranking, before any page is cut, so every page and the count agree. The first post is
# the one with the thread's smallest path (a seek in ix_posts_thread_path), whatever its state.
NOT_ITS_THREADS_DUPLICATE = (
    "NOT (t.board_id IS NOT NULL AND t.id IN (SELECT id FROM threads_hits) "
    "AND NOT EXISTS (SELECT 1 FROM posts p0 WHERE p0.thread_id = p.thread_id "
    "AND p0.path < p.path))")


def _sqlite_candidates(kind: int) -> str:
    """Two CTEs: <kind>_recent, the WINDOW newest matches in the recent table, and <kind>_hits,
    those if there are at least MIN_RECENT, else the WINDOW newest in the full table. Each
    with its bm25 rank. Newest first with a LIMIT: FTS5 reads a word's rowid-ordered list
    backwards and stops there."""
    name, fts, recent = SOURCES[kind][0], FTS_TABLES[kind], RECENT_TABLES[kind]
    enough = f"(SELECT count(*) FROM {name}_recent) >= :min_recent"  # nosec B608
    return (
        f"{name}_recent AS MATERIALIZED (SELECT rowid AS id, "  # nosec B608
        f"bm25({recent}, {weights(kind)}) AS rank FROM {recent} WHERE {recent} MATCH :match "
        f"ORDER BY rowid DESC LIMIT :window_{name}), "
        f"{name}_hits AS (SELECT id, rank FROM {name}_recent WHERE {enough} "
        # A LIMIT of 0, not a WHERE: with a WHERE, FTS5 would still read every match.
        f"UNION ALL SELECT * FROM (SELECT rowid AS id, bm25({fts}, {weights(kind)}) AS rank "
        f"FROM {fts} WHERE {fts} MATCH :match ORDER BY rowid DESC "
        f"LIMIT CASE WHEN {enough} THEN 0 ELSE :window_{name} END))"
    )


# Only what every reader may see: a lookup by id per candidate, in the three *_SEEN terms.
# `total` counts every visible match (before the page's cursor and limit): the page says
# how many results the search has, in the same query. The candidates of each kind (before
# visibility) tell whether a kind's window was full: then there are more matches than were
# ranked, and the count is a floor ("at least").
CANDIDATES = ", ".join(f"(SELECT count(*) FROM {SOURCES[kind][0]}_hits) "  # nosec B608
                       f"AS {SOURCES[kind][0]}_candidates" for kind in (STORY, THREAD, POST))
SQLITE_RANKED = f"""
WITH {_sqlite_candidates(STORY)}, {_sqlite_candidates(THREAD)}, {_sqlite_candidates(POST)}
SELECT page.*, {{loaded}} FROM (
SELECT h.key, h.rank, h.total, {CANDIDATES} FROM (SELECT v.key, v.rank, count(*) OVER () AS total FROM (
    SELECT {STORY << KIND_SHIFT} + id AS key, rank FROM stories_hits
    UNION ALL SELECT {THREAD << KIND_SHIFT} + id, rank FROM threads_hits
    UNION ALL SELECT {POST << KIND_SHIFT} + id, rank FROM posts_hits
) AS v
WHERE CASE v.key >> {KIND_SHIFT}
    WHEN {STORY} THEN EXISTS (
        SELECT 1 FROM stories s JOIN threads t ON t.id = s.thread_id
        WHERE s.id = v.key & {ID_MASK} AND {STORY_SEEN})
    WHEN {THREAD} THEN EXISTS (
        SELECT 1 FROM threads t
        WHERE t.id = v.key & {ID_MASK} AND {THREAD_SEEN})
    WHEN {POST} THEN EXISTS (
        SELECT 1 FROM posts p JOIN threads t ON t.id = p.thread_id
        LEFT JOIN stories s ON s.thread_id = t.id
        WHERE p.id = v.key & {ID_MASK} AND {POST_SEEN} AND {NOT_ITS_THREADS_DUPLICATE})
    ELSE 0 END
) AS h
WHERE {{after}} TRUE
ORDER BY h.rank, h.key
LIMIT :limit
) AS page {{joins}}
ORDER BY page.rank, page.key
"""  # nosec B608
# The row id of the result a cursor names, by its public id, if every reader may see it
# (as in the ranked lists): a cursor outside the list is refused, never used as a probe.
VISIBLE_BY_PUBLIC_ID = {
    STORY: ("SELECT s.id FROM stories s JOIN threads t ON t.id = s.thread_id "  # nosec B608
            f"WHERE s.public_id = :public_id AND {STORY_SEEN}"),
    THREAD: ("SELECT t.id FROM threads t WHERE t.public_id = :public_id "  # nosec B608
             f"AND {THREAD_SEEN}"),
    POST: ("SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id "  # nosec B608
           "LEFT JOIN stories s ON s.thread_id = t.id "
           f"WHERE p.public_id = :public_id AND {POST_SEEN}"),
}
# The rank and row id of one result (a page's cursor), from the table its kind was ranked on.
SQLITE_ANCHOR = {
    kind: f"""
WITH {SOURCES[kind][0]}_recent AS MATERIALIZED (
    SELECT rowid FROM {recent} WHERE {recent} MATCH :match ORDER BY rowid DESC
    LIMIT :window_{SOURCES[kind][0]}),
anchor AS MATERIALIZED ({VISIBLE_BY_PUBLIC_ID[kind]})
SELECT bm25({recent}, {weights(kind)}), rowid FROM {recent} WHERE {recent} MATCH :match
    AND rowid = (SELECT id FROM anchor)
    AND (SELECT count(*) FROM {SOURCES[kind][0]}_recent) >= :min_recent
UNION ALL
SELECT bm25({fts}, {weights(kind)}), rowid FROM {fts} WHERE {fts} MATCH :match
    AND rowid = (SELECT id FROM anchor)
    AND (SELECT count(*) FROM {SOURCES[kind][0]}_recent) < :min_recent
"""  # nosec B608
    for kind, fts, recent in ((k, FTS_TABLES[k], RECENT_TABLES[k]) for k in SOURCES)
}

# The reader's words as every language's configuration makes them, or-ed: a story is
# stemmed in its own language (index.py), and a reader may look for stories in any language
# whatever the language of their pages, so the words are stemmed each way and a row matches
# when all of them match in one of its ways ("Gruppen" is 'grupp' in German, 'gruppen' in
# English: a German story holding "Gruppe" is found; an English one by its English stems as
# before). Not the reader's language plus 'simple': an English reader's "Erinnerungen" would
# then miss the German story saying "Erinnerung". The same for every reader, so what results.py
# keeps is true whoever asks. Posts are stemmed in their thread's language, as its title is.
# English rows match exactly as before (their branch is there); a word another language
# stems to the same lexeme can match more, never less.
_TSQUERY = "(" + " || ".join(f"plainto_tsquery('{config}', :words)"
                             for config in PG_CONFIGS.values()) + ")"


def _pg_rank(alias: str) -> str:
    # Negated, so that on both engines a smaller rank is a better match.
    return f"-ts_rank({alias}.{PG_COLUMN}, {_TSQUERY}, {PG_NORMALIZATION})::float8"


def _pg_candidates(kind: int) -> str:
    """Two CTEs, as on SQLite: <table>_recent, the WINDOW newest matches in the recent table,
    and <table>_hits, those if there are at least MIN_RECENT, else the WINDOW newest in the
    full table. The second query runs only then (a one-time filter); the planner reads the
    GIN index for it, since a word that rare has few matches to read."""
    table, recent = SOURCES[kind][0], RECENT_TABLES[kind]
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
SELECT page.*, {{loaded}} FROM (
SELECT key, rank, total, {CANDIDATES} FROM (SELECT key, rank, count(*) OVER () AS total FROM (
    SELECT {STORY << KIND_SHIFT}::bigint + h.id AS key, {_pg_rank('h')} AS rank
    FROM stories_hits h WHERE (
        SELECT {STORY_SEEN}
        FROM stories s JOIN threads t ON t.id = s.thread_id WHERE s.id = h.id)
  UNION ALL
    SELECT {THREAD << KIND_SHIFT}::bigint + h.id, {_pg_rank('h')}
    FROM threads_hits h WHERE (
        SELECT {THREAD_SEEN} FROM threads t WHERE t.id = h.id)
  UNION ALL
    SELECT {POST << KIND_SHIFT}::bigint + h.id, {_pg_rank('h')}
    FROM posts_hits h WHERE (
        SELECT {POST_SEEN} AND {NOT_ITS_THREADS_DUPLICATE}
        FROM posts p JOIN threads t ON t.id = p.thread_id
        LEFT JOIN stories s ON s.thread_id = t.id WHERE p.id = h.id)
) AS v) AS h
WHERE {{after}} TRUE
ORDER BY rank, key
LIMIT :limit
) AS page {{joins}}
ORDER BY page.rank, page.key
"""  # nosec B608
PG_ANCHOR = {
    kind: f"SELECT {_pg_rank('x')}, x.id FROM {table} AS x "  # nosec B608
          f"WHERE x.id = ({VISIBLE_BY_PUBLIC_ID[kind]}) AND x.{PG_COLUMN} @@ {_TSQUERY}"
    for kind, table in ((STORY, "stories"), (THREAD, "threads"), (POST, "posts"))
}
AFTER = "(h.rank, h.key) > (:after_rank, :after_key) AND"

# What the page shows of each ranked result, read in the same statement (results.py makes
# them into the page's results): a lookup by id per result of the page, in the table of its
# kind, with its author's name. Only from the page's rows, after ranking and its LIMIT.
# Columns: public id, title (a post's: its thread's), slug (stories), date, summary
# (stories), the start of the HTML its excerpt is made from (a thread's: its first post's,
# when everyone may read that post; one index seek in ix_posts_thread_path), context (a
# thread's board, a post's thread title), the author's handle id, name, kind and account, and
# the language.
# How much of a result's HTML is read for its excerpt: some 3,000 words of plain prose (the
# query reads one character more, so that the excerpt knows there is more).
EXCERPT_HTML_CHARS = 20_000
HTML_CHARS = EXCERPT_HTML_CHARS + 1
_KIND_OF = f"(page.key >> {KIND_SHIFT})"
_ID_OF = f"(page.key & {ID_MASK})"
LOADED = (
    "COALESCE(ls.public_id, lt.public_id, lp.public_id) AS public_id, "  # nosec B608
    "COALESCE(ls.title, lt.title, lpt.title) AS title, ls.slug AS slug, "
    "COALESCE(ls.published_at, lt.created_at, lp.created_at) AS shown_at, "
    "ls.summary AS summary, "
    f"CASE {_KIND_OF} WHEN {STORY} THEN substr(ls.body_html, 1, {HTML_CHARS}) "
    f"WHEN {THREAD} THEN (SELECT CASE WHEN p0.state = '{VISIBLE}' "
    f"THEN substr(p0.body_html, 1, {HTML_CHARS}) END FROM posts p0 "
    "WHERE p0.thread_id = lt.id ORDER BY p0.path LIMIT 1) "
    f"ELSE substr(lp.body_html, 1, {HTML_CHARS}) END AS html, "
    "COALESCE(lb.name, lpt.title, '') AS context, "
    "lh.id AS author_id, lh.name AS author_name, lh.kind AS author_kind, "
    "lh.user_id AS author_user_id, "
    # What the title and text are written in (a post: its thread's), for lang= on the page.
    "COALESCE(ls.language, lt.language, lpt.language) AS language"
)
LOADED_JOINS = (
    f"LEFT JOIN stories ls ON {_KIND_OF} = {STORY} AND ls.id = {_ID_OF} "
    f"LEFT JOIN threads lt ON {_KIND_OF} = {THREAD} AND lt.id = {_ID_OF} "
    f"LEFT JOIN posts lp ON {_KIND_OF} = {POST} AND lp.id = {_ID_OF} "
    "LEFT JOIN threads lpt ON lpt.id = lp.thread_id "
    "LEFT JOIN boards lb ON lb.id = lt.board_id "
    "LEFT JOIN handles lh ON lh.id = COALESCE(ls.handle_id, lt.handle_id, lp.handle_id)"
)


def _sql(statement: str, boards: str, in_group: bool = False):
    """A statement as text, with the SQL of the boards its reader may read in place of
    :board_ids, and the group condition (bound to :group_id) or nothing in place of
    :in_group_s and :in_group_p."""
    group = IN_GROUP if in_group else ""
    return text(statement.replace(":board_ids", f"({boards})")
                .replace(":in_group_s", group).replace(":in_group_p", group))


def readable_boards_sql(viewer, dialect) -> str:
    """permissions.visible_board_ids for `viewer` as SQL text: the one rule, in the one query
    that ranks. Its only values are the audience names and the viewer's row id, so writing
    them in as literals puts no user text into SQL. Compiled once per kind of reader (and
    member) and dialect in each process: compiling it was a fifth of a search's time."""
    return _boards_sql(permissions.board_reader(viewer), dialect)


@lru_cache(maxsize=4096)
def _boards_sql(reader: tuple, dialect) -> str:
    stmt = permissions._visible_board_ids(reader)
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def ranked(words: list[str], after: tuple[int, str] | None, limit: int,
           viewer=None, kinds: frozenset[int] = KINDS,
           group_id: int | None = None) -> tuple[list, int, bool]:
    """The best matches `viewer` (None: a visitor) may see, after the result `after` (kind,
    public id), best first; only of `kinds`, and with `group_id` only stories of that group
    and their comments: rows of (search key, rank, total, candidates of each kind, and what
    the page shows of it: LOADED's columns). With them, how many matches there are in all
    (0 when the page is empty), and whether that is a floor: a kind had more matches than
    it ranks."""
    session = db.session
    boards = readable_boards_sql(viewer, session.get_bind().dialect)
    sqlite = session.get_bind().dialect.name == "sqlite"
    windows = {STORY: max(1, WINDOW // 4), THREAD: WINDOW, POST: WINDOW}
    # A window smaller than MIN_RECENT (in tests) is enough when full.
    min_recent = min(MIN_RECENT, *windows.values())
    if group_id is not None:
        kinds = kinds - {THREAD}  # a board thread belongs to no group
    # A kind left out gets no window: its candidate lists stay empty and cost nothing.
    windows = {kind: (n if kind in kinds else 0) for kind, n in windows.items()}
    params = {f"window_{SOURCES[kind][0]}": n for kind, n in windows.items()}
    params.update(limit=limit, min_recent=min_recent)
    in_group = group_id is not None
    if in_group:
        params["group_id"] = group_id
    if sqlite:
        # Each term a quoted string: FTS5 reads it as a word, never as syntax.
        params["match"] = " ".join(f'"{w}"' for w in words)
    else:
        params["words"] = " ".join(words)
    if after is not None:
        # The cursor names a result; its rank is worked out again from it, for this query.
        kind, public_id = after
        anchor = (SQLITE_ANCHOR if sqlite else PG_ANCHOR)[kind]
        found = None if kind not in kinds else session.execute(
            _sql(anchor, boards, in_group), {**params, "public_id": public_id}).first()
        if found is None:
            raise BadCursor(f"{CURSOR_PREFIX[kind]}{public_id}")
        params.update(after_rank=found[0], after_key=(kind << KIND_SHIFT) + found[1])
    sql = (SQLITE_RANKED if sqlite else PG_RANKED).format(
        after=AFTER if after is not None else "", loaded=LOADED, joins=LOADED_JOINS)
    rows = session.execute(_sql(sql, boards, in_group).columns(shown_at=DateTime),
                           params).all()
    if not rows:
        return [], 0, False
    candidates = dict(zip((STORY, THREAD, POST), rows[0][3:6]))
    full = any(windows[kind] and candidates[kind] >= windows[kind] for kind in windows)
    return rows, rows[0][2], full

