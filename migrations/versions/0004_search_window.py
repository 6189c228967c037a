"""Search: small "recent" tables of each kind's newest rows, so a search costs the same at any size.

Both databases get search_fts_<table>_recent for stories, threads and posts: the newest
rows only (2,000 stories, 10,000 threads, 20,000 posts), kept by triggers, where a common word's
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


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# SQL below is built from these constants only, hence the B608 exemptions for bandit.
# This revision's layout, frozen here (forum/search/service.py as of commit ed5d228).
# Per kind: its source table, and the columns indexed (bm25 weights are the search code's).
_TABLES = ("stories", "threads", "posts")
_COLUMNS = {"stories": ("title", "summary", "body"), "threads": ("title",), "posts": ("body",)}
# How many of each kind's newest rows the recent tables keep (built into the triggers).
_RECENT_INDEXED = {"stories": 2_000, "threads": 10_000, "posts": 20_000}
_TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"
# PostgreSQL: weights A (title), B (summary), D (body), as 0002 made them.
_PG_VECTORS = {
    "stories": ("setweight(to_tsvector('english', title), 'A') || "
                "setweight(to_tsvector('english', summary), 'B') || "
                "to_tsvector('english', body)"),
    "threads": "setweight(to_tsvector('english', title), 'A')",
    "posts": "to_tsvector('english', body)",
}

# 0002's layout, frozen here: (kind << 40) + id as rowid, three columns for every kind.
_LEGACY_SOURCES = {
    "stories": (0, "title", "summary", "body"),
    "threads": (1, "title", "NULL", "NULL"),
    "posts": (2, "NULL", "NULL", "body"),
}


def _legacy_values(kind, row, cols):
    exprs = [c if c == "NULL" else f"{row}.{c}" for c in cols]
    return f"{kind << 40} + {row}.id, " + ", ".join(exprs)


def _drop_sqlite_triggers():
    # This layout's triggers, and 0002's.
    for table in _TABLES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fts_{table}_{suffix}")
    for table in _TABLES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{suffix}")


def _sqlite_triggers(table):
    """AFTER INSERT/UPDATE/DELETE triggers that mirror a kind's rows into its FTS tables."""
    fts, recent, cols = f"search_fts_{table}", f"search_fts_{table}_recent", _COLUMNS[table]
    names = ", ".join(cols)
    insert = (f"INSERT INTO {fts}(rowid, {names}) "  # nosec B608
              f"VALUES (new.id, {', '.join(f'new.{c}' for c in cols)});")
    # A contentless table forgets a row only when told its exact old values.
    delete = (f"INSERT INTO {fts}({fts}, rowid, {names}) "  # nosec B608
              f"VALUES ('delete', old.id, {', '.join(f'old.{c}' for c in cols)});")
    # The recent table keeps its own copy, so it forgets by id (a no-op for an older row).
    recent_insert = (f"INSERT INTO {recent}(rowid, {names}) "  # nosec B608
                     f"VALUES (new.id, {', '.join(f'new.{c}' for c in cols)}); "
                     f"DELETE FROM {recent} WHERE rowid <= new.id - {_RECENT_INDEXED[table]};")
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


def _upgrade_sqlite():
    _drop_sqlite_triggers()
    # 0002's single table goes; the per-kind tables are built and filled from scratch.
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS search_fts_{table}")
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS search_fts_{table}_recent")
    op.execute("DROP TABLE IF EXISTS search_fts")
    for table in _TABLES:
        fts, recent = f"search_fts_{table}", f"search_fts_{table}_recent"
        names = ", ".join(_COLUMNS[table])
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='', {_TOKENIZE})")
        op.execute(f"CREATE VIRTUAL TABLE {recent} USING fts5({names}, {_TOKENIZE})")
        op.execute(f"INSERT INTO {fts}(rowid, {names}) "  # nosec B608
                   f"SELECT id, {names} FROM {table}")
        op.execute(f"INSERT INTO {recent}(rowid, {names}) "  # nosec B608
                   f"SELECT id, {names} FROM {table} "
                   f"WHERE id > (SELECT max(id) FROM {table}) - {_RECENT_INDEXED[table]}")
        for statement in _sqlite_triggers(table):
            op.execute(statement)


def _drop_pg_recent():
    for table in _TABLES:
        recent = f"search_fts_{table}_recent"
        op.execute(f"DROP TRIGGER IF EXISTS {recent}_sync ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {recent}_sync()")
        op.execute(f"DROP TABLE IF EXISTS {recent}")


def _upgrade_postgresql():
    _drop_pg_recent()
    # 0002's stored columns and GIN indexes stay (made here if missing).
    for table, expr in _PG_VECTORS.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
                   f"GENERATED ALWAYS AS ({expr}) STORED")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STATISTICS 1000")
    for table in _TABLES:
        recent, watched = f"search_fts_{table}_recent", ", ".join(_COLUMNS[table])
        op.execute(f"CREATE TABLE {recent} (id integer PRIMARY KEY, "
                   "search_vector tsvector NOT NULL)")
        op.execute(f"INSERT INTO {recent} (id, search_vector) "  # nosec B608
                   f"SELECT id, search_vector FROM {table} "
                   f"WHERE id > (SELECT max(id) FROM {table}) - {_RECENT_INDEXED[table]}")
        op.execute(f"CREATE OR REPLACE FUNCTION {recent}_sync() RETURNS trigger "
                   f"""LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {recent} WHERE id = OLD.id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE {recent} SET search_vector = NEW.search_vector WHERE id = NEW.id;
    ELSE
        INSERT INTO {recent} (id, search_vector) VALUES (NEW.id, NEW.search_vector);
        DELETE FROM {recent} WHERE id <= NEW.id - {_RECENT_INDEXED[table]};
    END IF;
    RETURN NULL;
END $$""")  # nosec B608
        op.execute(f"DROP TRIGGER IF EXISTS {recent}_sync ON {table}")
        op.execute(f"CREATE TRIGGER {recent}_sync AFTER INSERT OR DELETE OR UPDATE OF {watched} "
                   f"ON {table} FOR EACH ROW EXECUTE FUNCTION {recent}_sync()")
    for table in _TABLES:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} "
                   "USING gin (search_vector)")
    for table in _TABLES:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_search_fts_{table}_recent "
                   f"ON search_fts_{table}_recent USING gin (search_vector)")


def upgrade():
    # Replaces 0002's layout (SQLite: its single table and triggers) with this one.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _upgrade_sqlite()
    elif dialect == "postgresql":
        _upgrade_postgresql()


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
        op.execute("INSERT INTO search_fts(rowid, title, summary, body) "  # nosec B608
                   f"SELECT {_legacy_values(kind, table, cols)} FROM {table}")
        insert = ("INSERT INTO search_fts(rowid, title, summary, body) "  # nosec B608
                  f"VALUES ({_legacy_values(kind, 'new', cols)});")
        delete = ("INSERT INTO search_fts(search_fts, rowid, title, summary, body) "  # nosec B608
                  f"VALUES ('delete', {_legacy_values(kind, 'old', cols)});")
        watched = ", ".join(c for c in cols if c != "NULL")
        op.execute(f"CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} BEGIN {delete} END")
        op.execute(f"CREATE TRIGGER search_{table}_au AFTER UPDATE OF {watched} ON {table} "
                   f"BEGIN {delete} {insert} END")
