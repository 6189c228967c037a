"""Search: small "recent" tables of each kind's newest rows, so a search costs the same at any size.

Both databases get search_fts_<table>_recent for stories, threads and posts: the newest
rows only (forum.search.service.RECENT_INDEXED), kept by triggers, where a common word's
newest matches are found and ranked at a bounded cost. See forum/search/service.py.

SQLite: 0002's one contentless FTS5 table, search_fts, is also split into one per kind,
search_fts_<table> (bm25() counts the matches of each word in its whole table first, once
per kind searched). Everything is refilled from the source tables: about 20 s at 1M posts.

PostgreSQL: the recent tables (id, search_vector) with a GIN index each, and a plpgsql
trigger per source table; the stored tsvector columns and their GIN indexes stay.

Downgrade puts back 0002's layout (SQLite: its single table and triggers, refilled).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:00:00.000000

"""
from alembic import op

from forum.search import service as search


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# 0002's layout, frozen here: (kind << 40) + id as rowid, three columns for every kind.
_LEGACY_SOURCES = {
    "stories": (0, "title", "summary", "body"),
    "threads": (1, "title", "NULL", "NULL"),
    "posts": (2, "NULL", "NULL", "body"),
}


def _legacy_values(kind, row, cols):
    exprs = [c if c == "NULL" else f"{row}.{c}" for c in cols]
    return f"{kind << 40} + {row}.id, " + ", ".join(exprs)


def upgrade():
    # Drops 0002's SQLite table and triggers (or the layout 0002's install() already made
    # on a new database) and builds the current one.
    search.rebuild(op.get_bind())


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("stories", "threads", "posts"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fts_{table}_recent_sync ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS search_fts_{table}_recent_sync()")
            op.execute(f"DROP TABLE IF EXISTS search_fts_{table}_recent")
        return
    for table in ("stories", "threads", "posts"):
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fts_{table}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS search_fts_{table}")
        op.execute(f"DROP TABLE IF EXISTS search_fts_{table}_recent")
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, body, content='', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    for table, (kind, *cols) in _LEGACY_SOURCES.items():
        op.execute("INSERT INTO search_fts(rowid, title, summary, body) "
                   f"SELECT {_legacy_values(kind, table, cols)} FROM {table}")
        insert = ("INSERT INTO search_fts(rowid, title, summary, body) "
                  f"VALUES ({_legacy_values(kind, 'new', cols)});")
        delete = ("INSERT INTO search_fts(search_fts, rowid, title, summary, body) "
                  f"VALUES ('delete', {_legacy_values(kind, 'old', cols)});")
        watched = ", ".join(c for c in cols if c != "NULL")
        op.execute(f"CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} BEGIN {delete} END")
        op.execute(f"CREATE TRIGGER search_{table}_au AFTER UPDATE OF {watched} ON {table} "
                   f"BEGIN {delete} {insert} END")
