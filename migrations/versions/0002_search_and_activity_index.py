"""Full-text search index, and an index for the home page's latest-active threads.

Search: an FTS5 table kept by triggers on SQLite; stored tsvector columns with GIN indexes
on PostgreSQL.

The search DDL here is the layout of this revision's time (forum/search/service.py as of
commit 424e5ac), copied in so that this migration builds the same schema whatever the search
code looks like today; migration 0004 replaces it. These objects are not in the models;
migrations/env.py leaves them out of autogenerate (search.service.include_object).
On PostgreSQL adding the stored columns rewrites stories, threads and posts once.

SQLite: one contentless FTS5 table, search_fts (title, summary, body), for every kind; a
row's rowid is (kind << 40) + its id, kind 0 for stories, 1 threads, 2 posts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# SQL below is built from these constants only, hence the B608 exemptions for bandit.
# Per source table: its kind, and what fills search_fts's title, summary and body.
_SOURCES = {
    "stories": (0, "title", "summary", "body"),
    "threads": (1, "title", "NULL", "NULL"),
    "posts": (2, "NULL", "NULL", "body"),
}
# PostgreSQL: weights A (title), B (summary), D (body).
_PG_VECTORS = {
    "stories": ("setweight(to_tsvector('english', title), 'A') || "
                "setweight(to_tsvector('english', summary), 'B') || "
                "to_tsvector('english', body)"),
    "threads": "setweight(to_tsvector('english', title), 'A')",
    "posts": "to_tsvector('english', body)",
}


def _values(kind, row, cols):
    exprs = [c if c == "NULL" else f"{row}.{c}" for c in cols]
    return f"{kind << 40} + {row}.id, " + ", ".join(exprs)


def _upgrade_sqlite():
    op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, body, content='', "
               "tokenize='porter unicode61 remove_diacritics 2')")
    # Indexes every row already there; the triggers keep the index current from then on.
    for table, (kind, *cols) in _SOURCES.items():
        op.execute("INSERT INTO search_fts(rowid, title, summary, body) "  # nosec B608
                   f"SELECT {_values(kind, table, cols)} FROM {table}")
    for table, (kind, *cols) in _SOURCES.items():
        insert = ("INSERT INTO search_fts(rowid, title, summary, body) "  # nosec B608
                  f"VALUES ({_values(kind, 'new', cols)});")
        # A contentless table forgets a row only when told its exact old values.
        delete = ("INSERT INTO search_fts(search_fts, rowid, title, summary, body) "  # nosec B608
                  f"VALUES ('delete', {_values(kind, 'old', cols)});")
        watched = ", ".join(c for c in cols if c != "NULL")
        op.execute(f"CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} "
                   f"BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} "
                   f"BEGIN {delete} END")
        # Only when indexed text changes: a thread's counters change on every reply.
        op.execute(f"CREATE TRIGGER search_{table}_au AFTER UPDATE OF {watched} "
                   f"ON {table} BEGIN {delete} {insert} END")


def _upgrade_postgresql():
    # A longer list of common words in the statistics lets the planner tell a rare word from
    # a common one.
    for table, expr in _PG_VECTORS.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
                   f"GENERATED ALWAYS AS ({expr}) STORED")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STATISTICS 1000")
    for table in _PG_VECTORS:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} "
                   "USING gin (search_vector)")


def upgrade():
    op.create_index('ix_threads_activity', 'threads', ['last_post_at', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _upgrade_sqlite()
    elif dialect == "postgresql":
        _upgrade_postgresql()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in _SOURCES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{suffix}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        for table in _PG_VECTORS:  # the GIN index goes with its column
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.drop_index('ix_threads_activity', table_name='threads')
