"""posts carry their thread's language; search stems them in it, as their thread's title

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 10:00:00.000000

`language` (VARCHAR(8), NOT NULL, default 'en') on posts: added in place, as 0030 added it to
stories and threads (a constant default: no table rewrite on PostgreSQL, no batch copy on
SQLite, so the search triggers stay). A post's language is its thread's, set by the posting
path and changed with it; existing posts take their thread's in one UPDATE (only the rows
whose thread is not English: the others have it already).

PostgreSQL: the posts' stored search_vector is made again with each row's own text search
configuration, by the same CASE as 0030's for stories and threads (a generated column reads
only its own row, hence the copy of the thread's language). The vector is dropped before the
UPDATE, so that the UPDATE maintains no GIN index, and added after it: one rewrite of the
table, and one build of its GIN index. The recent table's trigger watches `language` too
from now, and the recent table is copied again, to hold exactly what the table holds.
Downgrade puts back the English vector of 0004, then drops the column.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

ROW_CONFIG = ("CASE language WHEN 'de' THEN 'german'::regconfig "
              "WHEN 'es' THEN 'spanish'::regconfig ELSE 'english'::regconfig END")
VECTOR = f"to_tsvector({ROW_CONFIG}, body)"
ENGLISH_VECTOR = "to_tsvector('english', body)"  # 0004's, which downgrade puts back
RECENT = "search_fts_posts_recent"
# Constants only, never user text: hence the B608 exemption below.
FROM_THREADS = ("UPDATE posts AS p SET language = t.language FROM threads AS t "  # nosec B608
                "WHERE t.id = p.thread_id AND t.language <> 'en'")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _drop_vector() -> None:
    # The trigger first: its function reads the column.
    op.execute(f"DROP TRIGGER IF EXISTS {RECENT}_sync ON posts")
    op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS search_vector")  # its index too


def _add_vector(expr: str, watched: str) -> None:
    """Give posts the search_vector `expr`, with its GIN index and statistics, the recent
    table's trigger watching `watched`, and the recent table copied again."""
    op.execute(f"ALTER TABLE posts ADD COLUMN search_vector tsvector "
               f"GENERATED ALWAYS AS ({expr}) STORED")
    op.execute("ALTER TABLE posts ALTER COLUMN search_vector SET STATISTICS 1000")
    op.execute("CREATE INDEX ix_posts_search ON posts USING gin (search_vector)")
    # The function (0004's) copies NEW.search_vector: only what fires it changes.
    op.execute(f"CREATE TRIGGER {RECENT}_sync AFTER INSERT OR DELETE OR UPDATE OF "
               f"{watched} ON posts FOR EACH ROW EXECUTE FUNCTION {RECENT}_sync()")
    op.execute(f"UPDATE {RECENT} AS r SET search_vector = p.search_vector "  # nosec B608
               f"FROM posts AS p WHERE p.id = r.id")


def upgrade():
    op.add_column('posts', sa.Column('language', sa.String(length=8), nullable=False,
                                     server_default='en'))
    if _postgresql():
        _drop_vector()
    op.execute(FROM_THREADS)  # SQLite: its triggers watch body only, so none fires
    if _postgresql():
        _add_vector(VECTOR, "body, language")


def downgrade():
    if _postgresql():  # before the column it reads goes
        _drop_vector()
        _add_vector(ENGLISH_VECTOR, "body")
    op.drop_column('posts', 'language')
