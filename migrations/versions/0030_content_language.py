"""stories and threads carry the language they are written in; search stems them in it

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 08:00:00.000000

`language` (VARCHAR(8), NOT NULL, default 'en') on stories and threads: a column with a
constant default, which PostgreSQL adds without rewriting the table and SQLite adds in place
(no batch copy, so the search triggers stay). Every row written before is English, as it was
indexed. A board thread's language is its writer's; a story's comment section carries its
story's. One index for the story index in one language.

PostgreSQL: the stored search_vector of stories and threads is made again with each row's
own text search configuration (english, german, spanish by `language`); this rewrites those
two tables and rebuilds their GIN indexes once (posts are not touched: they stay English).
Their recent tables' triggers also watch `language` from now, so changing it re-indexes the
row. Every existing row is 'en', so its vector comes out as it was; the recent tables are
copied again anyway, so that they hold exactly what their tables hold.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

TABLES = ('stories', 'threads')
ROW_CONFIG = ("CASE language WHEN 'de' THEN 'german'::regconfig "
              "WHEN 'es' THEN 'spanish'::regconfig ELSE 'english'::regconfig END")
# This revision's vectors, and those of 0004 (what downgrade puts back).
VECTORS = {
    "stories": (f"setweight(to_tsvector({ROW_CONFIG}, title), 'A') || "
                f"setweight(to_tsvector({ROW_CONFIG}, summary), 'B') || "
                f"to_tsvector({ROW_CONFIG}, body)"),
    "threads": f"setweight(to_tsvector({ROW_CONFIG}, title), 'A')",
}
ENGLISH_VECTORS = {
    "stories": ("setweight(to_tsvector('english', title), 'A') || "
                "setweight(to_tsvector('english', summary), 'B') || "
                "to_tsvector('english', body)"),
    "threads": "setweight(to_tsvector('english', title), 'A')",
}
WATCHED = {"stories": "title, summary, body, language", "threads": "title, language"}
ENGLISH_WATCHED = {"stories": "title, summary, body", "threads": "title"}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _vectors(vectors: dict, watched: dict) -> None:
    """Make each table's search_vector again from `vectors`, with its GIN index, the trigger
    of its recent table watching `watched`, and the recent table copied again."""
    for table, expr in vectors.items():
        recent = f"search_fts_{table}_recent"
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")  # its index too
        op.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                   f"GENERATED ALWAYS AS ({expr}) STORED")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STATISTICS 1000")
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")
        # The function (0004's) copies NEW.search_vector: only what fires it changes.
        op.execute(f"DROP TRIGGER IF EXISTS {recent}_sync ON {table}")
        op.execute(f"CREATE TRIGGER {recent}_sync AFTER INSERT OR DELETE OR UPDATE OF "
                   f"{watched[table]} ON {table} FOR EACH ROW EXECUTE FUNCTION {recent}_sync()")
        op.execute(f"UPDATE {recent} AS r SET search_vector = t.search_vector "  # nosec B608
                   f"FROM {table} AS t WHERE t.id = r.id")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('language', sa.String(length=8), nullable=False,
                                       server_default='en'))
    op.create_index('ix_stories_language_listing', 'stories',
                    ['language', 'state', 'published_at', 'id'])
    if _postgresql():
        _vectors(VECTORS, WATCHED)


def downgrade():
    if _postgresql():
        _vectors(ENGLISH_VECTORS, ENGLISH_WATCHED)  # before the column they read goes
    op.drop_index('ix_stories_language_listing', table_name='stories')
    for table in reversed(TABLES):
        op.drop_column(table, 'language')
